/**
 * Issue #17's scale targets, on the real engine with the built CLI (images built first):
 * 50 api-mode clones (25 Slack, 25 Stripe, seeded) on one machine: spun in <= 5 min, idle
 * memory <= 100 MiB per clone, one request to each clone answered at p50 <= 20 ms while
 * all are up, `env reset` of all <= 5 s, and `env destroy` leaves nothing.
 * Baselines measured in the same run: one clone's spin, and the same requests while only
 * two clones are up, so the figures are also ratios (the machine is shared and noisy).
 * Run: npm run build && node --import tsx bench/scale.ts [--slack 25] [--stripe 25] [--runs 3]
 */

import { loadavg } from 'node:os';
import { execa } from 'execa';
import { DockerRuntime } from '../src/runtime/docker-runtime.js';
import { LABEL } from '../src/runtime/labels.js';
import { asym, benchHome, CLI, fmt, median, percentile, report } from './lib.js';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const slackCount = arg('slack', 25);
const stripeCount = arg('stripe', 25);
const runs = arg('runs', 3);
const total = slackCount + stripeCount;
const home = benchHome(48000);
// 50 clones want 50 ports; the bench home's default range holds 100.
const docker = new DockerRuntime();

interface Spun {
  id: string;
  template: string;
  endpoints: { api: string };
  tokens: Record<string, string>;
}

/** One cheap authenticated read per clone: Slack `auth.test`, Stripe one customer. */
async function ask(clone: Spun): Promise<number> {
  const started = performance.now();
  const response =
    clone.template === 'slack'
      ? await fetch(`${clone.endpoints.api}auth.test`, {
          method: 'POST',
          headers: { authorization: `Bearer ${clone.tokens.botToken}` },
        })
      : await fetch(`${clone.endpoints.api}/v1/customers?limit=1`, {
          headers: { authorization: `Bearer ${clone.tokens.secretKey}` },
        });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`${clone.id} answered ${response.status}`);
  return performance.now() - started;
}

/** `rounds` passes over every clone, one request at a time (latency, not load). */
async function latencies(clones: Spun[], rounds: number): Promise<number[]> {
  const all: number[] = [];
  for (let round = 0; round < rounds; round++) for (const clone of clones) all.push(await ask(clone));
  return all;
}

const minMedMax = (values: number[], unit = fmt) =>
  `${unit(Math.min(...values))} / ${unit(median(values))} / ${unit(Math.max(...values))}`;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

// Baselines: one Slack and one Stripe clone alone (the first spin also builds images).
await asym(home.env, 'spin', 'slack', 'stripe', '--seed', 'acme-corp', '--json').then(async ({ json }) => {
  for (const clone of json) await asym(home.env, 'destroy', clone.id);
});
const single: number[] = [];
let slackAlone: Spun | undefined;
for (let i = 0; i < runs; i++) {
  const spun = await asym(home.env, 'spin', 'slack', '--seed', 'acme-corp', '--json');
  single.push(spun.ms);
  if (i < runs - 1) await asym(home.env, 'destroy', spun.json.id);
  else slackAlone = spun.json;
}
const stripeAlone: Spun = (await asym(home.env, 'spin', 'stripe', '--seed', 'acme-corp', '--json')).json;
const alone: Spun[] = [slackAlone!, stripeAlone];
await latencies(alone, 5); // warm
const aloneLatency = await latencies(alone, 25);
for (const clone of alone) await asym(home.env, 'destroy', clone.id);

// The fleet, several spins in one command.
const loadAtFleet = loadavg()[0]?.toFixed(1);
const spinRuns: number[] = [];
const resets: number[] = [];
let fleetLatency: number[] = [];
let memory: number[] = [];
const perService = new Map<string, number[]>();
let destroyMs = 0;
let leftOver = 0;
let failures = 0;
const spinErrors: string[] = [];
// One fleet (50 spins take minutes; the resets inside repeat `runs` times), destroyed
// however the measuring ends.
let destroyed = false;
try {
  const args = ['spin'];
  if (slackCount) args.push('slack');
  if (stripeCount) args.push('stripe');
  // Equal counts (the 25 + 25) in one command; otherwise one per template. A
  // partial spin (exit 1) still prints the clones that run: they are measured, the failures
  // counted.
  const started = performance.now();
  const clones: Spun[] = [];
  const commands =
    slackCount === stripeCount
      ? [[...args, '--count', String(slackCount)]]
      : (
          [
            ['slack', slackCount],
            ['stripe', stripeCount],
          ] as const
        )
          .filter(([, count]) => count > 0)
          .map(([template, count]) => ['spin', template, '--count', String(count)]);
  for (const command of commands) {
    const result = await execa('node', [CLI, ...command, '--seed', 'acme-corp', '-g', 'fleet', '--json'], {
      env: home.env,
      reject: false,
    });
    if (result.exitCode !== 0) spinErrors.push(result.stderr.split('\n')[0] ?? '');
    const spun = JSON.parse(result.stdout);
    clones.push(...(Array.isArray(spun) ? spun : [spun]));
  }
  spinRuns.push(performance.now() - started);
  failures = total - clones.length;

  // Idle: half a minute after the last spin (the kernel has written the seed's dirty pages
  // back by then), every container as `docker stats` counts it.
  await new Promise((resolve) => setTimeout(resolve, 30_000));
  const containers = await docker.listContainers({ [LABEL.home]: await homeId() });
  const perClone = new Map<string, number>();
  for (const container of containers) {
    const clone = container.labels[LABEL.clone];
    if (!clone) continue;
    const used = await docker.memoryUsage(container.id);
    perClone.set(clone, (perClone.get(clone) ?? 0) + used);
    const service = `${container.labels[LABEL.template]} ${container.labels[LABEL.service]}`;
    perService.set(service, [...(perService.get(service) ?? []), used]);
  }
  memory = [...perClone.values()];

  await latencies(clones, 2); // warm
  fleetLatency = await latencies(clones, 5);
  for (let i = 0; i < runs; i++) resets.push((await asym(home.env, 'env', 'reset', 'fleet', '--json')).ms);
  // Still serving after the resets.
  await latencies(clones, 1);

  const destroyStarted = performance.now();
  await asym(home.env, 'env', 'destroy', 'fleet', '--json');
  destroyMs = performance.now() - destroyStarted;
  destroyed = true;
  const id = await homeId();
  leftOver =
    (await docker.listContainers({ [LABEL.home]: id })).length +
    (await docker.listVolumes({ [LABEL.home]: id })).length +
    (await docker.listNetworks({ [LABEL.home]: id })).length;
} finally {
  if (!destroyed) await execa('node', [CLI, 'env', 'destroy', 'fleet'], { env: home.env, reject: false });
}

async function homeId(): Promise<string> {
  const { resolveHome } = await import('../src/home.js');
  return resolveHome({ ASYM_HOME: home.env.ASYM_HOME }).id;
}

const p50 = (values: number[]) => percentile(values, 50);
report(
  `asymmetric scale: ${slackCount} Slack + ${stripeCount} Stripe api clones, seeded (min / median / max; load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} at the end, ${loadAtFleet} before the fleet)`,
  [
    ['spin one Slack clone alone (baseline)', minMedMax(single), ''],
    [
      `spin all ${total} (spin --count), wall clock`,
      fmt(spinRuns[0] ?? Number.NaN),
      `target <= 300000 ms; ${((spinRuns[0] ?? 0) / (median(single) * total)).toFixed(2)}x of ${total} single spins; ${failures} failed`,
    ],
    ...spinErrors.map((error): [string, string, string] => ['  spin said', '', error]),
    ['idle memory per clone (backend+postgres)', minMedMax(memory, mib), 'target <= 100 MiB'],
    ...[...perService.entries()]
      .sort()
      .map(([service, values]): [string, string, string] => [
        `  of which ${service}`,
        minMedMax(values, mib),
        '',
      ]),
    [
      'request p50, all up',
      fmt(p50(fleetLatency)),
      `target <= 20 ms; ${(p50(fleetLatency) / p50(aloneLatency)).toFixed(2)}x of p50 with 2 clones up (${fmt(p50(aloneLatency))})`,
    ],
    ['request p95, all up', fmt(percentile(fleetLatency, 95)), ''],
    [`env reset of all ${total}`, minMedMax(resets), 'target <= 5000 ms'],
    [`env destroy of all ${total}`, fmt(destroyMs), `${leftOver} objects left (target 0)`],
  ],
);
