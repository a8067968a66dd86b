import type { Queryable } from '../../../_shared/db.js';

export type ConversationKind = 'channel' | 'private' | 'mpim' | 'im';

export interface ConversationRow {
  id: string;
  team_id: string;
  kind: ConversationKind;
  name: string | null;
  creator: string | null;
  created: number;
  is_archived: boolean;
  is_general: boolean;
  topic: string;
  topic_creator: string;
  topic_last_set: number;
  purpose: string;
  purpose_creator: string;
  purpose_last_set: number;
  updated: number;
  last_ts_us: number;
  /** Whether the asking user is a member. */
  is_member: boolean;
  num_members: number;
  /** For an im: the member who is not the asking user. */
  im_user: string | null;
  im_user_deleted: boolean | null;
}

/** Columns plus what depends on who asks ($1 is the asking user's id). */
const SELECT = `
  SELECT c.*,
    EXISTS (SELECT 1 FROM conversation_members m WHERE m.conversation_id = c.id AND m.user_id = $1) AS is_member,
    (SELECT count(*)::int FROM conversation_members m WHERE m.conversation_id = c.id) AS num_members,
    other.user_id AS im_user,
    other.deleted AS im_user_deleted
  FROM conversations c
  LEFT JOIN LATERAL (
    SELECT m.user_id, u.deleted FROM conversation_members m JOIN users u ON u.id = m.user_id
    WHERE c.kind = 'im' AND m.conversation_id = c.id
    ORDER BY (m.user_id = $1), m.user_id LIMIT 1
  ) other ON true`;

/** Visible to the asker: public channels always, everything else only to members. */
const VISIBLE = `(c.kind = 'channel' OR EXISTS (
  SELECT 1 FROM conversation_members m WHERE m.conversation_id = c.id AND m.user_id = $1))`;

export async function findVisibleConversation(
  db: Queryable,
  viewerId: string,
  idOrName: { id: string } | { name: string },
): Promise<ConversationRow | null> {
  const where = 'id' in idOrName ? 'c.id = $2' : `c.name = $2 AND c.kind IN ('channel', 'private')`;
  const value = 'id' in idOrName ? idOrName.id : idOrName.name;
  const { rows } = await db.query<ConversationRow>(`${SELECT} WHERE ${where} AND ${VISIBLE}`, [
    viewerId,
    value,
  ]);
  return rows[0] ?? null;
}

export async function conversationExists(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM conversations WHERE id = $1', [id]);
  return (rowCount ?? 0) > 0;
}

/** A page in (created, id) order, starting at `fromId` (inclusive); one extra row tells if more follow. */
export async function listVisibleConversations(
  db: Queryable,
  viewerId: string,
  options: { kinds: ConversationKind[]; excludeArchived: boolean; fromId: string | null; limit: number },
): Promise<ConversationRow[]> {
  const { rows } = await db.query<ConversationRow>(
    `${SELECT}
     WHERE c.kind = ANY($2) AND ${VISIBLE}
       AND (NOT $3 OR NOT c.is_archived)
       AND ($4::text IS NULL OR (c.created, c.id) >= ((SELECT created FROM conversations WHERE id = $4), $4))
     ORDER BY c.created, c.id
     LIMIT $5`,
    [viewerId, options.kinds, options.excludeArchived, options.fromId, options.limit],
  );
  return rows;
}

/** Hands out the conversation's next ts: max(now, last + 1 µs), atomically. */
export async function nextMessageTs(db: Queryable, conversationId: string, nowUs: number): Promise<number> {
  const { rows } = await db.query<{ ts: number }>(
    `UPDATE conversations SET last_ts_us = greatest($2::bigint, last_ts_us + 1), updated = $3
     WHERE id = $1 RETURNING last_ts_us AS ts`,
    [conversationId, nowUs, Math.floor(nowUs / 1000)],
  );
  const ts = rows[0]?.ts;
  if (ts === undefined) throw new Error(`conversation ${conversationId} vanished`);
  return ts;
}
