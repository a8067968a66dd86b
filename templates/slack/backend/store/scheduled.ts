import type { Queryable } from '../../../_shared/db.js';

export interface ScheduledRow {
  id: string;
  conversation_id: string;
  user_id: string;
  bot_id: string | null;
  app_id: string | null;
  post_at: number;
  date_created: number;
  text: string;
  blocks: unknown[] | null;
  attachments: unknown[] | null;
  thread_ts_us: number | null;
  reply_broadcast: boolean;
}

export async function insertScheduled(db: Queryable, row: ScheduledRow): Promise<void> {
  await db.query(
    `INSERT INTO scheduled_messages (id, conversation_id, user_id, bot_id, app_id, post_at, date_created, text, blocks,
       attachments, thread_ts_us, reply_broadcast)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      row.id,
      row.conversation_id,
      row.user_id,
      row.bot_id,
      row.app_id,
      row.post_at,
      row.date_created,
      row.text,
      row.blocks === null ? null : JSON.stringify(row.blocks),
      row.attachments === null ? null : JSON.stringify(row.attachments),
      row.thread_ts_us,
      row.reply_broadcast,
    ],
  );
}

/** The author's pending messages in (post_at, id) order, from `from` (inclusive). */
export async function listScheduled(
  db: Queryable,
  userId: string,
  q: {
    conversationId: string | null;
    latest: number | null;
    oldest: number | null;
    from: { postAt: number; id: string } | null;
    limit: number;
  },
): Promise<ScheduledRow[]> {
  const { rows } = await db.query<ScheduledRow>(
    `SELECT * FROM scheduled_messages
     WHERE user_id = $1 AND ($2::text IS NULL OR conversation_id = $2)
       AND ($3::bigint IS NULL OR post_at <= $3) AND ($4::bigint IS NULL OR post_at >= $4)
       AND ($5::bigint IS NULL OR (post_at, id) >= ($5, $6::text))
     ORDER BY post_at, id LIMIT $7`,
    [userId, q.conversationId, q.latest, q.oldest, q.from?.postAt ?? null, q.from?.id ?? null, q.limit],
  );
  return rows;
}

export async function deleteScheduled(
  db: Queryable,
  id: string,
  conversationId: string,
  userId: string,
): Promise<boolean> {
  const { rowCount } = await db.query(
    'DELETE FROM scheduled_messages WHERE id = $1 AND conversation_id = $2 AND user_id = $3',
    [id, conversationId, userId],
  );
  return (rowCount ?? 0) > 0;
}

/** Takes the messages due at `nowSeconds` off the schedule (locked, so two ticks never post twice). */
export async function takeDue(db: Queryable, nowSeconds: number, limit: number): Promise<ScheduledRow[]> {
  const { rows } = await db.query<ScheduledRow>(
    `DELETE FROM scheduled_messages WHERE id IN (
       SELECT id FROM scheduled_messages WHERE post_at <= $1 ORDER BY post_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
     RETURNING *`,
    [nowSeconds, limit],
  );
  return rows.sort((a, b) => a.post_at - b.post_at || a.id.localeCompare(b.id));
}
