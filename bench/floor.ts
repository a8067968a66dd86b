/**
 * Issue #17's API targets, as ratios to the floor (bench/floor-lib.ts) measured in the same
 * run at 10 connections: chat.postMessage and POST /v1/customers >= 0.4x the containerised
 * floor; conversations.history (limit 20, 10,000-message channel) and
 * GET /v1/customers?limit=10 (10,000 customers) >= 0.5x. Beside them, api.test (no token, no
 * database, no target) shows what the pipeline alone costs, and the create keyed as
 * stripe-node sends every POST (a fresh Idempotency-Key) is held to the create's target.
 * Run: npm run build && node --import tsx bench/floor.ts [--seconds 5] [--rounds 3] [--only writes|reads]
 *      [--baseline <another build's dist/cli/asymmetric.mjs>]
 * With --baseline, the same clones are also spun by that build (its templates, so its
 * images) and measured in the same alternating rounds: endpoint / baseline is the change's
 * effect with the machine's drift taken out.
 */
import autocannon from 'autocannon';
import { DockerRuntime } from '../src/runtime/docker-runtime.js';
import { LABEL } from '../src/runtime/labels.js';
import { compareToFloor, type FloorTarget, pathPids, printComparison } from './floor-lib.js';
import { asym, benchHome, destroyAll } from './lib.js';
import { keyedLikeStripeNode, type LoadRequest } from './load.js';

const arg = (name: string, fallback: string) =>
  process.argv.includes(name) ? (process.argv[process.argv.indexOf(name) + 1] ?? fallback) : fallback;
const seconds = Number(arg('--seconds', '5'));
const rounds = Number(arg('--rounds', '3'));
const only = arg('--only', 'all');
const ROWS = 10_000;

const baselineCli = arg('--baseline', '');
const home = benchHome(47800);
const docker = new DockerRuntime();
const spinBoth = async (env: NodeJS.ProcessEnv) =>
  (await asym(env, 'spin', 'slack', 'stripe', '--seed', 'acme-corp', '--no-rate-limits', '--json')).json;
const [slack, stripe] = await spinBoth(home.env);
const baseHome = baselineCli ? { env: { ...benchHome(47800).env, ASYM_BENCH_CLI: baselineCli } } : null;
const [baseSlack, baseStripe] = baseHome ? await spinBoth(baseHome.env) : [null, null];

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

// biome-ignore lint/suspicious/noExplicitAny: CLI JSON
type Clone = any;
const slackOriginOf = (c: Clone): string => c.endpoints.api.replace(/\/api\/$/, '');
const stripeOriginOf = (c: Clone): string => c.endpoints.api;
const slackError = (status: number, body: string) => status !== 200 || !body.startsWith('{"ok":true');

/** One call, as a request to a given clone (each clone has tokens of its own). */
function target(
  name: string,
  clone: Clone,
  base: Clone | null,
  origin: (c: Clone) => string,
  request: (c: Clone) => LoadRequest,
  isError?: FloorTarget['isError'],
): FloorTarget {
  return {
    name,
    origin: origin(clone),
    pids: servingPids(clone),
    request: request(clone),
    ...(isError ? { isError } : {}),
    ...(base ? { baseline: { origin: origin(base), request: request(base), pids: servingPids(base) } } : {}),
  };
}

try {
  const slackAuth = (c: Clone) => ({ authorization: `Bearer ${c.tokens.userToken}` });
  const stripeAuth = (c: Clone) => ({ authorization: `Bearer ${c.tokens.secretKey}` });
  const list = await fetch(`${slackOriginOf(slack)}/api/conversations.list?limit=200`, {
    headers: slackAuth(slack),
  });
  const channel = (
    (await list.json()) as { channels: Array<{ id: string; is_member: boolean }> }
  ).channels.find((c) => c.is_member);
  if (!channel) throw new Error('the seeded user is in no channel');

  const postTo = (c: Clone): LoadRequest => ({
    method: 'POST',
    path: '/api/chat.postMessage',
    headers: { ...slackAuth(c), 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ channel: channel.id, text: 'load test message' }),
  });
  const createAt = (c: Clone): LoadRequest => ({
    method: 'POST',
    path: '/v1/customers',
    headers: { ...stripeAuth(c), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'email=bench%40example.com&name=Bench&metadata[source]=bench',
  });
  // No target: a method with no token and no database shows what the kit's and the
  // template's own pipeline (routing, body reading, journal, envelope) costs against the
  // floor, apart from the calls' work and their Postgres round trip.
  const pipeline = target(
    'api.test (no token, no database)',
    slack,
    baseSlack,
    slackOriginOf,
    () => ({
      method: 'POST',
      path: '/api/api.test',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: '{}',
    }),
    slackError,
  );
  const post = target('chat.postMessage', slack, baseSlack, slackOriginOf, postTo, slackError);
  const create = target('POST /v1/customers', stripe, baseStripe, stripeOriginOf, createAt);
  // What the official SDK sends (see keyedLikeStripeNode).
  const keyedCreate = target(
    'POST /v1/customers, keyed like stripe-node',
    stripe,
    baseStripe,
    stripeOriginOf,
    (c) => keyedLikeStripeNode(createAt(c)),
  );
  const history = target(
    `conversations.history (limit 20, ${ROWS} messages)`,
    slack,
    baseSlack,
    slackOriginOf,
    (c) => ({
      method: 'GET',
      path: `/api/conversations.history?channel=${channel.id}&limit=20`,
      headers: slackAuth(c),
    }),
    slackError,
  );
  const customers = target(
    `GET /v1/customers?limit=10 (${ROWS} customers)`,
    stripe,
    baseStripe,
    stripeOriginOf,
    (c) => ({ method: 'GET', path: '/v1/customers?limit=10', headers: stripeAuth(c) }),
  );

  const results = [];
  if (only !== 'reads')
    results.push(...(await compareToFloor([pipeline, post, create, keyedCreate], { rounds, seconds })));
  if (only !== 'writes') {
    for (const [s, p] of [[slack, stripe] as const, [baseSlack, baseStripe] as const]) {
      if (!s || !p) continue;
      const messages = await count(
        s,
        `SELECT count(*) FROM messages WHERE conversation_id = '${channel.id}'`,
      );
      await fill(slackOriginOf(s), postTo(s), ROWS - messages);
      await fill(stripeOriginOf(p), createAt(p), ROWS - (await count(p, 'SELECT count(*) FROM customers')));
    }
    results.push(...(await compareToFloor([history, customers], { rounds, seconds })));
  }
  printComparison(`API vs the floor, 10 connections, ${seconds} s per run, ${rounds} rounds`, results, {
    [post.name]: 0.4,
    [create.name]: 0.4,
    [keyedCreate.name]: 0.4,
    [history.name]: 0.5,
    [customers.name]: 0.5,
  });
} finally {
  await destroyAll(home.env);
  if (baseHome) await destroyAll(baseHome.env);
}
