import type { Queryable } from '../../../_shared/db.js';

export interface BookmarkRow {
  id: string;
  conversation_id: string;
  title: string;
  type: string;
  link: string;
  emoji: string | null;
  entity_id: string | null;
  parent_id: string | null;
  created_by: string;
  updated_by: string;
  app_id: string | null;
  date_created: number;
  date_updated: number;
  rank: string;
}

export async function insertBookmark(db: Queryable, row: BookmarkRow): Promise<void> {
  await db.query(
    `INSERT INTO bookmarks (id, conversation_id, title, type, link, emoji, entity_id, parent_id, created_by, updated_by,
       app_id, date_created, date_updated, rank)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
       coalesce((SELECT lpad((max(rank::int) + 1)::text, 6, '0') FROM bookmarks WHERE conversation_id = $2), '000001'))`,
    [
      row.id,
      row.conversation_id,
      row.title,
      row.type,
      row.link,
      row.emoji,
      row.entity_id,
      row.parent_id,
      row.created_by,
      row.updated_by,
      row.app_id,
      row.date_created,
      row.date_updated,
    ],
  );
}

export async function findBookmark(
  db: Queryable,
  conversationId: string,
  id: string,
): Promise<BookmarkRow | null> {
  const { rows } = await db.query<BookmarkRow>(
    'SELECT * FROM bookmarks WHERE conversation_id = $1 AND id = $2',
    [conversationId, id],
  );
  return rows[0] ?? null;
}

export async function updateBookmark(
  db: Queryable,
  id: string,
  change: { title?: string; link?: string; emoji?: string; updatedBy: string; dateUpdated: number },
): Promise<void> {
  await db.query(
    `UPDATE bookmarks SET title = coalesce($2, title), link = coalesce($3, link), emoji = coalesce($4, emoji),
       updated_by = $5, date_updated = $6 WHERE id = $1`,
    [
      id,
      change.title ?? null,
      change.link ?? null,
      change.emoji ?? null,
      change.updatedBy,
      change.dateUpdated,
    ],
  );
}

export async function deleteBookmark(db: Queryable, id: string): Promise<void> {
  await db.query('DELETE FROM bookmarks WHERE id = $1', [id]);
}

export async function listBookmarks(db: Queryable, conversationId: string): Promise<BookmarkRow[]> {
  const { rows } = await db.query<BookmarkRow>(
    'SELECT * FROM bookmarks WHERE conversation_id = $1 ORDER BY rank, id',
    [conversationId],
  );
  return rows;
}
