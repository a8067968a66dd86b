import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { type Queryable, withTransaction } from '../../../_shared/db.js';
import type { FileSummary } from './messages.js';

/**
 * File bytes live in `file_chunks`, this many bytes a row: an upload is written a chunk at
 * a time as it arrives and a download read a chunk at a time as the client takes it, so a
 * file is never whole in the backend's memory.
 */
export const FILE_CHUNK_BYTES = 256 * 1024;

export interface FileRow extends FileSummary {
  completed: boolean;
  uploaded: boolean;
  alt_txt: string | null;
  public_url_shared: boolean;
}

const COLUMNS = `f.id, f.user_id, f.created, f.name, f.title, f.mimetype, f.filetype, f.size, f.completed, f.alt_txt,
  f.upload IS NOT NULL AS uploaded, f.public_url_shared`;

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

/** The declared size of a file still waiting for its bytes, or null if there is none. */
export async function pendingFileSize(db: Queryable, id: string): Promise<number | null> {
  const { rows } = await db.query<{ size: number }>(
    'SELECT size FROM files WHERE id = $1 AND NOT completed',
    [id],
  );
  return rows[0]?.size ?? null;
}

/** One upload of a pending file's bytes, fed as they arrive. */
export interface FileUpload {
  /** Bytes taken so far. */
  readonly received: number;
  write(bytes: Buffer): Promise<void>;
  /** Makes the bytes the file's, if they are exactly its declared size. */
  finish(): Promise<'stored' | 'missing' | 'size'>;
  /** Drops what was written (a refused or broken upload). */
  abort(): Promise<void>;
}

// Chunks written per statement: fewer commits for a big file (each waits for the WAL to
// reach the disk), at a bounded 1 MiB held per upload.
const CHUNKS_PER_WRITE = 4;

const insertChunks = (rows: number) =>
  `INSERT INTO file_chunks (file_id, upload, seq, data) VALUES ${Array.from(
    { length: rows },
    (_, i) => `($1, $2, $${3 + 2 * i}, $${4 + 2 * i})`,
  ).join(', ')}`;

/**
 * Starts an upload of the pending file's bytes. Chunks are written outside a transaction
 * (an upload does not hold one of the pool's few connections while a client sends) under
 * an upload id of their own; `finish` points the file at them in one short transaction.
 */
export function beginUpload(pool: pg.Pool, fileId: string, size: number): FileUpload {
  const upload = randomUUID();
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let seq = 0;
  let received = 0;
  /** Writes what is pending as whole chunks (and, with `all`, the short last one). */
  const flush = async (all: boolean) => {
    const joined = Buffer.concat(pending, pendingBytes);
    const chunks: Buffer[] = [];
    let at = 0;
    while (joined.length - at >= FILE_CHUNK_BYTES || (all && at < joined.length)) {
      chunks.push(joined.subarray(at, at + FILE_CHUNK_BYTES));
      at += FILE_CHUNK_BYTES;
    }
    const rest = joined.subarray(Math.min(at, joined.length));
    pending = rest.length > 0 ? [rest] : [];
    pendingBytes = rest.length;
    if (chunks.length === 0) return;
    const values: unknown[] = [fileId, upload];
    for (const chunk of chunks) values.push(seq++, chunk);
    await pool.query(insertChunks(chunks.length), values);
  };
  const drop = () =>
    pool.query('DELETE FROM file_chunks WHERE file_id = $1 AND upload = $2', [fileId, upload]);
  return {
    get received() {
      return received;
    },
    async write(bytes) {
      received += bytes.length;
      if (received > size) return;
      pending.push(bytes);
      pendingBytes += bytes.length;
      if (pendingBytes >= CHUNKS_PER_WRITE * FILE_CHUNK_BYTES) await flush(false);
    },
    async finish() {
      try {
        if (received !== size) {
          await drop();
          return 'size';
        }
        if (pendingBytes > 0) await flush(true);
        return await withTransaction(pool, async (tx) => {
          const { rowCount } = await tx.query(
            'UPDATE files SET upload = $2 WHERE id = $1 AND NOT completed',
            [fileId, upload],
          );
          if ((rowCount ?? 0) === 0) return 'missing';
          // An earlier upload of the same file is replaced, not mixed in.
          await tx.query('DELETE FROM file_chunks WHERE file_id = $1 AND upload <> $2', [fileId, upload]);
          return 'stored';
        });
      } catch (error) {
        // The file went away while its bytes came in (deleted, or the clone was reset).
        if ((error as { code?: string }).code === '23503') return 'missing';
        throw error;
      }
    },
    async abort() {
      pending = [];
      await drop().catch(() => undefined);
    },
  };
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

export interface StoredFile {
  mimetype: string;
  name: string;
  size: number;
  upload: string;
}

/** A completed file's metadata, for serving its bytes with `fileBody`. */
export async function storedFile(db: Queryable, id: string): Promise<StoredFile | null> {
  const { rows } = await db.query<StoredFile>(
    'SELECT mimetype, name, size, upload FROM files WHERE id = $1 AND completed AND upload IS NOT NULL',
    [id],
  );
  return rows[0] ?? null;
}

/**
 * The file's bytes as a stream that reads one chunk from Postgres each time the client
 * has taken the last one. Should the file go away meanwhile (deleted, reset), the stream
 * errors rather than end short, so the client sees a broken download, not a wrong file.
 */
export function fileBody(pool: Queryable, id: string, file: StoredFile): ReadableStream<Uint8Array> {
  let seq = 0;
  let sent = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (sent >= file.size) {
          controller.close();
          return;
        }
        // pg reads results as text only (bytea as hex, twice its size): a chunk is small
        // enough for that to stay cheap.
        const { rows } = await pool.query<{ data: Buffer }>(
          'SELECT data FROM file_chunks WHERE file_id = $1 AND upload = $2 AND seq = $3',
          [id, file.upload, seq],
        );
        const data = rows[0]?.data;
        if (!data || data.length === 0) {
          controller.error(new Error(`file ${id} changed while it was being read`));
          return;
        }
        seq += 1;
        sent += data.length;
        controller.enqueue(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      },
    },
    { highWaterMark: 1 },
  );
}

/**
 * The whole content of a completed file, for callers that still want it in one piece.
 * Prefer `storedFile` + `fileBody`, which stream.
 */
export async function fileContent(
  pool: Queryable,
  id: string,
): Promise<{ content: Buffer; mimetype: string; name: string } | null> {
  const file = await storedFile(pool, id);
  if (!file) return null;
  const parts: Uint8Array[] = [];
  for await (const part of fileBody(pool, id, file) as unknown as AsyncIterable<Uint8Array>) parts.push(part);
  return { content: Buffer.concat(parts), mimetype: file.mimetype, name: file.name };
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
    /** search.files: every word in the name or title (case-insensitive). */
    words?: readonly string[];
  },
): Promise<{ rows: FileRow[]; total: number }> {
  const where = `
    WHERE f.completed AND ($2::text IS NULL OR f.user_id = $2)
      AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM file_shares s WHERE s.file_id = f.id AND s.conversation_id = $3))
      AND ($4::bigint IS NULL OR f.created >= $4) AND ($5::bigint IS NULL OR f.created <= $5)
      AND (NOT $6 OR f.mimetype LIKE 'image/%')
      AND ($7::text[] IS NULL OR NOT EXISTS (SELECT 1 FROM unnest($7::text[]) w
        WHERE position(lower(w) IN lower(f.name || ' ' || f.title)) = 0))
      AND (f.user_id = $1 OR EXISTS (
        SELECT 1 FROM file_shares s JOIN conversations c ON c.id = s.conversation_id
        WHERE s.file_id = f.id AND (c.kind = 'channel' OR EXISTS (
          SELECT 1 FROM conversation_members m WHERE m.conversation_id = c.id AND m.user_id = $1))))`;
  const params = [viewerId, q.userId, q.conversationId, q.tsFrom, q.tsTo, q.images, q.words ?? null];
  const { rows: counted } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM files f ${where}`,
    params,
  );
  const { rows } = await db.query<FileRow>(
    `SELECT ${COLUMNS} FROM files f ${where}
     ORDER BY f.created DESC, f.id DESC LIMIT $8 OFFSET $9`,
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
