import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { App, LogLevel, SocketModeReceiver } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { sha256Hex } from '../../templates/_shared/crypto.js';
import { createSlackApp, type SlackApp } from '../../templates/slack/backend/app.js';
import { slackTemplate } from '../../templates/slack/backend/template.js';
import type { SlackTokens } from '../../templates/slack/backend/tokens.js';
import { ACME_BOT, ACME_PRIMARY_USER_ID } from '../../templates/slack/fixtures/acme-corp.js';
import { type CloneInfra, startCloneInfra } from '../support/clone-db.js';
import { type RunningBackend, startBackend } from './harness.js';
import { ENGINEERING } from './slack-support.js';

// A real Bolt app against the clone: over the Events API (HTTP) and in Socket Mode.

let infra: CloneInfra;
let backend: RunningBackend<object, SlackTokens>;
let slackApp: SlackApp;
/** The clone served the way runCloneServer serves it: with the app's upgrade hook attached. */
let cloneUrl: string;
let closeClone: () => Promise<void>;
let tokens: SlackTokens;
let user: WebClient;
let bot: WebClient;

const quiet = LogLevel.ERROR;

const client = (token: string) =>
  new WebClient(token, { slackApiUrl: `${cloneUrl}/api/`, retryConfig: { retries: 0 } });

async function waitFor<T>(
  what: string,
  find: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
) {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    last = await find();
    if (last !== undefined) return last as T;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The bot's reply in #engineering whose text is `text`, once it is there. */
const replyInChannel = (text: string) =>
  waitFor(`the bot's reply "${text}" in conversations.history`, async () => {
    const history = await user.conversations.history({ channel: ENGINEERING, limit: 20 });
    return history.messages?.find((m) => m.text === text && m.user === ACME_BOT.userId);
  });

// biome-ignore lint/suspicious/noExplicitAny: tests read admin JSON freely
async function adminGet(path: string): Promise<any> {
  const response = await fetch(`${cloneUrl}/_asym${path}`, {
    headers: { authorization: `Bearer ${backend.adminToken}` },
  });
  return response.json();
}

async function openConnection(token: string): Promise<{ ok: boolean; url?: string; error?: string }> {
  const response = await fetch(`${cloneUrl}/api/apps.connections.open`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
  });
  return (await response.json()) as { ok: boolean; url?: string; error?: string };
}

/** A raw Socket Mode client: every message it receives, in order. */
async function rawSocket(url: string) {
  const socket = new WebSocket(url);
  // biome-ignore lint/suspicious/noExplicitAny: tests read vendor JSON freely
  const messages: any[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(data.toString())));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  await waitFor('hello', () => messages.find((m) => m.type === 'hello'));
  return { socket, messages };
}

beforeAll(async () => {
  infra = await startCloneInfra();
  backend = (await startBackend(infra, {
    template: slackTemplate,
    createApp: (deps) => {
      slackApp = createSlackApp({
        ...deps,
        rateLimits: { enabled: false },
        events: { retryDelaysMs: [50, 50, 50], timeoutMs: 1_000 },
        socketMode: { ackTimeoutMs: 300 },
      });
      return slackApp;
    },
    database: 'slack_bolt',
    seedFixture: 'acme-corp',
  })) as RunningBackend<object, SlackTokens>;
  // The harness's server knows nothing of upgrades; serve the same app again with the hook.
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: slackApp.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const detach = slackApp.attach(server as import('node:http').Server);
  cloneUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  closeClone = async () => {
    detach();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    if ('closeAllConnections' in server) server.closeAllConnections();
    await closed;
  };
  tokens = (await backend.admin('/tokens')).body as SlackTokens;
  user = client(tokens.userToken);
  bot = client(tokens.botToken);
}, 180_000);

afterAll(async () => {
  await closeClone?.();
  await backend?.close();
  await infra?.stop();
});

describe('app-level token', () => {
  it('is minted with the other tokens, stored only as a hash, with connections:write', async () => {
    expect(tokens.appToken).toMatch(/^xapp-1-A0ACME00001-\d{13}-[0-9a-f]{64}$/);
    const { rows } = await backend.pool.query('SELECT token_sha256, kind, scopes FROM asym.tokens');
    expect(JSON.stringify(rows)).not.toContain(tokens.appToken);
    expect(rows).toContainEqual({
      token_sha256: sha256Hex(tokens.appToken),
      kind: 'app',
      scopes: ['connections:write'],
    });
  });

  it('opens connections and nothing else; other tokens cannot open them', async () => {
    const opened = await openConnection(tokens.appToken);
    expect(opened).toMatchObject({
      ok: true,
      url: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+\/socket-mode\/\w+$/),
    });
    expect(await openConnection(tokens.botToken)).toEqual({ ok: false, error: 'not_allowed_token_type' });
    expect(await openConnection(tokens.userToken)).toEqual({ ok: false, error: 'not_allowed_token_type' });
    expect(await openConnection('xapp-1-A0ACME00001-0000000000000-ffff')).toEqual({
      ok: false,
      error: 'invalid_auth',
    });
    expect(await openConnection('xoxb-not-a-real-token')).toEqual({ ok: false, error: 'invalid_auth' });
    const posted = await fetch(`${cloneUrl}/api/chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.appToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: ENGINEERING, text: 'hi' }),
    });
    expect(await posted.json()).toEqual({ ok: false, error: 'not_allowed_token_type' });
  });
});

describe('Bolt over HTTP (Events API)', () => {
  it('runs app_mention and message listeners whose say() lands in the channel', async () => {
    const httpApp = new App({
      token: tokens.botToken,
      signingSecret: tokens.signingSecret,
      clientOptions: { slackApiUrl: `${cloneUrl}/api/` },
      logLevel: quiet,
    });
    const seen: string[] = [];
    httpApp.event('app_mention', async ({ event, say }) => {
      seen.push(`mention:${event.ts}`);
      await say(`http pong ${event.ts}`);
    });
    httpApp.message('rollout', async ({ message, say }) => {
      seen.push(`message:${'ts' in message ? message.ts : ''}`);
      await say(`http heard ${'ts' in message ? message.ts : ''}`);
    });
    const listening = await httpApp.start({ port: 0, host: '127.0.0.1' });
    try {
      const port = (listening.address() as AddressInfo).port;
      // Bolt's receiver answers the url_verification handshake itself.
      const configured = await backend.admin('/events', { url: `http://127.0.0.1:${port}/slack/events` });
      expect(configured.body).toMatchObject({ ok: true });

      const mention = await user.chat.postMessage({
        channel: ENGINEERING,
        text: `<@${ACME_BOT.userId}> how is the rollout?`,
      });
      await replyInChannel(`http pong ${mention.ts}`);
      await replyInChannel(`http heard ${mention.ts}`);
      expect(seen.sort()).toEqual([`mention:${mention.ts}`, `message:${mention.ts}`]);

      const deliveries = (await adminGet('/events')).deliveries as Array<{ status: number; type: string }>;
      expect(deliveries.filter((d) => d.status === 200).map((d) => d.type)).toEqual(
        expect.arrayContaining(['message', 'app_mention']),
      );
    } finally {
      await httpApp.stop();
    }
  });
});

describe('Socket Mode, raw protocol', () => {
  it('greets with hello, sends events_api envelopes and redelivers until acked', async () => {
    const opened = await openConnection(tokens.appToken);
    const { socket, messages } = await rawSocket(opened.url as string);
    try {
      expect(messages[0]).toMatchObject({
        type: 'hello',
        num_connections: 1,
        connection_info: { app_id: ACME_BOT.appId },
        debug_info: { host: expect.any(String) },
      });
      // Single use: the same ticket is refused.
      const again = new WebSocket(opened.url as string);
      const refused = await new Promise<number>((resolve) => {
        again.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        again.once('open', () => resolve(101));
      });
      expect(refused).toBe(401);

      const posted = await user.chat.postMessage({ channel: ENGINEERING, text: 'socket hello' });
      const first = await waitFor('an events_api envelope', () =>
        messages.find((m) => m.type === 'events_api' && m.payload.event.ts === posted.ts),
      );
      expect(first).toMatchObject({
        envelope_id: expect.any(String),
        type: 'events_api',
        accepts_response_payload: false,
        retry_attempt: 0,
        retry_reason: '',
        payload: {
          type: 'event_callback',
          api_app_id: ACME_BOT.appId,
          event_id: expect.stringMatching(/^Ev/),
          event: { type: 'message', channel: ENGINEERING, user: ACME_PRIMARY_USER_ID, text: 'socket hello' },
        },
      });
      // Not acked: it comes again, same envelope, counted and explained.
      const retry = await waitFor('a redelivery', () =>
        messages.find((m) => m.envelope_id === first.envelope_id && m.retry_attempt === 1),
      );
      expect(retry).toMatchObject({ retry_reason: 'timeout', payload: { event_id: first.payload.event_id } });
      socket.send(JSON.stringify({ envelope_id: first.envelope_id }));
      await waitFor('the ack to be recorded', async () =>
        ((await adminGet('/socket-mode')).deliveries as Array<{ envelope_id: string; outcome: string }>).find(
          (d) => d.envelope_id === first.envelope_id && d.outcome === 'acked',
        ),
      );
      const sends = messages.filter((m) => m.envelope_id === first.envelope_id).length;
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(messages.filter((m) => m.envelope_id === first.envelope_id)).toHaveLength(sends);
    } finally {
      socket.close();
    }
  });

  it('tells connections to reconnect with a disconnect message', async () => {
    const { socket, messages } = await rawSocket((await openConnection(tokens.appToken)).url as string);
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    const response = await backend.admin('/socket-mode/disconnect', { reason: 'refresh_requested' });
    expect(response.body).toEqual({ ok: true, disconnected: 1 });
    expect(await closed).toBe(1000);
    expect(messages.at(-1)).toMatchObject({ type: 'disconnect', reason: 'refresh_requested' });
  });
});

describe('Bolt in Socket Mode', () => {
  it('receives events over the socket only, acks them, and survives a reconnect', async () => {
    // Still running: proof that a Socket Mode app's events no longer go to the Request URL.
    const httpApp = new App({
      token: tokens.botToken,
      signingSecret: tokens.signingSecret,
      clientOptions: { slackApiUrl: `${cloneUrl}/api/` },
      logLevel: quiet,
    });
    const overHttp: string[] = [];
    httpApp.event('app_mention', async ({ event }) => {
      overHttp.push(event.ts);
    });
    const listening = await httpApp.start({ port: 0, host: '127.0.0.1' });
    const port = (listening.address() as AddressInfo).port;
    expect((await backend.admin('/events', { url: `http://127.0.0.1:${port}/slack/events` })).status).toBe(
      200,
    );
    expect((await adminGet('/socket-mode')).enabled).toBe(false);

    const slackApiUrl = `${cloneUrl}/api/`;
    const socketApp = new App({
      token: tokens.botToken,
      socketMode: true,
      appToken: tokens.appToken,
      // The receiver's own WebClient (apps.connections.open) takes the API URL from here;
      // a short clientPingTimeout also shortens Bolt's wait before reconnecting.
      receiver: new SocketModeReceiver({
        appToken: tokens.appToken,
        installerOptions: { clientOptions: { slackApiUrl } },
        clientPingTimeout: 500,
        logLevel: quiet,
      }),
      clientOptions: { slackApiUrl },
      logLevel: quiet,
    });
    socketApp.event('app_mention', async ({ event, say }) => {
      await say(`socket pong ${event.ts}`);
    });
    socketApp.message('status', async ({ message, say }) => {
      await say(`socket heard ${'ts' in message ? message.ts : ''}`);
    });
    try {
      await socketApp.start();
      const state = await adminGet('/socket-mode');
      expect(state).toMatchObject({ ok: true, enabled: true, connections: 1 });
      const earlier = state.deliveries.length as number;

      const first = await user.chat.postMessage({
        channel: ENGINEERING,
        text: `<@${ACME_BOT.userId}> status please`,
      });
      await replyInChannel(`socket pong ${first.ts}`);
      await replyInChannel(`socket heard ${first.ts}`);
      // Bolt acked both envelopes the first time.
      const deliveries = (await adminGet('/socket-mode')).deliveries as Array<{
        type: string;
        outcome: string;
        retry_attempt: number;
      }>;
      const forFirst = deliveries.slice(earlier);
      // The mention, its message event, and the bot's own replies (which Bolt ignores).
      expect(forFirst.map((d) => d.type)).toEqual(expect.arrayContaining(['app_mention', 'message']));
      expect(forFirst.every((d) => d.outcome === 'acked' && d.retry_attempt === 0)).toBe(true);

      // Slack refreshes the connection; an event emitted before Bolt is back waits for it.
      const opened = () => backend.log.lines.filter((line) => line.includes('connection opened')).length;
      const openedBefore = opened();
      expect((await backend.admin('/socket-mode/disconnect')).body).toEqual({ ok: true, disconnected: 1 });
      const during = await user.chat.postMessage({
        channel: ENGINEERING,
        text: `<@${ACME_BOT.userId}> status after the refresh?`,
      });
      await replyInChannel(`socket pong ${during.ts}`);
      expect(opened()).toBe(openedBefore + 1);
      await waitFor('Bolt to be connected again', async () =>
        (await adminGet('/socket-mode')).connections === 1 ? true : undefined,
      );
      const after = await user.chat.postMessage({
        channel: ENGINEERING,
        text: `<@${ACME_BOT.userId}> and now?`,
      });
      await replyInChannel(`socket pong ${after.ts}`);
      expect(overHttp).toEqual([]);
    } finally {
      await socketApp.stop();
      await httpApp.stop();
    }
    // Bolt's own WebClient used the bot token throughout.
    expect((await bot.auth.test()).user_id).toBe(ACME_BOT.userId);
  });
});
