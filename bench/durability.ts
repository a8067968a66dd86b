/**
 * Issue #10, case 4: what durable Postgres settings cost. One Slack and one Stripe clone;
 * each write path is loaded with 10 connections under the old settings (fsync,
 * synchronous_commit, full_page_writes and wal_compression off) and the shipped ones
 * (docker/postgres/postgresql.conf), switched on the same clone with ALTER SYSTEM and a
 * reload, alternating rounds so drift on a shared machine hits both alike. Each run starts
 * right after a CHECKPOINT: the first write to every page then logs a full page image,
 * the worst case for full_page_writes. wal_buffers needs a restart, so both variants run
 * with the shipped 4MB.
 * Run: npm run build && node --import tsx bench/durability.ts [--seconds 5] [--rounds 3]
 */
import { loadavg } from 'node:os';
import { DockerRuntime } from '../src/runtime/docker-runtime.js';
import { LABEL } from '../src/runtime/labels.js';
import { asym, benchHome, median } from './lib.js';
import { keyedLikeStripeNode, type LoadRequest, load } from './load.js';

const arg = (name: string, fallback: number) =>
  process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) || fallback : fallback;
const seconds = arg('--seconds', 5);
const rounds = arg('--rounds', 3);
const home = benchHome(47600);
const docker = new DockerRuntime();

const VARIANTS: Record<string, string[]> = {
  'old (no fsync, async commit)': [
    'ALTER SYSTEM SET fsync = off',
    'ALTER SYSTEM SET synchronous_commit = off',
    'ALTER SYSTEM SET full_page_writes = off',
    'ALTER SYSTEM SET wal_compression = off',
  ],
  // Crash-safe (no torn pages, WAL matches the data files) but a killed server loses the
  // last few hundred ms of acknowledged commits (issue #17 asks for this figure).
  'fsync on, synchronous_commit off': ['ALTER SYSTEM SET synchronous_commit = off'],
  'new (shipped: full durability)': [],
};

// biome-ignore lint/suspicious/noExplicitAny: CLI JSON
async function postgresOf(clone: any): Promise<string> {
  const [found] = await docker.listContainers({ [LABEL.clone]: clone.id, [LABEL.service]: 'postgres' });
  if (!found) throw new Error(`no postgres container for ${clone.id}`);
  return found.id;
}

async function psql(container: string, sql: string): Promise<void> {
  const result = await docker.exec(container, [
    'psql',
    '-U',
    'asym',
    '-d',
    'clone',
    '-v',
    'ON_ERROR_STOP=1',
    '-c',
    sql,
  ]);
  if (result.exitCode !== 0) throw new Error(`psql failed: ${result.output}`);
}

async function apply(container: string, statements: string[]): Promise<void> {
  await psql(container, 'ALTER SYSTEM RESET ALL');
  for (const statement of statements) await psql(container, statement);
  await psql(container, 'SELECT pg_reload_conf()');
  await new Promise((resolve) => setTimeout(resolve, 300));
  await psql(container, 'CHECKPOINT');
}

const slack = (await asym(home.env, 'spin', 'slack', '--seed', 'acme-corp', '--no-rate-limits', '--json'))
  .json;
const stripe = (await asym(home.env, 'spin', 'stripe', '--seed', 'acme-corp', '--json')).json;
try {
  const slackOrigin = slack.endpoints.api.replace(/\/api\/$/, '');
  const token = slack.tokens.userToken;
  const list = await fetch(`${slackOrigin}/api/conversations.list?limit=200`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const channel = (
    (await list.json()) as { channels: Array<{ id: string; is_member: boolean }> }
  ).channels.find((c) => c.is_member);
  if (!channel) throw new Error('the seeded user is in no channel');
  const slackError = (status: number, body: string) => status !== 200 || !body.startsWith('{"ok":true');
  const stripeAuth = {
    authorization: `Bearer ${stripe.tokens.secretKey}`,
    'content-type': 'application/x-www-form-urlencoded',
  };
  const customer: LoadRequest = {
    method: 'POST',
    path: '/v1/customers',
    headers: stripeAuth,
    body: 'email=bench%40example.com&name=Bench&metadata[source]=bench',
  };
  const targets: Array<{
    name: string;
    origin: string;
    postgres: string;
    request: LoadRequest;
    isError?: (status: number, body: string) => boolean;
  }> = [
    {
      name: 'chat.postMessage',
      origin: slackOrigin,
      postgres: await postgresOf(slack),
      request: {
        method: 'POST',
        path: '/api/chat.postMessage',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ channel: channel.id, text: 'durability bench message' }),
      },
      isError: slackError,
    },
    {
      name: 'POST /v1/customers',
      origin: stripe.endpoints.api,
      postgres: await postgresOf(stripe),
      request: customer,
    },
    {
      // What stripe-node sends: a fresh key on every POST (claim + answer in Postgres too).
      name: 'POST /v1/customers + Idempotency-Key',
      origin: stripe.endpoints.api,
      postgres: await postgresOf(stripe),
      request: keyedLikeStripeNode(customer),
    },
  ];

  const rps = new Map<string, number[]>();
  const p50 = new Map<string, number[]>();
  for (let round = 0; round < rounds; round++) {
    // Alternate the order each round: A B C, then C B A.
    const order = round % 2 === 0 ? Object.keys(VARIANTS) : Object.keys(VARIANTS).reverse();
    for (const variant of order) {
      for (const target of targets) {
        await apply(target.postgres, VARIANTS[variant]!);
        const options = { connections: 10, isError: target.isError };
        await load(target.name, target.origin, target.request, { ...options, seconds: 2 });
        const result = await load(target.name, target.origin, target.request, { ...options, seconds });
        if (result.errors > 0) throw new Error(`${target.name} (${variant}): ${result.errors} errors`);
        const key = `${target.name}|${variant}`;
        rps.set(key, [...(rps.get(key) ?? []), result.rps]);
        p50.set(key, [...(p50.get(key) ?? []), result.p50]);
      }
    }
  }
  for (const target of targets) await apply(target.postgres, []);

  const load1 = loadavg().map((value) => value.toFixed(1));
  const spread = (values: number[], digits = 0) =>
    `${Math.min(...values).toFixed(digits)}/${median(values).toFixed(digits)}/${Math.max(...values).toFixed(digits)}`;
  process.stdout.write(
    `\ndurability cost, 10 connections, ${seconds} s per run, ${rounds} alternating rounds ` +
      `(load average now ${load1.join(' ')}): req/s min/median/max, ratio of the medians to old\n`,
  );
  for (const target of targets) {
    const old = median(rps.get(`${target.name}|${Object.keys(VARIANTS)[0]}`) ?? []);
    process.stdout.write(`  ${target.name}\n`);
    for (const variant of Object.keys(VARIANTS)) {
      const values = rps.get(`${target.name}|${variant}`) ?? [];
      const latency = median(p50.get(`${target.name}|${variant}`) ?? []);
      process.stdout.write(
        `    ${variant.padEnd(34)} ${spread(values).padStart(16)} req/s  p50 ${`${latency} ms`.padStart(6)}  x${(median(values) / old).toFixed(2)}\n`,
      );
    }
  }
} finally {
  await asym(home.env, 'destroy', slack.id);
  await asym(home.env, 'destroy', stripe.id);
}
