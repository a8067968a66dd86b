import type { Queryable } from '../../../_shared/db.js';
import type { FileSummary } from './messages.js';

export interface FileRow extends FileSummary {
  completed: boolean;
  uploaded: boolean;
  alt_txt: string | null;
}

const COLUMNS = `f.id, f.user_id, f.created, f.name, f.title, f.mimetype, f.filetype, f.size, f.completed, f.alt_txt,
  f.content IS NOT NULL AS uploaded`;

export async function insertFile(
  db: Queryable,
  f: {
    id: string;
    userId: string;
    created: number;
    name: string;
    mimetype: string;
    filetype: string;
    size: number;
    altTxt: string | null;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO files (id, user_id, created, name, title, mimetype, filetype, size, alt_txt)
     VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8)`,
    [f.id, f.userId, f.created, f.name, f.mimetype, f.filetype, f.size, f.altTxt],
  );
}

export async function findFile(db: Queryable, id: string): Promise<FileRow | null> {
  const { rows } = await db.query<FileRow>(`SELECT ${COLUMNS} FROM files f WHERE f.id = $1`, [id]);
  return rows[0] ?? null;
}

/** Stores the uploaded bytes of a pending file; false if there is no such pending file. */
export async function storeUpload(
  db: Queryable,
  id: string,
  content: Buffer,
): Promise<'stored' | 'missing' | 'size'> {
  const { rows } = await db.query<{ size: number }>(
    'SELECT size FROM files WHERE id = $1 AND NOT completed',
    [id],
  );
  const row = rows[0];
  if (!row) return 'missing';
  if (row.size !== content.length) return 'size';
  await db.query('UPDATE files SET content = $2 WHERE id = $1', [id, content]);
  return 'stored';
}

export async function completeFile(db: Queryable, id: string, title: string | null): Promise<void> {
  await db.query('UPDATE files SET completed = true, title = coalesce($2, title) WHERE id = $1', [id, title]);
}

export async function shareFile(
  db: Queryable,
  fileId: string,
  conversationId: string,
  tsUs: number,
): Promise<void> {
  await db.query(
    'INSERT INTO file_shares (file_id, conversation_id, ts_us) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
    [fileId, conversationId, tsUs],
  );
}

export async function fileShares(
  db: Queryable,
  fileId: string,
): Promise<Array<{ conversation_id: string; ts_us: number; kind: string }>> {
  const { rows } = await db.query<{ conversation_id: string; ts_us: number; kind: string }>(
    `SELECT s.conversation_id, s.ts_us, c.kind FROM file_shares s JOIN conversations c ON c.id = s.conversation_id
     WHERE s.file_id = $1 ORDER BY s.ts_us`,
    [fileId],
  );
  return rows;
}

/** Whether the viewer may see the file: theirs, or shared where they can read. */
export async function fileVisible(db: Queryable, viewerId: string, fileId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `SELECT 1 FROM files f WHERE f.id = $2 AND f.completed AND (f.user_id = $1 OR EXISTS (
       SELECT 1 FROM file_shares s JOIN conversations c ON c.id = s.conversation_id
       WHERE s.file_id = f.id AND (c.kind = 'channel' OR EXISTS (
         SELECT 1 FROM conversation_members m WHERE m.conversation_id = c.id AND m.user_id = $1))))`,
    [viewerId, fileId],
  );
  return (rowCount ?? 0) > 0;
}

export async function fileContent(
  db: Queryable,
  id: string,
): Promise<{ content: Buffer; mimetype: string; name: string } | null> {
  const { rows } = await db.query<{ content: Buffer | null; mimetype: string; name: string }>(
    'SELECT content, mimetype, name FROM files WHERE id = $1 AND completed',
    [id],
  );
  const row = rows[0];
  return row?.content ? { content: row.content, mimetype: row.mimetype, name: row.name } : null;
}

export async function listFiles(
  db: Queryable,
  viewerId: string,
  q: {
    userId: string | null;
    conversationId: string | null;
    tsFrom: number | null;
    tsTo: number | null;
    images: boolean;
    offset: number;
    limit: number;
  },
): Promise<{ rows: FileRow[]; total: number }> {
  const where = `
    WHERE f.completed AND ($2::text IS NULL OR f.user_id = $2)
      AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM file_shares s WHERE s.file_id = f.id AND s.conversation_id = $3))
      AND ($4::bigint IS NULL OR f.created >= $4) AND ($5::bigint IS NULL OR f.created <= $5)
      AND (NOT $6 OR f.mimetype LIKE 'image/%')
      AND (f.user_id = $1 OR EXISTS (
        SELECT 1 FROM file_shares s JOIN conversations c ON c.id = s.conversation_id
        WHERE s.file_id = f.id AND (c.kind = 'channel' OR EXISTS (
          SELECT 1 FROM conversation_members m WHERE m.conversation_id = c.id AND m.user_id = $1))))`;
  const params = [viewerId, q.userId, q.conversationId, q.tsFrom, q.tsTo, q.images];
  const { rows: counted } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM files f ${where}`,
    params,
  );
  const { rows } = await db.query<FileRow>(
    `SELECT ${COLUMNS} FROM files f ${where}
     ORDER BY f.created DESC, f.id DESC LIMIT $7 OFFSET $8`,
    [...params, q.limit, q.offset],
  );
  return { rows, total: counted[0]?.n ?? 0 };
}

/** Deletes the file and takes it off every message that shared it. */
export async function deleteFile(db: Queryable, id: string): Promise<void> {
  await db.query(
    `UPDATE messages SET file_ids = nullif(array_remove(file_ids, $1), '{}') WHERE file_ids @> ARRAY[$1]::text[]`,
    [id],
  );
  await db.query('DELETE FROM files WHERE id = $1', [id]);
}
