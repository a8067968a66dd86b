import type { Queryable } from '../../../_shared/db.js';

export interface MessageRow {
  conversation_id: string;
  ts_us: number;
  user_id: string | null;
  bot_id: string | null;
  app_id: string | null;
  subtype: string | null;
  text: string;
  blocks: unknown[] | null;
  attachments: unknown[] | null;
  thread_ts_us: number | null;
  reply_broadcast: boolean;
  /** Thread summary, for a parent with replies. */
  reply_count: number;
  reply_users: string[] | null;
  latest_reply_us: number | null;
  reactions: Array<{ name: string; users: string[]; count: number }> | null;
  bot_name: string | null;
  bot_user_id: string | null;
}

const SELECT = `
  SELECT m.*,
    coalesce(thread.reply_count, 0) AS reply_count, thread.reply_users, thread.latest_reply_us,
    rx.reactions, a.name AS bot_name, a.bot_user_id
  FROM messages m
  LEFT JOIN LATERAL (
    SELECT count(*)::int AS reply_count, max(r.ts_us) AS latest_reply_us,
      (SELECT array_agg(f.user_id ORDER BY f.first_ts) FROM (
         SELECT x.user_id, min(x.ts_us) AS first_ts FROM messages x
         WHERE x.conversation_id = m.conversation_id AND x.thread_ts_us = m.ts_us AND x.user_id IS NOT NULL
         GROUP BY x.user_id) f) AS reply_users
    FROM messages r
    WHERE m.thread_ts_us IS NULL AND r.conversation_id = m.conversation_id AND r.thread_ts_us = m.ts_us
  ) thread ON true
  LEFT JOIN LATERAL (
    SELECT json_agg(json_build_object('name', g.name, 'users', g.users, 'count', cardinality(g.users))
                    ORDER BY g.first_id) AS reactions
    FROM (
      SELECT name, array_agg(user_id ORDER BY id) AS users, min(id) AS first_id FROM reactions
      WHERE conversation_id = m.conversation_id AND message_ts_us = m.ts_us GROUP BY name
    ) g
  ) rx ON true
  LEFT JOIN apps a ON a.bot_id = m.bot_id`;

export interface HistoryQuery {
  latestUs: number | null;
  oldestUs: number | null;
  inclusive: boolean;
  /** From a cursor: the newest ts the page may start at (inclusive). */
  startAtUs: number | null;
  limit: number;
}

/** Channel-level messages (parents and broadcast replies), newest first. */
export async function listHistory(
  db: Queryable,
  conversationId: string,
  q: HistoryQuery,
): Promise<MessageRow[]> {
  const { rows } = await db.query<MessageRow>(
    `${SELECT}
     WHERE m.conversation_id = $1 AND (m.thread_ts_us IS NULL OR m.reply_broadcast)
       AND ($2::bigint IS NULL OR m.ts_us < $2 OR ($4 AND m.ts_us = $2))
       AND ($3::bigint IS NULL OR m.ts_us > $3 OR ($4 AND m.ts_us = $3))
       AND ($5::bigint IS NULL OR m.ts_us <= $5)
     ORDER BY m.ts_us DESC
     LIMIT $6`,
    [conversationId, q.latestUs, q.oldestUs, q.inclusive, q.startAtUs, q.limit],
  );
  return rows;
}

export async function findMessage(
  db: Queryable,
  conversationId: string,
  tsUs: number,
): Promise<MessageRow | null> {
  const { rows } = await db.query<MessageRow>(`${SELECT} WHERE m.conversation_id = $1 AND m.ts_us = $2`, [
    conversationId,
    tsUs,
  ]);
  return rows[0] ?? null;
}

export interface NewMessage {
  conversationId: string;
  tsUs: number;
  userId: string;
  botId: string | null;
  appId: string | null;
  text: string;
  blocks: unknown[] | null;
  attachments: unknown[] | null;
  threadTsUs: number | null;
  replyBroadcast: boolean;
}

export async function insertMessage(db: Queryable, m: NewMessage): Promise<void> {
  await db.query(
    `INSERT INTO messages
       (conversation_id, ts_us, user_id, bot_id, app_id, subtype, text, blocks, attachments, thread_ts_us, reply_broadcast)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      m.conversationId,
      m.tsUs,
      m.userId,
      m.botId,
      m.appId,
      m.threadTsUs !== null && m.replyBroadcast ? 'thread_broadcast' : null,
      m.text,
      m.blocks === null ? null : JSON.stringify(m.blocks),
      m.attachments === null ? null : JSON.stringify(m.attachments),
      m.threadTsUs,
      m.replyBroadcast,
    ],
  );
}
