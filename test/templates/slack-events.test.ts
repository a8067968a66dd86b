import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSlackApp } from '../../templates/slack/backend/app.js';
import { slackTemplate } from '../../templates/slack/backend/template.js';
import type { SlackTokens } from '../../templates/slack/backend/tokens.js';
import { ACME_BOT, ACME_PRIMARY_USER_ID } from '../../templates/slack/fixtures/acme-corp.js';
import { type CloneInfra, startCloneInfra } from '../support/clone-db.js';
import { type RunningBackend, startBackend } from './harness.js';
import { ENGINEERING, RANDOM, slackClient } from './slack-support.js';

// The Events API: Request URL handshake, signed event_callback deliveries, retries.

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read vendor JSON freely
  json: any;
}

let infra: CloneInfra;
let backend: RunningBackend<object, SlackTokens>;
let tokens: SlackTokens;
let bot: WebClient;
let user: WebClient;
let receiver: Server;
let receiverUrl: string;
let received: Received[] = [];
/** How the receiver answers the next requests (a status per request; 200 once empty). */
let failNext: number[] = [];

const client = (token: string) => slackClient(backend.url, token);

async function waitFor<T>(what: string, find: () => T | undefined, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}; received: ${received.map((r) => r.json?.event?.type ?? r.json?.type).join(', ')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const callbacks = () => received.filter((r) => r.json?.type === 'event_callback');
const eventOf = (type: string, match: (event: Record<string, unknown>) => boolean = () => true) =>
  waitFor(type, () => callbacks().find((r) => r.json.event.type === type && match(r.json.event)));

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      let json: unknown = null;
      try {
        json = JSON.parse(body);
      } catch {}
      received.push({ headers: req.headers, body, json });
      const status = failNext.shift() ?? 200;
      if ((json as { type?: string })?.type === 'url_verification') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end((json as { challenge: string }).challenge);
        return;
      }
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/slack/events`;

  infra = await startCloneInfra();
  backend = (await startBackend(infra, {
    template: slackTemplate,
    createApp: (deps) =>
      createSlackApp({
        ...deps,
        rateLimits: { enabled: false },
        events: { retryDelaysMs: [50, 50, 50], timeoutMs: 1_000 },
      }),
    database: 'slack_events',
    seedFixture: 'acme-corp',
  })) as RunningBackend<object, SlackTokens>;
  tokens = (await backend.admin('/tokens')).body as SlackTokens;
  bot = client(tokens.botToken);
  user = client(tokens.userToken);
  const configured = await backend.admin('/events', { url: receiverUrl });
  expect(configured.status).toBe(200);
}, 180_000);

afterAll(async () => {
  await backend?.close();
  await infra?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

beforeEach(async () => {
  await backend.admin('/reset');
  received = [];
  failNext = [];
});

describe('Request URL', () => {
  it('is set after the url_verification handshake and refused when the URL does not echo', async () => {
    const again = await backend.admin('/events', { url: receiverUrl });
    expect(again.body).toMatchObject({ ok: true, url: receiverUrl });
    const handshake = received.find((r) => r.json?.type === 'url_verification');
    expect(handshake?.json).toMatchObject({
      type: 'url_verification',
      challenge: expect.any(String),
      token: expect.any(String),
    });

    const bad = await backend.admin('/events', { url: 'http://127.0.0.1:1/nothing' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('url_verification_failed');
    const unauthorised = await backend.admin('/events', { url: receiverUrl }, 'wrong');
    expect(unauthorised.status).toBe(401);
    const state = await fetch(`${backend.url}/_asym/events`, {
      headers: { authorization: `Bearer ${backend.adminToken}` },
    });
    expect(await state.json()).toMatchObject({ ok: true, url: receiverUrl });
  });
});

describe('event_callback', () => {
  it('delivers signed message events for channels the bot is in, and app_mention', async () => {
    const posted = await user.chat.postMessage({
      channel: ENGINEERING,
      text: `hey <@${ACME_BOT.userId}> deploy status?`,
    });
    const message = await eventOf('message', (e) => e.ts === posted.ts);
    expect(message.json).toMatchObject({
      type: 'event_callback',
      team_id: 'T0ACME00001',
      api_app_id: ACME_BOT.appId,
      event_id: expect.stringMatching(/^Ev/),
      authorizations: [{ user_id: ACME_BOT.userId, is_bot: true }],
      event: { type: 'message', channel: ENGINEERING, user: ACME_PRIMARY_USER_ID, channel_type: 'channel' },
    });
    const mention = await eventOf('app_mention', (e) => e.ts === posted.ts);
    expect(mention.json.event).toMatchObject({ user: ACME_PRIMARY_USER_ID, channel: ENGINEERING });

    // X-Slack-Signature: v0=hmac_sha256(signing secret, "v0:<timestamp>:<body>").
    const timestamp = message.headers['x-slack-request-timestamp'] as string;
    const expected = `v0=${createHmac('sha256', tokens.signingSecret).update(`v0:${timestamp}:${message.body}`).digest('hex')}`;
    expect(message.headers['x-slack-signature']).toBe(expected);
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);

    // #random has no bot: nothing from there.
    await user.chat.postMessage({ channel: RANDOM, text: 'not for the bot' });
    await user.chat.postMessage({ channel: ENGINEERING, text: 'marker' });
    await eventOf('message', (e) => e.text === 'marker');
    expect(callbacks().some((r) => r.json.event.channel === RANDOM)).toBe(false);

    // The bot joins #random and leaves #engineering: what it hears follows at once.
    await bot.conversations.join({ channel: RANDOM });
    await bot.conversations.leave({ channel: ENGINEERING });
    await user.chat.postMessage({ channel: ENGINEERING, text: 'after the bot left' });
    await user.chat.postMessage({ channel: RANDOM, text: 'now for the bot' });
    await eventOf('message', (e) => e.text === 'now for the bot');
    expect(callbacks().some((r) => r.json.event.text === 'after the bot left')).toBe(false);
  });

  it('delivers reactions, channel creation and joins', async () => {
    const posted = await user.chat.postMessage({ channel: ENGINEERING, text: 'react here' });
    await user.reactions.add({ channel: ENGINEERING, timestamp: posted.ts as string, name: 'eyes' });
    const added = await eventOf('reaction_added');
    expect(added.json.event).toMatchObject({
      user: ACME_PRIMARY_USER_ID,
      reaction: 'eyes',
      item_user: ACME_PRIMARY_USER_ID,
      item: { type: 'message', channel: ENGINEERING, ts: posted.ts },
    });
    await user.reactions.remove({ channel: ENGINEERING, timestamp: posted.ts as string, name: 'eyes' });
    await eventOf('reaction_removed');

    const created = await user.conversations.create({ name: 'events-test' });
    const channelCreated = await eventOf('channel_created');
    expect(channelCreated.json.event.channel).toMatchObject({ id: created.channel?.id, name: 'events-test' });
    await user.conversations.invite({ channel: created.channel?.id as string, users: ACME_BOT.userId });
    const joined = await eventOf('member_joined_channel');
    expect(joined.json.event).toMatchObject({
      user: ACME_BOT.userId,
      channel: created.channel?.id,
      inviter: ACME_PRIMARY_USER_ID,
    });
    await bot.chat.update({
      channel: ENGINEERING,
      ts: (await bot.chat.postMessage({ channel: ENGINEERING, text: 'a' })).ts as string,
      text: 'b',
    });
    const changed = await eventOf('message', (e) => e.subtype === 'message_changed');
    expect(changed.json.event).toMatchObject({ message: { text: 'b' }, previous_message: { text: 'a' } });
  });

  it('retries failed deliveries with X-Slack-Retry-Num', async () => {
    failNext = [500, 503];
    const posted = await user.chat.postMessage({ channel: ENGINEERING, text: 'retry me' });
    const attempts = await waitFor('three attempts', () => {
      const all = callbacks().filter((r) => r.json.event.ts === posted.ts && r.json.event.type === 'message');
      return all.length >= 3 ? all : undefined;
    });
    expect(attempts.map((a) => a.headers['x-slack-retry-num'])).toEqual([undefined, '1', '2']);
    expect(attempts[1]?.headers['x-slack-retry-reason']).toBe('http_error');
    expect(new Set(attempts.map((a) => a.json.event_id)).size).toBe(1);
  });

  it('stops delivering once the Request URL is cleared, and keeps the URL across reset', async () => {
    const state = await fetch(`${backend.url}/_asym/events`, {
      headers: { authorization: `Bearer ${backend.adminToken}` },
    });
    expect((await state.json()).url).toBe(receiverUrl);
    expect((await backend.admin('/events', { url: null })).body).toMatchObject({ ok: true, url: null });
    await user.chat.postMessage({ channel: ENGINEERING, text: 'silence' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(callbacks()).toEqual([]);
    await backend.admin('/events', { url: receiverUrl });
  });
});
