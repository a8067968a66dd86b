/**
 * Issue #17's spin targets, images built: `spin slack` (api, seeded) <= 2 s; `env spin` of
 * the README example <= 4 s. min/median/max over --runs, and where the median spin's time
 * went: the CLI's debug log (ASYM_DEBUG) stamps each Docker call, so the longest gaps
 * between its lines say which step waited (container create/start, the readiness wait
 * that covers Postgres start, migrations and seeding).
 * Run: npm run build && node --import tsx bench/spin.ts [--runs 3]
 */
import { execa } from 'execa';
import { spread } from './floor-lib.js';
import { asym, benchHome, CLI, destroyAll, EXAMPLE } from './lib.js';

const runs = Math.max(3, Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3);
const home = benchHome(48300);

try {
  // Warm-up: builds any image whose sources changed, so the timed runs measure spinning.
  const warm = await asym(home.env, 'spin', 'slack', 'stripe', '--json');
  for (const clone of warm.json) await asym(home.env, 'destroy', clone.id);

  interface Spin {
    ms: number;
    steps: Array<{ ms: number; line: string }>;
  }

  async function spinOnce(): Promise<Spin> {
    const started = performance.now();
    const result = await execa('node', [CLI, 'spin', 'slack', '--seed', 'acme-corp', '--json'], {
      env: { ...home.env, ASYM_DEBUG: '1' },
    });
    const ms = performance.now() - started;
    const startedAt = Date.now() - ms;
    let previous = startedAt;
    const steps: Spin['steps'] = [];
    for (const line of result.stderr.split('\n')) {
      const stamp = /^\[debug ([^\]]+)\] (.*)$/.exec(line);
      if (!stamp) continue;
      const at = Date.parse(stamp[1]!);
      steps.push({ ms: at - previous, line: `until: ${stamp[2]}` });
      previous = at;
    }
    steps.push({
      ms: startedAt + ms - previous,
      line: 'until: the CLI printed the clone (readiness wait, seeding)',
    });
    await asym(home.env, 'destroy', JSON.parse(result.stdout).id);
    return { ms, steps };
  }

  const spins: Spin[] = [];
  for (let i = 0; i < runs; i++) spins.push(await spinOnce());
  const envSpins: number[] = [];
  for (let i = 0; i < runs; i++) {
    envSpins.push((await asym(home.env, 'env', 'spin', EXAMPLE, '--json')).ms);
    await asym(home.env, 'env', 'destroy', 'acme');
  }

  const mmm = (values: number[]) => {
    const s = spread(values);
    return { text: `${s.min.toFixed(0)}/${s.median.toFixed(0)}/${s.max.toFixed(0)} ms`, median: s.median };
  };
  const spin = mmm(spins.map((s) => s.ms));
  const env = mmm(envSpins);
  process.stdout.write(
    `\nspin (${runs} runs each, images built; wall clock, min/median/max)\n` +
      `  spin slack --seed acme-corp (api)        ${spin.text.padStart(20)}   target <= 2000 ms: ${spin.median <= 2000 ? 'met' : 'NOT met'}\n` +
      `  env spin examples/environment.yaml       ${env.text.padStart(20)}   target <= 4000 ms: ${env.median <= 4000 ? 'met' : 'NOT met'}\n`,
  );
  const median = [...spins].sort((a, b) => a.ms - b.ms)[Math.floor((spins.length - 1) / 2)]!;
  process.stdout.write('  the median spin, its longest steps:\n');
  for (const step of [...median.steps].sort((a, b) => b.ms - a.ms).slice(0, 6)) {
    process.stdout.write(`    ${`${step.ms.toFixed(0)} ms`.padStart(8)}  ${step.line}\n`);
  }
} finally {
  await destroyAll(home.env);
}
