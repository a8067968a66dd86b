/**
 * Issue #17's spin targets, with images built (a warm-up spin builds what changed):
 *   `spin slack` (api) <= 2 s; `env spin` of the README example <= 4 s.
 * The baseline, measured in the same run and alternated with the spins, is a bare
 * `docker run` of the project's Postgres image until `pg_isready` answers: what any clone
 * must pay at the least (create, start, a database accepting connections). On a loaded
 * machine the absolute figures drift; the ratio less.
 * Run: npm run build && node --import tsx bench/spin.ts [--runs 3]
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { asym, benchHome, EXAMPLE, report } from './lib.js';

const at = process.argv.indexOf('--runs');
const runs = at > 0 ? Number(process.argv[at + 1]) || 3 : 3;
const home = benchHome(47700);

const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
  return { min: sorted[0] ?? Number.NaN, median, max: sorted.at(-1) ?? Number.NaN };
};
const triple = (values: number[]) => {
  const s = stats(values);
  return `${s.min.toFixed(0)}/${s.median.toFixed(0)}/${s.max.toFixed(0)}`;
};
const ratio = (values: number[], base: number[]) =>
  `${(stats(values).median / stats(base).median).toFixed(2)}×`;

// Warm-up: builds any image whose sources changed and the seed images (a template's Postgres
// image, migrated and seeded: the first spin of each fixture makes it), and names the Postgres
// image clones use. Every timed spin starts in an empty home (network, Redis and relay made).
const warm = await asym(home.env, 'spin', 'slack', '--json');
const registry = JSON.parse(readFileSync(join(home.dir, 'registry.json'), 'utf8'));
// A clone's Postgres runs its template's seed image (the project's Postgres image, seeded);
// the baseline is that image's parent, the bare Postgres image.
const seedImage: string = registry.clones[warm.json.id].images.postgres.tag;
const parent = (
  await execa('docker', ['image', 'inspect', seedImage, '--format', '{{.Parent}}'])
).stdout.trim();
const postgresImage = parent || seedImage;
await asym(home.env, 'destroy', warm.json.id);
// The environment's members need seed images of their own (made by their first spin).
await asym(home.env, 'env', 'spin', EXAMPLE, '--json');
await asym(home.env, 'env', 'destroy', 'acme');

/** A bare Postgres container of the same image, from `docker run` until it accepts connections. */
async function bareDockerRun(): Promise<number> {
  const started = performance.now();
  const { stdout: id } = await execa('docker', ['run', '-d', '--rm', postgresImage]);
  try {
    for (let attempt = 0; attempt < 600; attempt++) {
      const probe = await execa('docker', ['exec', id, 'pg_isready', '-q', '-U', 'asym', '-d', 'clone'], {
        reject: false,
      });
      if (probe.exitCode === 0) return performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('bare postgres did not become ready');
  } finally {
    await execa('docker', ['rm', '-f', id], { reject: false });
  }
}

const baseline: number[] = [];
const spins: number[] = [];
const envSpins: number[] = [];
for (let i = 0; i < runs; i++) {
  baseline.push(await bareDockerRun());
  const spun = await asym(home.env, 'spin', 'slack', '--json');
  spins.push(spun.ms);
  await asym(home.env, 'destroy', spun.json.id);
  envSpins.push((await asym(home.env, 'env', 'spin', EXAMPLE, '--json')).ms);
  await asym(home.env, 'env', 'destroy', 'acme');
}

report(`asymmetric spin (${runs} runs; min/median/max in ms; load average ${loadavg()[0]?.toFixed(1)})`, [
  ['baseline: docker run postgres until ready', triple(baseline), '1.00×'],
  ['spin slack (api)', triple(spins), `${ratio(spins, baseline)}   target <= 2000 ms`],
  [
    'env spin examples/environment.yaml',
    triple(envSpins),
    `${ratio(envSpins, baseline)}   target <= 4000 ms`,
  ],
]);
