/**
 * Issue #2's speed targets, measured with the built CLI on the real engine (images built
 * beforehand, as the targets say):
 *   spin slack (api) median <= 2 s; env spin of the README example <= 4 s (issue #17);
 *   reset median <= 300 ms; env reset of two clones <= 1 s; api-mode clone idle <= 200 MiB.
 * Run: npm run build && node --import tsx bench/core.ts [--runs 5]
 */
import { DockerRuntime } from '../src/runtime/docker-runtime.js';
import { LABEL } from '../src/runtime/labels.js';
import { asym, benchHome, EXAMPLE, fmt, median, report } from './lib.js';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 5;
const home = benchHome(47000);
const docker = new DockerRuntime();

// Warm-up: builds any image whose sources changed, so the timed runs measure spinning.
const warm = await asym(home.env, 'spin', 'slack', 'stripe', '--json');
for (const clone of warm.json) await asym(home.env, 'destroy', clone.id);

const spins: number[] = [];
for (let i = 0; i < runs; i++) {
  const spun = await asym(home.env, 'spin', 'slack', '--seed', 'acme-corp', '--json');
  spins.push(spun.ms);
  if (i < runs - 1) await asym(home.env, 'destroy', spun.json.id);
}
const [slack] = (await asym(home.env, 'status', '--json')).json;

const resets: number[] = [];
for (let i = 0; i < runs * 4; i++) resets.push((await asym(home.env, 'reset', slack.id, '--json')).ms);

// Idle memory of the api-mode clone: backend + postgres, as `docker stats` counts it.
await new Promise((resolve) => setTimeout(resolve, 3000));
let memory = 0;
for (const container of await docker.listContainers({ [LABEL.clone]: slack.id })) {
  memory += await docker.memoryUsage(container.id);
}
await asym(home.env, 'destroy', slack.id);

const envSpins: number[] = [];
const envResets: number[] = [];
for (let i = 0; i < Math.min(runs, 3); i++) {
  envSpins.push((await asym(home.env, 'env', 'spin', EXAMPLE, '--json')).ms);
  for (let j = 0; j < 5; j++) envResets.push((await asym(home.env, 'env', 'reset', 'acme', '--json')).ms);
  await asym(home.env, 'env', 'destroy', 'acme');
}

report(`asymmetric core (${runs} runs; whole CLI commands, wall clock)`, [
  ['spin slack --seed acme-corp (api), median', fmt(median(spins)), 'target <= 2000 ms'],
  ['env spin examples/environment.yaml, median', fmt(median(envSpins)), 'target <= 4000 ms'],
  ['reset <id>, median', fmt(median(resets)), 'target <= 300 ms'],
  ['env reset acme (2 clones), median', fmt(median(envResets)), 'target <= 1000 ms'],
  ['env reset acme (2 clones), worst', fmt(Math.max(...envResets)), 'target <= 1000 ms'],
  [
    'api-mode clone idle memory (backend+postgres)',
    `${(memory / 1024 / 1024).toFixed(0)} MiB`,
    'target <= 200 MiB',
  ],
]);
