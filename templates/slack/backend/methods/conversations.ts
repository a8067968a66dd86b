import { z } from 'zod';
import { slackBoolean, slackInteger, slackString } from '../args.js';
import { requireScope } from '../caller.js';
import { openConversation } from '../conversation-access.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { defineMethod, type SlackMethod } from '../method.js';
import { CONVERSATION_SCOPES } from '../scopes.js';
import { SlackError } from '../slack-error.js';
import { formatTs, parseTs } from '../slack-ts.js';
import {
  type ConversationKind,
  conversationExists,
  listVisibleConversations,
} from '../store/conversations.js';
import { listHistory } from '../store/messages.js';
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
    const latestUs = args.latest === undefined ? null : parseTs(args.latest);
    if (latestUs === null && args.latest !== undefined) throw new SlackError('invalid_ts_latest');
    const oldestUs = args.oldest === undefined ? null : parseTs(args.oldest);
    if (oldestUs === null && args.oldest !== undefined) throw new SlackError('invalid_ts_oldest');
    const startAtUs = args.cursor ? Number(decodeCursor('next_ts', args.cursor, /^\d{1,16}$/)) : null;

    const conversation = await openConversation(ctx, args.channel, { allowName: false });
    requireScope(ctx.caller, CONVERSATION_SCOPES[conversation.kind].history);
    // User tokens may read public channels they have not joined; bots may not.
    if (!conversation.is_member && ctx.caller.kind === 'bot') throw new SlackError('not_in_channel');

    const limit = Math.min(Math.max(args.limit ?? 100, 1), 999);
    const rows = await listHistory(ctx.db, conversation.id, {
      latestUs,
      oldestUs,
      inclusive: args.inclusive ?? false,
      startAtUs,
      limit: limit + 1,
    });
    const next = rows.length > limit ? rows[limit] : undefined;
    return {
      messages: rows.slice(0, limit).map((row) => messageView(row, ctx.caller.teamId)),
      has_more: next !== undefined,
      ...(latestUs !== null ? { latest: formatTs(latestUs) } : {}),
      ...(oldestUs !== null ? { oldest: formatTs(oldestUs) } : {}),
      pin_count: 0,
      channel_actions_ts: null,
      channel_actions_count: 0,
      response_metadata: { next_cursor: next ? encodeCursor('next_ts', String(next.ts_us)) : '' },
    };
  },
});

export const conversationsMethods: SlackMethod[] = [list, history];
