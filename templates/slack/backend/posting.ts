import type { Queryable } from '../../_shared/db.js';
import {
  type AppBotPresence,
  type EventSink,
  noteBotPresence,
  type SlackEvent,
} from './events/event-sink.js';
import type { ConversationKind } from './store/conversations.js';
import { insertMessage, type MessageRow } from './store/messages.js';
import { messageView } from './views/message.js';

export interface PostAuthor {
  userId: string;
  botId: string | null;
  appId: string | null;
}

export interface Post {
  conversation: { id: string; kind: ConversationKind };
  author: PostAuthor;
  teamId: string;
  text: string;
  subtype?: string | null;
  blocks?: unknown[] | null;
  attachments?: unknown[] | null;
  threadTsUs?: number | null;
  replyBroadcast?: boolean;
  fileIds?: string[] | null;
  metadata?: Record<string, unknown> | null;
  /** A bot's customised name and icon (chat:write.customize). */
  username?: string | null;
  icons?: Record<string, string> | null;
}

/** Slack's `channel_type` in events for each kind of conversation. */
export const CHANNEL_TYPES: Record<ConversationKind, string> = {
  channel: 'channel',
  private: 'group',
  mpim: 'mpim',
  im: 'im',
};

/** A message as just written: the row, and for a reply the parent's author. */
export interface PostedMessage {
  row: MessageRow;
  parentUserId: string | null;
}

type PostContext = { db: Queryable; now: () => number; events: EventSink };

/**
 * Every message, from a user, a bot, a schedule or the system (channel_join ...), is
 * written here: the conversation's next ts and the row in one statement, then the
 * `message` event. `db` may be a transaction; the event is emitted to a sink that delivers
 * asynchronously.
 */
export async function postMessage(ctx: PostContext, post: Post): Promise<PostedMessage> {
  const { id, kind } = post.conversation;
  const inserted = await insertMessage(ctx.db, newMessage(ctx, id, post));
  if (!inserted) throw new Error(`conversation ${id} vanished`);
  return announce(ctx, id, post.teamId, inserted.row, kind);
}

/**
 * chat.postMessage's one-round-trip path: posts only if the author may post in the
 * conversation (not archived; a member, or a public channel when `mayPostUnjoined`),
 * checked in the same statement that writes. Null when refused or unknown: the caller then
 * runs the full lookup, which names Slack's exact error.
 */
export async function postIfAllowed(
  ctx: PostContext,
  post: PostContent & { conversationId: string; mayPostUnjoined: boolean },
): Promise<PostedMessage | null> {
  const inserted = await insertMessage(ctx.db, newMessage(ctx, post.conversationId, post), {
    mayPostUnjoined: post.mayPostUnjoined,
    appBot: ctx.events.heardBy?.() ?? false,
  });
  if (!inserted) return null;
  return announce(ctx, post.conversationId, post.teamId, inserted.row, inserted.kind, inserted.appBot);
}

type PostContent = Omit<Post, 'conversation'>;

function newMessage(ctx: PostContext, conversationId: string, post: PostContent) {
  const threadTsUs = post.threadTsUs ?? null;
  return {
    conversationId,
    nowUs: ctx.now() * 1000,
    userId: post.author.userId,
    botId: post.author.botId,
    appId: post.author.appId,
    subtype: post.subtype ?? null,
    text: post.text,
    blocks: post.blocks ?? null,
    attachments: post.attachments ?? null,
    threadTsUs,
    replyBroadcast: threadTsUs !== null && (post.replyBroadcast ?? false),
    fileIds: post.fileIds ?? null,
    metadata: post.metadata ?? null,
    username: post.username ?? null,
    icons: post.icons ?? null,
  };
}

/** The `message` event for a row just written; for a reply, with its parent's author. */
async function announce(
  ctx: PostContext,
  conversationId: string,
  teamId: string,
  row: MessageRow,
  kind: ConversationKind,
  appBot?: AppBotPresence,
): Promise<PostedMessage> {
  const threadTsUs = row.thread_ts_us;
  const parentUserId = threadTsUs === null ? null : await parentAuthor(ctx.db, conversationId, threadTsUs);
  const view = messageView(row, teamId);
  if (parentUserId) view.parent_user_id = parentUserId;
  const event: SlackEvent = {
    ...view,
    type: 'message',
    channel: conversationId,
    event_ts: view.ts as string,
    channel_type: CHANNEL_TYPES[kind],
  };
  if (appBot) noteBotPresence(event, appBot);
  ctx.events.emit(event);
  return { row, parentUserId };
}

async function parentAuthor(db: Queryable, conversationId: string, threadTsUs: number) {
  const { rows } = await db.query<{ user_id: string | null }>(
    'SELECT user_id FROM messages WHERE conversation_id = $1 AND ts_us = $2',
    [conversationId, threadTsUs],
  );
  return rows[0]?.user_id ?? null;
}

/** The message shape chat.postMessage answers with, parent_user_id included for replies. */
export function postedView(posted: PostedMessage, teamId: string, baseUrl: string) {
  const view = messageView(posted.row, teamId, baseUrl, { metadata: true });
  if (posted.parentUserId) view.parent_user_id = posted.parentUserId;
  return view;
}
