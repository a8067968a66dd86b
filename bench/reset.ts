/**
 * Issue #17's reset targets, on an environment of 5 api-mode clones (3 Slack, 2 Stripe,
 * seeded): one clone through the programmatic API <= 30 ms; `asymmetric reset <id>` as a
 * whole process <= 150 ms (CLI start included; `node -e 0` is printed beside it: Node's
 * own start-up on this machine, which no change of ours removes); `env reset` of the 5
 * <= 300 ms; `snapshot restore` of the environment the same. min/median/max over --runs.
 * Run: npm run build && node --import tsx bench/reset.ts [--runs 10]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { spread } from './floor-lib.js';
import { asym, benchHome, CLI, destroyAll } from './lib.js';

const runs = Math.max(3, Number(process.argv[process.argv.indexOf('--runs') + 1]) || 10);
const home = benchHome(48200);
const spec = join(home.dir, 'five.yaml');
writeFileSync(
  spec,
  `name: five\nclones:\n${['slack', 'stripe', 'slack', 'stripe', 'slack']
    .map((t) => `  - template: ${t}\n    mode: api\n    seed: acme-corp\n`)
    .join('')}`,
);
const api = await import(new URL('../dist/lib/index.mjs', import.meta.url).href);

async function timed(command: () => Promise<unknown>): Promise<number[]> {
  await command(); // warm-up: caches, pooled connections
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await command();
    ms.push(performance.now() - started);
  }
  return ms;
}

try {
  const spun = (await asym(home.env, 'env', 'spin', spec, '--json')).json;
  const id: string = spun.clones?.[0]?.id ?? spun.members?.[0]?.id;
  if (!id) throw new Error(`no clone id in env spin output: ${JSON.stringify(spun).slice(0, 300)}`);
  await asym(home.env, 'snapshot', 'save', 'five', 'bench');
  const rows: Array<[string, number[], number]> = [
    ['node -e 0 (Node start-up alone)', await timed(() => execa('node', ['-e', '0'])), Number.NaN],
    ['asymmetric --version (CLI start-up)', await timed(() => execa('node', [CLI, '--version'])), Number.NaN],
    ['reset, programmatic API (in-process)', await timed(() => api.reset(id, { home: home.dir })), 30],
    ['asymmetric reset <id> (whole process)', await timed(() => asym(home.env, 'reset', id)), 150],
    ['asymmetric env reset five (5 clones)', await timed(() => asym(home.env, 'env', 'reset', 'five')), 300],
    [
      'asymmetric snapshot restore five bench',
      await timed(() => asym(home.env, 'snapshot', 'restore', 'five', 'bench')),
      300,
    ],
  ];
  process.stdout.write(`\nreset (${runs} runs each; wall clock, min/median/max)\n`);
  for (const [what, values, target] of rows) {
    const s = spread(values);
    const verdict = Number.isNaN(target)
      ? ''
      : `target <= ${target} ms: ${s.median <= target ? 'met' : 'NOT met'}`;
    process.stdout.write(
      `  ${what.padEnd(42)} ${`${s.min.toFixed(0)}/${s.median.toFixed(0)}/${s.max.toFixed(0)} ms`.padStart(16)}   ${verdict}\n`,
    );
  }
} finally {
  await destroyAll(home.env);
}
