import { z } from 'zod';
import { type Queryable, withTransaction } from '../../../_shared/db.js';
import { slackBoolean, slackInteger, slackJson, slackString, slackTimestamp } from '../args.js';
import { validateAttachmentBlocks, validateMessageBlocks } from '../block-kit.js';
import { hasScope, requireScope, type SlackCaller } from '../caller.js';
import { CONVERSATION_ID, openConversation, openConversationOrDm } from '../conversation-access.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { newId } from '../ids.js';
import { type AuthedContext, defineMethod, type SlackMethod } from '../method.js';
import { CHANNEL_TYPES, postedView, postIfAllowed, postMessage } from '../posting.js';
import { invalidArguments, SlackError } from '../slack-error.js';
import { formatTs, parseTs } from '../slack-ts.js';
import type { ConversationRow } from '../store/conversations.js';
import { deleteMessage, findMessage, type MessageRow, updateMessage } from '../store/messages.js';
import { deleteScheduled, insertScheduled, listScheduled } from '../store/scheduled.js';
import { messageView } from '../views/message.js';

// Slack truncates longer texts; the attachment cap is its documented limit (block-kit.ts: blocks).
export const MAX_TEXT = 40_000;
const MAX_ATTACHMENTS = 100;
// chat.scheduleMessage accepts up to 120 days ahead.
const MAX_SCHEDULE_SECONDS = 120 * 86_400;

/** Slack's answer to blocks Block Kit refuses: each problem at its JSON pointer. */
const invalidBlocks = (messages: string[]) =>
  new SlackError('invalid_blocks', {
    errors: messages.map((message) => message.replace(/^\[ERROR\] /, '')),
    response_metadata: { messages },
  });

export function validBlocks(value: unknown): unknown[] | null {
  if (value === undefined) return null;
  if (!Array.isArray(value)) throw new SlackError('invalid_blocks_format');
  const problems = validateMessageBlocks(value);
  if (problems.length > 0) throw invalidBlocks(problems);
  return value.length === 0 ? null : value;
}

function validAttachments(value: unknown): unknown[] | null {
  if (value === undefined) return null;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'object' || item === null)) {
    throw new SlackError('invalid_attachments');
  }
  if (value.length > MAX_ATTACHMENTS) throw new SlackError('too_many_attachments');
  const problems = validateAttachmentBlocks(value);
  if (problems.length > 0) throw invalidBlocks(problems);
  return value.length === 0 ? null : value;
}

const SPECIAL_MENTIONS = new Set(['here', 'channel', 'everyone']);

/**
 * `link_names=true`: "@dana", "@eng-team" and "#general" become Slack's markup
 * (<@U..>, <!subteam^S..>, <#C..|general>); names that match nothing stay as typed.
 */
async function linkNames(ctx: AuthedContext, text: string): Promise<string> {
  const pattern = /(^|[\s(])([@#])([a-z0-9][a-z0-9._-]*)/gi;
  const names = [...text.matchAll(pattern)].map((m) => (m[3] as string).toLowerCase());
  if (names.length === 0) return text;
  const [users, groups, channels] = await Promise.all([
    ctx.db.query<{ id: string; name: string }>(
      'SELECT id, lower(name) AS name FROM users WHERE lower(name) = ANY($1)',
      [names],
    ),
    ctx.db.query<{ id: string; name: string }>(
      'SELECT id, lower(handle) AS name FROM usergroups WHERE lower(handle) = ANY($1) AND date_delete = 0',
      [names],
    ),
    ctx.db.query<{ id: string; name: string }>(
      `SELECT id, name FROM conversations WHERE name = ANY($1) AND kind = 'channel'`,
      [names],
    ),
  ]);
  const user = new Map(users.rows.map((r) => [r.name, r.id]));
  const group = new Map(groups.rows.map((r) => [r.name, r.id]));
  const channel = new Map(channels.rows.map((r) => [r.name, r.id]));
  return text.replace(pattern, (whole, lead: string, sigil: string, raw: string) => {
    const name = raw.toLowerCase();
    if (sigil === '#') {
      const id = channel.get(name);
      return id ? `${lead}<#${id}|${name}>` : whole;
    }
    if (SPECIAL_MENTIONS.has(name)) return `${lead}<!${name}>`;
    const userId = user.get(name);
    if (userId) return `${lead}<@${userId}>`;
    const groupId = group.get(name);
    return groupId ? `${lead}<!subteam^${groupId}>` : whole;
  });
}

/**
 * Message metadata: `{ event_type, event_payload }`. On chat.update an empty object removes
 * it (null here); absent keeps it (undefined).
 */
export function validMetadata(value: unknown): Record<string, unknown> | null | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SlackError('invalid_metadata_format');
  }
  const metadata = value as Record<string, unknown>;
  if (Object.keys(metadata).length === 0) return null;
  const payload = metadata.event_payload;
  if (
    typeof metadata.event_type !== 'string' ||
    !/^[A-Za-z0-9_.-]{1,255}$/.test(metadata.event_type) ||
    typeof payload !== 'object' ||
    payload === null ||
    Array.isArray(payload)
  ) {
    throw new SlackError('invalid_metadata_schema');
  }
  if (JSON.stringify(metadata).length > 8_000) throw new SlackError('metadata_too_large');
  return { event_type: metadata.event_type, event_payload: payload };
}

/** text, blocks and attachments as every posting method takes them; one of them is required. */
function readContent(args: { text?: string; blocks?: unknown; attachments?: unknown }) {
  const blocks = validBlocks(args.blocks);
  const attachments = validAttachments(args.attachments);
  const text = (args.text ?? '').slice(0, MAX_TEXT);
  if (text.trim() === '' && blocks === null && attachments === null) throw new SlackError('no_text');
  return { text, blocks, attachments };
}

export const requireChatWrite = (caller: SlackCaller) =>
  requireScope(caller, 'chat:write', caller.kind === 'bot' ? 'chat:write:bot' : 'chat:write:user');

/**
 * username / icon_emoji / icon_url, which Slack honours for bots holding chat:write.customize
 * (and ignores otherwise): the message then carries `username` and `icons` beside its
 * bot_profile. icon_emoji wins over icon_url, as on Slack.
 */
export function customization(
  caller: SlackCaller,
  args: { username?: string; icon_emoji?: string; icon_url?: string },
): { username: string | null; icons: Record<string, string> | null } {
  if (caller.kind !== 'bot' || !hasScope(caller, 'chat:write.customize'))
    return { username: null, icons: null };
  const username = args.username?.trim().slice(0, 80) || null;
  const emoji = args.icon_emoji?.trim();
  const url = args.icon_url?.trim();
  const icons: Record<string, string> | null = emoji
    ? { emoji: emoji.startsWith(':') ? emoji : `:${emoji}:` }
    : url
      ? { image_36: url, image_48: url, image_72: url }
      : null;
  return { username, icons };
}

export const author = (caller: SlackCaller) => ({
  userId: caller.userId,
  botId: caller.botId,
  appId: caller.appId,
});

/** Where the caller may post: not archived, and a member (bots with chat:write.public excepted). */
export async function postableConversation(ctx: AuthedContext, channel: string): Promise<ConversationRow> {
  const { caller } = ctx;
  const conversation = await openConversationOrDm(ctx, channel);
  if (conversation.is_archived) throw new SlackError('is_archived');
  const mayPostUnjoined =
    caller.kind === 'bot' && conversation.kind === 'channel' && hasScope(caller, 'chat:write.public');
  if (!conversation.is_member && !mayPostUnjoined) throw new SlackError('not_in_channel');
  return conversation;
}

/** The thread a `thread_ts` names: a reply to a reply joins the parent's thread, as on Slack. */
export async function threadRoot(db: Queryable, conversationId: string, threadTs: number | undefined) {
  if (threadTs === undefined) return null;
  const parent = await findMessage(db, conversationId, threadTs);
  if (!parent) throw new SlackError('thread_not_found');
  return parent.thread_ts_us ?? parent.ts_us;
}

/** A message the caller wrote (bots: posted by their bot user), or `refusal`. */
function assertAuthor(caller: SlackCaller, message: MessageRow, refusal: string) {
  const own = message.user_id === caller.userId || (caller.botId !== null && message.bot_id === caller.botId);
  const system =
    message.subtype !== null && !['thread_broadcast', 'me_message', 'bot_message'].includes(message.subtype);
  if (!own || system) throw new SlackError(refusal);
}

async function isAdmin(ctx: AuthedContext, userId: string): Promise<boolean> {
  const { rows } = await ctx.db.query<{ is_admin: boolean }>('SELECT is_admin FROM users WHERE id = $1', [
    userId,
  ]);
  return rows[0]?.is_admin ?? false;
}

const contentArgs = {
  text: slackString.optional(),
  blocks: slackJson.optional(),
  attachments: slackJson.optional(),
  as_user: slackBoolean.optional(),
  mrkdwn: slackBoolean.optional(),
  parse: slackString.optional(),
  link_names: slackBoolean.optional(),
  unfurl_links: slackBoolean.optional(),
  unfurl_media: slackBoolean.optional(),
  username: slackString.optional(),
  icon_emoji: slackString.optional(),
  icon_url: slackString.optional(),
  metadata: slackJson.optional(),
};

const postMessageMethod = defineMethod({
  name: 'chat.postMessage',
  tier: 'special',
  args: z.object({
    channel: slackString.required(),
    thread_ts: slackTimestamp.optional(),
    reply_broadcast: slackBoolean.optional(),
    ...contentArgs,
  }),
  run: async (args, ctx) => {
    const { caller } = ctx;
    requireChatWrite(caller);
    const content = readContent(args);
    const metadata = validMetadata(args.metadata);
    if (args.link_names) content.text = await linkNames(ctx, content.text);
    const post = {
      author: author(caller),
      teamId: caller.teamId,
      ...content,
      replyBroadcast: args.reply_broadcast ?? false,
      metadata: metadata ?? null,
      ...customization(caller, args),
    };
    // No transaction: the post is one statement, and holding the channel's row lock across
    // round trips would make posts to one channel queue behind each other. The common case,
    // a top-level post to a conversation named by id, checks access in that same statement.
    const posted =
      args.thread_ts === undefined && CONVERSATION_ID.test(args.channel)
        ? await postIfAllowed(ctx, {
            ...post,
            conversationId: args.channel,
            mayPostUnjoined: caller.kind === 'bot' && hasScope(caller, 'chat:write.public'),
          })
        : null;
    if (posted) {
      return {
        channel: args.channel,
        ts: formatTs(posted.row.ts_us),
        message: postedView(posted, caller.teamId, ctx.baseUrl),
      };
    }
    const conversation = await postableConversation(ctx, args.channel);
    const threadTsUs = await threadRoot(ctx.db, conversation.id, args.thread_ts);
    const message = postedView(
      await postMessage(ctx, { ...post, conversation, threadTsUs }),
      caller.teamId,
      ctx.baseUrl,
    );
    return { channel: conversation.id, ts: message.ts, message };
  },
});

const update = defineMethod({
  name: 'chat.update',
  tier: 'tier3',
  args: z.object({
    channel: slackString.required(),
    ts: slackTimestamp.required(),
    reply_broadcast: slackBoolean.optional(),
    file_ids: slackString.optional(),
    ...contentArgs,
  }),
  run: async (args, ctx) => {
    const { caller } = ctx;
    requireChatWrite(caller);
    const conversation = await openConversation(ctx, args.channel, { allowName: false });
    const before = await findMessage(ctx.db, conversation.id, args.ts);
    if (!before) throw new SlackError('message_not_found');
    assertAuthor(caller, before, 'cant_update_message');
    if (conversation.is_archived) throw new SlackError('is_inactive');
    const content = readContent(args);
    const metadata = validMetadata(args.metadata);
    if (args.link_names) content.text = await linkNames(ctx, content.text);
    if (args.reply_broadcast && before.thread_ts_us === null) throw new SlackError('cant_broadcast_message');
    await updateMessage(ctx.db, conversation.id, args.ts, {
      ...content,
      editedTsUs: ctx.now() * 1000,
      editedBy: caller.userId,
      ...(args.reply_broadcast ? { replyBroadcast: true } : {}),
      ...(metadata !== undefined ? { metadata } : {}),
    });
    const after = await findMessage(ctx.db, conversation.id, args.ts);
    if (!after) throw new SlackError('message_not_found');
    const message = messageView(after, caller.teamId, ctx.baseUrl, { metadata: true });
    const eventTs = formatTs(ctx.now() * 1000);
    ctx.events.emit({
      type: 'message',
      subtype: 'message_changed',
      hidden: true,
      channel: conversation.id,
      channel_type: CHANNEL_TYPES[conversation.kind],
      ts: eventTs,
      event_ts: eventTs,
      message,
      previous_message: messageView(before, caller.teamId, ctx.baseUrl),
    });
    return { channel: conversation.id, ts: message.ts, text: after.text, message };
  },
});

const deleteMethod = defineMethod({
  name: 'chat.delete',
  tier: 'tier3',
  args: z.object({
    channel: slackString.required(),
    ts: slackTimestamp.required(),
    as_user: slackBoolean.optional(),
  }),
  run: async (args, ctx) => {
    const { caller } = ctx;
    requireChatWrite(caller);
    const conversation = await openConversation(ctx, args.channel, { allowName: false });
    const before = await findMessage(ctx.db, conversation.id, args.ts);
    if (!before || before.subtype === 'tombstone') throw new SlackError('message_not_found');
    // Workspace admins may delete anyone's messages with their user token, as in Slack's client.
    if (!(caller.kind === 'user' && (await isAdmin(ctx, caller.userId)))) {
      assertAuthor(caller, before, 'cant_delete_message');
    }
    if (conversation.is_archived) throw new SlackError('is_inactive');
    await withTransaction(ctx.db, (tx) => deleteMessage(tx, conversation.id, args.ts));
    const ts = formatTs(args.ts);
    const eventTs = formatTs(ctx.now() * 1000);
    ctx.events.emit({
      type: 'message',
      subtype: 'message_deleted',
      hidden: true,
      channel: conversation.id,
      channel_type: CHANNEL_TYPES[conversation.kind],
      ts: eventTs,
      deleted_ts: ts,
      event_ts: eventTs,
      previous_message: messageView(before, caller.teamId, ctx.baseUrl),
    });
    return { channel: conversation.id, ts };
  },
});

const getPermalink = defineMethod({
  name: 'chat.getPermalink',
  tier: 'none',
  args: z.object({ channel: slackString.required(), message_ts: slackTimestamp.required() }),
  run: async (args, ctx) => {
    const conversation = await openConversation(ctx, args.channel, { allowName: false });
    const message = await findMessage(ctx.db, conversation.id, args.message_ts);
    if (!message) throw new SlackError('message_not_found');
    const ts = formatTs(message.ts_us);
    const thread =
      message.thread_ts_us === null
        ? ''
        : `?thread_ts=${formatTs(message.thread_ts_us)}&cid=${conversation.id}`;
    return {
      channel: conversation.id,
      permalink: `https://${ctx.caller.teamDomain}.slack.com/archives/${conversation.id}/p${ts.replace('.', '')}${thread}`,
    };
  },
});

const postEphemeral = defineMethod({
  name: 'chat.postEphemeral',
  tier: 'tier4',
  args: z.object({
    channel: slackString.required(),
    user: slackString.required(),
    thread_ts: slackTimestamp.optional(),
    ...contentArgs,
  }),
  run: async (args, ctx) => {
    requireChatWrite(ctx.caller);
    readContent(args);
    const conversation = await postableConversation(ctx, args.channel);
    const { rows } = await ctx.db.query<{ member: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM conversation_members WHERE conversation_id = $1 AND user_id = $2) AS member`,
      [conversation.id, args.user],
    );
    if (!rows[0]?.member) throw new SlackError('user_not_in_channel');
    // Ephemeral messages are shown once to one user and never stored.
    return { message_ts: formatTs(ctx.now() * 1000) };
  },
});

const meMessage = defineMethod({
  name: 'chat.meMessage',
  tier: 'tier3',
  args: z.object({ channel: slackString.required(), text: slackString.optional() }),
  run: async (args, ctx) => {
    requireChatWrite(ctx.caller);
    const text = (args.text ?? '').slice(0, MAX_TEXT);
    if (text.trim() === '') throw new SlackError('no_text');
    const conversation = await postableConversation(ctx, args.channel);
    const posted = await postMessage(ctx, {
      conversation,
      author: author(ctx.caller),
      teamId: ctx.caller.teamId,
      subtype: 'me_message',
      text,
    });
    return { channel: conversation.id, ts: formatTs(posted.row.ts_us) };
  },
});

const scheduleMessage = defineMethod({
  name: 'chat.scheduleMessage',
  tier: 'tier3',
  args: z.object({
    channel: slackString.required(),
    post_at: slackString.required(),
    thread_ts: slackTimestamp.optional(),
    reply_broadcast: slackBoolean.optional(),
    ...contentArgs,
  }),
  run: async (args, ctx) => {
    const { caller } = ctx;
    requireChatWrite(caller);
    const postAt = parseTs(args.post_at);
    if (postAt === null) throw new SlackError('invalid_time');
    const postAtSeconds = Math.floor(postAt / 1_000_000);
    const nowSeconds = Math.floor(ctx.now() / 1000);
    if (postAtSeconds <= nowSeconds) throw new SlackError('time_in_past');
    if (postAtSeconds > nowSeconds + MAX_SCHEDULE_SECONDS) throw new SlackError('time_too_far');
    const content = readContent(args);
    if (args.link_names) content.text = await linkNames(ctx, content.text);
    const conversation = await postableConversation(ctx, args.channel);
    const threadTsUs = await threadRoot(ctx.db, conversation.id, args.thread_ts);
    const id = newId('Q', 10);
    await insertScheduled(ctx.db, {
      id,
      conversation_id: conversation.id,
      user_id: caller.userId,
      bot_id: caller.botId,
      app_id: caller.appId,
      post_at: postAtSeconds,
      date_created: nowSeconds,
      ...content,
      thread_ts_us: threadTsUs,
      reply_broadcast: threadTsUs !== null && (args.reply_broadcast ?? false),
    });
    return {
      channel: conversation.id,
      scheduled_message_id: id,
      post_at: postAtSeconds,
      message: {
        ...(caller.botId ? { bot_id: caller.botId, app_id: caller.appId } : {}),
        type: 'delayed_message',
        text: content.text,
        user: caller.userId,
        team: caller.teamId,
        ...(content.blocks ? { blocks: content.blocks } : {}),
        ...(content.attachments ? { attachments: content.attachments } : {}),
        ...(threadTsUs !== null ? { thread_ts: formatTs(threadTsUs) } : {}),
      },
    };
  },
});

const scheduledList = defineMethod({
  name: 'chat.scheduledMessages.list',
  tier: 'tier3',
  args: z.object({
    channel: slackString.optional(),
    cursor: slackString.optional(),
    latest: slackString.optional(),
    oldest: slackString.optional(),
    limit: slackInteger.optional(),
    team_id: slackString.optional(),
  }),
  run: async (args, ctx) => {
    const conversation = args.channel
      ? await openConversation(ctx, args.channel, { allowName: false })
      : null;
    const bound = (value: string | undefined, field: string) => {
      if (value === undefined) return null;
      const us = parseTs(value);
      if (us === null) throw invalidArguments([`invalid value for field: ${field} (expected a timestamp)`]);
      return Math.floor(us / 1_000_000);
    };
    let from: { postAt: number; id: string } | null = null;
    if (args.cursor) {
      const [postAt, id] = decodeCursor('scheduled', args.cursor, /^\d{1,12}:Q[A-Z0-9]+$/).split(':');
      from = { postAt: Number(postAt), id: id as string };
    }
    const limit = Math.min(Math.max(args.limit ?? 100, 1), 1000);
    const rows = await listScheduled(ctx.db, ctx.caller.userId, {
      conversationId: conversation?.id ?? null,
      latest: bound(args.latest, 'latest'),
      oldest: bound(args.oldest, 'oldest'),
      from,
      limit: limit + 1,
    });
    const next = rows.length > limit ? rows[limit] : undefined;
    return {
      scheduled_messages: rows.slice(0, limit).map((row) => ({
        id: row.id,
        channel_id: row.conversation_id,
        post_at: row.post_at,
        date_created: row.date_created,
        text: row.text,
      })),
      response_metadata: { next_cursor: next ? encodeCursor('scheduled', `${next.post_at}:${next.id}`) : '' },
    };
  },
});

const deleteScheduledMessage = defineMethod({
  name: 'chat.deleteScheduledMessage',
  tier: 'tier3',
  args: z.object({
    channel: slackString.required(),
    scheduled_message_id: slackString.required(),
    as_user: slackBoolean.optional(),
  }),
  run: async (args, ctx) => {
    requireChatWrite(ctx.caller);
    const conversation = await openConversation(ctx, args.channel, { allowName: false });
    const deleted = await deleteScheduled(
      ctx.db,
      args.scheduled_message_id,
      conversation.id,
      ctx.caller.userId,
    );
    if (!deleted) throw new SlackError('invalid_scheduled_message_id');
    return {};
  },
});

export const chatMethods: SlackMethod[] = [
  postMessageMethod,
  update,
  deleteMethod,
  getPermalink,
  postEphemeral,
  meMessage,
  scheduleMessage,
  scheduledList,
  deleteScheduledMessage,
];
