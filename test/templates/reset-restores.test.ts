import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { App, LogLevel, SocketModeReceiver } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { Redis } from 'ioredis';
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createMemoryLogger } from '../../templates/_shared/log.js';
import { createSlackApp, type SlackApp } from '../../templates/slack/backend/app.js';
import { noEvents } from '../../templates/slack/backend/events/event-sink.js';
import { startScheduler } from '../../templates/slack/backend/scheduler.js';
import { slackTemplate } from '../../templates/slack/backend/template.js';
import type { SlackTokens } from '../../templates/slack/backend/tokens.js';
import { ACME_BOT } from '../../templates/slack/fixtures/acme-corp.js';
import { createStripeApp } from '../../templates/stripe/backend/app.js';
import { stripeTemplate } from '../../templates/stripe/backend/template.js';
import type { StripeTokens } from '../../templates/stripe/backend/tokens.js';
import { type CloneInfra, startCloneInfra } from '../support/clone-db.js';
import { type RunningBackend, redisKeys, startBackend } from './harness.js';
import { ENGINEERING, GENERAL, slackError } from './slack-support.js';

// Issue 11 §2: a reset (and a reseed) puts back everything a trial can change, not only
// the tables of `public`: tokens the agent revoked, queued deliveries and their retries,
// scheduled work, rate-limit counters, Socket Mode connections and the clone's Redis keys.

// Long enough that the reset lands while retries are still due, on a loaded machine too.
const RETRY_MS = 1_500;
/** Attempts a delivery gets at most: the first and one per retry delay. */
const ATTEMPTS = 4;

let infra: CloneInfra;
let slack: RunningBackend<object, SlackTokens>;
let slackApp: SlackApp;
/** The Slack clone served with its upgrade hook attached, as runCloneServer serves it. */
let slackUrl: string;
let closeSlack: () => Promise<void>;
let slackTokens: SlackTokens;
let stripeBackend: RunningBackend<object, StripeTokens>;
let stripeTokens: StripeTokens;

const slackClient = (token: string) =>
  new WebClient(token, {
    slackApiUrl: `${slackUrl}/api/`,
    retryConfig: { retries: 0 },
    // A 429 is the answer under test, not something to sit out.
    rejectRateLimitedCalls: true,
  });

const stripeClient = (key: string) =>
  new Stripe(key, { host: '127.0.0.1', port: stripeBackend.port, protocol: 'http', maxNetworkRetries: 0 });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(
  what: string,
  find: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

// biome-ignore lint/suspicious/noExplicitAny: tests read admin JSON freely
async function slackAdminGet(path: string): Promise<any> {
  const response = await fetch(`${slackUrl}/_asym${path}`, {
    headers: { authorization: `Bearer ${slack.adminToken}` },
  });
  return response.json();
}

/** A receiver on 127.0.0.1 that records every request and answers `status` (Slack's handshake aside). */
async function failingReceiver(status: number) {
  const bodies: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const parsed = JSON.parse(body || '{}') as { type?: string; challenge?: string };
      if (parsed.type === 'url_verification') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(parsed));
        return;
      }
      bodies.push(body);
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A raw Socket Mode connection: every message it receives, in order, and how it closed. */
async function rawSocket(appToken: string) {
  const opened = (await (
    await fetch(`${slackUrl}/api/apps.connections.open`, {
      method: 'POST',
      headers: { authorization: `Bearer ${appToken}` },
    })
  ).json()) as { ok: boolean; url?: string; error?: string };
  expect(opened).toMatchObject({ ok: true });
  const socket = new WebSocket(opened.url as string);
  // biome-ignore lint/suspicious/noExplicitAny: tests read vendor JSON freely
  const messages: any[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(data.toString())));
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  await waitFor('hello', () => messages.find((m) => m.type === 'hello'));
  return { socket, messages, closed };
}

beforeAll(async () => {
  infra = await startCloneInfra();
  slack = (await startBackend(infra, {
    template: slackTemplate,
    createApp: (deps) => {
      slackApp = createSlackApp({
        ...deps,
        // Only tier 2 is tight, and no test here but the rate-limit one calls a tier 2 method twice.
        rateLimits: { enabled: true, tiers: { tier2: { limit: 2, windowSeconds: 3_600 } } },
        events: { retryDelaysMs: [RETRY_MS, RETRY_MS, RETRY_MS], timeoutMs: 1_000 },
        socketMode: { ackTimeoutMs: 300 },
      });
      return slackApp;
    },
    database: 'reset_slack',
    seedFixture: 'acme-corp',
  })) as RunningBackend<object, SlackTokens>;
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: slackApp.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const detach = slackApp.attach(server as import('node:http').Server);
  slackUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  closeSlack = async () => {
    detach();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    if ('closeAllConnections' in server) server.closeAllConnections();
    await closed;
  };
  slackTokens = (await slack.admin('/tokens')).body as SlackTokens;

  stripeBackend = (await startBackend(infra, {
    template: stripeTemplate,
    createApp: (deps) =>
      createStripeApp({
        ...deps,
        webhooks: { retryDelaysMs: [RETRY_MS, RETRY_MS, RETRY_MS], timeoutMs: 1_000 },
      }),
    database: 'reset_stripe',
    seedFixture: 'acme-corp',
  })) as RunningBackend<object, StripeTokens>;
  stripeTokens = (await stripeBackend.admin('/tokens')).body as StripeTokens;
}, 180_000);

afterAll(async () => {
  await closeSlack?.();
  await slack?.close();
  await stripeBackend?.close();
  await infra?.stop();
});

beforeEach(async () => {
  expect((await slack.admin('/reset')).status).toBe(200);
  expect((await stripeBackend.admin('/reset')).status).toBe(200);
});

describe('tokens', () => {
  it('a token the agent revoked with auth.revoke works again after reset', async () => {
    const bot = slackClient(slackTokens.botToken);
    const user = slackClient(slackTokens.userToken);
    expect(await bot.auth.revoke()).toMatchObject({ ok: true, revoked: true });
    expect(await user.auth.revoke()).toMatchObject({ ok: true, revoked: true });
    expect((await slackError(bot.auth.test())).error).toBe('token_revoked');
    expect((await slackError(user.auth.test())).error).toBe('token_revoked');

    expect((await slack.admin('/reset')).status).toBe(200);
    expect((await bot.auth.test()).user_id).toBe(ACME_BOT.userId);
    expect((await user.auth.test()).ok).toBe(true);
  });

  it('a reseed brings a revoked token back too', async () => {
    const bot = slackClient(slackTokens.botToken);
    await bot.auth.revoke();
    expect((await slack.admin('/seed', { fixture: 'acme-corp' })).status).toBe(200);
    expect((await bot.auth.test()).ok).toBe(true);
  });

  it('tokens of an earlier set stay revoked across resets; the new set comes back', async () => {
    const before = slackTokens;
    const minted = await slack.admin('/tokens');
    expect(minted.status).toBe(200);
    slackTokens = minted.body as SlackTokens;
    const old = slackClient(before.botToken);
    const fresh = slackClient(slackTokens.botToken);
    expect((await slackError(old.auth.test())).error).toBe('token_revoked');
    await fresh.auth.revoke();

    expect((await slack.admin('/reset')).status).toBe(200);
    expect((await fresh.auth.test()).ok).toBe(true);
    expect((await slackError(old.auth.test())).error).toBe('token_revoked');
    expect((await slackError(slackClient(before.userToken).auth.test())).error).toBe('token_revoked');
  });

  it('Stripe keys revoked or rotated in asym come back as last minted', async () => {
    // Stripe's API has no call that revokes a key (that is the Dashboard's); the kit puts
    // back whatever happened to the credential tables all the same.
    await stripeBackend.pool.query('UPDATE asym.api_keys SET revoked_at = now()');
    expect(
      (
        await stripeClient(stripeTokens.secretKey)
          .customers.list({ limit: 1 })
          .catch((e) => e)
      ).statusCode,
    ).toBe(401);
    expect((await stripeBackend.admin('/reset')).status).toBe(200);
    expect((await stripeClient(stripeTokens.secretKey).customers.list({ limit: 1 })).object).toBe('list');

    const before = stripeTokens;
    stripeTokens = (await stripeBackend.admin('/tokens')).body as StripeTokens;
    expect((await stripeBackend.admin('/reset')).status).toBe(200);
    expect((await stripeClient(stripeTokens.secretKey).customers.list({ limit: 1 })).object).toBe('list');
    const old = await stripeClient(before.secretKey)
      .customers.list({ limit: 1 })
      .catch((e) => e);
    expect(old).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
  });
});

describe('deliveries queued before a reset', () => {
  it('an Events API retry is not delivered after it', async () => {
    const receiver = await failingReceiver(500);
    try {
      expect((await slack.admin('/events', { url: receiver.url })).status).toBe(200);
      const user = slackClient(slackTokens.userToken);
      const posted = await user.chat.postMessage({ channel: ENGINEERING, text: 'before the reset' });
      const first = await waitFor('the first attempt', () =>
        receiver.bodies.find((body) => body.includes(posted.ts as string)),
      );
      const eventId = (JSON.parse(first) as { event_id: string }).event_id;
      const attempts = () => receiver.bodies.filter((body) => body.includes(eventId)).length;
      expect((await slack.admin('/reset')).status).toBe(200);
      // A retry was still due when the reset came in...
      const before = attempts();
      expect(before).toBeLessThan(ATTEMPTS);
      await sleep(RETRY_MS * 2);
      // ...and it never went out.
      expect(attempts()).toBe(before);
      expect((await slackAdminGet('/events')).deliveries).toEqual([]);
    } finally {
      await slack.admin('/events', { url: null });
      await receiver.close();
    }
  });

  it('a Stripe webhook retry is not delivered after it', async () => {
    const receiver = await failingReceiver(500);
    try {
      const stripe = stripeClient(stripeTokens.secretKey);
      await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['customer.created'] });
      const customer = await stripe.customers.create({ email: 'retry@acme.test' });
      await waitFor('the first attempt', () => receiver.bodies.find((body) => body.includes(customer.id)));
      const attempts = () => receiver.bodies.filter((body) => body.includes(customer.id)).length;
      expect((await stripeBackend.admin('/reset')).status).toBe(200);
      const before = attempts();
      expect(before).toBeLessThan(ATTEMPTS);
      await sleep(RETRY_MS * 2);
      expect(attempts()).toBe(before);
    } finally {
      await receiver.close();
    }
  });
});

describe('scheduled work', () => {
  it('a message scheduled by the agent and a reminder do not fire after a reset', async () => {
    const user = slackClient(slackTokens.userToken);
    const seededScheduled = (await user.chat.scheduledMessages.list({})).scheduled_messages;
    const seededReminders = (await user.reminders.list()).reminders;
    // Far enough ahead that the reset comes first.
    const dueAt = Math.floor(Date.now() / 1000) + 4;
    const text = `scheduled before the reset ${Date.now()}`;
    await user.chat.scheduleMessage({ channel: GENERAL, text, post_at: dueAt });
    await user.reminders.add({ text: `${text} (reminder)`, time: String(dueAt) });

    expect((await slack.admin('/reset')).status).toBe(200);
    expect((await user.chat.scheduledMessages.list({})).scheduled_messages).toEqual(seededScheduled);
    expect((await user.reminders.list()).reminders).toEqual(seededReminders);
    // Past the due time and a scheduler tick or two.
    await sleep(Math.max(0, dueAt * 1000 - Date.now()) + 2_500);
    const { rows } = await slack.pool.query('SELECT count(*)::int AS n FROM messages WHERE text LIKE $1', [
      `%${text}%`,
    ]);
    expect(rows[0].n).toBe(0);
  });

  it('(control) without a reset the same message does fire', async () => {
    const user = slackClient(slackTokens.userToken);
    const text = `scheduled, no reset ${Date.now()}`;
    await user.chat.scheduleMessage({ channel: GENERAL, text, post_at: Math.floor(Date.now() / 1000) + 2 });
    await waitFor(
      'the scheduled message',
      async () => {
        const { rows } = await slack.pool.query('SELECT 1 FROM messages WHERE text = $1', [text]);
        return rows[0];
      },
      8_000,
    );
  });
});

describe('the scheduler and a reseed', () => {
  // A reseed commits the fixture's fixed times (months ago) a moment before it moves them
  // around now; a tick that read the rows in that moment saw every seeded reminder due.
  // Here the clock is a month ahead, so the seeded reminders and messages are all due.
  const ahead = () => Date.now() + 30 * 86_400_000;
  const fired = async () => {
    const { rows } = await slack.pool.query<{ reminders: number; messages: number; scheduled: number }>(
      `SELECT (SELECT count(*)::int FROM reminders WHERE fired) AS reminders,
              (SELECT count(*)::int FROM messages WHERE user_id = 'USLACKBOT') AS messages,
              (SELECT count(*)::int FROM scheduled_messages) AS scheduled`,
    );
    const counts = rows[0];
    if (!counts) throw new Error('no counts');
    return counts;
  };
  const run = async (isReady: () => boolean) => {
    const stop = startScheduler({
      pool: slack.pool,
      now: ahead,
      events: noEvents,
      log: createMemoryLogger(),
      isReady,
      intervalMs: 50,
    });
    await sleep(600);
    stop();
  };

  it('a tick that finds the clone unsettled once it holds the due rows posts nothing', async () => {
    const seeded = await fired();
    expect(seeded.scheduled).toBeGreaterThan(0);
    let checks = 0;
    // Settled when the tick starts, unsettled (a reseed began) by the time it holds the rows.
    await run(() => ++checks === 1);
    expect(checks).toBeGreaterThan(1);
    expect(await fired()).toEqual(seeded);
  });

  it('(control) a settled clone posts them', async () => {
    const seeded = await fired();
    await run(() => true);
    const after = await fired();
    expect(after.reminders).toBeGreaterThan(seeded.reminders);
    expect(after.messages).toBeGreaterThan(seeded.messages);
    expect(after.scheduled).toBeLessThan(seeded.scheduled);
  });

  it('the runtime is unsettled while a reseed runs, and settled after it', async () => {
    const seeded = await fired();
    const reseed = slack.runtime.seed('acme-corp');
    expect(slack.runtime.settled).toBe(false);
    expect(slack.runtime.ready).toBe(true);
    await reseed;
    expect(slack.runtime.settled).toBe(true);
    await sleep(1_500); // a tick of the clone's own scheduler, on the real clock
    expect(await fired()).toEqual(seeded);
  });
});

describe('rate limits', () => {
  it('a method exhausted before a reset answers after it', async () => {
    const bot = slackClient(slackTokens.botToken);
    await bot.conversations.list({ limit: 1 });
    await bot.conversations.list({ limit: 1 });
    const limited = await bot.conversations.list({ limit: 1 }).catch((error: { code?: string }) => error);
    expect((limited as { code?: string }).code).toBe('slack_webapi_rate_limited_error');
    expect((await slack.admin('/reset')).status).toBe(200);
    expect((await bot.conversations.list({ limit: 1 })).ok).toBe(true);
  });
});

describe('Socket Mode', () => {
  it('closes every connection, drops unacked envelopes, and takes a reconnect', async () => {
    const { messages, closed } = await rawSocket(slackTokens.appToken);
    const user = slackClient(slackTokens.userToken);
    // Left unacked: the hub would send it again after the ack timeout.
    const posted = await user.chat.postMessage({ channel: ENGINEERING, text: 'unacked before the reset' });
    const envelope = await waitFor('the envelope', () =>
      messages.find((m) => m.type === 'events_api' && m.payload.event.ts === posted.ts),
    );
    expect((await slack.admin('/reset')).status).toBe(200);
    expect(await closed).toBe(1000);
    expect(messages.at(-1)).toMatchObject({ type: 'disconnect', reason: 'refresh_requested' });
    await waitFor('no open connection', async () =>
      (await slackAdminGet('/socket-mode')).connections === 0 ? true : undefined,
    );
    expect((await slackAdminGet('/socket-mode')).deliveries).toEqual([]);

    const again = await rawSocket(slackTokens.appToken);
    try {
      const after = await user.chat.postMessage({ channel: ENGINEERING, text: 'after the reset' });
      await waitFor('an envelope on the new connection', () =>
        again.messages.find((m) => m.type === 'events_api' && m.payload.event.ts === after.ts),
      );
      await sleep(600);
      expect(again.messages.some((m) => m.envelope_id === envelope.envelope_id)).toBe(false);
    } finally {
      again.socket.close();
    }
  });

  it('a Bolt app reconnects by itself and hears events again', async () => {
    const slackApiUrl = `${slackUrl}/api/`;
    const app = new App({
      token: slackTokens.botToken,
      receiver: new SocketModeReceiver({
        appToken: slackTokens.appToken,
        installerOptions: { clientOptions: { slackApiUrl } },
        clientPingTimeout: 500,
        logLevel: LogLevel.ERROR,
      }),
      clientOptions: { slackApiUrl },
      logLevel: LogLevel.ERROR,
    });
    app.event('app_mention', async ({ event, say }) => {
      await say(`pong ${event.ts}`);
    });
    const opened = () => slack.log.lines.filter((line) => line.includes('connection opened')).length;
    const user = slackClient(slackTokens.userToken);
    const reply = (text: string) =>
      waitFor(`the reply "${text}"`, async () => {
        const history = await user.conversations.history({ channel: ENGINEERING, limit: 20 });
        return history.messages?.find((m) => m.text === text && m.user === ACME_BOT.userId);
      });
    try {
      await app.start();
      const openedBefore = opened();
      expect((await slack.admin('/reset')).status).toBe(200);
      await waitFor('Bolt to reconnect', () => (opened() > openedBefore ? true : undefined));
      await waitFor('the connection to be open', async () =>
        (await slackAdminGet('/socket-mode')).connections === 1 ? true : undefined,
      );
      const mention = await user.chat.postMessage({
        channel: ENGINEERING,
        text: `<@${ACME_BOT.userId}> there?`,
      });
      await reply(`pong ${mention.ts}`);
    } finally {
      await app.stop();
    }
  });
});

describe('Redis', () => {
  it("a reset deletes the clone's keys and leaves other clones' keys alone", async () => {
    // Slack's rate-limit counters, and a key under the other clone's prefix (Stripe keeps
    // nothing in Redis since its idempotency keys moved to Postgres; any clone's key will do).
    await slackClient(slackTokens.botToken).conversations.list({ limit: 1 });
    const other = new Redis(infra.redisUrl);
    await other.set(`${stripeBackend.redisPrefix}probe`, '1', 'EX', 300);
    await other.quit();
    const stripeKeys = await redisKeys(infra.redisUrl, stripeBackend.redisPrefix);
    expect(stripeKeys.length).toBeGreaterThan(0);
    expect((await redisKeys(infra.redisUrl, slack.redisPrefix)).length).toBeGreaterThan(0);

    expect((await slack.admin('/reset')).status).toBe(200);
    expect(await redisKeys(infra.redisUrl, slack.redisPrefix)).toEqual([]);
    expect((await redisKeys(infra.redisUrl, stripeBackend.redisPrefix)).sort()).toEqual(stripeKeys.sort());
  });
});
