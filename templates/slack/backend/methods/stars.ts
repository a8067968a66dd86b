import { z } from 'zod';
import { slackInteger, slackString, slackTimestamp } from '../args.js';
import { requireUserToken } from '../caller.js';
import { openConversation } from '../conversation-access.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { type AuthedContext, defineMethod, type SlackMethod } from '../method.js';
import { SlackError } from '../slack-error.js';
import { formatTs } from '../slack-ts.js';
import type { ConversationKind } from '../store/conversations.js';
import { findFile } from '../store/files.js';
import { findMessage, findMessages, type MessageRow } from '../store/messages.js';
import { messageView } from '../views/message.js';
import { fullView, visibleFile } from './files.js';

// Saved items ("stars" in the API): a person's messages, files and conversations.

interface StarRow {
  item_type: 'message' | 'file' | 'channel' | 'im' | 'group';
  conversation_id: string | null;
  message_ts_us: number | null;
  file_id: string | null;
  created: number;
}

interface StarItem {
  item_type: StarRow['item_type'];
  conversation_id: string | null;
  message_ts_us: number | null;
  file_id: string | null;
}

const CONVERSATION_ITEM: Record<ConversationKind, StarRow['item_type']> = {
  channel: 'channel',
  private: 'group',
  mpim: 'group',
  im: 'im',
};

const itemArgs = {
  channel: slackString.optional(),
  timestamp: slackTimestamp.optional(),
  file: slackString.optional(),
  file_comment: slackString.optional(),
};

/** The item a stars.add / stars.remove call names: a message, a file, or a conversation. */
async function namedItem(
  ctx: AuthedContext,
  args: { channel?: string; timestamp?: number; file?: string; file_comment?: string },
): Promise<StarItem> {
  if (args.file_comment !== undefined) throw new SlackError('file_comment_not_found');
  if (args.file !== undefined) {
    const file = await visibleFile(ctx, args.file);
    return { item_type: 'file', conversation_id: null, message_ts_us: null, file_id: file.id };
  }
  if (args.channel === undefined) throw new SlackError('no_item_specified');
  const conversation = await openConversation(ctx, args.channel, { allowName: false });
  if (args.timestamp === undefined) {
    return {
      item_type: CONVERSATION_ITEM[conversation.kind],
      conversation_id: conversation.id,
      message_ts_us: null,
      file_id: null,
    };
  }
  const message = await findMessage(ctx.db, conversation.id, args.timestamp);
  if (!message || message.subtype === 'tombstone') throw new SlackError('message_not_found');
  return {
    item_type: 'message',
    conversation_id: conversation.id,
    message_ts_us: message.ts_us,
    file_id: null,
  };
}

const SAME_ITEM = `user_id = $1 AND item_type = $2 AND coalesce(conversation_id, '') = coalesce($3::text, '')
  AND coalesce(message_ts_us, 0) = coalesce($4::bigint, 0) AND coalesce(file_id, '') = coalesce($5::text, '')`;

const itemParams = (ctx: AuthedContext, item: StarItem) => [
  ctx.caller.userId,
  item.item_type,
  item.conversation_id,
  item.message_ts_us,
  item.file_id,
];

const add = defineMethod({
  name: 'stars.add',
  tier: 'tier2',
  args: z.object(itemArgs),
  run: async (args, ctx) => {
    requireUserToken(ctx.caller, 'stars:write');
    const item = await namedItem(ctx, args);
    const { rowCount } = await ctx.db.query(
      `INSERT INTO stars (user_id, item_type, conversation_id, message_ts_us, file_id, created)
       SELECT $1, $2, $3, $4, $5, $6 WHERE NOT EXISTS (SELECT 1 FROM stars WHERE ${SAME_ITEM})`,
      [...itemParams(ctx, item), Math.floor(ctx.now() / 1000)],
    );
    if (!rowCount) throw new SlackError('already_starred');
    return {};
  },
});

const remove = defineMethod({
  name: 'stars.remove',
  tier: 'tier2',
  args: z.object(itemArgs),
  run: async (args, ctx) => {
    requireUserToken(ctx.caller, 'stars:write');
    const item = await namedItem(ctx, args);
    const { rowCount } = await ctx.db.query(`DELETE FROM stars WHERE ${SAME_ITEM}`, itemParams(ctx, item));
    if (!rowCount) throw new SlackError('not_starred');
    return {};
  },
});

const list = defineMethod({
  name: 'stars.list',
  tier: 'tier3',
  args: z.object({
    count: slackInteger.optional(),
    page: slackInteger.optional(),
    limit: slackInteger.optional(),
    cursor: slackString.optional(),
    team_id: slackString.optional(),
  }),
  run: async (args, ctx) => {
    requireUserToken(ctx.caller, 'stars:read');
    const perPage = Math.min(Math.max(args.limit ?? args.count ?? 100, 1), 1000);
    let offset = (Math.max(args.page ?? 1, 1) - 1) * perPage;
    if (args.cursor) offset = Number(decodeCursor('stars', args.cursor, /^\d{1,7}$/));
    // Newest first; items that are no longer visible (a channel left since) drop out.
    const { rows } = await ctx.db.query<StarRow>(
      'SELECT item_type, conversation_id, message_ts_us, file_id, created FROM stars WHERE user_id = $1 ORDER BY created DESC, id DESC',
      [ctx.caller.userId],
    );
    const messages = await findMessages(
      ctx.db,
      rows.flatMap((row) =>
        row.item_type === 'message' && row.conversation_id && row.message_ts_us !== null
          ? [{ conversationId: row.conversation_id, tsUs: Number(row.message_ts_us) }]
          : [],
      ),
    );
    const items: Record<string, unknown>[] = [];
    for (const row of rows) {
      const item = await itemView(ctx, row, messages);
      if (item) items.push(item);
    }
    const page = items.slice(offset, offset + perPage);
    const next = offset + perPage;
    return {
      items: page,
      paging: {
        per_page: perPage,
        spill: 0,
        page: Math.floor(offset / perPage) + 1,
        total: items.length,
        pages: Math.max(1, Math.ceil(items.length / perPage)),
      },
      response_metadata: { next_cursor: next < items.length ? encodeCursor('stars', String(next)) : '' },
    };
  },
});

async function itemView(
  ctx: AuthedContext,
  row: StarRow,
  messages: Map<string, MessageRow>,
): Promise<Record<string, unknown> | null> {
  const dateCreate = Number(row.created);
  if (row.item_type === 'file') {
    const file = row.file_id ? await findFile(ctx.db, row.file_id) : null;
    return file ? { type: 'file', file: await fullView(ctx, file), date_create: dateCreate } : null;
  }
  const channel = row.conversation_id as string;
  try {
    await openConversation(ctx, channel, { allowName: false });
  } catch (error) {
    if (error instanceof SlackError) return null;
    throw error;
  }
  if (row.item_type !== 'message') return { type: row.item_type, channel, date_create: dateCreate };
  const message = messages.get(`${channel}:${row.message_ts_us}`);
  if (!message) return null;
  const ts = formatTs(message.ts_us);
  return {
    type: 'message',
    channel,
    message: {
      ...messageView(message, ctx.caller.teamId, ctx.baseUrl),
      permalink: `https://${ctx.caller.teamDomain}.slack.com/archives/${channel}/p${ts.replace('.', '')}`,
    },
    date_create: dateCreate,
  };
}

export const starsMethods: SlackMethod[] = [add, remove, list];
