import { Hono } from 'hono';
import type { Queryable } from '../../../_shared/db.js';
import {
  boolean,
  hash,
  integer,
  mergeMetadata,
  metadata,
  missing,
  oneOf,
  rejectUnknown,
  string,
} from '../params.js';
import { expansionPlans } from '../render.js';
import type { Params } from '../request-params.js';
import { uploadOf } from '../request-params.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { findLive, insertObject, saveObject } from '../store/objects.js';
import { invalidRequest, resourceMissing, StripeError } from '../stripe-error.js';
import { previousAttributes, type Tx, transact } from '../tx.js';
import { type FileLinkObject, type FileObject, newFile, newFileLink } from '../views/support.js';
import { answer, listAnswer, mustFind, retrieveRoute, stringFilter } from './common.js';

/** The purposes a file can be uploaded with (the others are files Stripe makes itself). */
const PURPOSES = [
  'account_requirement',
  'additional_verification',
  'business_icon',
  'business_logo',
  'customer_signature',
  'dispute_evidence',
  'identity_document',
  'issuing_regulatory_reporting',
  'pci_document',
  'platform_terms_of_service',
  'tax_document_user_upload',
  'terminal_android_apk',
  'terminal_reader_splashscreen',
] as const;

/** Stripe's `type` of a file, from its name or else its declared content type. */
const TYPES: Record<string, string> = {
  pdf: 'pdf',
  png: 'png',
  jpg: 'jpg',
  jpeg: 'jpg',
  gif: 'gif',
  csv: 'csv',
  txt: 'txt',
  json: 'json',
  zip: 'zip',
  xls: 'xls',
  xlsx: 'xlsx',
  docx: 'docx',
  svg: 'svg',
};
const CONTENT_TYPES: Record<string, string> = {
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  gif: 'image/gif',
  csv: 'text/csv',
  txt: 'text/plain',
  json: 'application/json',
  svg: 'image/svg+xml',
};

function fileType(filename: string, contentType: string): string | null {
  const ext = filename.includes('.') ? (filename.split('.').pop() ?? '').toLowerCase() : '';
  if (TYPES[ext]) return TYPES[ext] as string;
  const sub = contentType.split('/')[1]?.split(';')[0]?.toLowerCase() ?? '';
  return TYPES[sub] ?? null;
}

/** A link's expiry: a future timestamp, `now`, or `''` for none. */
function expiresAt(value: unknown, param: string, now: number): number | null {
  if (value === '') return null;
  if (value === 'now') return now;
  const at = integer(value, param);
  if (at <= now) {
    throw invalidRequest('Invalid timestamp: must be an integer Unix timestamp in the future.', { param });
  }
  return at;
}

const linkUrl = (tx: Tx, token: string) => `${tx.publicUrl}/links/${token}`;

async function createLink(
  tx: Tx,
  file: FileObject,
  fields: { expiresAt: number | null; metadata: Record<string, string> },
): Promise<FileLinkObject> {
  const token = tx.ids.secret(48);
  const link: FileLinkObject = {
    ...newFileLink({
      id: tx.ids.object('link'),
      created: tx.now,
      file: file.id,
      expiresAt: fields.expiresAt,
      metadata: fields.metadata,
      url: linkUrl(tx, token),
    }),
    _token: token,
  };
  await insertObject(tx.db, 'file_links', link);
  await syncLinks(tx.db, file.id);
  await tx.emit('file_link.created', link);
  return link;
}

/** A file's `links` list: its file links, newest first (kept on the stored file). */
async function syncLinks(db: Queryable, fileId: string) {
  const file = await findLive<FileObject>(db, 'files', fileId, { forUpdate: true });
  if (!file) return;
  const { rows } = await db.query<{ data: FileLinkObject }>(
    `SELECT data FROM file_links WHERE data->>'file' = $1 AND NOT deleted ORDER BY created DESC, seq DESC`,
    [fileId],
  );
  file.links = {
    ...file.links,
    data: rows.map((row) => {
      const { _token, ...link } = row.data;
      return link;
    }),
  };
  await saveObject(db, 'files', file);
}

/** /v1/files: upload (multipart, as the SDK sends it), retrieve, list, and the contents. */
export function fileRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['expand', 'file', 'file_link_data', 'purpose']);
    expansionPlans(params, 'file');
    const upload = uploadOf(c);
    if (params.file === undefined || !upload || upload.field !== 'file') missing('file');
    if (params.purpose === undefined) missing('purpose');
    const purpose = oneOf(params.purpose, 'purpose', PURPOSES);
    const type = fileType(upload.filename, upload.contentType);
    if (purpose === 'dispute_evidence' && !['pdf', 'jpg', 'png'].includes(type ?? '')) {
      throw invalidRequest(
        `Invalid file: files uploaded for dispute_evidence must be a PDF, JPEG or PNG (got ${type ?? upload.contentType}).`,
        { param: 'file' },
      );
    }
    const linkData: Params | null =
      params.file_link_data === undefined
        ? null
        : hash(params.file_link_data, 'file_link_data', ['create', 'expires_at', 'metadata']);
    if (linkData && linkData.create === undefined) missing('file_link_data[create]');
    const file = await transact(deps, c, async (tx) => {
      const id = tx.ids.object('file');
      const created = newFile({
        id,
        created: tx.now,
        filename: upload.filename,
        purpose,
        size: upload.bytes.length,
        type,
        url: `${tx.publicUrl}/v1/files/${id}/contents`,
      });
      await insertObject(tx.db, 'files', created);
      await tx.db.query('INSERT INTO file_contents (id, content_type, contents) VALUES ($1, $2, $3)', [
        id,
        upload.contentType || (type && CONTENT_TYPES[type]) || 'application/octet-stream',
        upload.bytes,
      ]);
      await tx.emit('file.created', created);
      if (linkData && boolean(linkData.create, 'file_link_data[create]')) {
        await createLink(tx, created, {
          expiresAt:
            linkData.expires_at === undefined
              ? null
              : expiresAt(linkData.expires_at, 'file_link_data[expires_at]', tx.now),
          metadata: metadata(linkData.metadata, 'file_link_data[metadata]'),
        });
        return (await findLive<FileObject>(tx.db, 'files', id)) ?? created;
      }
      return created;
    });
    return c.json(await answer(deps, params, file));
  });

  routes.get('/', async (c) =>
    c.json(
      await listAnswer(deps, c, {
        table: 'files',
        type: 'file',
        noun: 'file',
        url: '/v1/files',
        params: ['purpose'],
        filters: (params) => stringFilter(params, 'purpose'),
      }),
    ),
  );

  routes.get('/:id', retrieveRoute(deps, 'files', 'file'));

  routes.get('/:id/contents', async (c) => {
    rejectUnknown(c.get('params'), []);
    const file = await mustFind<FileObject>(deps.pool, 'files', 'file', c.req.param('id'));
    return fileContents(deps.pool, file.id);
  });

  return routes;
}

async function fileContents(db: Queryable, id: string): Promise<Response> {
  const { rows } = await db.query<{ content_type: string; contents: Buffer }>(
    'SELECT content_type, contents FROM file_contents WHERE id = $1',
    [id],
  );
  const row = rows[0];
  if (!row) throw resourceMissing('file', id);
  return new Response(new Uint8Array(row.contents), {
    headers: { 'content-type': row.content_type, 'content-length': String(row.contents.length) },
  });
}

/** /v1/file_links: create, retrieve, update (expiry, metadata), list. */
export function fileLinkRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['expand', 'expires_at', 'file', 'metadata']);
    expansionPlans(params, 'file_link');
    if (params.file === undefined) missing('file');
    const link = await transact(deps, c, async (tx) => {
      const fileId = string(params.file, 'file');
      const file = await findLive<FileObject>(tx.db, 'files', fileId);
      if (!file)
        throw invalidRequest(`No such file upload: '${fileId}'`, { code: 'resource_missing', param: 'file' });
      return createLink(tx, file, {
        expiresAt:
          params.expires_at === undefined ? null : expiresAt(params.expires_at, 'expires_at', tx.now),
        metadata: metadata(params.metadata),
      });
    });
    return c.json(await answer(deps, params, link));
  });

  routes.get('/', async (c) => {
    const expired = c.get('params').expired;
    const wanted = expired === undefined ? null : boolean(expired, 'expired');
    const now = Math.floor(deps.now() / 1000);
    return c.json(
      await listAnswer(deps, c, {
        table: 'file_links',
        type: 'file_link',
        noun: 'file_link',
        url: '/v1/file_links',
        params: ['expired', 'file'],
        filters: (params) => stringFilter(params, 'file'),
        keep:
          wanted === null
            ? undefined
            : (link) => (link.expires_at !== null && (link.expires_at as number) <= now) === wanted,
      }),
    );
  });

  routes.get('/:id', retrieveRoute(deps, 'file_links', 'file_link'));

  routes.post('/:id', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['expand', 'expires_at', 'metadata']);
    expansionPlans(params, 'file_link');
    const link = await transact(deps, c, async (tx) => {
      const current = await mustFind<FileLinkObject>(tx.db, 'file_links', 'file_link', c.req.param('id'), {
        forUpdate: true,
      });
      const next = structuredClone(current);
      if (params.expires_at !== undefined) {
        if (current.expires_at !== null && current.expires_at <= tx.now) {
          throw invalidRequest('This file link has expired and can no longer be updated.', {
            param: 'expires_at',
          });
        }
        next.expires_at = expiresAt(params.expires_at, 'expires_at', tx.now);
      }
      if (params.metadata !== undefined) next.metadata = mergeMetadata(next.metadata, params.metadata);
      const previous = previousAttributes(current, next);
      if (Object.keys(previous).length === 0) return current;
      await saveObject(tx.db, 'file_links', next);
      await syncLinks(tx.db, next.file);
      await tx.emit('file_link.updated', next, previous);
      return next;
    });
    return c.json(await answer(deps, params, link));
  });

  return routes;
}

/**
 * `/links/:token`: a file link's public URL (Stripe's files.stripe.com/links/...), which
 * needs no key and serves the file until the link expires.
 */
export function fileLinkContentRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();
  routes.get('/:token', async (c) => {
    const token = c.req.param('token');
    // Tokens are alphanumeric: anything else (a NUL byte, say) is no link, not a query.
    const { rows } = /^[A-Za-z0-9]{1,100}$/.test(token)
      ? await deps.pool.query<{ data: FileLinkObject }>(
          `SELECT data FROM file_links WHERE data->>'_token' = $1 AND NOT deleted`,
          [token],
        )
      : { rows: [] };
    const link = rows[0]?.data;
    const now = Math.floor(deps.now() / 1000);
    if (!link || (link.expires_at !== null && link.expires_at <= now)) {
      throw new StripeError(404, 'invalid_request_error', 'This file link does not exist or has expired.');
    }
    return fileContents(deps.pool, link.file);
  });
  return routes;
}
