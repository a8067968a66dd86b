import type { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SlackTokens } from '../../templates/slack/backend/tokens.js';
import { ACME_BOT, ACME_PRIMARY_USER_ID } from '../../templates/slack/fixtures/acme-corp.js';
import { type CloneUnderTest, countPublic } from './harness.js';
import {
  GENERAL,
  INCIDENTS,
  MARCUS,
  openSlackClone,
  RANDOM,
  slackClient,
  slackError,
} from './slack-support.js';

// chat.* beyond postMessage, threads, reactions and pins, through the official WebClient.

let backend: CloneUnderTest;
let tokens: SlackTokens;
let bot: WebClient;
let user: WebClient;
let seeded: Record<string, number>;

const client = (token: string) => slackClient(backend.url, token);

const mint = async (body?: unknown) => (await backend.admin('/tokens', body)).body as SlackTokens;

beforeAll(async () => {
  backend = await openSlackClone('slack_messages');
  tokens = await mint();
  bot = client(tokens.botToken);
  user = client(tokens.userToken);
  seeded = await countPublic(backend.pool);
}, 180_000);

afterAll(async () => {
  await backend?.close();
});

beforeEach(async () => {
  await backend.admin('/reset');
});

const tsUs = (ts: string) => Math.round(Number(ts) * 1e6);

describe('chat.update and chat.delete', () => {
  it('edits a message, marks it edited, and keeps it in history', async () => {
    const posted = await bot.chat.postMessage({ channel: INCIDENTS, text: 'draft' });
    const updated = await bot.chat.update({ channel: INCIDENTS, ts: posted.ts as string, text: 'final' });
    expect(updated).toMatchObject({ ok: true, channel: INCIDENTS, ts: posted.ts, text: 'final' });
    expect(updated.message).toMatchObject({
      text: 'final',
      user: ACME_BOT.userId,
      edited: { user: ACME_BOT.userId },
    });
    const history = await bot.conversations.history({ channel: INCIDENTS, limit: 1 });
    expect(history.messages?.[0]).toMatchObject({
      ts: posted.ts,
      text: 'final',
      edited: { user: ACME_BOT.userId },
    });
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: 'with *blocks*' } }];
    const withBlocks = await bot.chat.update({
      channel: INCIDENTS,
      ts: posted.ts as string,
      text: 'b',
      blocks,
    });
    expect(withBlocks.message?.blocks).toEqual(blocks);
  });

  it('refuses other people’s messages, unknown ts and empty updates', async () => {
    const mine = await user.chat.postMessage({ channel: INCIDENTS, text: 'from dana' });
    expect(
      await slackError(bot.chat.update({ channel: INCIDENTS, ts: mine.ts as string, text: 'x' })),
    ).toMatchObject({
      error: 'cant_update_message',
    });
    expect(await slackError(bot.chat.delete({ channel: INCIDENTS, ts: mine.ts as string }))).toMatchObject({
      error: 'cant_delete_message',
    });
    expect(
      await slackError(user.chat.update({ channel: INCIDENTS, ts: '1.000001', text: 'x' })),
    ).toMatchObject({
      error: 'message_not_found',
    });
    expect(
      await slackError(user.chat.update({ channel: INCIDENTS, ts: mine.ts as string, text: '' })),
    ).toMatchObject({
      error: 'no_text',
    });
    expect(
      await slackError(user.chat.update({ channel: 'C0NOPE12345', ts: mine.ts as string, text: 'x' })),
    ).toMatchObject({
      error: 'channel_not_found',
    });
  });

  it('lets an admin’s user token delete (not edit) other people’s messages', async () => {
    const fromBot = await bot.chat.postMessage({ channel: INCIDENTS, text: 'bot says' });
    expect(
      await slackError(user.chat.update({ channel: INCIDENTS, ts: fromBot.ts as string, text: 'x' })),
    ).toMatchObject({ error: 'cant_update_message' });
    expect((await user.chat.delete({ channel: INCIDENTS, ts: fromBot.ts as string })).ok).toBe(true);
  });

  it('deletes a message with its reactions; a parent with replies becomes a tombstone', async () => {
    const lone = await user.chat.postMessage({ channel: INCIDENTS, text: 'oops' });
    await bot.reactions.add({ channel: INCIDENTS, timestamp: lone.ts as string, name: 'eyes' });
    expect(await user.chat.delete({ channel: INCIDENTS, ts: lone.ts as string })).toMatchObject({
      ok: true,
      channel: INCIDENTS,
      ts: lone.ts,
    });
    const { rows } = await backend.pool.query(
      'SELECT (SELECT count(*)::int FROM messages WHERE conversation_id = $1 AND ts_us = $2) AS m, (SELECT count(*)::int FROM reactions WHERE conversation_id = $1 AND message_ts_us = $2) AS r',
      [INCIDENTS, tsUs(lone.ts as string)],
    );
    expect(rows[0]).toEqual({ m: 0, r: 0 });
    expect(await slackError(user.chat.delete({ channel: INCIDENTS, ts: lone.ts as string }))).toMatchObject({
      error: 'message_not_found',
    });

    const parent = await user.chat.postMessage({ channel: INCIDENTS, text: 'thread head' });
    await bot.chat.postMessage({ channel: INCIDENTS, text: 'reply', thread_ts: parent.ts as string });
    await user.chat.delete({ channel: INCIDENTS, ts: parent.ts as string });
    const thread = await bot.conversations.replies({ channel: INCIDENTS, ts: parent.ts as string });
    expect(thread.messages?.map((m) => [(m as { subtype?: string }).subtype, m.text])).toEqual([
      ['tombstone', 'This message was deleted.'],
      [undefined, 'reply'],
    ]);
  });
});

describe('threads and conversations.replies', () => {
  it('returns the parent then replies oldest first, paging with cursors', async () => {
    const parent = await user.chat.postMessage({ channel: INCIDENTS, text: 'Incident: API errors' });
    const replyTs: string[] = [];
    for (let i = 0; i < 5; i++) {
      const reply = await (i % 2 ? user : bot).chat.postMessage({
        channel: INCIDENTS,
        text: `update ${i}`,
        thread_ts: parent.ts as string,
        reply_broadcast: i === 4,
      });
      replyTs.push(reply.ts as string);
    }
    const all = await bot.conversations.replies({ channel: INCIDENTS, ts: parent.ts as string });
    expect(all.messages?.map((m) => m.ts)).toEqual([parent.ts, ...replyTs]);
    expect(all.messages?.[0]).toMatchObject({
      reply_count: 5,
      reply_users_count: 2,
      reply_users: [ACME_BOT.userId, ACME_PRIMARY_USER_ID],
      latest_reply: replyTs[4],
    });
    expect(all.messages?.[1]).toMatchObject({ thread_ts: parent.ts, parent_user_id: ACME_PRIMARY_USER_ID });
    expect(all.has_more).toBe(false);

    const paged: string[] = [];
    for await (const page of bot.paginate('conversations.replies', {
      channel: INCIDENTS,
      ts: parent.ts,
      limit: 2,
    })) {
      paged.push(...(page as unknown as { messages: Array<{ ts: string }> }).messages.map((m) => m.ts));
    }
    expect(paged).toEqual([parent.ts, ...replyTs]);

    // By a reply's ts: the whole thread. The broadcast reply shows in history too.
    const byReply = await bot.conversations.replies({ channel: INCIDENTS, ts: replyTs[2] as string });
    expect(byReply.messages).toHaveLength(6);
    const history = await bot.conversations.history({ channel: INCIDENTS, limit: 3 });
    expect(history.messages?.[0]).toMatchObject({ ts: replyTs[4], subtype: 'thread_broadcast' });
  });

  it('errors for an unknown thread and keeps bots out of unjoined channels', async () => {
    expect(await slackError(bot.conversations.replies({ channel: INCIDENTS, ts: '1.000001' }))).toMatchObject(
      {
        error: 'thread_not_found',
      },
    );
    const { rows } = await backend.pool.query(
      'SELECT ts_us FROM messages WHERE conversation_id = $1 LIMIT 1',
      [RANDOM],
    );
    const ts = (Number(rows[0].ts_us) / 1e6).toFixed(6);
    expect(await slackError(bot.conversations.replies({ channel: RANDOM, ts }))).toMatchObject({
      error: 'not_in_channel',
    });
    expect((await user.conversations.replies({ channel: RANDOM, ts })).messages?.length).toBeGreaterThan(0);
  });
});

describe('chat.getPermalink, chat.postEphemeral, chat.meMessage', () => {
  it('builds permalinks for messages and replies', async () => {
    const parent = await bot.chat.postMessage({ channel: INCIDENTS, text: 'p' });
    const reply = await bot.chat.postMessage({
      channel: INCIDENTS,
      text: 'r',
      thread_ts: parent.ts as string,
    });
    const link = await bot.chat.getPermalink({ channel: INCIDENTS, message_ts: parent.ts as string });
    expect(link.permalink).toBe(
      `https://acme.slack.com/archives/${INCIDENTS}/p${(parent.ts as string).replace('.', '')}`,
    );
    const replyLink = await bot.chat.getPermalink({ channel: INCIDENTS, message_ts: reply.ts as string });
    expect(replyLink.permalink).toContain(`?thread_ts=${parent.ts}&cid=${INCIDENTS}`);
    expect(
      await slackError(bot.chat.getPermalink({ channel: INCIDENTS, message_ts: '1.000001' })),
    ).toMatchObject({
      error: 'message_not_found',
    });
  });

  it('posts ephemeral messages without storing them, only to channel members', async () => {
    const before = await countPublic(backend.pool);
    const sent = await bot.chat.postEphemeral({
      channel: INCIDENTS,
      user: ACME_PRIMARY_USER_ID,
      text: 'psst',
    });
    expect(sent.message_ts).toMatch(/^\d+\.\d{6}$/);
    expect(await countPublic(backend.pool)).toEqual(before);
    expect(
      await slackError(bot.chat.postEphemeral({ channel: INCIDENTS, user: 'U0ACME00G11', text: 'psst' })),
    ).toMatchObject({ error: 'user_not_in_channel' });
  });

  it('posts /me messages with the me_message subtype', async () => {
    const me = await user.chat.meMessage({ channel: GENERAL, text: 'waves' });
    const history = await user.conversations.history({ channel: GENERAL, limit: 1 });
    expect(history.messages?.[0]).toMatchObject({ ts: me.ts, subtype: 'me_message', text: 'waves' });
  });
});

describe('message metadata', () => {
  it('stores metadata, shows it with include_all_metadata, and validates it', async () => {
    const metadata = { event_type: 'task_created', event_payload: { id: '11223', title: 'Redesign' } };
    const posted = await bot.chat.postMessage({ channel: INCIDENTS, text: 'task', metadata });
    expect(posted.message?.metadata).toEqual(metadata);
    const plain = await bot.conversations.history({ channel: INCIDENTS, limit: 1 });
    expect(plain.messages?.[0]?.metadata).toBeUndefined();
    const withMetadata = await bot.conversations.history({
      channel: INCIDENTS,
      limit: 1,
      include_all_metadata: true,
    });
    expect(withMetadata.messages?.[0]?.metadata).toEqual(metadata);
    const cleared = await bot.chat.update({
      channel: INCIDENTS,
      ts: posted.ts as string,
      text: 'task',
      metadata: {} as typeof metadata,
    });
    expect(cleared.message?.metadata).toBeUndefined();
    expect(
      await slackError(bot.apiCall('chat.postMessage', { channel: INCIDENTS, text: 'x', metadata: '[1]' })),
    ).toMatchObject({ error: 'invalid_metadata_format' });
    expect(
      await slackError(
        bot.apiCall('chat.postMessage', { channel: INCIDENTS, text: 'x', metadata: { event_type: 1 } }),
      ),
    ).toMatchObject({ error: 'invalid_metadata_schema' });
  });
});

describe('link_names', () => {
  it('turns @names, @here and #channels into Slack markup', async () => {
    const posted = await user.chat.postMessage({
      channel: INCIDENTS,
      text: '@marcus and @here: see #general (cc @nobody)',
      link_names: true,
    });
    expect(posted.message?.text).toBe(`<@${MARCUS}> and <!here>: see <#${GENERAL}|general> (cc @nobody)`);
    const plain = await user.chat.postMessage({ channel: INCIDENTS, text: '@marcus' });
    expect(plain.message?.text).toBe('@marcus');
  });
});

describe('reactions', () => {
  it('adds, lists, gets and removes reactions, with Slack’s errors', async () => {
    const posted = await user.chat.postMessage({ channel: INCIDENTS, text: 'react to me' });
    const ts = posted.ts as string;
    await bot.reactions.add({ channel: INCIDENTS, timestamp: ts, name: 'eyes' });
    await user.reactions.add({ channel: INCIDENTS, timestamp: ts, name: ':eyes:' });
    await user.reactions.add({ channel: INCIDENTS, timestamp: ts, name: 'thumbsup' });
    expect(
      await slackError(user.reactions.add({ channel: INCIDENTS, timestamp: ts, name: 'eyes' })),
    ).toMatchObject({
      error: 'already_reacted',
    });
    const got = await bot.reactions.get({ channel: INCIDENTS, timestamp: ts });
    expect(got).toMatchObject({ type: 'message', channel: INCIDENTS });
    expect(got.message?.reactions).toEqual([
      { name: 'eyes', users: [ACME_BOT.userId, ACME_PRIMARY_USER_ID], count: 2 },
      { name: '+1', users: [ACME_PRIMARY_USER_ID], count: 1 },
    ]);

    const listed = await user.reactions.list({ limit: 1 });
    expect(listed.items?.[0]).toMatchObject({ type: 'message', channel: INCIDENTS, message: { ts } });
    expect(listed.response_metadata?.next_cursor).not.toBe('');

    await user.reactions.remove({ channel: INCIDENTS, timestamp: ts, name: '+1' });
    expect(
      await slackError(user.reactions.remove({ channel: INCIDENTS, timestamp: ts, name: '+1' })),
    ).toMatchObject({
      error: 'no_reaction',
    });
    expect(
      await slackError(user.reactions.add({ channel: INCIDENTS, timestamp: '1.000001', name: 'x' })),
    ).toMatchObject({
      error: 'message_not_found',
    });
    expect(
      await slackError(user.reactions.add({ channel: INCIDENTS, timestamp: ts, name: 'not valid!' })),
    ).toMatchObject({
      error: 'invalid_name',
    });
    expect(await slackError(user.apiCall('reactions.add', { name: 'eyes' }))).toMatchObject({
      error: 'no_item_specified',
    });
  });

  it('pages through reactions.list for a seeded user', async () => {
    const { rows } = await backend.pool.query(
      `SELECT count(DISTINCT (r.conversation_id, r.message_ts_us))::int AS n FROM reactions r JOIN conversations c ON c.id = r.conversation_id
       WHERE r.user_id = $1 AND (c.kind = 'channel' OR EXISTS (SELECT 1 FROM conversation_members m WHERE m.conversation_id = c.id AND m.user_id = $1))`,
      [MARCUS],
    );
    const seen: string[] = [];
    for await (const page of user.paginate('reactions.list', { user: MARCUS, limit: 7 })) {
      for (const item of (page as unknown as { items: Array<{ channel: string; message: { ts: string } }> })
        .items) {
        seen.push(`${item.channel}:${item.message.ts}`);
      }
    }
    expect(seen.length).toBe(rows[0].n);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('needs reactions:write', async () => {
    try {
      const narrow = await mint({ botScopes: ['reactions:read'] });
      expect(
        await slackError(
          client(narrow.botToken).reactions.add({ channel: INCIDENTS, timestamp: '1.000001', name: 'eyes' }),
        ),
      ).toMatchObject({ error: 'missing_scope', needed: 'reactions:write', provided: 'reactions:read' });
    } finally {
      tokens = await mint();
      bot = client(tokens.botToken);
      user = client(tokens.userToken);
    }
  });
});

describe('pins', () => {
  it('pins, lists and unpins messages', async () => {
    const posted = await user.chat.postMessage({ channel: INCIDENTS, text: 'runbook: restart the workers' });
    const ts = posted.ts as string;
    await user.pins.add({ channel: INCIDENTS, timestamp: ts });
    expect(await slackError(bot.pins.add({ channel: INCIDENTS, timestamp: ts }))).toMatchObject({
      error: 'already_pinned',
    });
    const listed = await bot.pins.list({ channel: INCIDENTS });
    expect(listed.items?.[0]).toMatchObject({
      type: 'message',
      channel: INCIDENTS,
      created_by: ACME_PRIMARY_USER_ID,
      message: { ts, text: 'runbook: restart the workers', pinned_to: [INCIDENTS] },
    });
    const history = await bot.conversations.history({ channel: INCIDENTS, limit: 1 });
    expect(history).toMatchObject({ pin_count: listed.items?.length });
    await bot.pins.remove({ channel: INCIDENTS, timestamp: ts });
    expect(await slackError(bot.pins.remove({ channel: INCIDENTS, timestamp: ts }))).toMatchObject({
      error: 'no_pin',
    });
    expect(await slackError(bot.pins.add({ channel: INCIDENTS, timestamp: '1.000001' }))).toMatchObject({
      error: 'message_not_found',
    });
  });
});

describe('reset', () => {
  it('returns to the seeded rows after edits, reactions and pins', async () => {
    const posted = await user.chat.postMessage({ channel: INCIDENTS, text: 'temp' });
    await user.pins.add({ channel: INCIDENTS, timestamp: posted.ts as string });
    await user.reactions.add({ channel: INCIDENTS, timestamp: posted.ts as string, name: 'tada' });
    await backend.admin('/reset');
    expect(await countPublic(backend.pool)).toEqual(seeded);
  });
});
