/**
 * The floor every API bench is measured against (issue #17): bench/floor-server.ts, the
 * clones' own HTTP stack answering a canned body of the endpoint's size, once as a host
 * process and once in the project's node image behind a published 127.0.0.1 port (as a
 * clone's backend is). `compareToFloor` runs the floors and the endpoints in alternating
 * order, round after round, at the same concurrency, and prints min/median/max of each
 * and its ratio to the containerised floor of the same round: the machine is shared, so
 * only the ratios mean much.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { execa } from 'execa';
import { ImageBuilder } from '../src/images/image-builder.js';
import { silentReporter } from '../src/log.js';
import { DockerRuntime } from '../src/runtime/docker-runtime.js';
import { type LoadRequest, load } from './load.js';

export interface Floor {
  where: 'host' | 'container';
  origin: string;
  /** The processes serving it (host PIDs), for CPU accounting. */
  pids(): Promise<number[]>;
  stop(): Promise<void>;
}

/** Host PIDs of every process in `containers`, plus the docker-proxy of 127.0.0.1:`port`. */
export async function pathPids(containers: string[], port: number): Promise<number[]> {
  const pids: number[] = [];
  for (const id of containers) {
    const { stdout } = await execa('docker', ['top', id, '-eo', 'pid']);
    pids.push(...stdout.split('\n').slice(1).map(Number).filter(Boolean));
  }
  const proxy = await execa('pgrep', ['-f', `docker-proxy .*-host-port ${port} `], { reject: false });
  pids.push(...proxy.stdout.split('\n').filter(Boolean).map(Number));
  return pids;
}

/** utime + stime of a process in ms (0 once it is gone): USER_HZ is 100 on Linux. */
export function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

const ownCpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

export interface CpuSample {
  own: number;
  pids: Map<number, number>;
}

export const cpuSample = (pids: number[]): CpuSample => ({
  own: ownCpuMs(),
  pids: new Map(pids.map((pid) => [pid, cpuMs(pid)])),
});

/** CPU ms used since `before` by this process and those of its PIDs still alive (a Postgres
 * connection may end meanwhile: what it used is then not counted, rather than counted negative). */
export function cpuSince(before: CpuSample): number {
  let used = ownCpuMs() - before.own;
  for (const [pid, was] of before.pids) {
    const now = cpuMs(pid);
    if (now >= was) used += now - was;
  }
  return used;
}

let bundled: Promise<string> | undefined;

/** The floor server as one file (as the backends ship), built once per bench process. */
function floorBundle(): Promise<string> {
  bundled ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asym-floor-'));
    await build({
      entryPoints: [fileURLToPath(new URL('floor-server.ts', import.meta.url))],
      outfile: join(dir, 'floor.mjs'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'silent',
    });
    chmodSync(dir, 0o755); // the container's user (app) reads it through a bind mount
    return dir;
  })();
  return bundled;
}

/** Waits until `url` answers 2xx (fetched with `init`), for up to 20 s. */
export async function untilAnswering(url: string, init: RequestInit = {}): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      // An attempt can hang: a published port accepts before the server listens, and a
      // fetch the proxy then drops may never settle, holding nothing that keeps Node
      // running (the process exits 13). A timer that does keep it running aborts it.
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 2_000);
      try {
        if ((await fetch(url, { ...init, signal: controller.signal })).ok) return;
      } finally {
        clearTimeout(timer);
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within 20 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function startHostFloor(bytes: number): Promise<Floor> {
  const dir = await floorBundle();
  const child: ChildProcess = spawn(process.execPath, [join(dir, 'floor.mjs')], {
    env: { ...process.env, NODE_ENV: 'production', FLOOR_BYTES: String(bytes), PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`host floor exited (${code})`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      const found = /listening on :(\d+)/.exec(chunk.toString());
      if (found) resolve(Number(found[1]));
    });
  });
  const origin = `http://127.0.0.1:${port}`;
  await untilAnswering(origin);
  return {
    where: 'host',
    origin,
    pids: async () => (child.pid ? [child.pid] : []),
    stop: async () => {
      child.kill('SIGTERM');
    },
  };
}

let nodeImage: Promise<string> | undefined;

/** The image every clone backend runs on (docker/node), built if its sources changed. */
export function nodeImageTag(): Promise<string> {
  nodeImage ??= new ImageBuilder(new DockerRuntime(), silentReporter)
    .ensure(['node'])
    .then((images) => images.get('node')!.tag);
  return nodeImage;
}

/**
 * Starts `command` in the project's node image as a clone's backend runs: as user app, with
 * 256 MiB (or `memory`), NODE_ENV=production and each of `ports` published on 127.0.0.1.
 * Returns the host port of each, in order. The container goes with `docker rm --force <name>`.
 */
export async function runLikeABackend(
  name: string,
  options: { ports: number[]; volumes: string[]; env?: string[]; command: string[]; memory?: string },
): Promise<number[]> {
  await execa('docker', [
    'run',
    '--detach',
    '--rm',
    '--name',
    name,
    '--user',
    'app',
    '--memory',
    options.memory ?? '256m',
    ...options.ports.flatMap((port) => ['--publish', `127.0.0.1::${port}`]),
    ...options.volumes.flatMap((volume) => ['--volume', volume]),
    ...['NODE_ENV=production', ...(options.env ?? [])].flatMap((pair) => ['--env', pair]),
    await nodeImageTag(),
    ...options.command,
  ]);
  const published: number[] = [];
  for (const port of options.ports)
    published.push(
      Number((await execa('docker', ['port', name, `${port}/tcp`])).stdout.split('\n')[0]!.split(':').pop()),
    );
  return published;
}

export async function startContainerFloor(bytes: number): Promise<Floor> {
  const dir = await floorBundle();
  const name = `asym-bench-floor-${process.pid}-${bytes}-${Date.now()}`;
  const [port] = await runLikeABackend(name, {
    ports: [8080],
    volumes: [`${dir}:/floor:ro`],
    env: [`FLOOR_BYTES=${bytes}`],
    command: ['node', '/floor/floor.mjs'],
  });
  const origin = `http://127.0.0.1:${port}`;
  await untilAnswering(origin);
  return {
    where: 'container',
    origin,
    pids: () => pathPids([name], Number(port)),
    stop: async () => {
      await execa('docker', ['rm', '--force', name], { reject: false });
    },
  };
}

/** The size of one answer to `request`, so its floor answers a body as large. */
export async function responseBytes(origin: string, request: LoadRequest): Promise<number> {
  const answer = await fetch(`${origin}${request.path}`, {
    method: request.method,
    headers: request.headers ?? {},
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  return (await answer.arrayBuffer()).byteLength;
}

export interface FloorTarget {
  name: string;
  origin: string;
  request: LoadRequest;
  isError?: (status: number, body: string) => boolean;
  /** The processes serving it (host PIDs, asked after each warm-up: Postgres forks per connection). */
  pids(): Promise<number[]>;
  /**
   * The same call served by something else, measured in the same rounds: another build
   * (`floor.ts --baseline`) or the in-memory peer (`--peer`), named by `label`.
   */
  baseline?: { origin: string; request: LoadRequest; pids(): Promise<number[]>; label?: string };
}

export interface Spread {
  min: number;
  median: number;
  max: number;
}

export interface FloorComparison {
  name: string;
  bytes: number;
  rps: Spread;
  hostFloor: Spread;
  containerFloor: Spread;
  /** Endpoint / containerised floor, per round. */
  ratio: Spread;
  /** Containerised floor / host floor, per round: what the container and its port cost. */
  containerOverHost: Spread;
  /**
   * CPU per request (ms) of everything on the path: the load generator (this process) and
   * the serving processes. On a machine shared with other work, throughput says how much
   * CPU the run was given; CPU per request says what a request costs. Its ratio
   * (floor CPU / endpoint CPU) is the throughput ratio the endpoint would have if CPU bound.
   */
  cpu: { target: Spread; containerFloor: Spread; hostFloor: Spread; ratio: Spread };
  /**
   * With a baseline: its req/s, its own ratio to the container floor, endpoint / baseline
   * req/s and baseline / endpoint CPU, per round.
   */
  baseline?: {
    label: string;
    rps: Spread;
    floorRatio: Spread;
    ratio: Spread;
    cpuRatio: Spread;
    errors: number;
  };
  errors: number;
}

export const spread = (values: number[]): Spread => {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    min: sorted[0] ?? Number.NaN,
    median: sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN,
    max: sorted.at(-1) ?? Number.NaN,
  };
};

const WARM_UP_SECONDS = 1;

/**
 * For each target: its floors (host and container, with a body of the target's size),
 * then `rounds` rounds of [host floor, container floor, target] at `connections`,
 * the order reversed every other round so drift hits all three alike.
 */
export async function compareToFloor(
  targets: FloorTarget[],
  options: { rounds?: number; seconds?: number; connections?: number } = {},
): Promise<FloorComparison[]> {
  const rounds = Math.max(3, options.rounds ?? 3);
  const seconds = options.seconds ?? 5;
  const connections = options.connections ?? 10;
  const results: FloorComparison[] = [];
  for (const target of targets) {
    const bytes = await responseBytes(target.origin, target.request);
    const host = await startHostFloor(bytes);
    const container = await startContainerFloor(bytes);
    try {
      type Key = 'host' | 'container' | 'target' | 'baseline';
      const runs: Record<Key, number[]> = { host: [], container: [], target: [], baseline: [] };
      const cpu: Record<Key, number[]> = { host: [], container: [], target: [], baseline: [] };
      let errors = 0;
      let baselineErrors = 0;
      const subjects: Array<{
        key: keyof typeof runs;
        origin: string;
        pids: () => Promise<number[]>;
        isError?: FloorTarget['isError'];
        request?: LoadRequest;
      }> = [
        { key: 'host', origin: host.origin, pids: host.pids },
        { key: 'container', origin: container.origin, pids: container.pids },
        { key: 'target', origin: target.origin, pids: target.pids, isError: target.isError },
      ];
      if (target.baseline) {
        const { origin, request, pids } = target.baseline;
        subjects.push({ key: 'baseline', origin, request, pids, isError: target.isError });
      }
      for (let round = 0; round < rounds; round++) {
        for (const subject of round % 2 === 0 ? subjects : [...subjects].reverse()) {
          const opts = { connections, isError: subject.isError };
          const request = subject.request ?? target.request;
          await load(target.name, subject.origin, request, { ...opts, seconds: WARM_UP_SECONDS });
          const pids = await subject.pids();
          const before = cpuSample(pids);
          const result = await load(target.name, subject.origin, request, { ...opts, seconds });
          cpu[subject.key].push(cpuSince(before) / Math.max(1, result.requests));
          runs[subject.key].push(result.rps);
          if (subject.key === 'target') errors += result.errors;
          if (subject.key === 'baseline') baselineErrors += result.errors;
        }
      }
      results.push({
        name: target.name,
        bytes,
        rps: spread(runs.target),
        hostFloor: spread(runs.host),
        containerFloor: spread(runs.container),
        ratio: spread(runs.target.map((rps, i) => rps / runs.container[i]!)),
        containerOverHost: spread(runs.container.map((rps, i) => rps / runs.host[i]!)),
        cpu: {
          target: spread(cpu.target),
          containerFloor: spread(cpu.container),
          hostFloor: spread(cpu.host),
          ratio: spread(cpu.container.map((ms, i) => ms / cpu.target[i]!)),
        },
        ...(target.baseline
          ? {
              baseline: {
                label: target.baseline.label ?? 'baseline build',
                rps: spread(runs.baseline),
                floorRatio: spread(runs.baseline.map((rps, i) => rps / runs.container[i]!)),
                ratio: spread(runs.target.map((rps, i) => rps / runs.baseline[i]!)),
                cpuRatio: spread(cpu.baseline.map((ms, i) => ms / cpu.target[i]!)),
                errors: baselineErrors,
              },
            }
          : {}),
        errors,
      });
    } finally {
      await host.stop();
      await container.stop();
    }
  }
  return results;
}

const scale = (s: Spread): Spread => ({ min: s.min * 1000, median: s.median * 1000, max: s.max * 1000 });

const mmm = (s: Spread, digits = 0) =>
  `${s.min.toFixed(digits)}/${s.median.toFixed(digits)}/${s.max.toFixed(digits)}`;

export function printComparison(
  title: string,
  results: FloorComparison[],
  targets: Record<string, number> = {},
): void {
  const loadAverage = loadavg()
    .map((value) => value.toFixed(1))
    .join(' ');
  process.stdout.write(
    `\n${title}\n  req/s and ratios as min/median/max over alternating rounds (load average now ${loadAverage})\n`,
  );
  for (const r of results) {
    const target = targets[r.name];
    const verdict =
      target === undefined ? '' : ` (target >= ${target}x: ${r.ratio.median >= target ? 'met' : 'NOT met'})`;
    const cpuVerdict =
      target === undefined
        ? ''
        : ` (target >= ${target}x: ${r.cpu.ratio.median >= target ? 'met' : 'NOT met'})`;
    process.stdout.write(
      `  ${r.name} (${r.bytes} B answers, ${r.errors} errors)\n` +
        `    endpoint          ${mmm(r.rps).padStart(18)} req/s   x${mmm(r.ratio, 2)} of the container floor${verdict}\n` +
        `    container floor   ${mmm(r.containerFloor).padStart(18)} req/s   x${mmm(r.containerOverHost, 2)} of the host floor\n` +
        `    host floor        ${mmm(r.hostFloor).padStart(18)} req/s\n` +
        `    CPU per request (whole path, us): endpoint ${mmm(scale(r.cpu.target))}, container floor ` +
        `${mmm(scale(r.cpu.containerFloor))}, host floor ${mmm(scale(r.cpu.hostFloor))}; ` +
        `floor/endpoint x${mmm(r.cpu.ratio, 2)}${cpuVerdict}\n` +
        (r.baseline
          ? `    ${r.baseline.label.padEnd(17)} ${mmm(r.baseline.rps).padStart(18)} req/s   ` +
            `x${mmm(r.baseline.floorRatio, 2)} of the container floor; endpoint/${r.baseline.label} ` +
            `x${mmm(r.baseline.ratio, 2)}, CPU per request ${r.baseline.label}/endpoint x${mmm(r.baseline.cpuRatio, 2)}` +
            `, ${r.baseline.errors} errors\n`
          : ''),
    );
  }
}
