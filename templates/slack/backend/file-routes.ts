import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type pg from 'pg';
import type { CloneRuntime } from '../../_shared/clone-runtime.js';
import { type CallerResolver, hasScope } from './caller.js';
import { MAX_FILE_BYTES } from './methods/files.js';
import { SlackError } from './slack-error.js';
import { fileContent, fileVisible, storeUpload } from './store/files.js';

/**
 * The file byte paths Slack serves outside `/api`: `POST /upload/v1/<file id>` (the URL
 * files.getUploadURLExternal hands out; raw bytes or a multipart `file` part) and
 * `GET /files-pri/<team>-<file>/<name>` (url_private, which needs a token with files:read).
 */
export function createFileRoutes(deps: {
  runtime: CloneRuntime;
  pool: pg.Pool;
  callers: CallerResolver;
}): Hono {
  const { runtime, pool, callers } = deps;
  const files = new Hono();

  files.post(
    '/upload/v1/:fileId',
    bodyLimit({ maxSize: MAX_FILE_BYTES + 64 * 1024, onError: (c) => c.text('file too large', 413) }),
    async (c) => {
      if (!runtime.ready) return c.text('not ready', 503);
      const contentType = (c.req.header('content-type') ?? '').toLowerCase();
      let bytes: Buffer;
      if (contentType.startsWith('multipart/form-data')) {
        // The first file part, whatever its name (the Node SDK names it `body`).
        const form = await c.req.formData().catch(() => null);
        const parts: File[] = [];
        form?.forEach((value) => {
          if (typeof value !== 'string') parts.push(value);
        });
        const part = parts[0];
        if (!part) return c.text('no file part', 400);
        bytes = Buffer.from(await part.arrayBuffer());
      } else {
        bytes = Buffer.from(await c.req.arrayBuffer());
      }
      // Only an id files.getUploadURLExternal could have handed out reaches the database.
      const fileId = c.req.param('fileId');
      const stored = /^F[A-Z0-9]+$/.test(fileId) ? await storeUpload(pool, fileId, bytes) : 'missing';
      if (stored === 'missing') return c.text('unknown upload', 404);
      if (stored === 'size') return c.text('length does not match files.getUploadURLExternal', 400);
      return c.text(`OK - ${bytes.length}`, 200);
    },
  );

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
    const file = await fileContent(pool, match[1] as string);
    if (!file) return c.text('not found', 404);
    return c.body(new Uint8Array(file.content), 200, {
      'Content-Type': file.mimetype,
      'Content-Disposition': `${c.req.query('download') ? 'attachment' : 'inline'}; filename="${encodeURIComponent(file.name)}"`,
    });
  });

  return files;
}
