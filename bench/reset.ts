/**
 * Issue #17's reset targets, on the real engine with the built CLI and the built library:
 *   one clone through the programmatic API <= 30 ms; `asymmetric reset <id>` as a whole
 *   process <= 150 ms; `env reset` of 5 clones <= 300 ms; `snapshot restore` of them the same.
 * The baseline, measured in the same run and alternated with the CLI runs, is `node -e 0`
 * (a bare Node process start): on a loaded machine the absolute figures drift, the ratio less.
 * Between resets a message is posted / a customer created, so every reset has work to undo.
 * Run: npm run build && node --import tsx bench/reset.ts [--runs 10] [--clones 5]
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { benchHome, report } from './lib.js';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) || fallback : fallback;
};
const runs = arg('--runs', 10);
const cloneCount = arg('--clones', 5);
// Which templates the environment cycles through, and which build runs (`--dist` compares another).
const templates = (process.argv[process.argv.indexOf('--templates') + 1] ?? '').includes('slack')
  ? (process.argv[process.argv.indexOf('--templates') + 1] ?? '').split(',')
  : ['slack', 'stripe'];
const dist = resolve(
  process.argv.includes('--dist')
    ? (process.argv[process.argv.indexOf('--dist') + 1] ?? '')
    : fileURLToPath(new URL('../dist', import.meta.url)),
);
const cli = join(dist, 'cli/asymmetric.mjs');
const home = benchHome(47600);
// biome-ignore lint/suspicious/noExplicitAny: the library is imported from dist, as a user would
const api: any = await import(pathToFileURL(join(dist, 'lib/index.mjs')).href);

// biome-ignore lint/suspicious/noExplicitAny: benchmark scripts read the CLI's JSON freely
async function asym(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ ms: number; json: any }> {
  const started = performance.now();
  const result = await execa('node', [cli, ...args], { env });
  const ms = performance.now() - started;
  return { ms, json: args.includes('--json') ? JSON.parse(result.stdout) : null };
}

const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    min: sorted[0] ?? Number.NaN,
    median: sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN,
    max: sorted.at(-1) ?? Number.NaN,
  };
};
const triple = (values: number[]) => {
  const s = stats(values);
  return `${s.min.toFixed(0)}/${s.median.toFixed(0)}/${s.max.toFixed(0)}`;
};
const ratio = (values: number[], base: number[]) =>
  `${(stats(values).median / stats(base).median).toFixed(2)}×`;

const nodeStart = async () => {
  const started = performance.now();
  await execa('node', ['-e', '0']);
  return performance.now() - started;
};

// One environment of `cloneCount` api-mode clones, alternating Slack and Stripe, seeded.
const dir = mkdtempSync(join(tmpdir(), 'asym-bench-reset-'));
const spec = join(dir, 'environment.yaml');
const members = Array.from({ length: cloneCount }, (_, i) =>
  [`  - template: ${templates[i % templates.length]}`, '    mode: api', '    seed: acme-corp'].join('\n'),
);
writeFileSync(spec, ['name: resetbench', 'clones:', ...members, ''].join('\n'));
try {
  await asym(home.env, 'env', 'spin', spec, '--json');
  const clones: Array<{ id: string; template: string; ports: { backend: number } }> = (
    await asym(home.env, 'status', '--json')
  ).json;
  const slack = clones.find((c) => c.template === 'slack');
  if (!slack) throw new Error('no slack clone spun');
  const botToken: string = (await asym(home.env, 'tokens', slack.id, '--json')).json.botToken;

  // A write for a reset to take back: the cheapest realistic agent action.
  const dirty = async () => {
    await fetch(`http://127.0.0.1:${slack.ports.backend}/api/chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${botToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'general', text: 'bench' }),
    }).then((r) => r.text());
  };

  const baseline: number[] = [];
  const cliWall: number[] = [];
  const cliInside: number[] = [];
  for (let i = 0; i < runs; i++) {
    baseline.push(await nodeStart());
    await dirty();
    const reset = await asym(home.env, 'reset', slack.id, '--json');
    cliWall.push(reset.ms);
    cliInside.push(reset.json.ms);
  }

  const apiWall: number[] = [];
  await api.reset(slack.id, { home: home.dir }); // first call loads the services
  for (let i = 0; i < runs; i++) {
    await dirty();
    const started = performance.now();
    await api.reset(slack.id, { home: home.dir });
    apiWall.push(performance.now() - started);
  }

  // The clone's own figure: the admin reset answers the milliseconds it spent.
  const record = JSON.parse(readFileSync(join(home.dir, 'registry.json'), 'utf8'));
  const adminToken: string = record.clones[slack.id].adminToken;
  const inClone: number[] = [];
  for (let i = 0; i < runs; i++) {
    await dirty();
    const response = await fetch(`http://127.0.0.1:${slack.ports.backend}/_asym/reset`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: '{}',
    });
    inClone.push(((await response.json()) as { ms: number }).ms);
  }

  const envWall: number[] = [];
  const envBaseline: number[] = [];
  for (let i = 0; i < Math.max(3, Math.ceil(runs / 2)); i++) {
    envBaseline.push(await nodeStart());
    await dirty();
    envWall.push((await asym(home.env, 'env', 'reset', 'resetbench', '--json')).ms);
  }

  await asym(home.env, 'snapshot', 'save', 'resetbench', 'bench');
  const restoreWall: number[] = [];
  for (let i = 0; i < Math.max(3, Math.ceil(runs / 2)); i++) {
    await dirty();
    restoreWall.push((await asym(home.env, 'snapshot', 'restore', 'resetbench', 'bench', '--json')).ms);
  }

  report(
    `asymmetric reset (${dist}; ${runs} runs; min/median/max in ms; load average ${loadavg()[0]?.toFixed(1)})`,
    [
      ['baseline: node -e 0 (process start)', triple(baseline), '1.00×'],
      ['reset <id> (whole CLI process)', triple(cliWall), `${ratio(cliWall, baseline)}   target <= 150 ms`],
      ['  of which the admin call (CLI says ms)', triple(cliInside), ''],
      ['reset via the programmatic API', triple(apiWall), 'target <= 30 ms'],
      ['  inside the clone (admin reset {ms})', triple(inClone), ''],
      [
        `env reset (${cloneCount} clones, whole CLI process)`,
        triple(envWall),
        `${ratio(envWall, envBaseline)}   target <= 300 ms`,
      ],
      [
        `snapshot restore (${cloneCount} clones, whole CLI)`,
        triple(restoreWall),
        `${ratio(restoreWall, envBaseline)}   target <= 300 ms`,
      ],
    ],
  );
} finally {
  await asym(home.env, 'env', 'destroy', 'resetbench');
}
