/**
 * Issue #17's API targets, as ratios to the floor (bench/floor-lib.ts) measured in the same
 * run at 10 connections: chat.postMessage and POST /v1/customers >= 0.4x the containerised
 * floor; conversations.history (limit 20, 10,000-message channel) and
 * GET /v1/customers?limit=10 (10,000 customers) >= 0.5x.
 * Run: npm run build && node --import tsx bench/floor.ts [--seconds 5] [--rounds 3] [--only writes|reads]
 */
import autocannon from 'autocannon';
import { DockerRuntime } from '../src/runtime/docker-runtime.js';
import { LABEL } from '../src/runtime/labels.js';
import { compareToFloor, type FloorTarget, pathPids, printComparison } from './floor-lib.js';
import { asym, benchHome, destroyAll } from './lib.js';
import type { LoadRequest } from './load.js';

const arg = (name: string, fallback: string) =>
  process.argv.includes(name) ? (process.argv[process.argv.indexOf(name) + 1] ?? fallback) : fallback;
const seconds = Number(arg('--seconds', '5'));
const rounds = Number(arg('--rounds', '3'));
const only = arg('--only', 'all');
const ROWS = 10_000;

const home = benchHome(47800);
const docker = new DockerRuntime();
const [slack, stripe] = (
  await asym(home.env, 'spin', 'slack', 'stripe', '--seed', 'acme-corp', '--no-rate-limits', '--json')
).json;

// biome-ignore lint/suspicious/noExplicitAny: CLI JSON
const servingPids = (clone: any) => async () => {
  const containers = await docker.listContainers({ [LABEL.clone]: clone.id });
  return pathPids(
    containers.map((c) => c.id),
    clone.ports.backend,
  );
};

// biome-ignore lint/suspicious/noExplicitAny: CLI JSON
async function count(clone: any, sql: string): Promise<number> {
  const [pg] = await docker.listContainers({ [LABEL.clone]: clone.id, [LABEL.service]: 'postgres' });
  if (!pg) throw new Error(`no postgres container for ${clone.id}`);
  const result = await docker.exec(pg.id, ['psql', '-U', 'asym', '-d', 'clone', '-tAc', sql]);
  if (result.exitCode !== 0) throw new Error(`psql: ${result.output}`);
  return Number(result.output.trim());
}

/** Sends `request` exactly `amount` times (10 at a time) to grow the data a read pages. */
async function fill(origin: string, request: LoadRequest, amount: number): Promise<void> {
  if (amount <= 0) return;
  await autocannon({
    url: origin,
    connections: 10,
    amount,
    requests: [
      {
        method: request.method,
        path: request.path,
        headers: request.headers ?? {},
        body: request.body ?? '',
      },
    ],
  });
}

try {
  const slackOrigin = slack.endpoints.api.replace(/\/api\/$/, '');
  const slackAuth = { authorization: `Bearer ${slack.tokens.userToken}` };
  const list = await fetch(`${slackOrigin}/api/conversations.list?limit=200`, { headers: slackAuth });
  const channel = (
    (await list.json()) as { channels: Array<{ id: string; is_member: boolean }> }
  ).channels.find((c) => c.is_member);
  if (!channel) throw new Error('the seeded user is in no channel');
  const slackError = (status: number, body: string) => status !== 200 || !body.startsWith('{"ok":true');
  const stripeAuth = { authorization: `Bearer ${stripe.tokens.secretKey}` };

  const post: FloorTarget = {
    name: 'chat.postMessage',
    origin: slackOrigin,
    pids: servingPids(slack),
    request: {
      method: 'POST',
      path: '/api/chat.postMessage',
      headers: { ...slackAuth, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: channel.id, text: 'load test message' }),
    },
    isError: slackError,
  };
  const create: FloorTarget = {
    name: 'POST /v1/customers',
    origin: stripe.endpoints.api,
    pids: servingPids(stripe),
    request: {
      method: 'POST',
      path: '/v1/customers',
      headers: { ...stripeAuth, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'email=bench%40example.com&name=Bench&metadata[source]=bench',
    },
  };
  const history: FloorTarget = {
    name: `conversations.history (limit 20, ${ROWS} messages)`,
    origin: slackOrigin,
    pids: servingPids(slack),
    request: {
      method: 'GET',
      path: `/api/conversations.history?channel=${channel.id}&limit=20`,
      headers: slackAuth,
    },
    isError: slackError,
  };
  const customers: FloorTarget = {
    name: `GET /v1/customers?limit=10 (${ROWS} customers)`,
    origin: stripe.endpoints.api,
    pids: servingPids(stripe),
    request: { method: 'GET', path: '/v1/customers?limit=10', headers: stripeAuth },
  };

  const results = [];
  if (only !== 'reads') results.push(...(await compareToFloor([post, create], { rounds, seconds })));
  if (only !== 'writes') {
    const messages = await count(
      slack,
      `SELECT count(*) FROM messages WHERE conversation_id = '${channel.id}'`,
    );
    await fill(slackOrigin, post.request, ROWS - messages);
    await fill(
      stripe.endpoints.api,
      create.request,
      ROWS - (await count(stripe, 'SELECT count(*) FROM customers')),
    );
    results.push(...(await compareToFloor([history, customers], { rounds, seconds })));
  }
  printComparison(`API vs the floor, 10 connections, ${seconds} s per run, ${rounds} rounds`, results, {
    [post.name]: 0.4,
    [create.name]: 0.4,
    [history.name]: 0.5,
    [customers.name]: 0.5,
  });
} finally {
  await destroyAll(home.env);
}
