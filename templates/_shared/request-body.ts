import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';

const bodies = new WeakMap<Context, Promise<Buffer>>();

/**
 * A request's body, at most `maxBytes` of it, or the error `tooLarge` makes.
 *
 * Under @hono/node-server it is read straight from Node's request. Going through
 * `c.req.text()` (or Hono's bodyLimit, which touches `c.req.raw.body`) makes the server
 * build a full WHATWG Request for every call, which cost the Slack clone a tenth of its
 * chat.postMessage throughput. Elsewhere (a plain `app.fetch(request)`) the Request's
 * stream is read. A body over the limit is not read to its end, so the answer must close
 * the connection. Read once per request; later calls get the same bytes.
 */
export function readBody(c: Context, maxBytes: number, tooLarge: () => Error): Promise<Buffer> {
  let body = bodies.get(c);
  if (!body) {
    body = readLimited(c, maxBytes, tooLarge);
    bodies.set(c, body);
  }
  return body;
}

async function readLimited(c: Context, maxBytes: number, tooLarge: () => Error): Promise<Buffer> {
  const declared = Number(c.req.header('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  // Untouched means nobody has built the Request from it yet (that starts it flowing); once
  // someone has, its bytes belong to that Request's stream.
  const untouched = incoming && incoming.readableFlowing === null && !incoming.readableEnded;
  // Node's web streams are async iterable; the DOM typings do not say so.
  const stream = (untouched ? incoming : c.req.raw.body) as AsyncIterable<Uint8Array> | null;
  if (!stream) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.byteLength;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
