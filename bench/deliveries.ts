/**
 * Issue #17: deliveries off the request path. API throughput at 10 connections with dead
 * endpoints subscribed to what the request emits, as a ratio to the same clone with none,
 * alternating rounds: target >= 0.9x.
 *  - Stripe: POST /v1/customers with 3 webhook endpoints on customer.created;
 *  - Slack: chat.postMessage with the app's Request URL (Slack has one per app) set to a
 *    receiver that passed url_verification and then went away.
 * A dead endpoint is a loopback port nobody listens on (connection refused, through the
 * home's relay as any loopback delivery goes).
 * Besides req/s, the CPU per API request of everything the home runs (clone, Redis, relay,
 * the published port's proxy, the load generator): on a shared machine throughput says how
 * much CPU the run got, CPU per request what the deliveries cost.
 * Run: npm run build && node --import tsx bench/deliveries.ts [--seconds 5] [--rounds 3] [--only stripe|slack]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { DockerRuntime } from '../src/runtime/docker-runtime.js';
import { LABEL } from '../src/runtime/labels.js';
import { cpuSample, cpuSince, pathPids, spread } from './floor-lib.js';
import { asym, benchHome, destroyAll } from './lib.js';
import { type LoadRequest, load } from './load.js';

const arg = (name: string, fallback: string) =>
  process.argv.includes(name) ? (process.argv[process.argv.indexOf(name) + 1] ?? fallback) : fallback;
const seconds = Number(arg('--seconds', '5'));
const rounds = Math.max(3, Number(arg('--rounds', '3')));
const only = arg('--only', '');

/** A loopback port that refuses connections: listened on once, then closed. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Answers Slack's url_verification, then is closed: a Request URL that went dead. */
async function verifiedThenDead(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const challenge = (JSON.parse(body || '{}') as { challenge?: string }).challenge ?? '';
      res.writeHead(200, { 'content-type': 'text/plain' }).end(challenge);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/slack/events`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const home = benchHome(48100);
const [slack, stripe] = (
  await asym(home.env, 'spin', 'slack', 'stripe', '--seed', 'acme-corp', '--no-rate-limits', '--json')
).json;
const slackError = (status: number, body: string) => status !== 200 || !body.startsWith('{"ok":true');
const post: LoadRequest = {
  method: 'POST',
  path: '/api/chat.postMessage',
  headers: {
    authorization: `Bearer ${slack.tokens.userToken}`,
    'content-type': 'application/json; charset=utf-8',
  },
  // #general: the app's bot is a member, so every post is an event for it.
  body: JSON.stringify({ channel: 'C0ACME0GEN1', text: 'delivery bench message' }),
};
const stripeHeaders = { authorization: `Bearer ${stripe.tokens.secretKey}` };
const create: LoadRequest = {
  method: 'POST',
  path: '/v1/customers',
  headers: { ...stripeHeaders, 'content-type': 'application/x-www-form-urlencoded' },
  body: 'email=bench%40example.com&name=Bench',
};
const slackOrigin = slack.endpoints.api.replace(/\/api\/$/, '');

async function stripeEndpoints(on: boolean): Promise<void> {
  const listed = await fetch(`${stripe.endpoints.api}/v1/webhook_endpoints?limit=100`, {
    headers: stripeHeaders,
  });
  for (const endpoint of ((await listed.json()) as { data: Array<{ id: string }> }).data) {
    await fetch(`${stripe.endpoints.api}/v1/webhook_endpoints/${endpoint.id}`, {
      method: 'DELETE',
      headers: stripeHeaders,
    });
  }
  if (!on) return;
  for (let i = 0; i < 3; i++) {
    const answer = await fetch(`${stripe.endpoints.api}/v1/webhook_endpoints`, {
      method: 'POST',
      headers: { ...stripeHeaders, 'content-type': 'application/x-www-form-urlencoded' },
      body: `url=${encodeURIComponent(`http://127.0.0.1:${await deadPort()}/hook`)}&enabled_events[]=customer.created`,
    });
    if (!answer.ok) throw new Error(`webhook endpoint: HTTP ${answer.status} ${await answer.text()}`);
  }
}

async function slackRequestUrl(on: boolean): Promise<void> {
  if (!on) {
    await asym(home.env, 'events', slack.id, '--off', '--json');
    return;
  }
  const receiver = await verifiedThenDead();
  await asym(home.env, 'events', slack.id, '--url', receiver.url, '--json');
  await receiver.close();
}

const docker = new DockerRuntime();
const homeId = (await docker.listContainers({ [LABEL.clone]: slack.id }))[0]?.labels[LABEL.home];
// biome-ignore lint/suspicious/noExplicitAny: CLI JSON
const homePids = (clone: any) => async () =>
  pathPids(
    (await docker.listContainers({ [LABEL.home]: String(homeId) })).map((c) => c.id),
    clone.ports.backend,
  );

try {
  const cases = [
    {
      name: 'POST /v1/customers, 3 dead webhook endpoints',
      origin: stripe.endpoints.api,
      request: create,
      setup: stripeEndpoints,
      pids: homePids(stripe),
    },
    {
      name: 'chat.postMessage, a dead Request URL',
      origin: slackOrigin,
      request: post,
      setup: slackRequestUrl,
      pids: homePids(slack),
      isError: slackError,
    },
  ];
  process.stdout.write(
    `\ndeliveries off the request path, 10 connections, ${seconds} s per run, ${rounds} rounds` +
      ` (load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')})\n`,
  );
  for (const c of cases) {
    if (only && !c.name.toLowerCase().includes(only === 'stripe' ? 'customers' : 'chat.')) continue;
    const rps: Record<'none' | 'dead', number[]> = { none: [], dead: [] };
    const cpu: Record<'none' | 'dead', number[]> = { none: [], dead: [] };
    const ratios: number[] = [];
    const cpuRatios: number[] = [];
    let errors = 0;
    for (let round = 0; round < rounds; round++) {
      const order: Array<'none' | 'dead'> = round % 2 === 0 ? ['none', 'dead'] : ['dead', 'none'];
      for (const variant of order) {
        await c.setup(variant === 'dead');
        const options = { connections: 10, isError: c.isError };
        await load(c.name, c.origin, c.request, { ...options, seconds: 1 });
        const pids = await c.pids();
        const before = cpuSample(pids);
        const result = await load(c.name, c.origin, c.request, { ...options, seconds });
        cpu[variant].push(cpuSince(before) / Math.max(1, result.requests));
        rps[variant].push(result.rps);
        errors += result.errors;
      }
      ratios.push(rps.dead[round]! / rps.none[round]!);
      cpuRatios.push(cpu.none[round]! / cpu.dead[round]!);
    }
    await c.setup(false);
    const mmm = (values: number[], digits = 0) => {
      const s = spread(values);
      return `${s.min.toFixed(digits)}/${s.median.toFixed(digits)}/${s.max.toFixed(digits)}`;
    };
    const ratio = spread(ratios).median;
    process.stdout.write(
      `  ${c.name} (${errors} errors)\n` +
        `    no endpoint   ${mmm(rps.none).padStart(14)} req/s (min/median/max)\n` +
        `    dead          ${mmm(rps.dead).padStart(14)} req/s   x${mmm(ratios, 2)} of no endpoint` +
        ` (target >= 0.9x: ${ratio >= 0.9 ? 'met' : 'NOT met'})\n` +
        `    CPU per request (us): no endpoint ${mmm(cpu.none.map((ms) => ms * 1000))}, dead ` +
        `${mmm(cpu.dead.map((ms) => ms * 1000))}; no endpoint/dead x${mmm(cpuRatios, 2)}` +
        ` (target >= 0.9x: ${spread(cpuRatios).median >= 0.9 ? 'met' : 'NOT met'})\n` +
        `    load average ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')}\n`,
    );
  }
} finally {
  await destroyAll(home.env);
}
