import type { Context } from 'hono';
import qs from 'qs';
import { findUnsafeInput } from '../../_shared/input-guard.js';
import { readBody } from '../../_shared/request-body.js';
import { invalidRequest, StripeError } from './stripe-error.js';

const MAX_BODY_BYTES = 1024 * 1024;
/** File uploads (`POST /v1/files`) are multipart and larger; Stripe's own limit is 50 MB. */
const MAX_UPLOAD_BYTES = 16 * 1024 * 1024;

// readBody answers at once and discards the rest, so the client reads this, not a reset.
const tooLarge = () => new StripeError(413, 'invalid_request_error', 'Request body too large.');

/** Parsed request parameters: nested objects and arrays from Stripe's bracket notation. */
export type Params = Record<string, unknown>;

const QS_OPTIONS = {
  depth: 8,
  arrayLimit: 250,
  parameterLimit: 2_000,
  throwOnLimitExceeded: true,
  // Objects without a prototype: a `__proto__[x]=1` parameter cannot reach Object.prototype.
  plainObjects: true,
  allowPrototypes: false,
} as const;

/** `a[b][0]`: a parameter's path as Stripe names it in errors. */
export const bracketPath = (path: ReadonlyArray<string | number>) =>
  path.map((key, index) => (index === 0 ? String(key) : `[${key}]`)).join('');

/** The parameter most keys of a form start with: the one that overflowed qs's limits. */
function busiestParam(text: string): string | undefined {
  const counts = new Map<string, number>();
  for (const pair of text.split('&')) {
    const raw = pair.split('=')[0] ?? '';
    let key: string;
    try {
      key = decodeURIComponent(raw.replaceAll('+', ' '));
    } catch {
      key = raw;
    }
    const root = key.split('[')[0] ?? '';
    if (root !== '') counts.set(root, (counts.get(root) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
}

function parse(text: string): Params {
  let params: Params;
  try {
    params = qs.parse(text, QS_OPTIONS) as Params;
  } catch {
    throw invalidRequest('Too many parameters, or parameters nested too deeply.', {
      param: busiestParam(text),
    });
  }
  // qs keeps nesting beyond its depth as a literal key, so only NUL bytes are left to catch:
  // Postgres refuses them in text and jsonb.
  const problem = findUnsafeInput(params, QS_OPTIONS.depth + 1);
  if (problem) {
    const param = bracketPath(problem.path);
    throw invalidRequest(
      problem.kind === 'nul'
        ? `Invalid string: the value of ${param} contains a NUL byte (\\u0000).`
        : `Invalid value: ${param} is nested too deeply.`,
      { param },
    );
  }
  return params;
}

/**
 * Reads parameters the way Stripe's v1 API takes them: the query string for GET and
 * DELETE, a form-encoded body (`metadata[plan]=pro`, `expand[]=x`, `expand[0]=x`) for POST.
 */
export async function readParams(c: Context): Promise<Params> {
  const url = new URL(c.req.url);
  const query = parse(url.search.slice(1));
  if (c.req.method !== 'POST') return query;
  const contentType = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (contentType === 'multipart/form-data') return { ...query, ...(await readMultipart(c)) };
  const text = (await readBody(c, MAX_BODY_BYTES, tooLarge)).toString('utf8');
  if (text.trim() === '') return query;
  if (contentType !== 'application/x-www-form-urlencoded') {
    throw invalidRequest(
      `Invalid request: unsupported Content-Type ${contentType || '(none)'}. If error persists and you need assistance, please contact support@stripe.com.`,
    );
  }
  return { ...query, ...parse(text) };
}

/** A file sent in a multipart body, kept beside the parameters (which name it by filename). */
export interface Upload {
  field: string;
  filename: string;
  contentType: string;
  bytes: Buffer;
}

const uploads = new WeakMap<Context, Upload>();

/** The file part of this request's multipart body, if it had one. */
export const uploadOf = (c: Context): Upload | null => uploads.get(c) ?? null;

/**
 * A multipart body, as the SDK sends `files.create`: text parts are parameters in bracket
 * notation like a form's (`file_link_data[create]`), the one file part is kept aside and
 * its parameter is its filename, so journals and idempotency fingerprints stay small.
 */
async function readMultipart(c: Context): Promise<Params> {
  const body = await readBody(c, MAX_UPLOAD_BYTES, tooLarge);
  let form: FormData;
  try {
    form = await new Response(new Uint8Array(body), {
      headers: { 'content-type': c.req.header('content-type') ?? '' },
    }).formData();
  } catch {
    throw invalidRequest('Invalid request: the multipart/form-data body could not be parsed.');
  }
  const fields = new URLSearchParams();
  const parts: Array<[string, FormDataEntryValue]> = [];
  form.forEach((value, name) => {
    parts.push([name, value]);
  });
  for (const [name, value] of parts) {
    if (typeof value === 'string') {
      fields.append(name, value);
      continue;
    }
    if (uploads.has(c)) throw invalidRequest('Only one file can be uploaded per request.', { param: name });
    uploads.set(c, {
      field: name,
      filename: value.name,
      contentType: value.type,
      bytes: Buffer.from(await value.arrayBuffer()),
    });
    fields.append(name, value.name);
  }
  return parse(fields.toString());
}
