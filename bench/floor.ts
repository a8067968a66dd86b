/**
 * Issue #17's API targets, as ratios to the floor (bench/floor-lib.ts) measured in the same
 * run at 10 connections: chat.postMessage and POST /v1/customers >= 0.4x the containerised
 * floor; conversations.history (limit 20, 10,000-message channel) and
 * GET /v1/customers?limit=10 (10,000 customers) >= 0.5x. Beside them, api.test (no token, no
 * database, no target) shows what the pipeline alone costs, and the create keyed as
 * stripe-node sends every POST (a fresh Idempotency-Key) is held to the create's target.
 * Run: npm run build && node --import tsx bench/floor.ts [--seconds 5] [--rounds 3] [--only writes|reads]
 *      [--baseline <another build's dist/cli/asymmetric.mjs> | --peer]
 * With --baseline, the same clones are also spun by that build (its templates, so its
 * images) and measured in the same alternating rounds: endpoint / baseline is the change's
 * effect with the machine's drift taken out.
 * With --peer, the in-memory peer the issue names (bench/peer-lib.ts) takes the baseline's
 * place: each call is also sent to it in the same rounds, and endpoint / peer is how we
 * compare with it (api.test, which the peer lacks, runs alone).
 * The reads run first, each side holding exactly 10,000 rows, then the writes.
 */
import autocannon from 'autocannon';
import { DockerRuntime } from '../src/runtime/docker-runtime.js';
import { LABEL } from '../src/runtime/labels.js';
import { compareToFloor, type FloorTarget, pathPids, printComparison } from './floor-lib.js';
import { asym, benchHome, destroyAll } from './lib.js';
import { keyedLikeStripeNode, type LoadRequest } from './load.js';
import { PEER, type Peer, startPeer, withTokens } from './peer-lib.js';

const arg = (name: string, fallback: string) =>
  process.argv.includes(name) ? (process.argv[process.argv.indexOf(name) + 1] ?? fallback) : fallback;
const seconds = Number(arg('--seconds', '5'));
const rounds = Number(arg('--rounds', '3'));
const only = arg('--only', 'all');
const ROWS = 10_000;

const baselineCli = arg('--baseline', '');
const withPeer = process.argv.includes('--peer');
if (baselineCli && withPeer) throw new Error('floor.ts takes --baseline or --peer, not both');
const home = benchHome(47800);
const docker = new DockerRuntime();
const spinBoth = async (env: NodeJS.ProcessEnv) =>
  (await asym(env, 'spin', 'slack', 'stripe', '--seed', 'acme-corp', '--no-rate-limits', '--json')).json;
const [slack, stripe] = await spinBoth(home.env);
const baseHome = baselineCli ? { env: { ...benchHome(47800).env, ASYM_BENCH_CLI: baselineCli } } : null;
const [baseSlack, baseStripe] = baseHome ? await spinBoth(baseHome.env) : [null, null];
let peer: Peer | null = null;

/**
 * One side of the comparison (this build's clones, a baseline build's, or the peer): where
 * each call goes, as what request, served by which processes, and how many rows a read
 * would page.
 */
interface Side {
  slack: string;
  stripe: string;
  slackPids(): Promise<number[]>;
  stripePids(): Promise<number[]>;
  channel: string;
  /** The side's tokens on each request (its auth headers, or the peer's rotation). */
  authorize(request: LoadRequest, service: 'slack' | 'stripe'): LoadRequest;
  /** conversations.history as the side takes it (the peer answers Slack's methods on POST only). */
  historyRequest(channel: string): LoadRequest;
  messages(): Promise<number>;
  customers(): Promise<number>;
}

// biome-ignore lint/suspicious/noExplicitAny: CLI JSON
type Clone = any;

// biome-ignore lint/suspicious/noExplicitAny: CLI JSON
const servingPids = (clone: any) => async () => {
  const containers = await docker.listContainers({ [LABEL.clone]: clone.id });
  return pathPids(
    containers.map((c) => c.id),
    clone.ports.backend,
  );
};

async function count(clone: Clone, sql: string): Promise<number> {
  const [pg] = await docker.listContainers({ [LABEL.clone]: clone.id, [LABEL.service]: 'postgres' });
  if (!pg) throw new Error(`no postgres container for ${clone.id}`);
  const result = await docker.exec(pg.id, ['psql', '-U', 'asym', '-d', 'clone', '-tAc', sql]);
  if (result.exitCode !== 0) throw new Error(`psql: ${result.output}`);
  return Number(result.output.trim());
}

function clonesSide(s: Clone, p: Clone, channel: string): Side {
  const headers = {
    slack: { authorization: `Bearer ${s.tokens.userToken}` },
    stripe: { authorization: `Bearer ${p.tokens.secretKey}` },
  };
  const authorize = (request: LoadRequest, service: 'slack' | 'stripe') => {
    const authorized = { ...request, headers: { ...request.headers, ...headers[service] } };
    // The same per-request rewrite the peer's side gets, over this side's one token.
    return withPeer
      ? withTokens(authorized, [headers[service].authorization.slice('Bearer '.length)])
      : authorized;
  };
  return {
    slack: s.endpoints.api.replace(/\/api\/$/, ''),
    stripe: p.endpoints.api,
    slackPids: servingPids(s),
    stripePids: servingPids(p),
    channel,
    authorize,
    historyRequest: (id) => ({ method: 'GET', path: `/api/conversations.history?channel=${id}&limit=20` }),
    messages: () => count(s, `SELECT count(*) FROM messages WHERE conversation_id = '${channel}'`),
    customers: () => count(p, 'SELECT count(*) FROM customers'),
  };
}

function peerSide(peer: Peer): Side {
  const post = async (path: string, body: unknown) =>
    (await (
      await fetch(`${peer.slack.origin}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${peer.tokens[0]}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    ).json()) as { messages: unknown[]; has_more: boolean };
  return {
    slack: peer.slack.origin,
    stripe: peer.stripe.origin,
    slackPids: peer.slack.pids,
    stripePids: peer.stripe.pids,
    channel: peer.channel,
    authorize: (request) => withTokens(request, peer.tokens),
    historyRequest: (id) => ({
      method: 'POST',
      path: '/api/conversations.history',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: id, limit: 20 }),
    }),
    // The reads run first, on a peer that has taken no writes yet: one page holds them all.
    messages: async () => {
      const page = await post('/api/conversations.history', { channel: peer.channel, limit: 1000 });
      if (page.has_more) throw new Error('the peer already holds more than a page of messages');
      return page.messages.length;
    },
    customers: async () => {
      const page = (await (
        await fetch(`${peer.stripe.origin}/v1/customers?limit=100`, {
          headers: { authorization: `Bearer ${peer.tokens[0]}` },
        })
      ).json()) as { data: unknown[]; has_more: boolean };
      if (page.has_more) throw new Error('the peer already holds more than a page of customers');
      return page.data.length;
    },
  };
}

/** Sends `request` exactly `amount` times (10 at a time) to grow the data a read pages. */
async function fill(origin: string, request: LoadRequest, amount: number): Promise<void> {
  if (amount <= 0) return;
  let failed = 0;
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
        ...(request.setupRequest ? { setupRequest: request.setupRequest } : {}),
        onResponse: (status: number, body: string) => {
          if (status >= 400 || body.startsWith('{"ok":false')) failed++;
        },
      },
    ],
  });
  if (failed > 0) throw new Error(`${failed} of ${amount} writes to ${origin} failed while filling`);
}

const slackError = (status: number, body: string) => status !== 200 || !body.startsWith('{"ok":true');

try {
  const list = await fetch(`${slack.endpoints.api}conversations.list?limit=200`, {
    headers: { authorization: `Bearer ${slack.tokens.userToken}` },
  });
  const channel = (
    (await list.json()) as { channels: Array<{ id: string; is_member: boolean }> }
  ).channels.find((c) => c.is_member);
  if (!channel) throw new Error('the seeded user is in no channel');

  const ours = clonesSide(slack, stripe, channel.id);
  if (withPeer) peer = await startPeer();
  const other: Side | null = baseSlack
    ? clonesSide(baseSlack, baseStripe, channel.id)
    : peer
      ? peerSide(peer)
      : null;
  const label = peer ? PEER : 'baseline build';

  const postTo = (side: Side): LoadRequest =>
    side.authorize(
      {
        method: 'POST',
        path: '/api/chat.postMessage',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ channel: side.channel, text: 'load test message' }),
      },
      'slack',
    );
  const createAt = (side: Side, keyed = false): LoadRequest => {
    const request: LoadRequest = {
      method: 'POST',
      path: '/v1/customers',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'email=bench%40example.com&name=Bench&metadata[source]=bench',
    };
    // What the official SDK sends (see keyedLikeStripeNode).
    return side.authorize(keyed ? keyedLikeStripeNode(request) : request, 'stripe');
  };

  /** One call, as a request to each side (each side has tokens of its own). */
  const target = (
    name: string,
    service: 'slack' | 'stripe',
    request: (side: Side) => LoadRequest,
    options: { isError?: FloorTarget['isError']; alone?: boolean } = {},
  ): FloorTarget => {
    const at = (side: Side) => ({
      origin: side[service],
      request: request(side),
      pids: service === 'slack' ? side.slackPids : side.stripePids,
    });
    return {
      name,
      ...at(ours),
      ...(options.isError ? { isError: options.isError } : {}),
      ...(other && !options.alone ? { baseline: { ...at(other), label } } : {}),
    };
  };

  // No target: a method with no token and no database shows what the kit's and the
  // template's own pipeline (routing, body reading, journal, envelope) costs against the
  // floor, apart from the calls' work and their Postgres round trip. The peer has no api.test.
  const pipeline = target(
    'api.test (no token, no database)',
    'slack',
    () => ({
      method: 'POST',
      path: '/api/api.test',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: '{}',
    }),
    { isError: slackError, alone: withPeer },
  );
  const post = target('chat.postMessage', 'slack', postTo, { isError: slackError });
  const create = target('POST /v1/customers', 'stripe', (side) => createAt(side));
  const keyedCreate = target('POST /v1/customers, keyed like stripe-node', 'stripe', (side) =>
    createAt(side, true),
  );
  const history = target(
    `conversations.history (limit 20, ${ROWS} messages)`,
    'slack',
    (side) => side.authorize(side.historyRequest(side.channel), 'slack'),
    { isError: slackError },
  );
  const customers = target(`GET /v1/customers?limit=10 (${ROWS} customers)`, 'stripe', (side) =>
    side.authorize({ method: 'GET', path: '/v1/customers?limit=10' }, 'stripe'),
  );

  const results = [];
  if (only !== 'writes') {
    for (const side of other ? [ours, other] : [ours]) {
      await fill(side.slack, postTo(side), ROWS - (await side.messages()));
      await fill(side.stripe, createAt(side), ROWS - (await side.customers()));
    }
    results.push(...(await compareToFloor([history, customers], { rounds, seconds })));
  }
  if (only !== 'reads')
    results.push(...(await compareToFloor([pipeline, post, create, keyedCreate], { rounds, seconds })));
  printComparison(`API vs the floor, 10 connections, ${seconds} s per run, ${rounds} rounds`, results, {
    [post.name]: 0.4,
    [create.name]: 0.4,
    [keyedCreate.name]: 0.4,
    [history.name]: 0.5,
    [customers.name]: 0.5,
  });
} finally {
  await peer?.stop();
  await destroyAll(home.env);
  if (baseHome) await destroyAll(baseHome.env);
}
