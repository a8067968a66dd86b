import { z } from 'zod';
import { slackBoolean, slackInteger, slackString, slackTimestamp } from '../args.js';
import { requireScope } from '../caller.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { type AuthedContext, defineMethod, type SlackMethod } from '../method.js';
import { SlackError } from '../slack-error.js';
import { formatTs } from '../slack-ts.js';
import { findMessages } from '../store/messages.js';
import { addReaction, listReactedItems, removeReaction } from '../store/reactions.js';
import { userExists } from '../store/users.js';
import { messageView } from '../views/message.js';
import { findMessageItem } from './message-item.js';

// Names Slack stores under another name (it answers with the canonical one).
const ALIASES: Record<string, string> = {
  thumbsup: '+1',
  thumbsdown: '-1',
  thumbs_up: '+1',
  thumbs_down: '-1',
};
const REACTION_NAME = /^[a-z0-9_+'-]{1,100}(::skin-tone-[2-6])?$/;
// Slack's cap on distinct reactions per message.
const MAX_DISTINCT = 23;

function reactionName(raw: string): string {
  const bare = raw.trim().replace(/^:/, '').replace(/:$/, '').toLowerCase();
  if (!REACTION_NAME.test(bare)) throw new SlackError('invalid_name');
  return ALIASES[bare] ?? bare;
}

const itemArgs = {
  channel: slackString.optional(),
  timestamp: slackTimestamp.optional(),
  file: slackString.optional(),
  file_comment: slackString.optional(),
};

async function reactionTarget(ctx: AuthedContext, args: { channel?: string; timestamp?: number }) {
  const item = await findMessageItem(ctx, args.channel, args.timestamp);
  if (item.conversation.is_archived) throw new SlackError('is_archived');
  if (ctx.caller.kind === 'bot' && !item.conversation.is_member) throw new SlackError('not_in_channel');
  return item;
}

/** The reaction_added / reaction_removed event for `message`. */
function emitReaction(
  ctx: AuthedContext,
  type: 'reaction_added' | 'reaction_removed',
  name: string,
  channel: string,
  message: { ts_us: number; user_id: string | null },
) {
  ctx.events.emit({
    type,
    user: ctx.caller.userId,
    reaction: name,
    ...(message.user_id ? { item_user: message.user_id } : {}),
    item: { type: 'message', channel, ts: formatTs(message.ts_us) },
    event_ts: formatTs(ctx.now() * 1000),
  });
}

const add = defineMethod({
  name: 'reactions.add',
  tier: 'tier3',
  args: z.object({ name: slackString.required(), ...itemArgs }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'reactions:write');
    const name = reactionName(args.name);
    const { conversation, message } = await reactionTarget(ctx, args);
    const existing = message.reactions ?? [];
    if (existing.length >= MAX_DISTINCT && !existing.some((r) => r.name === name)) {
      throw new SlackError('too_many_reactions');
    }
    const added = await addReaction(ctx.db, {
      conversationId: conversation.id,
      tsUs: message.ts_us,
      name,
      userId: ctx.caller.userId,
    });
    if (!added) throw new SlackError('already_reacted');
    emitReaction(ctx, 'reaction_added', name, conversation.id, message);
    return {};
  },
});

const remove = defineMethod({
  name: 'reactions.remove',
  tier: 'tier2',
  args: z.object({ name: slackString.required(), ...itemArgs }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'reactions:write');
    const name = reactionName(args.name);
    const { conversation, message } = await reactionTarget(ctx, args);
    const removed = await removeReaction(ctx.db, {
      conversationId: conversation.id,
      tsUs: message.ts_us,
      name,
      userId: ctx.caller.userId,
    });
    if (!removed) throw new SlackError('no_reaction');
    emitReaction(ctx, 'reaction_removed', name, conversation.id, message);
    return {};
  },
});

const get = defineMethod({
  name: 'reactions.get',
  tier: 'tier3',
  args: z.object({ ...itemArgs, full: slackBoolean.optional() }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'reactions:read');
    const { conversation, message } = await findMessageItem(ctx, args.channel, args.timestamp);
    return {
      type: 'message',
      channel: conversation.id,
      message: {
        ...messageView(message, ctx.caller.teamId, ctx.baseUrl),
        permalink: permalink(ctx, conversation.id, message.ts_us),
      },
    };
  },
});

const permalink = (ctx: AuthedContext, channel: string, tsUs: number) =>
  `https://${ctx.caller.teamDomain}.slack.com/archives/${channel}/p${formatTs(tsUs).replace('.', '')}`;

const list = defineMethod({
  name: 'reactions.list',
  tier: 'tier2',
  args: z.object({
    user: slackString.optional(),
    full: slackBoolean.optional(),
    cursor: slackString.optional(),
    limit: slackInteger.optional(),
    count: slackInteger.optional(),
    page: slackInteger.optional(),
    team_id: slackString.optional(),
  }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'reactions:read');
    const userId = args.user ?? ctx.caller.userId;
    if (userId !== ctx.caller.userId && !(await userExists(ctx.db, userId)))
      throw new SlackError('user_not_found');
    const limit = Math.min(Math.max(args.limit ?? args.count ?? 100, 1), 1000);
    const beforeId = args.cursor ? Number(decodeCursor('reaction', args.cursor, /^\d{1,15}$/)) : null;
    const items = await listReactedItems(ctx.db, ctx.caller.userId, userId, { beforeId, limit: limit + 1 });
    const next = items.length > limit ? items[limit] : undefined;
    const page = items.slice(0, limit);
    const messages = await findMessages(
      ctx.db,
      page.map((item) => ({ conversationId: item.conversation_id, tsUs: item.message_ts_us })),
    );
    return {
      items: page.flatMap((item) => {
        const message = messages.get(`${item.conversation_id}:${item.message_ts_us}`);
        if (!message) return [];
        return [
          {
            type: 'message',
            channel: item.conversation_id,
            message: {
              ...messageView(message, ctx.caller.teamId, ctx.baseUrl),
              permalink: permalink(ctx, item.conversation_id, item.message_ts_us),
            },
          },
        ];
      }),
      response_metadata: { next_cursor: next ? encodeCursor('reaction', String(next.last_id)) : '' },
    };
  },
});

export const reactionsMethods: SlackMethod[] = [add, remove, get, list];
