import type { Queryable } from '../../../_shared/db.js';

export async function addReaction(
  db: Queryable,
  r: { conversationId: string; tsUs: number; name: string; userId: string },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO reactions (conversation_id, message_ts_us, name, user_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT DO NOTHING`,
    [r.conversationId, r.tsUs, r.name, r.userId],
  );
  return (rowCount ?? 0) > 0;
}

export async function removeReaction(
  db: Queryable,
  r: { conversationId: string; tsUs: number; name: string; userId: string },
): Promise<boolean> {
  const { rowCount } = await db.query(
    'DELETE FROM reactions WHERE conversation_id = $1 AND message_ts_us = $2 AND name = $3 AND user_id = $4',
    [r.conversationId, r.tsUs, r.name, r.userId],
  );
  return (rowCount ?? 0) > 0;
}

export interface ReactedItem {
  conversation_id: string;
  message_ts_us: number;
  /** The newest reaction id of the user on the message: the listing's order and cursor. */
  last_id: number;
}

/** Messages `userId` reacted to, newest reaction first, in conversations the viewer can see. */
export async function listReactedItems(
  db: Queryable,
  viewerId: string,
  userId: string,
  options: { beforeId: number | null; limit: number },
): Promise<ReactedItem[]> {
  const { rows } = await db.query<ReactedItem>(
    `SELECT r.conversation_id, r.message_ts_us, max(r.id)::bigint AS last_id
     FROM reactions r JOIN conversations c ON c.id = r.conversation_id
     WHERE r.user_id = $2 AND (c.kind = 'channel' OR EXISTS (
       SELECT 1 FROM conversation_members m WHERE m.conversation_id = c.id AND m.user_id = $1))
     GROUP BY r.conversation_id, r.message_ts_us
     HAVING $3::bigint IS NULL OR max(r.id) <= $3
     ORDER BY last_id DESC LIMIT $4`,
    [viewerId, userId, options.beforeId, options.limit],
  );
  return rows;
}
