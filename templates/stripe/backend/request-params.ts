import type { Context } from 'hono';
import qs from 'qs';
import { readBody } from '../../_shared/request-body.js';
import { invalidRequest, StripeError } from './stripe-error.js';

const MAX_BODY_BYTES = 1024 * 1024;

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

function parse(text: string): Params {
  try {
    return qs.parse(text, QS_OPTIONS) as Params;
  } catch {
    throw invalidRequest('Too many parameters, or parameters nested too deeply.');
  }
}

/**
 * Reads parameters the way Stripe's v1 API takes them: the query string for GET and
 * DELETE, a form-encoded body (`metadata[plan]=pro`, `expand[]=x`, `expand[0]=x`) for POST.
 */
export async function readParams(c: Context): Promise<Params> {
  const url = new URL(c.req.url);
  const query = parse(url.search.slice(1));
  if (c.req.method !== 'POST') return query;
  const text = (await readBody(c, MAX_BODY_BYTES, tooLarge)).toString('utf8');
  if (text.trim() === '') return query;
  const contentType = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (contentType !== 'application/x-www-form-urlencoded') {
    throw invalidRequest(
      `Invalid request: unsupported Content-Type ${contentType || '(none)'}. If error persists and you need assistance, please contact support@stripe.com.`,
    );
  }
  return { ...query, ...parse(text) };
}
