import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ErrorCode, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../templates/_shared/password.js';
import { createSlackApp } from '../../templates/slack/backend/app.js';
import type { RateLimitOptions } from '../../templates/slack/backend/rate-limit.js';
import { listHistory } from '../../templates/slack/backend/store/messages.js';
import { slackTemplate } from '../../templates/slack/backend/template.js';
import type { SlackTokens } from '../../templates/slack/backend/tokens.js';
import { ACME_BOT, ACME_PEOPLE, ACME_PRIMARY_USER_ID } from '../../templates/slack/fixtures/acme-corp.js';
import { createFrontendServer } from '../../templates/slack/frontend/frontend-server.js';
import { type CloneInfra, startCloneInfra } from '../support/clone-db.js';
import { countPublic, dumpPublic, type RunningBackend, redisKeys, startBackend } from './harness.js';
import { slackError } from './slack-support.js';

type SlackBackend = RunningBackend<object, SlackTokens>;

let infra: CloneInfra;
let backend: SlackBackend;
let tokens: SlackTokens;
let bot: WebClient;
let user: WebClient;
let seededCounts: Record<string, number>;
let dbIndex = 0;

interface PlanNode {
  'Relation Name'?: string;
  Alias?: string;
  'Actual Rows'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

const startSlack = (
  options: { seedFixture?: string | null; rateLimits?: RateLimitOptions; start?: boolean } = {},
) =>
  startBackend(infra, {
    template: slackTemplate,
    createApp: (deps) => createSlackApp({ ...deps, rateLimits: options.rateLimits ?? { enabled: false } }),
    database: `slack_${++dbIndex}`,
    seedFixture: options.seedFixture === undefined ? 'acme-corp' : options.seedFixture,
    ...(options.start === undefined ? {} : { start: options.start }),
  }) as Promise<SlackBackend>;

const client = (token: string, url = backend.url) =>
  new WebClient(token, {
    slackApiUrl: `${url}/api/`,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });

/** A raw Web API call, for what the SDK cannot send (bad JSON, no token, odd content types). */
async function raw(method: string, init: RequestInit & { url?: string } = {}) {
  const response = await fetch(`${init.url ?? backend.url}/api/${method}`, { method: 'POST', ...init });
  // biome-ignore lint/suspicious/noExplicitAny: tests read vendor JSON freely
  const body = (await response.json()) as Record<string, any>;
  return { status: response.status, headers: response.headers, body };
}

const mint = async (body?: unknown): Promise<SlackTokens> => {
  const minted = await backend.admin('/tokens', body);
  expect(minted.status).toBe(200);
  return minted.body as SlackTokens;
};

/** Runs `check` with a narrower token set, then mints full tokens again even if it fails. */
async function withScopes(
  scopes: { botScopes?: string[]; userScopes?: string[] },
  check: (narrow: SlackTokens) => Promise<void>,
) {
  try {
    await check(await mint(scopes));
  } finally {
    tokens = await mint();
    bot = client(tokens.botToken);
    user = client(tokens.userToken);
  }
}

beforeAll(async () => {
  infra = await startCloneInfra();
  backend = await startSlack();
  tokens = await mint();
  bot = client(tokens.botToken);
  user = client(tokens.userToken);
  seededCounts = await countPublic(backend.pool);
}, 180_000);

afterAll(async () => {
  await backend?.close();
  await infra?.stop();
});

describe('admin API', () => {
  it('reports health without auth', async () => {
    const response = await fetch(`${backend.url}/_asym/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, ready: true, database: 'up', redis: 'up' });
  });

  it('refuses admin calls without the admin token', async () => {
    for (const path of ['/reset', '/seed', '/tokens']) {
      const none = await fetch(`${backend.url}/_asym${path}`, { method: 'POST' });
      expect(none.status).toBe(401);
      const wrong = await backend.admin(path, {}, 'not-the-admin-token');
      expect(wrong.status).toBe(401);
      expect(wrong.body.error.code).toBe('unauthorized');
    }
  });

  it('mints a token document shaped like Slack credentials', () => {
    expect(tokens.botToken).toMatch(/^xoxb-\d+-\d+-[A-Za-z0-9]{24}$/);
    expect(tokens.userToken).toMatch(/^xoxp-\d+-\d+-\d+-[0-9a-f]{32}$/);
    expect(tokens).toMatchObject({
      appId: ACME_BOT.appId,
      botUserId: ACME_BOT.userId,
      userId: ACME_PRIMARY_USER_ID,
    });
    expect(tokens.teamId).toMatch(/^T[A-Z0-9]+$/);
    expect(tokens.signingSecret).toMatch(/^[0-9a-f]{32}$/);
  });

  it('stores only hashes of tokens', async () => {
    const { rows } = await backend.pool.query('SELECT token_sha256 FROM asym.tokens');
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(tokens.botToken);
    expect(stored).not.toContain(tokens.userToken);
  });

  it('revokes earlier tokens when minting new ones', async () => {
    const fresh = await mint();
    expect(await slackError(bot.auth.test())).toMatchObject({ error: 'token_revoked' });
    expect((await client(fresh.botToken).auth.test()).ok).toBe(true);
    tokens = fresh;
    bot = client(tokens.botToken);
    user = client(tokens.userToken);
  });

  it('rejects an unknown fixture and a malformed seed body', async () => {
    const unknown = await backend.admin('/seed', { fixture: 'nope' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: 'unknown_fixture', fixtures: ['acme-corp'] });
    const malformed = await fetch(`${backend.url}/_asym/seed`, {
      method: 'POST',
      headers: { authorization: `Bearer ${backend.adminToken}` },
      body: '{not json',
    });
    expect(malformed.status).toBe(400);
  });

  it('serves the public workspace summary', async () => {
    const response = await fetch(`${backend.url}/_asym/workspace`);
    expect(await response.json()).toEqual({ ok: true, id: 'T0ACME00001', name: 'Acme Corp', domain: 'acme' });
  });
});

describe('api.test and auth.test', () => {
  it('api.test answers without a token and echoes arguments', async () => {
    expect(await raw('api.test')).toMatchObject({ status: 200, body: { ok: true } });
    const echoed = await raw('api.test?foo=bar');
    expect(echoed.body).toEqual({ ok: true, args: { foo: 'bar' } });
    const failed = await raw('api.test', { body: new URLSearchParams({ error: 'my_error' }) });
    expect(failed.body).toEqual({ ok: false, error: 'my_error', args: { error: 'my_error' } });
    expect((await bot.api.test()).ok).toBe(true);
  });

  it('auth.test identifies the bot and the user', async () => {
    const asBot = await bot.auth.test();
    expect(asBot).toMatchObject({
      ok: true,
      team: 'Acme Corp',
      team_id: 'T0ACME00001',
      user_id: ACME_BOT.userId,
      bot_id: ACME_BOT.botId,
      url: 'https://acme.slack.com/',
    });
    const asUser = await user.auth.test();
    expect(asUser).toMatchObject({ ok: true, user: 'dana', user_id: ACME_PRIMARY_USER_ID });
    expect(asUser.bot_id).toBeUndefined();
    expect(asBot.response_metadata?.scopes).toContain('chat:write');
  });
});

describe('authentication and request errors', () => {
  it('not_authed without a token, invalid_auth with a wrong one', async () => {
    expect((await raw('auth.test')).body).toEqual({ ok: false, error: 'not_authed' });
    expect(await slackError(client('xoxb-1-2-notarealtoken').auth.test())).toMatchObject({
      error: 'invalid_auth',
    });
    expect((await raw('auth.test', { headers: { authorization: 'Bearer garbage' } })).body.error).toBe(
      'invalid_auth',
    );
  });

  it('accepts the token as a form argument or query parameter', async () => {
    const form = await raw('auth.test', { body: new URLSearchParams({ token: tokens.botToken }) });
    expect(form.body.ok).toBe(true);
    const query = await fetch(`${backend.url}/api/auth.test?token=${tokens.userToken}`);
    expect(((await query.json()) as { user_id: string }).user_id).toBe(ACME_PRIMARY_USER_ID);
  });

  it('takes JSON bodies with a bearer token, and never a token inside JSON', async () => {
    const json = await raw('conversations.list', {
      headers: { authorization: `Bearer ${tokens.botToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ limit: 2, exclude_archived: true }),
    });
    expect(json.body.ok).toBe(true);
    expect(json.body.channels).toHaveLength(2);
    const tokenInBody = await raw('auth.test', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: tokens.botToken }),
    });
    expect(tokenInBody.body.error).toBe('not_authed');
  });

  it('answers invalid_json for a broken JSON body', async () => {
    const broken = await raw('chat.postMessage', {
      headers: { authorization: `Bearer ${tokens.botToken}`, 'content-type': 'application/json' },
      body: '{"channel": "C0ACME0GEN1", "text": ',
    });
    expect(broken).toMatchObject({ status: 200, body: { ok: false, error: 'invalid_json' } });
    const notObject = await raw('auth.test', {
      headers: { authorization: `Bearer ${tokens.botToken}`, 'content-type': 'application/json' },
      body: '[1,2]',
    });
    expect(notObject.body.error).toBe('invalid_json');
  });

  it('answers unknown_method for methods it does not have', async () => {
    expect((await raw('nope.nothing')).body).toMatchObject({ ok: false, error: 'unknown_method' });
    expect(await slackError(bot.apiCall('conversations.frobnicate'))).toMatchObject({
      error: 'unknown_method',
    });
  });

  it('answers invalid_arguments for arguments of the wrong type', async () => {
    const result = await raw('users.list', {
      headers: { authorization: `Bearer ${tokens.botToken}` },
      body: new URLSearchParams({ limit: 'lots' }),
    });
    expect(result.body.ok).toBe(false);
    expect(result.body.error).toBe('invalid_arguments');
    expect(result.body.response_metadata.messages[0]).toMatch(/^\[ERROR\] .*limit/);
    const wrongJsonType = await raw('chat.postMessage', {
      headers: { authorization: `Bearer ${tokens.botToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: { nested: true }, text: 'x' }),
    });
    expect(wrongJsonType.body.error).toBe('invalid_arguments');
  });

  it('rejects odd content types and huge bodies in the Slack envelope, and keeps serving', async () => {
    const xml = await raw('auth.test', {
      headers: { authorization: `Bearer ${tokens.botToken}`, 'content-type': 'application/xml' },
      body: '<x/>',
    });
    expect(xml.body).toEqual({ ok: false, error: 'invalid_post_type' });
    const huge = await raw('chat.postMessage', {
      headers: {
        authorization: `Bearer ${tokens.botToken}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: `channel=C0ACME0GEN1&text=${'a'.repeat(3 * 1024 * 1024)}`,
    });
    expect(huge.status).toBe(413);
    expect(huge.body).toEqual({ ok: false, error: 'request_too_large' });
    expect((await bot.auth.test()).ok).toBe(true);
  });
});

describe('scopes', () => {
  it('enforces each method scope with needed and provided', async () => {
    await withScopes({ botScopes: ['chat:write'], userScopes: ['channels:read'] }, async (narrow) => {
      const narrowBot = client(narrow.botToken);
      expect(await slackError(narrowBot.users.list({}))).toMatchObject({
        error: 'missing_scope',
        needed: 'users:read',
        provided: 'chat:write',
      });
      expect(await slackError(narrowBot.conversations.list({}))).toMatchObject({ needed: 'channels:read' });
      expect(await slackError(narrowBot.conversations.history({ channel: 'C0ACME0GEN1' }))).toMatchObject({
        needed: 'channels:history',
      });
      const narrowUser = client(narrow.userToken);
      expect((await narrowUser.conversations.list({})).ok).toBe(true);
      expect(
        await slackError(narrowUser.conversations.list({ types: 'public_channel,private_channel' })),
      ).toMatchObject({ error: 'missing_scope', needed: 'groups:read' });
      expect(
        await slackError(narrowUser.chat.postMessage({ channel: 'C0ACME0GEN1', text: 'hi' })),
      ).toMatchObject({
        needed: 'chat:write',
      });
    });
  });

  it('shows email only with users:read.email', async () => {
    const withEmail = await bot.users.list({});
    expect(withEmail.members?.find((m) => m.id === ACME_PRIMARY_USER_ID)?.profile?.email).toBe(
      'dana@acme.test',
    );
    await withScopes({ botScopes: ['users:read'] }, async (narrow) => {
      const without = await client(narrow.botToken).users.list({});
      expect(without.members?.find((m) => m.id === ACME_PRIMARY_USER_ID)?.profile?.email).toBeUndefined();
    });
  });
});

describe('conversations.list', () => {
  it('lists public channels by default, with the example shape', async () => {
    const result = await bot.conversations.list({});
    const names = result.channels?.map((c) => c.name);
    expect(names).toEqual([
      'general',
      'random',
      'engineering',
      'product',
      'sales',
      'support',
      'incidents',
      'design',
      'old-website',
    ]);
    const general = result.channels?.[0];
    expect(general).toMatchObject({
      id: 'C0ACME0GEN1',
      is_channel: true,
      is_private: false,
      is_general: true,
      is_member: true,
      num_members: 14,
      topic: { value: 'Company-wide announcements and work-based matters' },
    });
    expect(result.channels?.find((c) => c.name === 'random')?.is_member).toBe(false);
    expect(result.response_metadata?.next_cursor).toBe('');
  });

  it('filters by type and membership, and excludes archived on request', async () => {
    const mine = await user.conversations.list({ types: 'public_channel,private_channel,mpim,im' });
    const names = mine.channels?.map((c) => c.name ?? `im:${c.user}`);
    expect(names).toEqual(expect.arrayContaining(['leadership', 'hiring', 'mpdm-dana--marcus--priya-1']));
    expect(mine.channels?.filter((c) => c.is_im).map((c) => c.user)).toEqual([
      'U0ACME00M02',
      'U0ACME00P03',
      ACME_BOT.userId,
    ]);
    const botPrivate = await bot.conversations.list({ types: 'private_channel' });
    expect(botPrivate.channels).toEqual([]);
    const active = await bot.conversations.list({ exclude_archived: true });
    expect(active.channels?.map((c) => c.name)).not.toContain('old-website');
    expect(await slackError(bot.conversations.list({ types: 'public_channel,nonsense' }))).toMatchObject({
      error: 'invalid_types',
    });
  });

  it('paginates with cursors until next_cursor is empty', async () => {
    const pages: number[] = [];
    const ids: string[] = [];
    for await (const page of user.paginate('conversations.list', {
      limit: 3,
      types: 'public_channel,private_channel',
    })) {
      const channels = (page as unknown as { channels: Array<{ id: string }> }).channels;
      pages.push(channels.length);
      ids.push(...channels.map((c) => c.id));
    }
    const all = await user.conversations.list({ types: 'public_channel,private_channel' });
    expect(ids).toEqual(all.channels?.map((c) => c.id));
    expect(pages).toEqual([3, 3, 3, 2]);
  });

  it('rejects bad cursors and limits', async () => {
    expect(await slackError(bot.conversations.list({ cursor: 'bm9wZQ==' }))).toMatchObject({
      error: 'invalid_cursor',
    });
    expect(
      await slackError(bot.conversations.list({ cursor: Buffer.from('channel:C0NOPE').toString('base64') })),
    ).toMatchObject({ error: 'invalid_cursor' });
    expect(await slackError(bot.conversations.list({ limit: 5000 }))).toMatchObject({
      error: 'invalid_limit',
    });
  });
});

describe('conversations.history', () => {
  const ENGINEERING = 'C0ACME0ENG3';

  const topLevelCount = async (channel: string) => {
    const { rows } = await backend.pool.query(
      'SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1 AND (thread_ts_us IS NULL OR reply_broadcast)',
      [channel],
    );
    return rows[0].n as number;
  };

  it('returns channel messages newest first, paging with has_more and cursors', async () => {
    const first = await bot.conversations.history({ channel: ENGINEERING, limit: 10 });
    expect(first.messages).toHaveLength(10);
    expect(first.has_more).toBe(true);
    const ts = first.messages?.map((m) => Number(m.ts)) ?? [];
    expect([...ts].sort((a, b) => b - a)).toEqual(ts);

    const seen: string[] = [];
    for await (const page of bot.paginate('conversations.history', { channel: ENGINEERING, limit: 25 })) {
      seen.push(...(page as unknown as { messages: Array<{ ts: string }> }).messages.map((m) => m.ts));
    }
    expect(seen.length).toBe(await topLevelCount(ENGINEERING));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThan(60);
  });

  it('honours latest, oldest and inclusive', async () => {
    const all = (await bot.conversations.history({ channel: ENGINEERING, limit: 999 })).messages ?? [];
    const newest = all[0]?.ts as string;
    const third = all[2]?.ts as string;
    const exclusive = await bot.conversations.history({
      channel: ENGINEERING,
      latest: newest,
      oldest: third,
    });
    expect(exclusive.messages?.map((m) => m.ts)).toEqual([all[1]?.ts]);
    const inclusive = await bot.conversations.history({
      channel: ENGINEERING,
      latest: newest,
      oldest: third,
      inclusive: true,
    });
    expect(inclusive.messages?.map((m) => m.ts)).toEqual([newest, all[1]?.ts, third]);
    expect(
      await slackError(bot.conversations.history({ channel: ENGINEERING, latest: 'yesterday' })),
    ).toMatchObject({
      error: 'invalid_ts_latest',
    });
  });

  it('reads a page deep in a long channel without reading the messages above it', async () => {
    // Issue #17: the window was written as `$2 IS NULL OR ts_us < $2`, a filter, so the plan
    // Postgres keeps for every page started at the newest message and read all above the page.
    const long = await startSlack();
    const channel = 'C0ACME0GEN1';
    const client = await long.pool.connect();
    try {
      const base = 1_700_000_000_000_000;
      await client.query(
        `INSERT INTO messages (conversation_id, ts_us, user_id, text)
         SELECT $1, $2::bigint + g::bigint * 1000000, $3, 'message ' || g FROM generate_series(1, 3000) g`,
        [channel, base, ACME_PRIMARY_USER_ID],
      );
      await client.query('ANALYZE messages');
      // The plan Postgres keeps for every page, which it chooses itself after a few calls.
      await client.query('SET plan_cache_mode = force_generic_plan');
      const window = {
        latestUs: base + 101 * 1_000_000,
        oldestUs: null,
        inclusive: false,
        startAtUs: null,
        limit: 20,
      };
      const page = await listHistory(client, channel, ACME_PRIMARY_USER_ID, window);
      expect(page.rows.map((row) => row.text)).toEqual(
        Array.from({ length: 20 }, (_, i) => `message ${100 - i}`),
      );
      const { rows: prepared } = await client.query<{ name: string }>(
        "SELECT name FROM pg_prepared_statements WHERE statement LIKE 'WITH visible AS%'",
      );
      expect(prepared).toHaveLength(1);
      // A utility statement takes no bound parameters: the test's own values, as literals.
      const { rows: explained } = await client.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
        `EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE ${prepared[0]!.name}
           ('${channel}', ${window.latestUs}, NULL, false, NULL, 20, '${ACME_PRIMARY_USER_ID}')`,
      );
      const scans: PlanNode[] = [];
      const walk = (node: PlanNode) => {
        if (node['Relation Name'] === 'messages' && node.Alias === 'm') scans.push(node);
        for (const child of node.Plans ?? []) walk(child);
      };
      walk(explained[0]!['QUERY PLAN'][0]!.Plan);
      expect(scans).toHaveLength(1);
      // The page's 20 rows and the few a filter drops, not the 2,900 messages above them.
      expect(scans[0]!['Actual Rows']).toBe(20);
      expect(scans[0]!['Rows Removed by Filter'] ?? 0).toBeLessThan(50);
    } finally {
      client.release();
      await long.close();
    }
  });

  it('summarises threads and reactions on parents', async () => {
    const { rows } = await backend.pool.query(
      `SELECT m.ts_us, count(r.*)::int AS replies FROM messages m JOIN messages r
         ON r.conversation_id = m.conversation_id AND r.thread_ts_us = m.ts_us
       WHERE m.conversation_id = $1 GROUP BY m.ts_us ORDER BY m.ts_us DESC LIMIT 1`,
      [ENGINEERING],
    );
    const all = (await bot.conversations.history({ channel: ENGINEERING, limit: 999 })).messages ?? [];
    const parent = all.find((m) => m.reply_count !== undefined && m.thread_ts === m.ts);
    expect(parent).toBeDefined();
    const counted = all.find((m) => Number(m.ts) * 1e6 === Number(rows[0].ts_us));
    expect(counted?.reply_count).toBe(rows[0].replies);
    expect(all.some((m) => (m.reactions?.length ?? 0) > 0)).toBe(true);
    const reaction = all.find((m) => m.reactions)?.reactions?.[0];
    expect(reaction?.count).toBe(reaction?.users?.length);
  });

  it('keeps private conversations private and bots out of channels they did not join', async () => {
    expect(await slackError(bot.conversations.history({ channel: 'C0ACME0LDR9' }))).toMatchObject({
      error: 'channel_not_found',
    });
    expect((await user.conversations.history({ channel: 'C0ACME0LDR9' })).ok).toBe(true);
    expect(await slackError(bot.conversations.history({ channel: 'C0ACME0RND2' }))).toMatchObject({
      error: 'not_in_channel',
    });
    expect(await slackError(bot.conversations.history({ channel: 'C0NOPE12345' }))).toMatchObject({
      error: 'channel_not_found',
    });
    expect((await user.conversations.history({ channel: 'D0ACME0IM01' })).messages?.length).toBe(4);
  });

  it('rejects a bad cursor', async () => {
    expect(
      await slackError(bot.conversations.history({ channel: ENGINEERING, cursor: 'garbage!' })),
    ).toMatchObject({
      error: 'invalid_cursor',
    });
  });
});

describe('chat.postMessage', () => {
  const INCIDENTS = 'C0ACME0INC7';

  it('posts by channel id or name and shows up first in history', async () => {
    const posted = await bot.chat.postMessage({ channel: INCIDENTS, text: 'Deploy 42 is rolling out' });
    expect(posted).toMatchObject({
      ok: true,
      channel: INCIDENTS,
      message: {
        type: 'message',
        text: 'Deploy 42 is rolling out',
        user: ACME_BOT.userId,
        bot_id: ACME_BOT.botId,
      },
    });
    expect(posted.ts).toMatch(/^\d{10}\.\d{6}$/);
    const byName = await bot.chat.postMessage({ channel: '#incidents', text: 'second' });
    expect(byName.channel).toBe(INCIDENTS);
    const history = await bot.conversations.history({ channel: INCIDENTS, limit: 2 });
    expect(history.messages?.map((m) => m.text)).toEqual(['second', 'Deploy 42 is rolling out']);
  });

  it('hands out unique, increasing ts per channel', async () => {
    const posts = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        user.chat.postMessage({ channel: 'C0ACME0GEN1', text: `burst ${i}` }),
      ),
    );
    const ts = posts.map((p) => p.ts as string);
    expect(new Set(ts).size).toBe(8);
    const history = await user.conversations.history({ channel: 'C0ACME0GEN1', limit: 8 });
    const listed = history.messages?.map((m) => m.ts) ?? [];
    expect([...listed].sort()).toEqual([...ts].sort());
    expect([...listed].sort().reverse()).toEqual(listed);
  });

  it('stores blocks sent as JSON strings by the SDK', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*bold* move' } }];
    const posted = await bot.chat.postMessage({ channel: INCIDENTS, text: 'fallback', blocks });
    expect(posted.message?.blocks).toEqual(blocks);
    const history = await bot.conversations.history({ channel: INCIDENTS, limit: 1 });
    expect(history.messages?.[0]?.blocks).toEqual(blocks);
  });

  it('threads replies and updates the parent summary', async () => {
    const parent = await user.chat.postMessage({ channel: INCIDENTS, text: 'Investigating errors' });
    const reply = await bot.chat.postMessage({
      channel: INCIDENTS,
      text: 'Looking',
      thread_ts: parent.ts as string,
    });
    expect(reply.message).toMatchObject({ thread_ts: parent.ts, parent_user_id: ACME_PRIMARY_USER_ID });
    const second = await user.chat.postMessage({
      channel: INCIDENTS,
      text: 'Thanks',
      thread_ts: parent.ts as string,
    });
    const history = await bot.conversations.history({ channel: INCIDENTS, limit: 5 });
    const summary = history.messages?.find((m) => m.ts === parent.ts);
    expect(summary).toMatchObject({
      thread_ts: parent.ts,
      reply_count: 2,
      reply_users_count: 2,
      reply_users: [ACME_BOT.userId, ACME_PRIMARY_USER_ID],
      latest_reply: second.ts,
    });
    // Replies stay out of the channel's history.
    expect(history.messages?.some((m) => m.ts === reply.ts)).toBe(false);
    expect(
      await slackError(bot.chat.postMessage({ channel: INCIDENTS, text: 'x', thread_ts: '1.000001' })),
    ).toMatchObject({ error: 'thread_not_found' });
  });

  it('refuses empty, archived, unjoined and unknown destinations', async () => {
    expect(await slackError(bot.chat.postMessage({ channel: INCIDENTS, text: '' }))).toMatchObject({
      error: 'no_text',
    });
    expect(await slackError(user.chat.postMessage({ channel: 'old-website', text: 'hi' }))).toMatchObject({
      error: 'is_archived',
    });
    expect(await slackError(bot.chat.postMessage({ channel: '#random', text: 'hi' }))).toMatchObject({
      error: 'not_in_channel',
    });
    expect(await slackError(bot.chat.postMessage({ channel: 'C0ACME0LDR9', text: 'hi' }))).toMatchObject({
      error: 'channel_not_found',
    });
    // The same refusals by id, where access is checked in the statement that posts.
    expect(await slackError(user.chat.postMessage({ channel: 'C0ACME0OLDX', text: 'hi' }))).toMatchObject({
      error: 'is_archived',
    });
    expect(await slackError(bot.chat.postMessage({ channel: 'C0ACME0RND2', text: 'hi' }))).toMatchObject({
      error: 'not_in_channel',
    });
    expect(await slackError(bot.chat.postMessage({ channel: 'C0NOSUCHID1', text: 'hi' }))).toMatchObject({
      error: 'channel_not_found',
    });
    // chat:write.public lets a bot post to public channels it has not joined, and no further.
    await withScopes({ botScopes: ['chat:write', 'chat:write.public'] }, async (narrow) => {
      const publicBot = client(narrow.botToken);
      expect((await publicBot.chat.postMessage({ channel: 'C0ACME0RND2', text: 'hi all' })).ok).toBe(true);
      expect(
        await slackError(publicBot.chat.postMessage({ channel: 'C0ACME0LDR9', text: 'hi' })),
      ).toMatchObject({ error: 'channel_not_found' });
    });
    expect(await slackError(bot.chat.postMessage({ channel: 'no-such-channel', text: 'hi' }))).toMatchObject({
      error: 'channel_not_found',
    });
    const badBlocks = await raw('chat.postMessage', {
      headers: { authorization: `Bearer ${tokens.botToken}` },
      body: new URLSearchParams({ channel: INCIDENTS, blocks: '{"type":"section"}' }),
    });
    expect(badBlocks.body.error).toBe('invalid_blocks_format');
    const notJson = await raw('chat.postMessage', {
      headers: { authorization: `Bearer ${tokens.botToken}` },
      body: new URLSearchParams({ channel: INCIDENTS, blocks: '[{"type":' }),
    });
    expect(notJson.body.error).toBe('invalid_arguments');
  });
});

describe('users.list', () => {
  it('lists every member with profiles, paging with cursors', async () => {
    const ids: string[] = [];
    for await (const page of bot.paginate('users.list', { limit: 4 })) {
      ids.push(...(page as unknown as { members: Array<{ id: string }> }).members.map((m) => m.id));
    }
    const { rows } = await backend.pool.query('SELECT id FROM users ORDER BY id');
    expect(ids).toEqual(rows.map((r) => r.id));
    expect(ids.length).toBe(ACME_PEOPLE.length + 2);

    const all = await bot.users.list({});
    const dana = all.members?.find((m) => m.name === 'dana');
    expect(dana).toMatchObject({
      real_name: 'Dana Whitfield',
      tz: 'America/Los_Angeles',
      is_admin: true,
      profile: { display_name: 'Dana', title: 'Head of Operations', email: 'dana@acme.test' },
    });
    expect(all.members?.find((m) => m.id === ACME_BOT.userId)).toMatchObject({
      is_bot: true,
      profile: { bot_id: ACME_BOT.botId },
    });
    expect(all.members?.find((m) => m.name === 'alex')?.deleted).toBe(true);
    // Fixture users can log in to the web client later with the documented password.
    const { rows: hashes } = await backend.pool.query(
      "SELECT password_hash FROM users WHERE email = 'dana@acme.test'",
    );
    expect(await verifyPassword('password123', hashes[0].password_hash)).toBe(true);
    expect(await slackError(bot.users.list({ cursor: 'zzz' }))).toMatchObject({ error: 'invalid_cursor' });
  });
});

describe('reset and seed', () => {
  it('restores exactly the seeded rows, sequences and Redis keys', async () => {
    const before = await dumpPublic(backend.pool);
    const posted = await bot.chat.postMessage({ channel: 'C0ACME0GEN1', text: 'to be forgotten' });
    const { rows: inserted } = await backend.pool.query(
      "INSERT INTO reactions (conversation_id, message_ts_us, name, user_id) VALUES ('C0ACME0GEN1', $1, 'eyes', $2) RETURNING id",
      [Math.round(Number(posted.ts) * 1e6), ACME_PRIMARY_USER_ID],
    );
    await backend.redis.set('scratch', '1');
    expect(await redisKeys(infra.redisUrl, backend.redisPrefix)).toContain(`${backend.redisPrefix}scratch`);

    const reset = await backend.admin('/reset');
    expect(reset.status).toBe(200);
    expect(reset.body.ok).toBe(true);
    expect(reset.body.ms).toBeLessThan(500);
    console.log(`slack reset: ${reset.body.ms} ms`);

    expect(await countPublic(backend.pool)).toEqual(seededCounts);
    const history = await bot.conversations.history({ channel: 'C0ACME0GEN1', limit: 50 });
    expect(history.messages?.some((m) => m.text === 'to be forgotten')).toBe(false);
    expect(await redisKeys(infra.redisUrl, backend.redisPrefix)).toEqual([]);

    // The reaction id sequence is back where the seed left it.
    const { rows: again } = await backend.pool.query(
      "INSERT INTO reactions (conversation_id, message_ts_us, name, user_id) SELECT conversation_id, ts_us, 'zap', $1 FROM messages LIMIT 1 RETURNING id",
      [ACME_PRIMARY_USER_ID],
    );
    expect(again[0].id).toBe(inserted[0].id);
    await backend.admin('/reset');
    // The snapshot came from a fresh seed; messages posted by earlier tests are gone too.
    const after = await dumpPublic(backend.pool);
    expect(after.users).toEqual(before.users);
    expect(after.messages?.length).toBe(seededCounts.messages);
    // Tokens survive a reset.
    expect((await bot.auth.test()).ok).toBe(true);
  });

  // How fast a reset is belongs to bench/reset.ts (ratios to a same-run baseline), not here.
  it('resets again and again to the same seeded state, reporting how long each took', async () => {
    const seeded = await dumpPublic(backend.pool);
    for (let i = 0; i < 3; i++) {
      await bot.chat.postMessage({ channel: 'C0ACME0GEN1', text: `between resets ${i}` });
      const reset = await backend.admin('/reset');
      expect(reset.body.ms).toEqual(expect.any(Number));
      expect(await dumpPublic(backend.pool)).toEqual(seeded);
    }
  });

  it('seeds deterministically: two fresh clones hold identical data', async () => {
    const other = await startSlack();
    try {
      expect(await dumpPublic(other.pool)).toEqual(await dumpPublic(backend.pool));
      expect(seededCounts.messages).toBeGreaterThan(300);
      expect(seededCounts.users).toBeGreaterThanOrEqual(14);
      expect(seededCounts.conversations).toBeGreaterThanOrEqual(8);
      expect(seededCounts.reactions).toBeGreaterThan(0);
    } finally {
      await other.close();
    }
  });

  it('reseeds with another fixture (or none) and keeps tokens working', async () => {
    const other = await startSlack();
    try {
      const minted = (await other.admin('/tokens')).body as SlackTokens;
      const otherBot = client(minted.botToken, other.url);
      const empty = await other.admin('/seed', { fixture: null });
      expect(empty.body).toEqual({
        ok: true,
        identity: {
          appId: 'A0ASYM00001',
          teamId: 'T0ASYM00001',
          botUserId: 'U0ASYM0BOT1',
          userId: 'U0ASYM00001',
        },
        checkpointsDropped: 0,
      });
      expect(await otherBot.auth.test()).toMatchObject({ team: 'Asymmetric', user_id: 'U0ASYM0BOT1' });
      expect((await client(minted.userToken, other.url).auth.test()).user_id).toBe('U0ASYM00001');
      await otherBot.chat.postMessage({ channel: 'general', text: 'hello' });
      await other.admin('/reset');
      expect((await otherBot.conversations.history({ channel: 'C0ASYM00001' })).messages).toEqual([]);
      const back = await other.admin('/seed', { fixture: 'acme-corp' });
      expect(back.body.identity.teamId).toBe('T0ACME00001');
      expect(await dumpPublic(other.pool)).toEqual(await dumpPublic(backend.pool));
    } finally {
      await other.close();
    }
  });
});

describe('startup', () => {
  it('answers 503 until migrated and seeded, and keeps data across a restart', async () => {
    const cold = await startSlack({ start: false });
    try {
      const health = await fetch(`${cold.url}/_asym/health`);
      expect(health.status).toBe(503);
      expect(await health.json()).toEqual({ ok: false, ready: false, stage: 'starting' });
      const early = await raw('auth.test', { url: cold.url });
      expect(early.status).toBe(503);
      expect((await cold.admin('/reset')).status).toBe(503);

      await cold.runtime.start('acme-corp');
      expect((await fetch(`${cold.url}/_asym/health`)).status).toBe(200);
      expect(cold.log.lines).toEqual(expect.arrayContaining(['waiting for postgres', 'ready']));
      const minted = (await cold.admin('/tokens')).body as SlackTokens;
      await client(minted.botToken, cold.url).chat.postMessage({
        channel: 'general',
        text: 'before restart',
      });

      // A second start on the same database (a container restart) neither reseeds nor loses data.
      await cold.runtime.start('acme-corp');
      expect(cold.log.lines.at(-2)).toMatch(/seed from an earlier boot kept/);
      const history = await client(minted.botToken, cold.url).conversations.history({
        channel: 'C0ACME0GEN1',
        limit: 1,
      });
      expect(history.messages?.[0]?.text).toBe('before restart');
      await cold.admin('/reset');
      const afterReset = await client(minted.botToken, cold.url).conversations.history({
        channel: 'C0ACME0GEN1',
        limit: 1,
      });
      expect(afterReset.messages?.[0]?.text).not.toBe('before restart');
    } finally {
      await cold.close();
    }
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After past the tier limit, counted in Redis, cleared by reset', async () => {
    const limited = await startSlack({
      rateLimits: { enabled: true, tiers: { tier2: { limit: 2, windowSeconds: 60 } } },
    });
    try {
      const minted = (await limited.admin('/tokens')).body as SlackTokens;
      const web = client(minted.botToken, limited.url);
      await web.users.list({ limit: 1 });
      await web.users.list({ limit: 1 });
      await expect(web.users.list({ limit: 1 })).rejects.toMatchObject({
        code: ErrorCode.RateLimitedError,
        retryAfter: expect.any(Number),
      });
      const rawCall = await raw('users.list', {
        url: limited.url,
        headers: { authorization: `Bearer ${minted.botToken}` },
      });
      expect(rawCall.status).toBe(429);
      expect(rawCall.body).toEqual({ ok: false, error: 'ratelimited' });
      const retryAfter = Number(rawCall.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // Other methods (other tiers) are counted separately.
      expect((await web.conversations.list({ limit: 1 })).ok).toBe(true);
      expect(
        (await redisKeys(infra.redisUrl, limited.redisPrefix)).some((k) => k.includes(':users.list:')),
      ).toBe(true);

      await limited.admin('/reset');
      expect(await redisKeys(infra.redisUrl, limited.redisPrefix)).toEqual([]);
      expect((await web.users.list({ limit: 1 })).ok).toBe(true);
    } finally {
      await limited.close();
    }
  });
});

describe('web frontend', () => {
  it('serves the page, health, and proxies the API and workspace summary (not admin routes)', async () => {
    const staticDir = fileURLToPath(new URL('../../templates/slack/frontend/public', import.meta.url));
    const server = createFrontendServer({
      backendUrl: new URL(backend.url),
      staticDir,
      log: () => undefined,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await fetch(`${origin}/healthz`)).status).toBe(200);
      const page = await fetch(`${origin}/`);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(await page.text()).toContain('/_asym/workspace');
      expect(await (await fetch(`${origin}/_asym/workspace`)).json()).toMatchObject({
        name: 'Acme Corp',
        domain: 'acme',
      });
      const proxied = await client(tokens.botToken, origin).auth.test();
      expect(proxied.team).toBe('Acme Corp');
      const admin = await fetch(`${origin}/_asym/reset`, {
        method: 'POST',
        headers: { authorization: `Bearer ${backend.adminToken}` },
      });
      expect(admin.status).toBe(405);
      const traversal = await fetch(`${origin}/..%2f..%2fpackage.json`);
      expect(await traversal.text()).toContain('<!doctype html>');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
