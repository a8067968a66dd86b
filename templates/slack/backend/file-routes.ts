import type { Readable } from 'node:stream';
import busboy from 'busboy';
import type { Context } from 'hono';
import { Hono } from 'hono';
import type pg from 'pg';
import type { CloneRuntime } from '../../_shared/clone-runtime.js';
import { bodyStream, declaredLength, discardRest } from '../../_shared/request-body.js';
import { type CallerResolver, hasScope } from './caller.js';
import { MAX_FILE_BYTES } from './methods/files.js';
import { SlackError } from './slack-error.js';
import {
  beginUpload,
  type FileUpload,
  fileBody,
  fileVisible,
  pendingFileSize,
  storedFile,
} from './store/files.js';

// Room for a multipart body's boundaries and part headers around the file's bytes.
const MULTIPART_ENVELOPE_BYTES = 64 * 1024;

type Outcome =
  | { kind: 'stored' }
  | { kind: 'missing' }
  /** More bytes came than the upload may have: at least `seen` of them. */
  | { kind: 'too-large'; seen: number }
  | { kind: 'no-part' }
  | { kind: 'bad-form' }
  /** The client went away before the end of its body. */
  | { kind: 'aborted' }
  | { kind: 'failed'; error: unknown };

/**
 * The file byte paths Slack serves outside `/api`: `POST /upload/v1/<file id>` (the URL
 * files.getUploadURLExternal hands out; raw bytes or a multipart `file` part) and
 * `GET /files-pri/<team>-<file>/<name>` (url_private, which needs a token with files:read).
 * Bytes stream both ways: an upload goes to Postgres a chunk at a time as it arrives, a
 * download is read a chunk at a time as the client takes it.
 */
export function createFileRoutes(deps: {
  runtime: CloneRuntime;
  pool: pg.Pool;
  callers: CallerResolver;
}): Hono {
  const { runtime, pool, callers } = deps;
  const files = new Hono();

  files.post('/upload/v1/:fileId', async (c) => {
    const body = bodyStream(c);
    // Whatever the answer, the unread rest of the body is dropped as it goes out.
    const answer = (response: Response) => {
      if (body) discardRest(body);
      return response;
    };
    if (!runtime.ready) return answer(c.text('not ready', 503));
    // Only an id files.getUploadURLExternal could have handed out reaches the database.
    if (!/^F[A-Z0-9]+$/.test(c.req.param('fileId'))) return answer(c.text('unknown upload', 404));
    const size = await pendingFileSize(pool, c.req.param('fileId'));
    if (size === null) return answer(c.text('unknown upload', 404));
    const multipart = (c.req.header('content-type') ?? '').toLowerCase().startsWith('multipart/form-data');
    // Refused before a byte is read: a declared length past the cap, or past the size.
    const declared = declaredLength(c);
    const allowance = multipart ? MULTIPART_ENVELOPE_BYTES : 0;
    if (declared !== null && declared > MAX_FILE_BYTES + allowance) return answer(tooLarge(c));
    if (declared !== null && (multipart ? declared > size + allowance : declared !== size)) {
      return answer(lengthMismatch(c));
    }
    if (!body)
      return answer(
        size === 0 ? await store(beginUpload(pool, c.req.param('fileId'), 0)) : lengthMismatch(c),
      );

    const upload = beginUpload(pool, c.req.param('fileId'), size);
    const outcome = multipart
      ? await receiveMultipart(c, body, upload, size)
      : await receiveBytes(body, upload, size);
    if (outcome.kind !== 'stored') await upload.abort();
    switch (outcome.kind) {
      case 'stored':
        return answer(await store(upload));
      case 'too-large':
        return answer(outcome.seen > MAX_FILE_BYTES ? tooLarge(c) : lengthMismatch(c));
      case 'missing':
        return answer(c.text('unknown upload', 404));
      case 'no-part':
        return answer(c.text('no file part', 400));
      case 'bad-form':
      case 'aborted':
        return answer(c.text('invalid upload body', 400));
      case 'failed':
        throw outcome.error;
    }

    async function store(done: FileUpload): Promise<Response> {
      const stored = await done.finish();
      if (stored === 'missing') return c.text('unknown upload', 404);
      if (stored === 'size') return lengthMismatch(c);
      return c.text(`OK - ${done.received}`, 200);
    }
  });

  files.get('/files-pri/:teamFile/:name', async (c) => {
    if (!runtime.ready) return c.text('not ready', 503);
    const match = /^[A-Z0-9]+-(F[A-Z0-9]+)$/.exec(c.req.param('teamFile'));
    const token = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? null;
    let allowed = false;
    try {
      const caller = await callers.resolve(token);
      allowed =
        hasScope(caller, 'files:read') &&
        !!match &&
        (await fileVisible(pool, caller.userId, match[1] as string));
    } catch (error) {
      if (!(error instanceof SlackError)) throw error;
    }
    // Like Slack, an unauthorised download gets a page rather than an API error.
    if (!allowed || !match) return c.text('not found', 404);
    const id = match[1] as string;
    const file = await storedFile(pool, id);
    if (!file) return c.text('not found', 404);
    return c.body(fileBody(pool, id, file), 200, {
      'Content-Type': file.mimetype,
      'Content-Length': String(file.size),
      'Content-Disposition': `${c.req.query('download') ? 'attachment' : 'inline'}; filename="${encodeURIComponent(file.name)}"`,
    });
  });

  // permalink_public: anyone may fetch a file its owner shared with files.sharedPublicURL,
  // until files.revokePublicURL.
  files.get('/files-pub/:teamFile', async (c) => {
    if (!runtime.ready) return c.text('not ready', 503);
    const id = /^[A-Z0-9]+-(F[A-Z0-9]+)$/.exec(c.req.param('teamFile'))?.[1];
    const shared = id
      ? (await pool.query('SELECT 1 FROM files WHERE id = $1 AND public_url_shared', [id])).rowCount
      : 0;
    const file = id && shared ? await storedFile(pool, id) : null;
    if (!id || !file) return c.text('not found', 404);
    return c.body(fileBody(pool, id, file), 200, {
      'Content-Type': file.mimetype,
      'Content-Length': String(file.size),
      'Content-Disposition': `inline; filename="${encodeURIComponent(file.name)}"`,
    });
  });

  return files;
}

// Slack's own word for a file over the workspace's cap (files.getUploadURLExternal says the
// same for a declared length over it), in its usual envelope.
const tooLarge = (c: Context) => c.json({ ok: false, error: 'file_upload_size_restricted' }, 413);
const lengthMismatch = (c: Context) => c.text('length does not match files.getUploadURLExternal', 400);

// A chunk write failing on its foreign key means the file went away (deleted, reset).
const writeFailure = (error: unknown): Outcome =>
  (error as { code?: string }).code === '23503' ? { kind: 'missing' } : { kind: 'failed', error };

/**
 * Feeds a raw body to the upload, a chunk at a time (the next is read once the last is
 * written), stopping without reading on once it has more than `size` bytes.
 */
async function receiveBytes(body: Readable, upload: FileUpload, size: number): Promise<Outcome> {
  try {
    // Stopping early must not destroy the request: that would reset the connection under
    // the answer. The caller discards the rest.
    for await (const chunk of body.iterator({ destroyOnReturn: false })) {
      const bytes = chunk as Buffer;
      const seen = upload.received + bytes.length;
      if (seen > size) return { kind: 'too-large', seen };
      try {
        await upload.write(bytes);
      } catch (error) {
        return writeFailure(error);
      }
    }
  } catch {
    return { kind: 'aborted' };
  }
  return { kind: 'stored' };
}

/**
 * Streams the first file part of a multipart body (whatever its name: the Node SDK calls
 * it `body`) into the upload through busboy, which reads the body no faster than the part
 * is written. A part longer than `size` stops the reading at once.
 */
function receiveMultipart(c: Context, body: Readable, upload: FileUpload, size: number): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { 'content-type': c.req.header('content-type') ?? '' },
        // busboy stops a part when it reaches the limit: one byte past the size tells a part
        // that is too long from one that fits exactly.
        limits: { fileSize: size + 1, files: 10, fields: 100, parts: 110 },
      });
    } catch {
      resolve({ kind: 'bad-form' });
      return;
    }
    let outcome: Outcome | null = null;
    let part: Readable | null = null;
    let consuming: Promise<void> = Promise.resolve();
    const settle = (result: Outcome) => {
      if (outcome) return;
      outcome = result;
      body.unpipe(parser);
      // Ends a pending read of the part; a chunk being written finishes before the answer,
      // so an aborted upload's chunks are all there to be dropped.
      part?.destroy();
      void consuming.then(() => resolve(result));
    };
    parser.on('file', (_name, file) => {
      if (part || outcome) {
        file.resume();
        return;
      }
      part = file;
      file.on('limit', () => settle({ kind: 'too-large', seen: size + 1 }));
      consuming = (async () => {
        try {
          for await (const chunk of file.iterator({ destroyOnReturn: false })) {
            if (outcome) return;
            await upload.write(chunk as Buffer);
          }
        } catch (error) {
          // Our own destroy (the outcome is already set) or the database.
          if (!outcome) settle(writeFailure(error));
        }
      })();
    });
    parser.on('error', () => settle({ kind: 'bad-form' }));
    parser.on('close', () => {
      void consuming.then(() => settle(part ? { kind: 'stored' } : { kind: 'no-part' }));
    });
    body.on('error', () => settle({ kind: 'aborted' }));
    body.on('close', () => {
      if (!body.readableEnded) settle({ kind: 'aborted' });
    });
    body.pipe(parser);
  });
}
