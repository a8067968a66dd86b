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
  previous_names: string[];
  /** The asking member's read mark and open flag (null when not a member). */
  last_read_us: number | null;
  is_open: boolean | null;
}

/** Columns plus what depends on who asks ($1 is the asking user's id). */
const SELECT = `
  SELECT c.*,
    EXISTS (SELECT 1 FROM conversation_members m WHERE m.conversation_id = c.id AND m.user_id = $1) AS is_member,
    (SELECT count(*)::int FROM conversation_members m WHERE m.conversation_id = c.id) AS num_members,
    other.user_id AS im_user,
    other.deleted AS im_user_deleted,
    me.last_read_us, me.is_open
  FROM conversations c
  LEFT JOIN conversation_members me ON me.conversation_id = c.id AND me.user_id = $1
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

export async function nameTaken(db: Queryable, teamId: string, name: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `SELECT 1 FROM conversations WHERE team_id = $1 AND name = $2 AND kind IN ('channel', 'private')`,
    [teamId, name],
  );
  return (rowCount ?? 0) > 0;
}

export async function insertConversation(
  db: Queryable,
  c: {
    id: string;
    teamId: string;
    kind: ConversationKind;
    name: string | null;
    creator: string;
    created: number;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO conversations (id, team_id, kind, name, creator, created, updated) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [c.id, c.teamId, c.kind, c.name, c.creator, c.created, c.created * 1000],
  );
}

/** Adds members; returns the ids that were not members before. */
export async function addMembers(
  db: Queryable,
  conversationId: string,
  userIds: readonly string[],
  joined: number,
): Promise<string[]> {
  const { rows } = await db.query<{ user_id: string }>(
    `INSERT INTO conversation_members (conversation_id, user_id, joined)
     SELECT $1, u, $3 FROM unnest($2::text[]) u
     ON CONFLICT (conversation_id, user_id) DO NOTHING RETURNING user_id`,
    [conversationId, [...new Set(userIds)], joined],
  );
  return rows.map((r) => r.user_id);
}

export async function removeMember(db: Queryable, conversationId: string, userId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    'DELETE FROM conversation_members WHERE conversation_id = $1 AND user_id = $2',
    [conversationId, userId],
  );
  return (rowCount ?? 0) > 0;
}

export async function isMember(db: Queryable, conversationId: string, userId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    'SELECT 1 FROM conversation_members WHERE conversation_id = $1 AND user_id = $2',
    [conversationId, userId],
  );
  return (rowCount ?? 0) > 0;
}

/** Member ids in id order, starting at `fromId` (inclusive). */
export async function listMembers(
  db: Queryable,
  conversationId: string,
  options: { fromId: string | null; limit: number },
): Promise<string[]> {
  const { rows } = await db.query<{ user_id: string }>(
    `SELECT user_id FROM conversation_members WHERE conversation_id = $1 AND ($2::text IS NULL OR user_id >= $2)
     ORDER BY user_id LIMIT $3`,
    [conversationId, options.fromId, options.limit],
  );
  return rows.map((r) => r.user_id);
}

/** Changes one column set (archive, rename, topic, purpose) and bumps `updated`. */
export async function updateConversation(
  db: Queryable,
  conversationId: string,
  nowMs: number,
  change:
    | { archived: boolean }
    | { name: string }
    | { topic: string; by: string }
    | { purpose: string; by: string },
): Promise<void> {
  const seconds = Math.floor(nowMs / 1000);
  if ('archived' in change) {
    await db.query('UPDATE conversations SET is_archived = $2, updated = $3 WHERE id = $1', [
      conversationId,
      change.archived,
      nowMs,
    ]);
  } else if ('name' in change) {
    await db.query(
      `UPDATE conversations SET previous_names = array_prepend(name, previous_names), name = $2, updated = $3
       WHERE id = $1`,
      [conversationId, change.name, nowMs],
    );
  } else if ('topic' in change) {
    await db.query(
      'UPDATE conversations SET topic = $2, topic_creator = $3, topic_last_set = $4, updated = $5 WHERE id = $1',
      [conversationId, change.topic, change.by, seconds, nowMs],
    );
  } else {
    await db.query(
      'UPDATE conversations SET purpose = $2, purpose_creator = $3, purpose_last_set = $4, updated = $5 WHERE id = $1',
      [conversationId, change.purpose, change.by, seconds, nowMs],
    );
  }
}

/** A new im or mpim with its members (callers wrap it in a transaction). */
export async function createDirectConversation(
  db: Queryable,
  c: {
    id: string;
    teamId: string;
    kind: 'im' | 'mpim';
    name: string | null;
    creator: string;
    created: number;
  },
  members: readonly string[],
): Promise<void> {
  await insertConversation(db, c);
  await addMembers(db, c.id, members, c.created);
}

/** The im or mpim whose members are exactly `userIds`. */
export async function findDirectConversation(
  db: Queryable,
  kind: 'im' | 'mpim',
  userIds: readonly string[],
): Promise<string | null> {
  const members = [...new Set(userIds)].sort();
  const { rows } = await db.query<{ id: string }>(
    `SELECT c.id FROM conversations c
     WHERE c.kind = $1
       AND (SELECT array_agg(m.user_id ORDER BY m.user_id) FROM conversation_members m WHERE m.conversation_id = c.id) = $2::text[]
     ORDER BY c.created, c.id LIMIT 1`,
    [kind, members],
  );
  return rows[0]?.id ?? null;
}

export async function setOpen(
  db: Queryable,
  conversationId: string,
  userId: string,
  open: boolean,
): Promise<boolean> {
  const { rows } = await db.query<{ was_open: boolean }>(
    `UPDATE conversation_members m SET is_open = $3
     FROM conversation_members old
     WHERE m.conversation_id = $1 AND m.user_id = $2 AND old.conversation_id = m.conversation_id AND old.user_id = m.user_id
     RETURNING old.is_open AS was_open`,
    [conversationId, userId, open],
  );
  return rows[0]?.was_open ?? false;
}

export async function markRead(
  db: Queryable,
  conversationId: string,
  userId: string,
  tsUs: number,
): Promise<void> {
  await db.query(
    'UPDATE conversation_members SET last_read_us = $3 WHERE conversation_id = $1 AND user_id = $2',
    [conversationId, userId, tsUs],
  );
}

/** Conversations `memberId` belongs to that the viewer may see, in (created, id) order. */
export async function listMemberConversations(
  db: Queryable,
  viewerId: string,
  memberId: string,
  options: { kinds: ConversationKind[]; excludeArchived: boolean; fromId: string | null; limit: number },
): Promise<ConversationRow[]> {
  const { rows } = await db.query<ConversationRow>(
    `${SELECT}
     WHERE c.kind = ANY($2) AND ${VISIBLE}
       AND EXISTS (SELECT 1 FROM conversation_members x WHERE x.conversation_id = c.id AND x.user_id = $6)
       AND (NOT $3 OR NOT c.is_archived)
       AND ($4::text IS NULL OR (c.created, c.id) >= ((SELECT created FROM conversations WHERE id = $4), $4))
     ORDER BY c.created, c.id
     LIMIT $5`,
    [viewerId, options.kinds, options.excludeArchived, options.fromId, options.limit, memberId],
  );
  return rows;
}
