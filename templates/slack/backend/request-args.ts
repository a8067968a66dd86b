import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import { findUnsafeInput, type UnsafeInput } from '../../_shared/input-guard.js';
import { readBody } from '../../_shared/request-body.js';
import { invalidArguments, SlackError } from './slack-error.js';

// Slack refuses bodies this large long before; it keeps a stray upload from filling memory.
const MAX_BODY_BYTES = 2 * 1024 * 1024;

// readBody answers at once and discards the rest, so the client reads this, not a reset.
const tooLarge = () => new SlackError('request_too_large', {}, 413);
const bodyBytes = (c: Context) => readBody(c, MAX_BODY_BYTES, tooLarge);
const bodyText = async (c: Context) => (await bodyBytes(c)).toString('utf8');

export interface SlackRequest {
  args: Record<string, unknown>;
  token: string | null;
}

const bearer = (header: string | undefined) => {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1] ?? null;
};

const fromPairs = (pairs: Iterable<[string, unknown]>) => {
  const out: Record<string, unknown> = {};
  for (const [key, value] of pairs) out[key] = value;
  return out;
};

const stringToken = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);

/**
 * How deep an argument's JSON may nest (the top-level arguments object is depth 0). Block
 * Kit and message metadata stay far shallower; stack-walking code breaks in the thousands.
 */
export const MAX_ARGUMENT_DEPTH = 64;

/** Slack's invalid_arguments message for a value the clone will not take. */
export function describeUnsafe(problem: UnsafeInput, field = problem.path.join('.')): string {
  const what = problem.kind === 'nul' ? 'contains a NUL byte' : 'nested too deeply';
  return `invalid value for field: ${field || '(arguments)'} (${what})`;
}

/**
 * A Web API call's arguments, refused with invalid_arguments when any value (nested ones
 * included) holds a NUL byte or nests too deeply: the one check every method's input passes.
 */
export async function readSlackRequest(c: Context): Promise<SlackRequest> {
  const request = await readRawRequest(c);
  const problem = findUnsafeInput(request.args, MAX_ARGUMENT_DEPTH);
  if (problem) throw invalidArguments([describeUnsafe(problem)]);
  return request;
}

/** A multipart file part, as methods see it: its name, type, size, digest and first bytes. */
export interface FilePart {
  filename: string;
  type: string;
  size: number;
  sha256: string;
  /** The first 16 bytes, hex: enough to tell an image's format. */
  head: string;
}

async function describeFilePart(file: File): Promise<FilePart> {
  const bytes = Buffer.from(await file.arrayBuffer());
  return {
    filename: file.name,
    type: file.type,
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    head: bytes.subarray(0, 16).toString('hex'),
  };
}

/**
 * Reads a Web API call the ways Slack accepts it: query string (GET or POST), form or
 * multipart bodies (with `token` as an argument or a bearer header), or JSON bodies, which
 * must carry the token in the Authorization header.
 */
async function readRawRequest(c: Context): Promise<SlackRequest> {
  const query = fromPairs(new URL(c.req.url).searchParams);
  const headerToken = bearer(c.req.header('authorization'));
  if (c.req.method !== 'POST') {
    const { token, ...args } = query;
    return { args, token: headerToken ?? stringToken(token) };
  }

  const contentType = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (contentType === 'application/json') {
    const text = await bodyText(c);
    let body: unknown;
    try {
      body = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      throw new SlackError('invalid_json');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new SlackError('invalid_json');
    // A token inside a JSON body is not honoured by Slack: JSON needs the bearer header.
    const { token: _ignored, ...args } = { ...query, ...(body as Record<string, unknown>) };
    return { args, token: headerToken };
  }

  let body: Record<string, unknown>;
  if (contentType === 'application/x-www-form-urlencoded' || contentType === 'text/plain') {
    body = fromPairs(new URLSearchParams(await bodyText(c)));
  } else if (contentType === 'multipart/form-data') {
    const bytes = await bodyBytes(c);
    try {
      const form = await new Response(new Uint8Array(bytes), {
        headers: { 'content-type': c.req.header('content-type') ?? '' },
      }).formData();
      body = {};
      // Uploads go to the URL files.getUploadURLExternal hands out; a file part here (the
      // image of users.setPhoto) reaches the method as what it needs to know of the bytes.
      const parts: Array<Promise<void>> = [];
      form.forEach((value, key) => {
        if (typeof value === 'string') body[key] = value;
        else
          parts.push(
            describeFilePart(value).then((part) => {
              body[key] = part;
            }),
          );
      });
      await Promise.all(parts);
    } catch {
      throw new SlackError('invalid_form_data');
    }
  } else if (contentType === '') {
    if ((await bodyBytes(c)).length > 0) throw new SlackError('missing_post_type');
    body = {};
  } else {
    throw new SlackError('invalid_post_type');
  }
  const { token, ...args } = { ...query, ...body };
  return { args, token: headerToken ?? stringToken(token) };
}
