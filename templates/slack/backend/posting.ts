import type { Queryable } from '../../_shared/db.js';
import type { EventSink } from './events/event-sink.js';
import type { ConversationKind } from './store/conversations.js';
import { nextMessageTs } from './store/conversations.js';
import { findMessage, insertMessage, type MessageRow } from './store/messages.js';
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
}

/** Slack's `channel_type` in events for each kind of conversation. */
export const CHANNEL_TYPES: Record<ConversationKind, string> = {
  channel: 'channel',
  private: 'group',
  mpim: 'mpim',
  im: 'im',
};

/**
 * Every message, from a user, a bot, a schedule or the system (channel_join ...), is
 * written here: the conversation's next ts, the row, and the `message` event. `db` may be
 * a transaction; the event is emitted to a sink that delivers asynchronously.
 */
export async function postMessage(
  ctx: { db: Queryable; now: () => number; events: EventSink },
  post: Post,
): Promise<MessageRow> {
  const { db } = ctx;
  const tsUs = await nextMessageTs(db, post.conversation.id, ctx.now() * 1000);
  await insertMessage(db, {
    conversationId: post.conversation.id,
    tsUs,
    userId: post.author.userId,
    botId: post.author.botId,
    appId: post.author.appId,
    subtype: post.subtype ?? null,
    text: post.text,
    blocks: post.blocks ?? null,
    attachments: post.attachments ?? null,
    threadTsUs: post.threadTsUs ?? null,
    replyBroadcast: (post.threadTsUs ?? null) !== null && (post.replyBroadcast ?? false),
    fileIds: post.fileIds ?? null,
    metadata: post.metadata ?? null,
  });
  const stored = await findMessage(db, post.conversation.id, tsUs);
  if (!stored) throw new Error(`message ${post.conversation.id}/${tsUs} vanished after insert`);
  let parentUserId: string | null = null;
  if (stored.thread_ts_us !== null) {
    const parent = await findMessage(db, post.conversation.id, stored.thread_ts_us);
    parentUserId = parent?.user_id ?? null;
  }
  const view = messageView(stored, post.teamId);
  if (parentUserId) view.parent_user_id = parentUserId;
  ctx.events.emit({
    ...view,
    type: 'message',
    channel: post.conversation.id,
    event_ts: view.ts as string,
    channel_type: CHANNEL_TYPES[post.conversation.kind],
  });
  return stored;
}

/** The message shape chat.postMessage answers with, parent_user_id included for replies. */
export async function postedView(db: Queryable, row: MessageRow, teamId: string, baseUrl: string) {
  const view = messageView(row, teamId, baseUrl, { metadata: true });
  if (row.thread_ts_us !== null) {
    const parent = await findMessage(db, row.conversation_id, row.thread_ts_us);
    if (parent?.user_id) view.parent_user_id = parent.user_id;
  }
  return view;
}
