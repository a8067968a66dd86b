/**
 * Where a request's time goes (issue #17), for each API endpoint the floor bench measures:
 *  - CPU per request of each process on the path: the load generator (this process), the
 *    published port's docker-proxy, the clone's backend (node) and its Postgres, read from
 *    /proc before and after a load run (host PIDs of the containers' processes: run as root
 *    on the engine's host), and the backend's user time apart: JavaScript and V8, where the
 *    rest is the kernel's (mostly the network path);
 *  - Postgres execution time per request, by statement, and its planning: how many plans the
 *    calls took (as many as calls: planned again on every call) and what one cost
 *    (pg_stat_statements with track_planning, loaded for the run with ALTER SYSTEM and a
 *    restart of the clone's Postgres);
 *  - a CPU profile of the backend under that load (the inspector, opened with SIGUSR1 and
 *    driven from inside its container), as self time by bundled module and by function.
 * Run: npm run build && node --import tsx bench/profile.ts [--seconds 5] [--only <name substring>]
 *      [--save <dir>] (also writes each profile there as <call>.cpuprofile, for Chrome's DevTools)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { DockerRuntime } from '../src/runtime/docker-runtime.js';
import { LABEL } from '../src/runtime/labels.js';
import { asym, benchHome, destroyAll } from './lib.js';
import { keyedLikeStripeNode, type LoadRequest, load } from './load.js';

const arg = (name: string, fallback: string) =>
  process.argv.includes(name) ? (process.argv[process.argv.indexOf(name) + 1] ?? fallback) : fallback;
const seconds = Number(arg('--seconds', '5'));
const only = arg('--only', '');
const saveTo = arg('--save', '');

const docker = new DockerRuntime();
const home = benchHome(47900);
const [slack, stripe] = (
  await asym(home.env, 'spin', 'slack', 'stripe', '--seed', 'acme-corp', '--no-rate-limits', '--json')
).json;

// biome-ignore lint/suspicious/noExplicitAny: CLI JSON
async function container(clone: any, service: string): Promise<string> {
  const [found] = await docker.listContainers({ [LABEL.clone]: clone.id, [LABEL.service]: service });
  if (!found) throw new Error(`no ${service} container for ${clone.id}`);
  return found.id;
}

async function hostPids(id: string): Promise<Array<{ pid: number; command: string }>> {
  const { stdout } = await execa('docker', ['top', id, '-eo', 'pid,args']);
  return stdout
    .split('\n')
    .slice(1)
    .map((line) => line.trim().match(/^(\d+)\s+(.*)$/))
    .filter((m): m is RegExpMatchArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), command: m[2]! }));
}

/** utime and stime of a process, in ms (0 once it is gone). */
function cpuSplitMs(pid: number): { user: number; system: number } {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 }; // USER_HZ = 100
  } catch {
    return { user: 0, system: 0 };
  }
}

/** utime + stime of a process, in ms. */
function cpuMs(pid: number): number {
  const { user, system } = cpuSplitMs(pid);
  return user + system;
}

async function psql(pg: string, sql: string): Promise<string> {
  const result = await docker.exec(pg, ['psql', '-U', 'asym', '-d', 'clone', '-tAF', '\t', '-c', sql]);
  if (result.exitCode !== 0) throw new Error(`psql: ${result.output}`);
  return result.output;
}

async function withStatements(pg: string): Promise<void> {
  await psql(pg, "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'");
  await execa('docker', ['restart', pg]);
  for (let i = 0; i < 100; i++) {
    if ((await docker.exec(pg, ['pg_isready', '-q'])).exitCode === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await psql(pg, 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  // Planning too: a statement Postgres plans again on every call shows as many plans as calls.
  await psql(pg, 'ALTER SYSTEM SET pg_stat_statements.track_planning = on');
  await psql(pg, 'SELECT pg_reload_conf()');
}

/** Runs the inspector's profiler inside the backend's container for `ms`, returns the profile. */
async function cpuProfile(backend: string, nodePid: number, ms: number): Promise<CpuProfile> {
  await execa('kill', ['-USR1', String(nodePid)]);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const script = `
    const list = await (await fetch('http://127.0.0.1:9229/json/list')).json();
    const ws = new WebSocket(list[0].webSocketDebuggerUrl);
    let id = 0; const pending = new Map();
    const send = (method, params = {}) => new Promise((resolve) => { pending.set(++id, resolve); ws.send(JSON.stringify({ id, method, params })); });
    ws.onmessage = (e) => { const m = JSON.parse(e.data); if (m.id && pending.has(m.id)) pending.get(m.id)(m.result); };
    await new Promise((resolve) => ws.onopen = resolve);
    await send('Profiler.enable');
    await send('Profiler.setSamplingInterval', { interval: 200 });
    await send('Profiler.start');
    await new Promise((resolve) => setTimeout(resolve, ${ms}));
    const { profile } = await send('Profiler.stop');
    process.stdout.write(JSON.stringify(profile));
    ws.close();`;
  const { stdout } = await execa('docker', ['exec', backend, 'node', '--input-type=module', '-e', script], {
    maxBuffer: 512 * 1024 * 1024,
  });
  return JSON.parse(stdout) as CpuProfile;
}

interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }>;
  samples: number[];
  timeDeltas: number[];
}

/** Self time by module of the bundle (esbuild marks each with a `// path` comment) and by function. */
function summarise(profile: CpuProfile, bundle: string[]): { modules: string[]; functions: string[] } {
  const marks: Array<{ line: number; module: string }> = [];
  bundle.forEach((text, line) => {
    const found = /^\/\/ ((?:node_modules|templates|src)\/\S+)$/.exec(text);
    if (found) {
      const parts = found[1]!.split('/');
      const module =
        parts[0] === 'node_modules'
          ? parts[1]!.startsWith('@')
            ? `${parts[1]}/${parts[2]}`
            : parts[1]!
          : parts.slice(0, -1).join('/');
      marks.push({ line, module });
    }
  });
  const moduleAt = (url: string, line: number): string => {
    if (!url.endsWith('server.mjs'))
      return url.startsWith('node:') ? 'node (runtime JS)' : url || '(native/VM)';
    let lo = 0;
    let hi = marks.length - 1;
    let found = '(bundle prelude)';
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (marks[mid]!.line <= line) {
        found = marks[mid]!.module;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfByModule = new Map<string, number>();
  const selfByFunction = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((nodeId, i) => {
    const node = byNode.get(nodeId);
    const delta = profile.timeDeltas[i] ?? 0;
    if (!node) return;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') return;
    total += delta;
    const module = moduleAt(url, lineNumber);
    selfByModule.set(module, (selfByModule.get(module) ?? 0) + delta);
    const fn = `${functionName || '(anonymous)'} [${module}]`;
    selfByFunction.set(fn, (selfByFunction.get(fn) ?? 0) + delta);
  });
  const top = (map: Map<string, number>, n: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${name}`);
  return { modules: top(selfByModule, 12), functions: top(selfByFunction, 15) };
}

try {
  const slackOrigin = slack.endpoints.api.replace(/\/api\/$/, '');
  const slackAuth = { authorization: `Bearer ${slack.tokens.userToken}` };
  const stripeAuth = { authorization: `Bearer ${stripe.tokens.secretKey}` };
  const channel = 'C0ACME0GEN1';
  const customerCreate: LoadRequest = {
    method: 'POST',
    path: '/v1/customers',
    headers: { ...stripeAuth, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'email=bench%40example.com&name=Bench&metadata[source]=bench',
  };
  const cases: Array<{ name: string; clone: typeof slack; origin: string; request: LoadRequest }> = [
    {
      // No token and no database: what the kit's and the template's pipeline costs alone.
      name: 'api.test',
      clone: slack,
      origin: slackOrigin,
      request: {
        method: 'POST',
        path: '/api/api.test',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      },
    },
    {
      name: 'chat.postMessage',
      clone: slack,
      origin: slackOrigin,
      request: {
        method: 'POST',
        path: '/api/chat.postMessage',
        headers: { ...slackAuth, 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ channel, text: 'load test message' }),
      },
    },
    {
      name: 'conversations.history',
      clone: slack,
      origin: slackOrigin,
      request: {
        method: 'GET',
        path: `/api/conversations.history?channel=${channel}&limit=20`,
        headers: slackAuth,
      },
    },
    { name: 'POST /v1/customers', clone: stripe, origin: stripe.endpoints.api, request: customerCreate },
    {
      name: 'POST /v1/customers, keyed like stripe-node',
      clone: stripe,
      origin: stripe.endpoints.api,
      request: keyedLikeStripeNode(customerCreate),
    },
    {
      name: 'GET /v1/customers',
      clone: stripe,
      origin: stripe.endpoints.api,
      request: { method: 'GET', path: '/v1/customers?limit=10', headers: stripeAuth },
    },
  ];
  for (const clone of [slack, stripe]) await withStatements(await container(clone, 'postgres'));
  for (const c of cases.filter((c) => c.name.includes(only))) {
    const backend = await container(c.clone, 'backend');
    const pg = await container(c.clone, 'postgres');
    const nodePid = (await hostPids(backend)).find((p) => p.command.startsWith('node '))!.pid;
    const port = new URL(c.origin).port;
    const proxyPids = (
      await execa('pgrep', ['-f', `docker-proxy .*-host-port ${port} `], { reject: false })
    ).stdout
      .split('\n')
      .filter(Boolean)
      .map(Number);
    const bundle = (
      await execa('docker', ['exec', backend, 'cat', '/app/server.mjs'], { maxBuffer: 1e9 })
    ).stdout.split('\n');

    await load(c.name, c.origin, c.request, { connections: 10, seconds: 2 }); // warm-up
    // After the warm-up: the pool's connections (one Postgres process each) are open by now.
    const pgPids = (await hostPids(pg)).map((p) => p.pid);
    await psql(pg, 'SELECT pg_stat_statements_reset()');
    const sample = () => {
      const backend = cpuSplitMs(nodePid);
      return {
        bench: process.cpuUsage(),
        backend: backend.user + backend.system,
        // User time is JavaScript and V8; system time is mostly the network path in the kernel.
        backendUser: backend.user,
        postgres: pgPids.reduce((sum, pid) => sum + cpuMs(pid), 0),
        proxy: proxyPids.reduce((sum, pid) => sum + cpuMs(pid), 0),
      };
    };
    const before = sample();
    const result = await load(c.name, c.origin, c.request, { connections: 10, seconds });
    const after = sample();
    const perRequest = (ms: number) => `${((ms * 1000) / result.requests).toFixed(0)} us`;
    const benchMs = (after.bench.user + after.bench.system - before.bench.user - before.bench.system) / 1000;
    const statements = await psql(
      pg,
      `SELECT calls, round((total_exec_time / ${result.requests})::numeric * 1000) AS us_per_request,
              round((mean_exec_time * 1000)::numeric) AS us_per_call, plans,
              round((mean_plan_time * 1000)::numeric) AS plan_us, left(regexp_replace(query, '\\s+', ' ', 'g'), 80)
         FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'
        ORDER BY total_exec_time + total_plan_time DESC LIMIT 6`,
    );
    const pgTotal = await psql(
      pg,
      `SELECT round((sum(total_exec_time) / ${result.requests})::numeric * 1000) || ' us, planning ' ||
              round((sum(total_plan_time) / ${result.requests})::numeric * 1000) || ' us'
         FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'`,
    );

    process.stdout.write(
      `\n${c.name}: ${result.rps.toFixed(0)} req/s at 10 connections, ${result.requests} requests, ${result.errors} errors\n` +
        `  CPU per request: backend ${perRequest(after.backend - before.backend)} (user ${perRequest(after.backendUser - before.backendUser)}), postgres ${perRequest(after.postgres - before.postgres)}, ` +
        `docker-proxy ${perRequest(after.proxy - before.proxy)}, load generator ${perRequest(benchMs)}\n` +
        `  Postgres execution time per request: ${pgTotal.trim()}; top statements (calls, us/request, us/call, plans, us/plan, text):\n` +
        statements
          .trim()
          .split('\n')
          .map((line) => `    ${line}`)
          .join('\n') +
        '\n',
    );
    const profiling = cpuProfile(backend, nodePid, seconds * 1000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await load(c.name, c.origin, c.request, { connections: 10, seconds });
    const profile = await profiling;
    if (saveTo) {
      mkdirSync(saveTo, { recursive: true });
      writeFileSync(join(saveTo, `${c.name.replace(/[^\w.-]+/g, '_')}.cpuprofile`), JSON.stringify(profile));
    }
    const { modules, functions } = summarise(profile, bundle);
    process.stdout.write(
      `  backend CPU profile, self time by module:\n${modules.map((l) => `    ${l}`).join('\n')}\n` +
        `  by function:\n${functions.map((l) => `    ${l}`).join('\n')}\n`,
    );
  }
} finally {
  await destroyAll(home.env);
}
