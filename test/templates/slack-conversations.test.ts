import type { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SlackTokens } from '../../templates/slack/backend/tokens.js';
import { ACME_BOT, ACME_PRIMARY_USER_ID } from '../../templates/slack/fixtures/acme-corp.js';
import { type CloneUnderTest, countPublic } from './harness.js';
import {
  ENGINEERING,
  GENERAL,
  GRACE,
  LEADERSHIP,
  MARCUS,
  OLD_WEBSITE,
  openSlackClone,
  PRIYA,
  RANDOM,
  slackClient,
  slackError,
} from './slack-support.js';

// conversations.* management, users.*, team/bots/emoji, auth.revoke and scheduled messages.

let backend: CloneUnderTest;
let tokens: SlackTokens;
let bot: WebClient;
let user: WebClient;
let seeded: Record<string, number>;

const client = (token: string) => slackClient(backend.url, token);

const mint = async (body?: unknown) => (await backend.admin('/tokens', body)).body as SlackTokens;

async function freshTokens() {
  tokens = await mint();
  bot = client(tokens.botToken);
  user = client(tokens.userToken);
}

// biome-ignore lint/suspicious/noExplicitAny: tests read vendor JSON freely
const subtypes = (messages: any[] | undefined) => (messages ?? []).map((m) => [m.subtype, m.text]);

beforeAll(async () => {
  backend = await openSlackClone('slack_conversations');
  await freshTokens();
  seeded = await countPublic(backend.pool);
}, 180_000);

afterAll(async () => {
  await backend?.close();
});

beforeEach(async () => {
  await backend.admin('/reset');
});

describe('conversations.create, join, invite, kick, leave, members', () => {
  it('creates a channel the creator is in, and announces joins', async () => {
    const created = await bot.conversations.create({ name: 'launch-plan' });
    const id = created.channel?.id as string;
    expect(id).toMatch(/^C[A-Z0-9]{10}$/);
    expect(created.channel).toMatchObject({
      name: 'launch-plan',
      is_channel: true,
      is_private: false,
      creator: ACME_BOT.userId,
      is_member: true,
    });
    expect((await bot.conversations.members({ channel: id })).members).toEqual([ACME_BOT.userId]);

    await user.conversations.join({ channel: id });
    const again = await user.conversations.join({ channel: id });
    expect(again.warning).toBe('already_in_channel');
    await user.conversations.invite({ channel: id, users: `${MARCUS},${PRIYA}` });
    const members = await user.conversations.members({ channel: id });
    expect(members.members).toEqual([ACME_BOT.userId, ACME_PRIMARY_USER_ID, MARCUS, PRIYA].sort());

    await user.conversations.kick({ channel: id, user: PRIYA });
    await bot.conversations.leave({ channel: id });
    const history = await user.conversations.history({ channel: id });
    expect(subtypes(history.messages).reverse()).toEqual([
      ['channel_join', `<@${ACME_BOT.userId}> has joined the channel`],
      ['channel_join', `<@${ACME_PRIMARY_USER_ID}> has joined the channel`],
      ['channel_join', `<@${MARCUS}> has joined the channel`],
      ['channel_join', `<@${PRIYA}> has joined the channel`],
      ['channel_leave', `<@${PRIYA}> has left the channel`],
      ['channel_leave', `<@${ACME_BOT.userId}> has left the channel`],
    ]);
    const listed = await user.conversations.list({ limit: 999 });
    expect(listed.channels?.some((c) => c.id === id)).toBe(true);
  });

  it('answers Slack’s errors for names, membership and channel types', async () => {
    expect(await slackError(bot.conversations.create({ name: 'general' }))).toMatchObject({
      error: 'name_taken',
    });
    expect(await slackError(bot.conversations.create({ name: 'Has Spaces' }))).toMatchObject({
      error: 'invalid_name_specials',
    });
    expect(await slackError(bot.conversations.create({ name: 'x'.repeat(81) }))).toMatchObject({
      error: 'invalid_name_maxlength',
    });
    expect(await slackError(bot.conversations.create({ name: '' }))).toMatchObject({
      error: 'invalid_name_required',
    });
    expect(await slackError(user.conversations.leave({ channel: GENERAL }))).toMatchObject({
      error: 'cant_leave_general',
    });
    expect(await slackError(user.conversations.join({ channel: OLD_WEBSITE }))).toMatchObject({
      error: 'is_archived',
    });
    expect(await slackError(user.conversations.join({ channel: LEADERSHIP }))).toMatchObject({
      error: 'method_not_supported_for_channel_type',
    });
    expect(await slackError(bot.conversations.join({ channel: LEADERSHIP }))).toMatchObject({
      error: 'channel_not_found',
    });
    expect(
      await slackError(user.conversations.invite({ channel: ENGINEERING, users: MARCUS })),
    ).toMatchObject({
      error: 'already_in_channel',
    });
    const unknown = await slackError(
      user.conversations.invite({ channel: ENGINEERING, users: 'U0NOBODY00' }),
    );
    expect(unknown).toMatchObject({
      error: 'user_not_found',
      errors: [{ user: 'U0NOBODY00', error: 'user_not_found' }],
    });
    expect(
      await slackError(user.conversations.invite({ channel: ENGINEERING, users: ACME_PRIMARY_USER_ID })),
    ).toMatchObject({ error: 'cant_invite_self' });
    expect(
      await slackError(user.conversations.kick({ channel: ENGINEERING, user: ACME_PRIMARY_USER_ID })),
    ).toMatchObject({
      error: 'cant_kick_self',
    });
    expect(await slackError(user.conversations.kick({ channel: ENGINEERING, user: GRACE }))).toMatchObject({
      error: 'not_in_channel',
    });
    expect(await slackError(user.conversations.leave({ channel: 'D0ACME0IM01' }))).toMatchObject({
      error: 'method_not_supported_for_channel_type',
    });
  });

  it('creates private channels that only members see', async () => {
    const created = await user.conversations.create({ name: 'secret-project', is_private: true });
    const id = created.channel?.id as string;
    expect(created.channel).toMatchObject({ is_private: true, is_channel: true });
    expect(await slackError(bot.conversations.info({ channel: id }))).toMatchObject({
      error: 'channel_not_found',
    });
    await user.conversations.invite({ channel: id, users: ACME_BOT.userId });
    expect((await bot.conversations.info({ channel: id })).channel?.name).toBe('secret-project');
  });

  it('pages members with cursors', async () => {
    const seen: string[] = [];
    for await (const page of bot.paginate('conversations.members', { channel: GENERAL, limit: 4 })) {
      seen.push(...(page as unknown as { members: string[] }).members);
    }
    const { rows } = await backend.pool.query(
      'SELECT user_id FROM conversation_members WHERE conversation_id = $1 ORDER BY user_id',
      [GENERAL],
    );
    expect(seen).toEqual(rows.map((r) => r.user_id));
  });
});

describe('conversations.info, rename, setTopic, setPurpose, archive, unarchive, mark', () => {
  it('shows a channel with or without num_members', async () => {
    const info = await bot.conversations.info({ channel: ENGINEERING, include_num_members: true });
    expect(info.channel).toMatchObject({
      id: ENGINEERING,
      name: 'engineering',
      is_member: true,
      num_members: 9,
    });
    expect((await bot.conversations.info({ channel: ENGINEERING })).channel?.num_members).toBeUndefined();
    expect(await slackError(bot.conversations.info({ channel: 'C0NOPE12345' }))).toMatchObject({
      error: 'channel_not_found',
    });
  });

  it('renames and sets topic and purpose, with system messages', async () => {
    const renamed = await user.conversations.rename({ channel: ENGINEERING, name: 'eng' });
    expect(renamed.channel).toMatchObject({ name: 'eng', previous_names: ['engineering'] });
    expect(
      await slackError(user.conversations.rename({ channel: ENGINEERING, name: 'random' })),
    ).toMatchObject({
      error: 'name_taken',
    });
    const topic = await user.conversations.setTopic({ channel: ENGINEERING, topic: 'Ship it' });
    expect(topic.channel).toMatchObject({ topic: { value: 'Ship it', creator: ACME_PRIMARY_USER_ID } });
    await user.conversations.setPurpose({ channel: ENGINEERING, purpose: 'Build things' });
    const info = await user.conversations.info({ channel: ENGINEERING });
    expect(info.channel?.purpose?.value).toBe('Build things');
    const history = await user.conversations.history({ channel: ENGINEERING, limit: 3 });
    expect(subtypes(history.messages)).toEqual([
      ['channel_purpose', 'set the channel description: Build things'],
      ['channel_topic', 'set the channel topic: Ship it'],
      ['channel_name', 'renamed the channel from "engineering" to "eng"'],
    ]);
    expect(
      await slackError(user.conversations.setTopic({ channel: ENGINEERING, topic: 'x'.repeat(251) })),
    ).toMatchObject({ error: 'too_long' });
    expect(await slackError(bot.conversations.setTopic({ channel: RANDOM, topic: 'hi' }))).toMatchObject({
      error: 'not_in_channel',
    });
  });

  it('archives and unarchives', async () => {
    await user.conversations.archive({ channel: ENGINEERING });
    expect((await user.conversations.info({ channel: ENGINEERING })).channel?.is_archived).toBe(true);
    expect(await slackError(user.conversations.archive({ channel: ENGINEERING }))).toMatchObject({
      error: 'already_archived',
    });
    expect(await slackError(bot.chat.postMessage({ channel: ENGINEERING, text: 'x' }))).toMatchObject({
      error: 'is_archived',
    });
    await user.conversations.unarchive({ channel: ENGINEERING });
    expect(await slackError(user.conversations.unarchive({ channel: ENGINEERING }))).toMatchObject({
      error: 'not_archived',
    });
    expect(await slackError(user.conversations.archive({ channel: GENERAL }))).toMatchObject({
      error: 'cant_archive_general',
    });
  });

  it('marks a read position', async () => {
    const latest = (await user.conversations.history({ channel: ENGINEERING, limit: 1 })).messages?.[0]
      ?.ts as string;
    await user.conversations.mark({ channel: ENGINEERING, ts: latest });
    expect((await user.conversations.info({ channel: ENGINEERING })).channel).toMatchObject({
      last_read: latest,
      unread_count: 0,
    });
    await bot.chat.postMessage({ channel: ENGINEERING, text: 'unread' });
    expect((await user.conversations.info({ channel: ENGINEERING })).channel).toMatchObject({
      unread_count: 1,
    });
    expect(
      await slackError(user.apiCall('conversations.mark', { channel: ENGINEERING, ts: 'soon' })),
    ).toMatchObject({
      error: 'invalid_timestamp',
    });
  });

  it('enforces write scopes with needed and provided', async () => {
    try {
      const narrow = await mint({ botScopes: ['channels:read'] });
      expect(await slackError(client(narrow.botToken).conversations.create({ name: 'nope' }))).toMatchObject({
        error: 'missing_scope',
        needed: 'channels:manage',
        provided: 'channels:read',
      });
      expect(await slackError(client(narrow.botToken).conversations.join({ channel: RANDOM }))).toMatchObject(
        {
          needed: 'channels:join',
        },
      );
    } finally {
      await freshTokens();
    }
  });
});

describe('conversations.open and close', () => {
  it('opens the existing DM, creates new DMs and group DMs', async () => {
    const existing = await user.conversations.open({ users: MARCUS });
    expect(existing).toMatchObject({ no_op: true, already_open: true, channel: { id: 'D0ACME0IM01' } });
    const fresh = await user.conversations.open({ users: GRACE, return_im: true });
    expect(fresh.channel).toMatchObject({ is_im: true, user: GRACE });
    const id = fresh.channel?.id as string;
    expect((await user.conversations.open({ users: GRACE })).channel?.id).toBe(id);
    await user.chat.postMessage({ channel: id, text: 'hi grace' });

    const group = await user.conversations.open({ users: `${GRACE},${PRIYA}` });
    expect(group.channel).toMatchObject({ is_mpim: true, name: 'mpdm-dana--grace--priya-1' });
    expect(await slackError(user.apiCall('conversations.open', {}))).toMatchObject({
      error: 'users_list_not_supplied',
    });
    expect(await slackError(user.conversations.open({ users: 'U0NOBODY00' }))).toMatchObject({
      error: 'user_not_found',
    });
    expect(await slackError(user.conversations.open({ users: 'U0ACME00A14' }))).toMatchObject({
      error: 'user_disabled',
    });

    expect(await user.conversations.close({ channel: id })).toMatchObject({ ok: true });
    expect(await user.conversations.close({ channel: id })).toMatchObject({
      no_op: true,
      already_closed: true,
    });
    expect(await slackError(user.conversations.close({ channel: GENERAL }))).toMatchObject({
      error: 'method_not_supported_for_channel_type',
    });
    // Posting to a user id goes to the DM with them, opened on first use.
    const toUser = await bot.chat.postMessage({ channel: PRIYA, text: 'psst priya' });
    expect(toUser.channel).toMatch(/^D[A-Z0-9]+$/);
    expect((await bot.conversations.info({ channel: toUser.channel as string })).channel).toMatchObject({
      is_im: true,
      user: PRIYA,
    });
    expect((await bot.chat.postMessage({ channel: PRIYA, text: 'again' })).channel).toBe(toUser.channel);
    expect(await slackError(bot.chat.postMessage({ channel: 'U0NOBODY00', text: 'x' }))).toMatchObject({
      error: 'channel_not_found',
    });
    // The bot can open a DM with a person and post there.
    const dm = await bot.conversations.open({ users: GRACE });
    expect((await bot.chat.postMessage({ channel: dm.channel?.id as string, text: 'hello' })).ok).toBe(true);
  });
});

describe('users.*', () => {
  it('reads one user, by id or email, and their conversations', async () => {
    const info = await bot.users.info({ user: MARCUS });
    expect(info.user).toMatchObject({ id: MARCUS, name: 'marcus', profile: { email: 'marcus@acme.test' } });
    expect(await slackError(bot.users.info({ user: 'U0NOBODY00' }))).toMatchObject({
      error: 'user_not_found',
    });
    const byEmail = await bot.users.lookupByEmail({ email: 'PRIYA@acme.test' });
    expect(byEmail.user?.id).toBe(PRIYA);
    expect(await slackError(bot.users.lookupByEmail({ email: 'nobody@acme.test' }))).toMatchObject({
      error: 'users_not_found',
    });
    const mine = await user.users.conversations({ types: 'public_channel,private_channel' });
    expect(mine.channels?.map((c) => c.name)).toEqual(expect.arrayContaining(['general', 'leadership']));
    const pages: string[] = [];
    for await (const page of user.paginate('users.conversations', {
      user: MARCUS,
      limit: 2,
      types: 'public_channel',
    })) {
      pages.push(...(page as unknown as { channels: Array<{ name: string }> }).channels.map((c) => c.name));
    }
    expect(pages).toEqual(['general', 'random', 'engineering', 'product', 'incidents']);
  });

  it('sets presence and profile fields', async () => {
    expect(await user.users.getPresence({})).toMatchObject({ presence: 'active', manual_away: false });
    await user.users.setPresence({ presence: 'away' });
    expect((await bot.users.getPresence({ user: ACME_PRIMARY_USER_ID })).presence).toBe('away');
    expect(await slackError(user.users.setPresence({ presence: 'busy' as 'away' }))).toMatchObject({
      error: 'invalid_presence',
    });
    const set = await user.users.profile.set({
      profile: { status_text: 'Heads down', status_emoji: ':headphones:' },
    });
    expect(set.profile).toMatchObject({ status_text: 'Heads down', status_emoji: ':headphones:' });
    await user.users.profile.set({ name: 'title', value: 'COO' });
    const profile = await bot.users.profile.get({ user: ACME_PRIMARY_USER_ID });
    expect(profile.profile).toMatchObject({ title: 'COO', status_text: 'Heads down', display_name: 'Dana' });
    expect(await slackError(user.users.profile.set({ profile: { email: 'x@y.z' } }))).toMatchObject({
      error: 'cannot_update_email',
    });
    expect(await slackError(bot.users.profile.set({ profile: { title: 'x' } }))).toMatchObject({
      error: 'missing_scope',
      needed: 'users.profile:write',
    });
  });
});

describe('api.test, auth.test, team.info, bots.info, emoji.list, auth.revoke', () => {
  it('echoes api.test arguments and names the caller in auth.test', async () => {
    expect(await bot.apiCall('api.test', { foo: 'bar' })).toMatchObject({ ok: true, args: { foo: 'bar' } });
    expect(await slackError(bot.api.test({ error: 'my_error' }))).toMatchObject({ error: 'my_error' });
    expect(await bot.auth.test()).toMatchObject({
      team_id: 'T0ACME00001',
      user_id: ACME_BOT.userId,
      bot_id: ACME_BOT.botId,
    });
    expect(await user.auth.test()).toMatchObject({ team_id: 'T0ACME00001', user_id: ACME_PRIMARY_USER_ID });
  });

  it('describes the workspace and its bot', async () => {
    const team = await bot.team.info();
    expect(team.team).toMatchObject({
      id: 'T0ACME00001',
      name: 'Acme Corp',
      domain: 'acme',
      email_domain: 'acme.test',
    });
    const info = await user.bots.info({ bot: ACME_BOT.botId });
    expect(info.bot).toMatchObject({
      id: ACME_BOT.botId,
      app_id: ACME_BOT.appId,
      user_id: ACME_BOT.userId,
      deleted: false,
    });
    expect(await slackError(user.bots.info({ bot: 'B0NOPE' }))).toMatchObject({ error: 'bot_not_found' });
    const emoji = await user.emoji.list();
    expect(emoji.ok).toBe(true);
    expect(typeof emoji.emoji).toBe('object');
  });

  it('revokes the calling token', async () => {
    try {
      expect(await user.auth.revoke({ test: true })).toMatchObject({ revoked: false });
      expect((await user.auth.test()).ok).toBe(true);
      expect(await user.auth.revoke()).toMatchObject({ revoked: true });
      expect(await slackError(user.auth.test())).toMatchObject({ error: 'token_revoked' });
      expect((await bot.auth.test()).ok).toBe(true);
    } finally {
      await freshTokens();
    }
  });
});

describe('scheduled messages', () => {
  it('lists, deletes, and posts them when due', async () => {
    const now = Math.floor(Date.now() / 1000);
    const later = await bot.chat.scheduleMessage({
      channel: ENGINEERING,
      text: 'later',
      post_at: now + 3600,
    });
    expect(later).toMatchObject({
      channel: ENGINEERING,
      post_at: now + 3600,
      message: { type: 'delayed_message', text: 'later' },
    });
    expect(later.scheduled_message_id).toMatch(/^Q[A-Z0-9]+$/);
    const soon = await bot.chat.scheduleMessage({ channel: ENGINEERING, text: 'soon', post_at: now + 1 });
    const listed = await bot.chat.scheduledMessages.list({ channel: ENGINEERING });
    expect(listed.scheduled_messages?.map((m) => m.text)).toEqual(['soon', 'later']);
    // Each author sees only their own: Dana has the one the seed scheduled for her, days ahead.
    expect((await user.chat.scheduledMessages.list({})).scheduled_messages?.map((m) => m.text)).toEqual([
      'Happy Monday! The all-hands agenda is in the doc.',
    ]);

    await bot.chat.deleteScheduledMessage({
      channel: ENGINEERING,
      scheduled_message_id: later.scheduled_message_id as string,
    });
    expect(
      await slackError(
        bot.chat.deleteScheduledMessage({
          channel: ENGINEERING,
          scheduled_message_id: later.scheduled_message_id as string,
        }),
      ),
    ).toMatchObject({ error: 'invalid_scheduled_message_id' });

    const deadline = Date.now() + 5_000;
    let posted: string | undefined;
    while (Date.now() < deadline && posted !== 'soon') {
      await new Promise((resolve) => setTimeout(resolve, 200));
      posted = (await bot.conversations.history({ channel: ENGINEERING, limit: 1 })).messages?.[0]?.text;
    }
    expect(posted).toBe('soon');
    expect((await bot.chat.scheduledMessages.list({})).scheduled_messages).toEqual([]);
    expect(soon.scheduled_message_id).toBeDefined();
  });

  it('refuses times in the past or too far ahead', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(
      await slackError(bot.chat.scheduleMessage({ channel: ENGINEERING, text: 'x', post_at: now - 10 })),
    ).toMatchObject({
      error: 'time_in_past',
    });
    expect(
      await slackError(
        bot.chat.scheduleMessage({ channel: ENGINEERING, text: 'x', post_at: now + 200 * 86_400 }),
      ),
    ).toMatchObject({ error: 'time_too_far' });
    expect(
      await slackError(bot.chat.scheduleMessage({ channel: RANDOM, text: 'x', post_at: now + 60 })),
    ).toMatchObject({
      error: 'not_in_channel',
    });
  });
});

describe('reset', () => {
  it('returns to the seeded rows after conversation changes', async () => {
    await bot.conversations.create({ name: 'temporary' });
    await user.conversations.open({ users: GRACE });
    await user.users.profile.set({ profile: { title: 'temp' } });
    await backend.admin('/reset');
    expect(await countPublic(backend.pool)).toEqual(seeded);
    expect((await bot.users.info({ user: ACME_PRIMARY_USER_ID })).user?.profile?.title).toBe(
      'Head of Operations',
    );
  });
});
