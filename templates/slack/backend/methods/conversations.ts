import { z } from 'zod';
import { onUniqueViolation, withTransaction } from '../../../_shared/db.js';
import { slackBoolean, slackInteger, slackString, slackTimestamp } from '../args.js';
import { requireScope, type SlackCaller } from '../caller.js';
import { openConversation } from '../conversation-access.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { newId } from '../ids.js';
import { type AuthedContext, defineMethod, type SlackMethod } from '../method.js';
import { postMessage } from '../posting.js';
import { CONVERSATION_SCOPES } from '../scopes.js';
import { invalidArguments, SlackError } from '../slack-error.js';
import { formatTs, parseTs } from '../slack-ts.js';
import {
  addMembers,
  type ConversationKind,
  type ConversationRow,
  conversationExists,
  createDirectConversation,
  findDirectConversation,
  findVisibleConversation,
  insertConversation,
  isMember,
  listMembers,
  listVisibleConversations,
  markRead,
  nameTaken,
  removeMember,
  setOpen,
  updateConversation,
} from '../store/conversations.js';
import {
  findMessage,
  type HistoryAccess,
  listHistory,
  listReplies,
  type MessageRow,
} from '../store/messages.js';
import { userExists } from '../store/users.js';
import { conversationView } from '../views/conversation.js';
import { messageView } from '../views/message.js';

const TYPE_KINDS: Record<string, ConversationKind> = {
  public_channel: 'channel',
  private_channel: 'private',
  mpim: 'mpim',
  im: 'im',
};

function parseTypes(types: string | undefined): ConversationKind[] {
  const names = (types ?? 'public_channel')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const kinds = names.map((name) => TYPE_KINDS[name]);
  if (kinds.length === 0 || kinds.some((kind) => kind === undefined)) throw new SlackError('invalid_types');
  return [...new Set(kinds as ConversationKind[])];
}

const list = defineMethod({
  name: 'conversations.list',
  tier: 'tier2',
  args: z.object({
    cursor: slackString.optional(),
    exclude_archived: slackBoolean.optional(),
    limit: slackInteger.optional(),
    types: slackString.optional(),
    team_id: slackString.optional(),
  }),
  run: async (args, ctx) => {
    const kinds = parseTypes(args.types);
    for (const kind of kinds) requireScope(ctx.caller, CONVERSATION_SCOPES[kind].read);
    // "Must be an integer under 1000"; 0 or absent means Slack's default of 100.
    const limit = args.limit === undefined || args.limit === 0 ? 100 : args.limit;
    if (limit < 0 || limit >= 1000) throw new SlackError('invalid_limit');
    let fromId: string | null = null;
    if (args.cursor) {
      fromId = decodeCursor('channel', args.cursor, /^[CGD][A-Z0-9]{2,30}$/);
      if (!(await conversationExists(ctx.db, fromId))) throw new SlackError('invalid_cursor');
    }
    const rows = await listVisibleConversations(ctx.db, ctx.caller.userId, {
      kinds,
      excludeArchived: args.exclude_archived ?? false,
      fromId,
      limit: limit + 1,
    });
    const next = rows.length > limit ? rows[limit] : undefined;
    return {
      channels: rows.slice(0, limit).map(conversationView),
      response_metadata: { next_cursor: next ? encodeCursor('channel', next.id) : '' },
    };
  },
});

/** The window conversations.history and .replies read: `latest`, `oldest` and a cursor. */
function readWindow(args: { latest?: string; oldest?: string; cursor?: string }) {
  const latestUs = args.latest === undefined ? null : parseTs(args.latest);
  if (latestUs === null && args.latest !== undefined) throw new SlackError('invalid_ts_latest');
  const oldestUs = args.oldest === undefined ? null : parseTs(args.oldest);
  if (oldestUs === null && args.oldest !== undefined) throw new SlackError('invalid_ts_oldest');
  const startAtUs = args.cursor ? Number(decodeCursor('next_ts', args.cursor, /^\d{1,16}$/)) : null;
  return { latestUs, oldestUs, startAtUs };
}

/** The conversation a history call names, as its caller sees it (channel_not_found if not). */
async function historyAccess(ctx: AuthedContext, channel: string): Promise<HistoryAccess> {
  const conversation = await openConversation(ctx, channel, { allowName: false });
  return { kind: conversation.kind, isMember: conversation.is_member };
}

const history = defineMethod({
  name: 'conversations.history',
  tier: 'tier3',
  args: z.object({
    channel: slackString.required(),
    cursor: slackString.optional(),
    latest: slackString.optional(),
    oldest: slackString.optional(),
    inclusive: slackBoolean.optional(),
    limit: slackInteger.optional(),
    include_all_metadata: slackBoolean.optional(),
  }),
  run: async (args, ctx) => {
    const { latestUs, oldestUs, startAtUs } = readWindow(args);

    const limit = Math.min(Math.max(args.limit ?? 100, 1), 999);
    // One round trip when the page has rows: they carry the conversation's kind and the
    // caller's membership. An empty page (or an unknown or hidden conversation) looks it up.
    const { rows, pinCount, access } = await listHistory(ctx.db, args.channel, ctx.caller.userId, {
      latestUs,
      oldestUs,
      inclusive: args.inclusive ?? false,
      startAtUs,
      limit: limit + 1,
    });
    const { kind, isMember } = access ?? (await historyAccess(ctx, args.channel));
    requireScope(ctx.caller, CONVERSATION_SCOPES[kind].history);
    // User tokens may read public channels they have not joined; bots may not.
    if (!isMember && ctx.caller.kind === 'bot') throw new SlackError('not_in_channel');

    const next = rows.length > limit ? rows[limit] : undefined;
    return {
      messages: rows
        .slice(0, limit)
        .map((row) =>
          messageView(row, ctx.caller.teamId, ctx.baseUrl, { metadata: args.include_all_metadata ?? false }),
        ),
      has_more: next !== undefined,
      ...(latestUs !== null ? { latest: formatTs(latestUs) } : {}),
      ...(oldestUs !== null ? { oldest: formatTs(oldestUs) } : {}),
      pin_count: pinCount,
      channel_actions_ts: null,
      channel_actions_count: 0,
      response_metadata: { next_cursor: next ? encodeCursor('next_ts', String(next.ts_us)) : '' },
    };
  },
});

const USER_ID = /^[UWB][A-Z0-9]{2,30}$|^USLACKBOT$/;
const MAX_NAME = 80;
const MAX_TOPIC = 250;
const MAX_MPIM_OTHERS = 8;

/** The scope that changes a conversation of this kind, for this kind of token. */
function requireWrite(caller: SlackCaller, kind: ConversationKind): void {
  if (kind === 'channel') {
    if (caller.kind === 'bot') requireScope(caller, 'channels:manage', 'channels:write');
    else requireScope(caller, 'channels:write', 'channels:manage');
  } else if (kind === 'private') requireScope(caller, 'groups:write');
  else requireScope(caller, kind === 'im' ? 'im:write' : 'mpim:write');
}

const CHANNEL_EVENT_TYPE: Record<ConversationKind, string> = {
  channel: 'C',
  private: 'G',
  mpim: 'G',
  im: 'D',
};

/** Slack's channel name rules; the error names the first rule broken. */
function validName(name: string | undefined): string {
  const trimmed = (name ?? '').trim();
  if (trimmed === '') throw new SlackError('invalid_name_required');
  if (trimmed.length > MAX_NAME) throw new SlackError('invalid_name_maxlength');
  if (!/^[a-z0-9_-]+$/.test(trimmed)) throw new SlackError('invalid_name_specials');
  if (/^[-_]+$/.test(trimmed)) throw new SlackError('invalid_name_punctuation');
  return trimmed;
}

/** A conversation the caller may see, read again after a change (for the answer). */
async function reread(ctx: AuthedContext, id: string): Promise<ConversationRow> {
  const row = await findVisibleConversation(ctx.db, ctx.caller.userId, { id });
  if (!row) throw new SlackError('channel_not_found');
  return row;
}

/** A system message in the conversation (channel_join, channel_topic ...), as its actor. */
async function systemMessage(
  ctx: AuthedContext,
  conversation: ConversationRow,
  actor: string,
  subtype: string,
  text: string,
): Promise<MessageRow> {
  const { row } = await postMessage(ctx, {
    conversation,
    author: { userId: actor, botId: null, appId: null },
    teamId: ctx.caller.teamId,
    subtype,
    text,
  });
  return row;
}

/** Top-level messages (and broadcasts) from others after the caller's read mark. */
async function unreadCount(ctx: AuthedContext, conversation: ConversationRow): Promise<number> {
  if (conversation.last_read_us === null) return 0;
  const { rows } = await ctx.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1 AND ts_us > $2
       AND (thread_ts_us IS NULL OR reply_broadcast) AND user_id IS DISTINCT FROM $3`,
    [conversation.id, conversation.last_read_us, ctx.caller.userId],
  );
  return rows[0]?.n ?? 0;
}

const nowSeconds = (ctx: AuthedContext) => Math.floor(ctx.now() / 1000);

async function joined(
  ctx: AuthedContext,
  conversation: ConversationRow,
  userIds: string[],
  inviter?: string,
) {
  const added = await addMembers(ctx.db, conversation.id, userIds, nowSeconds(ctx));
  for (const userId of added) {
    await systemMessage(ctx, conversation, userId, 'channel_join', `<@${userId}> has joined the channel`);
    ctx.events.emit({
      type: 'member_joined_channel',
      user: userId,
      channel: conversation.id,
      channel_type: CHANNEL_EVENT_TYPE[conversation.kind],
      team: ctx.caller.teamId,
      ...(inviter ? { inviter } : {}),
      event_ts: formatTs(ctx.now() * 1000),
    });
  }
  return added;
}

async function left(ctx: AuthedContext, conversation: ConversationRow, userId: string) {
  await removeMember(ctx.db, conversation.id, userId);
  await systemMessage(ctx, conversation, userId, 'channel_leave', `<@${userId}> has left the channel`);
  ctx.events.emit({
    type: 'member_left_channel',
    user: userId,
    channel: conversation.id,
    channel_type: CHANNEL_EVENT_TYPE[conversation.kind],
    team: ctx.caller.teamId,
    event_ts: formatTs(ctx.now() * 1000),
  });
}

const channelArg = { channel: slackString.required() };

/** A channel or private channel the caller may change: not an im/mpim (those error `method`). */
async function managedChannel(ctx: AuthedContext, channel: string): Promise<ConversationRow> {
  const conversation = await openConversation(ctx, channel, { allowName: false });
  requireWrite(ctx.caller, conversation.kind);
  if (conversation.kind === 'im' || conversation.kind === 'mpim') {
    throw new SlackError('method_not_supported_for_channel_type');
  }
  return conversation;
}

const replies = defineMethod({
  name: 'conversations.replies',
  tier: 'tier3',
  args: z.object({
    channel: slackString.required(),
    ts: slackTimestamp.required(),
    cursor: slackString.optional(),
    latest: slackString.optional(),
    oldest: slackString.optional(),
    inclusive: slackBoolean.optional(),
    limit: slackInteger.optional(),
    include_all_metadata: slackBoolean.optional(),
  }),
  run: async (args, ctx) => {
    const { latestUs, oldestUs, startAtUs } = readWindow(args);

    const conversation = await openConversation(ctx, args.channel, { allowName: false });
    requireScope(ctx.caller, CONVERSATION_SCOPES[conversation.kind].history);
    if (!conversation.is_member && ctx.caller.kind === 'bot') throw new SlackError('not_in_channel');
    const asked = await findMessage(ctx.db, conversation.id, args.ts);
    if (!asked) throw new SlackError('thread_not_found');
    // Asking by a reply's ts returns its whole thread, as Slack does.
    const root =
      asked.thread_ts_us === null ? asked : await findMessage(ctx.db, conversation.id, asked.thread_ts_us);
    if (!root) throw new SlackError('thread_not_found');

    const limit = Math.min(Math.max(args.limit ?? 1000, 1), 1000);
    const rows = await listReplies(ctx.db, conversation.id, root.ts_us, {
      latestUs,
      oldestUs,
      inclusive: args.inclusive ?? true,
      startAtUs,
      limit: limit + 1,
    });
    const next = rows.length > limit ? rows[limit] : undefined;
    const messages = rows.slice(0, limit).map((row) => {
      const view = messageView(row, ctx.caller.teamId, ctx.baseUrl, {
        metadata: args.include_all_metadata ?? false,
      });
      if (row.thread_ts_us !== null && root.user_id) view.parent_user_id = root.user_id;
      return view;
    });
    return {
      messages,
      has_more: next !== undefined,
      response_metadata: { next_cursor: next ? encodeCursor('next_ts', String(next.ts_us)) : '' },
    };
  },
});

const info = defineMethod({
  name: 'conversations.info',
  tier: 'tier3',
  args: z.object({
    channel: slackString.required(),
    include_locale: slackBoolean.optional(),
    include_num_members: slackBoolean.optional(),
  }),
  run: async (args, ctx) => {
    const conversation = await openConversation(ctx, args.channel, { allowName: false });
    requireScope(ctx.caller, CONVERSATION_SCOPES[conversation.kind].read);
    const view = conversationView(conversation);
    if (!args.include_num_members) delete view.num_members;
    if (conversation.last_read_us !== null) {
      const unread = await unreadCount(ctx, conversation);
      view.unread_count = unread;
      view.unread_count_display = unread;
    }
    if (args.include_locale) view.locale = 'en-US';
    return { channel: view };
  },
});

const create = defineMethod({
  name: 'conversations.create',
  tier: 'tier2',
  args: z.object({
    name: slackString.optional(),
    is_private: slackBoolean.optional(),
    team_id: slackString.optional(),
  }),
  run: async (args, ctx) => {
    const kind: ConversationKind = args.is_private ? 'private' : 'channel';
    requireWrite(ctx.caller, kind);
    const name = validName(args.name);
    if (await nameTaken(ctx.db, ctx.caller.teamId, name)) throw new SlackError('name_taken');
    const id = newId(kind === 'channel' ? 'C' : 'G', 10);
    const created = nowSeconds(ctx);
    await onUniqueViolation(
      () =>
        withTransaction(ctx.db, async (tx) => {
          await insertConversation(tx, {
            id,
            teamId: ctx.caller.teamId,
            kind,
            name,
            creator: ctx.caller.userId,
            created,
          });
          await addMembers(tx, id, [ctx.caller.userId], created);
        }),
      { conversations_name: () => new SlackError('name_taken') },
    );
    if (kind === 'channel') {
      ctx.events.emit({
        type: 'channel_created',
        channel: { id, name, created, creator: ctx.caller.userId, is_channel: true },
        event_ts: formatTs(ctx.now() * 1000),
      });
    }
    const conversation = await reread(ctx, id);
    // Slack opens a new channel's history with its creator joining.
    await systemMessage(
      ctx,
      conversation,
      ctx.caller.userId,
      'channel_join',
      `<@${ctx.caller.userId}> has joined the channel`,
    );
    // A new channel comes back as its creator's: nothing unread, and no latest message yet.
    return {
      channel: {
        ...conversationView(await reread(ctx, id)),
        latest: null,
        unread_count: 0,
        unread_count_display: 0,
        priority: 0,
      },
    };
  },
});

const join = defineMethod({
  name: 'conversations.join',
  tier: 'tier3',
  args: z.object(channelArg),
  run: async (args, ctx) => {
    const conversation = await openConversation(ctx, args.channel, { allowName: false });
    requireScope(ctx.caller, 'channels:join', 'channels:write', 'channels:manage');
    if (conversation.kind !== 'channel') throw new SlackError('method_not_supported_for_channel_type');
    if (conversation.is_archived) throw new SlackError('is_archived');
    if (conversation.is_member) {
      return {
        channel: conversationView(conversation),
        warning: 'already_in_channel',
        response_metadata: { warnings: ['already_in_channel'] },
      };
    }
    await joined(ctx, conversation, [ctx.caller.userId]);
    return { channel: conversationView(await reread(ctx, conversation.id)) };
  },
});

const leave = defineMethod({
  name: 'conversations.leave',
  tier: 'tier3',
  args: z.object(channelArg),
  run: async (args, ctx) => {
    const conversation = await managedChannel(ctx, args.channel);
    if (conversation.is_general) throw new SlackError('cant_leave_general');
    if (conversation.is_archived) throw new SlackError('is_archived');
    if (!conversation.is_member) throw new SlackError('not_in_channel', { not_in_channel: true });
    if (conversation.kind === 'private' && conversation.num_members <= 1) throw new SlackError('last_member');
    await left(ctx, conversation, ctx.caller.userId);
    return {};
  },
});

const invite = defineMethod({
  name: 'conversations.invite',
  tier: 'tier3',
  args: z.object({
    channel: slackString.required(),
    users: slackString.optional(),
    force: slackBoolean.optional(),
  }),
  run: async (args, ctx) => {
    const conversation = await managedChannel(ctx, args.channel);
    const users = [
      ...new Set(
        (args.users ?? '')
          .split(',')
          .map((u) => u.trim())
          .filter((u) => u !== ''),
      ),
    ];
    if (users.length === 0) throw new SlackError('no_user');
    if (users.length > 1000) throw new SlackError('too_many_users');
    if (conversation.is_archived) throw new SlackError('is_archived');
    if (!conversation.is_member) throw new SlackError('not_in_channel');
    const errors: Array<{ user: string; ok: false; error: string }> = [];
    for (const user of users) {
      if (user === ctx.caller.userId) errors.push({ user, ok: false, error: 'cant_invite_self' });
      else if (!USER_ID.test(user) || !(await activeUser(ctx, user)))
        errors.push({ user, ok: false, error: 'user_not_found' });
      else if (await isMember(ctx.db, conversation.id, user))
        errors.push({ user, ok: false, error: 'already_in_channel' });
    }
    const valid = users.filter((user) => !errors.some((e) => e.user === user));
    if (errors.length > 0 && !(args.force && valid.length > 0)) {
      throw new SlackError((errors[0] as { error: string }).error, { errors });
    }
    await joined(ctx, conversation, valid, ctx.caller.userId);
    return {
      channel: conversationView(await reread(ctx, conversation.id)),
      ...(errors.length > 0 ? { errors } : {}),
    };
  },
});

async function activeUser(ctx: AuthedContext, userId: string): Promise<boolean> {
  const { rowCount } = await ctx.db.query('SELECT 1 FROM users WHERE id = $1 AND NOT deleted', [userId]);
  return (rowCount ?? 0) > 0;
}

const kick = defineMethod({
  name: 'conversations.kick',
  tier: 'tier3',
  args: z.object({ channel: slackString.required(), user: slackString.optional() }),
  run: async (args, ctx) => {
    const conversation = await managedChannel(ctx, args.channel);
    if (!args.user) throw new SlackError('user_not_found');
    if (conversation.is_general) throw new SlackError('cant_kick_from_general');
    if (args.user === ctx.caller.userId) throw new SlackError('cant_kick_self');
    if (!conversation.is_member) throw new SlackError('not_in_channel');
    if (!USER_ID.test(args.user) || !(await userExists(ctx.db, args.user)))
      throw new SlackError('user_not_found');
    if (!(await isMember(ctx.db, conversation.id, args.user))) throw new SlackError('not_in_channel');
    await left(ctx, conversation, args.user);
    return { errors: {} };
  },
});

const members = defineMethod({
  name: 'conversations.members',
  tier: 'tier4',
  args: z.object({
    channel: slackString.required(),
    cursor: slackString.optional(),
    limit: slackInteger.optional(),
  }),
  run: async (args, ctx) => {
    const conversation = await openConversation(ctx, args.channel, { allowName: false });
    requireScope(ctx.caller, CONVERSATION_SCOPES[conversation.kind].read);
    const limit = Math.min(Math.max(args.limit ?? 100, 1), 1000);
    const fromId = args.cursor ? decodeCursor('user', args.cursor, USER_ID) : null;
    const ids = await listMembers(ctx.db, conversation.id, { fromId, limit: limit + 1 });
    const next = ids.length > limit ? ids[limit] : undefined;
    return {
      members: ids.slice(0, limit),
      response_metadata: { next_cursor: next ? encodeCursor('user', next) : '' },
    };
  },
});

const archive = defineMethod({
  name: 'conversations.archive',
  tier: 'tier2',
  args: z.object(channelArg),
  run: async (args, ctx) => {
    const conversation = await managedChannel(ctx, args.channel);
    if (conversation.is_archived) throw new SlackError('already_archived');
    if (conversation.is_general) throw new SlackError('cant_archive_general');
    if (!conversation.is_member) throw new SlackError('not_in_channel');
    await systemMessage(
      ctx,
      conversation,
      ctx.caller.userId,
      'channel_archive',
      `<@${ctx.caller.userId}> archived the channel`,
    );
    await updateConversation(ctx.db, conversation.id, ctx.now(), { archived: true });
    ctx.events.emit({ type: 'channel_archive', channel: conversation.id, user: ctx.caller.userId });
    return {};
  },
});

const unarchive = defineMethod({
  name: 'conversations.unarchive',
  tier: 'tier2',
  args: z.object(channelArg),
  run: async (args, ctx) => {
    const conversation = await managedChannel(ctx, args.channel);
    if (!conversation.is_archived) throw new SlackError('not_archived');
    await updateConversation(ctx.db, conversation.id, ctx.now(), { archived: false });
    await systemMessage(
      ctx,
      conversation,
      ctx.caller.userId,
      'channel_unarchive',
      `<@${ctx.caller.userId}> un-archived the channel`,
    );
    ctx.events.emit({ type: 'channel_unarchive', channel: conversation.id, user: ctx.caller.userId });
    return {};
  },
});

const rename = defineMethod({
  name: 'conversations.rename',
  tier: 'tier2',
  args: z.object({ channel: slackString.required(), name: slackString.optional() }),
  run: async (args, ctx) => {
    const conversation = await managedChannel(ctx, args.channel);
    const name = validName(args.name);
    if (conversation.is_archived) throw new SlackError('is_archived');
    if (!conversation.is_member) throw new SlackError('not_in_channel');
    if (name !== conversation.name) {
      if (await nameTaken(ctx.db, ctx.caller.teamId, name)) throw new SlackError('name_taken');
      await onUniqueViolation(() => updateConversation(ctx.db, conversation.id, ctx.now(), { name }), {
        conversations_name: () => new SlackError('name_taken'),
      });
      await systemMessage(
        ctx,
        conversation,
        ctx.caller.userId,
        'channel_name',
        `renamed the channel from "${conversation.name ?? ''}" to "${name}"`,
      );
      ctx.events.emit({
        type: 'channel_rename',
        channel: { id: conversation.id, name, created: conversation.created },
      });
    }
    return { channel: { ...conversationView(await reread(ctx, conversation.id)), locale: 'en-US' } };
  },
});

function defineTextSetter(method: 'setTopic' | 'setPurpose') {
  const field = method === 'setTopic' ? 'topic' : 'purpose';
  return defineMethod({
    name: `conversations.${method}`,
    tier: 'tier2',
    // An empty value clears the field, so it is not "absent" here, unlike most arguments.
    args: z.object({
      channel: slackString.required(),
      topic: z.union([z.string(), z.number()]).transform(String).optional(),
      purpose: z.union([z.string(), z.number()]).transform(String).optional(),
    }),
    run: async (args, ctx) => {
      const value = args[field];
      if (value === undefined) throw invalidArguments([`missing required field: ${field}`]);
      const conversation = await openConversation(ctx, args.channel, { allowName: false });
      requireWrite(ctx.caller, conversation.kind);
      if (value.length > MAX_TOPIC) throw new SlackError('too_long');
      if (conversation.is_archived) throw new SlackError('is_archived');
      if (!conversation.is_member) throw new SlackError('not_in_channel');
      await updateConversation(
        ctx.db,
        conversation.id,
        ctx.now(),
        field === 'topic'
          ? { topic: value, by: ctx.caller.userId }
          : { purpose: value, by: ctx.caller.userId },
      );
      const text =
        field === 'topic'
          ? value === ''
            ? 'cleared the channel topic'
            : `set the channel topic: ${value}`
          : value === ''
            ? 'cleared the channel description'
            : `set the channel description: ${value}`;
      const latest = await systemMessage(ctx, conversation, ctx.caller.userId, `channel_${field}`, text);
      // The channel as its member sees it: with the change as its latest message.
      const after = await reread(ctx, conversation.id);
      const unread = await unreadCount(ctx, after);
      return {
        channel: {
          ...conversationView(after),
          latest: messageView(latest, ctx.caller.teamId, ctx.baseUrl),
          unread_count: unread,
          unread_count_display: unread,
        },
      };
    },
  });
}

const open = defineMethod({
  name: 'conversations.open',
  tier: 'tier3',
  args: z.object({
    channel: slackString.optional(),
    users: slackString.optional(),
    return_im: slackBoolean.optional(),
    prevent_creation: slackBoolean.optional(),
  }),
  run: async (args, ctx) => {
    const { caller } = ctx;
    if (args.channel) {
      const conversation = await openConversation(ctx, args.channel, { allowName: false });
      if (conversation.kind !== 'im' && conversation.kind !== 'mpim') {
        throw new SlackError('method_not_supported_for_channel_type');
      }
      requireWrite(caller, conversation.kind);
      const wasOpen = await setOpen(ctx.db, conversation.id, caller.userId, true);
      return {
        ...(wasOpen ? { no_op: true, already_open: true } : {}),
        channel: args.return_im
          ? conversationView(await reread(ctx, conversation.id))
          : { id: conversation.id },
      };
    }
    const others = [
      ...new Set(
        (args.users ?? '')
          .split(',')
          .map((u) => u.trim())
          .filter((u) => u !== ''),
      ),
    ];
    if (others.length === 0) throw new SlackError('users_list_not_supplied');
    if (others.length > MAX_MPIM_OTHERS) throw new SlackError('too_many_users');
    for (const user of others) {
      if (!USER_ID.test(user) || !(await userExists(ctx.db, user))) throw new SlackError('user_not_found');
      if (!(await activeUser(ctx, user))) throw new SlackError('user_disabled');
    }
    const memberIds = [...new Set([caller.userId, ...others])];
    const kind: 'im' | 'mpim' = memberIds.length <= 2 ? 'im' : 'mpim';
    if (others.length > 1 && memberIds.length < 3) throw new SlackError('not_enough_users');
    requireWrite(caller, kind);
    let id = await findDirectConversation(ctx.db, kind, memberIds);
    let wasOpen = false;
    if (id) {
      wasOpen = await setOpen(ctx.db, id, caller.userId, true);
    } else {
      if (args.prevent_creation) return { no_op: true, channel: {} };
      id = newId(kind === 'im' ? 'D' : 'C', 10);
      const created = nowSeconds(ctx);
      const name = kind === 'mpim' ? await mpimName(ctx, memberIds) : null;
      const conversation = { id, teamId: caller.teamId, kind, name, creator: caller.userId, created };
      await withTransaction(ctx.db, (tx) => createDirectConversation(tx, conversation, memberIds));
    }
    const channel = args.return_im || kind === 'mpim' ? conversationView(await reread(ctx, id)) : { id };
    return { ...(wasOpen ? { no_op: true, already_open: true } : {}), channel };
  },
});

async function mpimName(ctx: AuthedContext, memberIds: string[]): Promise<string> {
  const { rows } = await ctx.db.query<{ name: string }>(
    'SELECT name FROM users WHERE id = ANY($1) ORDER BY name',
    [memberIds],
  );
  return `mpdm-${rows.map((r) => r.name).join('--')}-1`;
}

const close = defineMethod({
  name: 'conversations.close',
  tier: 'tier2',
  args: z.object(channelArg),
  run: async (args, ctx) => {
    const conversation = await openConversation(ctx, args.channel, { allowName: false });
    if (conversation.kind !== 'im' && conversation.kind !== 'mpim') {
      throw new SlackError('method_not_supported_for_channel_type');
    }
    requireWrite(ctx.caller, conversation.kind);
    const wasOpen = await setOpen(ctx.db, conversation.id, ctx.caller.userId, false);
    return wasOpen ? {} : { no_op: true, already_closed: true };
  },
});

const mark = defineMethod({
  name: 'conversations.mark',
  tier: 'tier3',
  args: z.object({ channel: slackString.required(), ts: slackString.optional() }),
  run: async (args, ctx) => {
    const conversation = await openConversation(ctx, args.channel, { allowName: false });
    requireWrite(ctx.caller, conversation.kind);
    const tsUs = args.ts === undefined ? null : parseTs(args.ts);
    if (tsUs === null) throw new SlackError('invalid_timestamp');
    if (!conversation.is_member) throw new SlackError('not_in_channel');
    await markRead(ctx.db, conversation.id, ctx.caller.userId, tsUs);
    return {};
  },
});

export const conversationsMethods: SlackMethod[] = [
  list,
  history,
  replies,
  info,
  create,
  join,
  leave,
  invite,
  kick,
  members,
  archive,
  unarchive,
  rename,
  defineTextSetter('setTopic'),
  defineTextSetter('setPurpose'),
  open,
  close,
  mark,
];
