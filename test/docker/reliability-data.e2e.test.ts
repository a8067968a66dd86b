import { randomUUID } from 'node:crypto';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import pg from 'pg';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL } from '../../src/runtime/labels.js';
import { type RealHome, realHome } from '../support/real-cli.js';

/**
 * Issue #10, "nothing lost" (cases 4 and 5) on the real engine: faults injected with
 * `docker kill` into a spun clone's Postgres and into the home's shared Redis, then what a
 * user observes: every acknowledged write still there, calls answering, health telling.
 */
const docker = new Docker();
const homes: RealHome[] = [];
afterAll(async () => {
  for (const home of homes) await home.destroyAll();
});

// biome-ignore lint/suspicious/noExplicitAny: CLI JSON
type Clone = any;

async function spin(home: RealHome, ...args: string[]): Promise<Clone> {
  const run = await home.run('spin', ...args, '--json');
  expect(run.exitCode, run.stderr).toBe(0);
  return run.json();
}

/** The one container with these labels (running or not). */
async function container(labels: Record<string, string>) {
  const [found] = await docker.listContainers({
    all: true,
    filters: { label: Object.entries(labels).map(([key, value]) => `${key}=${value}`) },
  });
  if (!found) throw new Error(`no container with labels ${JSON.stringify(labels)}`);
  return docker.getContainer(found.Id);
}

const cloneContainer = (home: RealHome, clone: Clone, service: string) =>
  container({ [LABEL.home]: home.id, [LABEL.clone]: clone.id, [LABEL.service]: service });
const redisContainer = (home: RealHome) => container({ [LABEL.home]: home.id, [LABEL.kind]: 'redis' });

async function ipOf(handle: Docker.Container): Promise<string> {
  const info = await handle.inspect();
  const ip = Object.values(info.NetworkSettings.Networks).find((n) => n.IPAddress)?.IPAddress;
  if (!ip) throw new Error(`${info.Name} has no IP address`);
  return ip;
}

/** Starts a container again unless something (a restart policy) already did. */
async function startAgain(handle: Docker.Container): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const state = (await handle.inspect()).State;
    if (state.Running) return;
    if (!state.Restarting) {
      await handle.start().catch((error: { statusCode?: number }) => {
        if (error.statusCode !== 304) throw error;
      });
      return;
    }
    await sleep(100);
  }
  throw new Error('the container did not come back');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// biome-ignore lint/suspicious/noExplicitAny: health JSON
async function health(clone: Clone): Promise<{ status: number; body: any }> {
  const origin = new URL(clone.endpoints.api).origin;
  const response = await fetch(`${origin}/_asym/health`, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: await response.json() };
}

/** Polls the clone's health until `accept` holds (bounded). */
// biome-ignore lint/suspicious/noExplicitAny: health JSON
async function healthUntil(clone: Clone, accept: (h: { status: number; body: any }) => boolean) {
  const deadline = Date.now() + 60_000;
  let last: unknown = null;
  while (Date.now() < deadline) {
    const seen = await health(clone).catch((error: Error) => error);
    if (!(seen instanceof Error) && accept(seen)) return seen;
    last = seen instanceof Error ? seen.message : seen;
    await sleep(100);
  }
  throw new Error(`health never matched (last: ${JSON.stringify(last)})`);
}

/** A Slack Web API call as a plain POST, timed; `ok` is Slack's own flag. */
async function slackCall(clone: Clone, token: string, method: string, args: Record<string, unknown>) {
  const started = performance.now();
  const response = await fetch(`${clone.endpoints.api}${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(args),
    signal: AbortSignal.timeout(15_000),
  });
  // biome-ignore lint/suspicious/noExplicitAny: Slack JSON
  const body = (await response.json()) as any;
  return { status: response.status, body, ms: performance.now() - started };
}

const stripeClient = (clone: Clone) => {
  const url = new URL(clone.endpoints.api);
  return new Stripe(clone.tokens.secretKey, {
    host: url.hostname,
    port: Number(url.port),
    protocol: 'http',
    maxNetworkRetries: 0,
  });
};

describe('case 4: acknowledged writes survive a kill of the clone Postgres', () => {
  const home = realHome();
  homes.push(home);
  let slack: Clone;
  let channel: string;

  beforeAll(async () => {
    slack = await spin(home, 'slack', '--no-rate-limits');
    const listed = await slackCall(slack, slack.tokens.userToken, 'conversations.list', { limit: 200 });
    channel = listed.body.channels.find((c: { is_member: boolean }) => c.is_member).id;
  });

  it('keeps every message 64 concurrent writers got ok:true for, with Postgres killed mid-run', async () => {
    const token = slack.tokens.userToken;
    const run = randomUUID().slice(0, 8);
    const acknowledged = new Map<string, string>(); // text -> ts
    let failed = 0;
    let stop = false;
    const started = Date.now();
    const writer = async (id: number) => {
      // Bounded: at most 400 posts per writer and 90 s in all.
      for (let n = 0; n < 400 && !stop && Date.now() - started < 90_000; n++) {
        const text = `durability ${run} w${id} #${n}`;
        const answer = await slackCall(slack, token, 'chat.postMessage', { channel, text }).catch(() => null);
        if (answer?.status === 200 && answer.body.ok === true) acknowledged.set(text, answer.body.ts);
        else {
          failed++;
          await sleep(50);
        }
      }
    };
    const writers = Array.from({ length: 64 }, (_, id) => writer(id));

    while (acknowledged.size < 300 && Date.now() - started < 60_000) await sleep(20);
    const postgres = await cloneContainer(home, slack, 'postgres');
    await postgres.kill();
    const beforeKill = acknowledged.size;
    // Health tells the database is gone (the template side of case 2).
    const down = await healthUntil(slack, (h) => h.status === 503);
    expect(down.body).toMatchObject({ ok: false, ready: false, database: 'down' });
    await sleep(500);
    await startAgain(postgres);
    await healthUntil(slack, (h) => h.status === 200 && h.body.database === 'up');
    const afterRestart = acknowledged.size;
    while (acknowledged.size < afterRestart + 300 && Date.now() - started < 90_000) await sleep(20);
    stop = true;
    await Promise.all(writers);
    console.log(
      `case 4: ${acknowledged.size} acknowledged (${beforeKill} before the kill), ${failed} failed while Postgres was down`,
    );
    expect(beforeKill).toBeGreaterThanOrEqual(300);
    expect(acknowledged.size).toBeGreaterThan(afterRestart);
    expect(failed).toBeGreaterThan(0);

    // Everything acknowledged is in the channel's history, read back through the API.
    const stored = new Set<string>();
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const history = await slackCall(slack, token, 'conversations.history', {
        channel,
        limit: 999,
        ...(cursor ? { cursor } : {}),
      });
      expect(history.body.ok).toBe(true);
      for (const message of history.body.messages) {
        if (typeof message.text === 'string' && message.text.startsWith(`durability ${run} `))
          stored.add(message.text);
      }
      cursor = history.body.response_metadata?.next_cursor || undefined;
      if (!cursor) break;
    }
    const lost = [...acknowledged.keys()].filter((text) => !stored.has(text));
    expect(lost).toEqual([]);
  });
});

describe('case 5: the shared Redis full or gone breaks no clone', () => {
  const home = realHome();
  homes.push(home);
  let stripeClone: Clone;
  let slack: Clone;
  let stripe: Stripe;
  let db: pg.Pool;
  const oldKey = `before-the-outage-${randomUUID()}`;
  let oldCustomer: string;

  const customerCount = async () =>
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM customers')).rows[0]!.n;

  beforeAll(async () => {
    stripeClone = await spin(home, 'stripe');
    // Slack with its rate limits on: every call counts in Redis.
    slack = await spin(home, 'slack');
    stripe = stripeClient(stripeClone);
    db = new pg.Pool({
      connectionString: `postgres://asym@${await ipOf(await cloneContainer(home, stripeClone, 'postgres'))}:5432/clone`,
      max: 2,
    });
    // The suite kills this Postgres: an idle connection's error reaches the pool (unhandled,
    // it would fail the whole run); a query still rejects.
    db.on('error', () => undefined);
    oldCustomer = (
      await stripe.customers.create({ name: 'Before', metadata: { trial: '1' } }, { idempotencyKey: oldKey })
    ).id;
  });

  afterAll(async () => {
    await db?.end();
  });

  it('a Redis filled to its cap by another clone costs Stripe and Slack nothing', async () => {
    const redis = new Redis(`redis://${await ipOf(await redisContainer(home))}:6379`);
    try {
      const cap = Number(((await redis.config('GET', 'maxmemory')) as string[])[1]);
      expect(cap).toBe(128 * 1024 * 1024);
      // Another clone's junk, without TTLs, until Redis is at its cap: big values first,
      // then small ones until even a small write is refused (noeviction) or Redis evicts
      // (an LRU policy). Bounded: 4,000 x 64 KiB (twice the cap), then 20,000 x 512 B.
      const evicted = async () => Number(/evicted_keys:(\d+)/.exec(await redis.info('stats'))?.[1]);
      const used = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
      const fill = async (size: number, batches: number, stopAt: number): Promise<boolean> => {
        const value = 'x'.repeat(size);
        for (let batch = 0; batch < batches; batch++) {
          const pipeline = redis.pipeline();
          for (let i = 0; i < 50; i++) pipeline.set(`otherclone:junk:${size}:${batch}:${i}`, value);
          const refused = ((await pipeline.exec()) ?? []).some(([error]) => error !== null);
          if (refused || (await evicted()) > 0) return true;
          if ((await used()) >= stopAt) return false;
        }
        return false;
      };
      await fill(64 * 1024, 80, cap * 0.95);
      const full = await fill(512, 400, Number.POSITIVE_INFINITY);
      expect(full).toBe(true);

      const before = await customerCount();
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) {
        const answer = await fetch(`${stripeClone.endpoints.api}/v1/customers`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${stripeClone.tokens.secretKey}`,
            'content-type': 'application/x-www-form-urlencoded',
            'idempotency-key': `full-${i}-${randomUUID()}`,
          },
          body: `name=Full+${i}&metadata[order]=${i}&metadata[note]=${'n'.repeat(200)}`,
        });
        statuses.push(answer.status);
      }
      expect(statuses).toEqual(Array(20).fill(200));
      // Nothing was created without a 200.
      expect(await customerCount()).toBe(before + 20);

      for (let i = 0; i < 10; i++) {
        const call = await slackCall(slack, slack.tokens.botToken, 'auth.test', {});
        expect(call.status).toBe(200);
        expect(call.body.ok).toBe(true);
      }
    } finally {
      redis.disconnect();
    }
  });

  it('with Redis killed: keyed Stripe POSTs succeed, Slack answers in milliseconds, health says redis down', async () => {
    await (await redisContainer(home)).kill();
    await healthUntil(slack, (h) => h.status === 200 && h.body.redis === 'down');
    const stripeHealth = await healthUntil(stripeClone, (h) => h.body.redis === 'down');
    expect(stripeHealth).toEqual({
      status: 200,
      body: { ok: true, ready: true, database: 'up', redis: 'down' },
    });

    const before = await customerCount();
    for (let i = 0; i < 10; i++) {
      const created = await stripe.customers.create(
        { name: `No redis ${i}`, metadata: { i: String(i) } },
        { idempotencyKey: `no-redis-${i}-${randomUUID()}` },
      );
      expect(created.id).toMatch(/^cus_/);
    }
    expect(await customerCount()).toBe(before + 10);
    // The replay works without Redis too.
    const replay = await stripe.customers.create(
      { name: 'Before', metadata: { trial: '1' } },
      { idempotencyKey: oldKey },
    );
    expect(replay.id).toBe(oldCustomer);

    const times: number[] = [];
    for (let i = 0; i < 10; i++) {
      const call = await slackCall(slack, slack.tokens.botToken, 'auth.test', {});
      expect(call.status).toBe(200);
      expect(call.body.ok).toBe(true);
      times.push(Math.round(call.ms));
      // Spread over a few seconds, so the limiter's retries of Redis are among them.
      await sleep(300);
    }
    console.log(`case 5: Slack calls with Redis down took ${times.join(', ')} ms`);
    // Behaviour, not a benchmark: milliseconds, where the old client waited 4-8 s per call.
    // Generous bounds: on a loaded 2-core machine the first call after a pause can take up
    // to a second whatever Redis does (seen with Redis up too; the limiter's own wait is
    // capped at 100 ms, and the backend's log shows it failing open at once).
    expect(Math.max(...times)).toBeLessThan(2_000);
    expect(times.sort((a, b) => a - b)[Math.floor(times.length / 2)]).toBeLessThan(500);
    // Failing open is said once per outage, not once per call.
    const logs = await home.run('logs', slack.id);
    expect(logs.exitCode).toBe(0);
    const said = `${logs.stdout}\n${logs.stderr}`.split('\n');
    expect(said.filter((line) => line.includes('rate limits off until redis answers again'))).toHaveLength(1);
  });

  it('after Redis comes back, an old idempotency key replays its answer and creates nothing', async () => {
    await startAgain(await redisContainer(home));
    await healthUntil(stripeClone, (h) => h.status === 200 && h.body.redis === 'up');
    await healthUntil(slack, (h) => h.status === 200 && h.body.redis === 'up');
    const before = await customerCount();
    const response = await fetch(`${stripeClone.endpoints.api}/v1/customers`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${stripeClone.tokens.secretKey}`,
        'content-type': 'application/x-www-form-urlencoded',
        'idempotency-key': oldKey,
      },
      body: 'name=Before&metadata[trial]=1',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('idempotent-replayed')).toBe('true');
    expect(((await response.json()) as { id: string }).id).toBe(oldCustomer);
    expect(await customerCount()).toBe(before);
    // Slack counts again.
    const call = await slackCall(slack, slack.tokens.botToken, 'auth.test', {});
    expect(call.body.ok).toBe(true);
  });
});
