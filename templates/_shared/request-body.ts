import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { Context } from 'hono';

const bodies = new WeakMap<Context, Promise<Buffer>>();

/**
 * How much of a refused body is read and thrown away, and for how long, before the
 * connection is cut. Closing while the client still sends makes its kernel reset the
 * connection, and a reset loses the answer the client has not read yet (Node clients see
 * EPIPE or ECONNRESET instead of the 413): reading the rest lets the answer arrive first.
 * No `Connection: close` on such answers either: Node destroys the socket as soon as one
 * is written. (@hono/node-server drains too, and closes 500 ms after the answer went out,
 * by when the client has it.)
 */
const DISCARD_MAX_BYTES = 64 * 1024 * 1024;
const DISCARD_MAX_MS = 10_000;

/**
 * A request's body, at most `maxBytes` of it, or the error `tooLarge` makes.
 *
 * Under @hono/node-server it is read straight from Node's request. Going through
 * `c.req.text()` (or Hono's bodyLimit, which touches `c.req.raw.body`) makes the server
 * build a full WHATWG Request for every call, which cost the Slack clone a tenth of its
 * chat.postMessage throughput. Elsewhere (a plain `app.fetch(request)`) the Request's
 * stream is read. A body over the limit is refused at once (a declared length) or as soon
 * as it grows past it, and the rest is discarded while the answer goes out, so the
 * connection stays usable. Read once per request; later calls get the same bytes.
 */
export function readBody(c: Context, maxBytes: number, tooLarge: () => Error): Promise<Buffer> {
  let body = bodies.get(c);
  if (!body) {
    body = readLimited(c, maxBytes, tooLarge);
    bodies.set(c, body);
  }
  return body;
}

/** The declared Content-Length, or null when the body is chunked (or has none). */
export function declaredLength(c: Context): number | null {
  const header = c.req.header('content-length');
  if (header === undefined || !/^\d+$/.test(header.trim())) return null;
  return Number(header);
}

/**
 * The request's body as a Node stream, for handlers that stream it (file uploads) rather
 * than hold it; null without a body. Use it or `readBody`, not both.
 */
export function bodyStream(c: Context): Readable | null {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  // Untouched means nobody has built the Request from it yet (that starts it flowing); once
  // someone has, its bytes belong to that Request's stream.
  if (incoming && incoming.readableFlowing === null && !incoming.readableEnded) return incoming;
  const web = c.req.raw.body;
  // The DOM and Node typings of web streams differ; they are the same object at run time.
  return web ? Readable.fromWeb(web as Parameters<typeof Readable.fromWeb>[0]) : null;
}

/**
 * Reads and drops what is left of a refused body, bounded in bytes and time, then lets the
 * connection go on (or cuts it, past the bounds). Safe to call more than once.
 */
export function discardRest(stream: Readable): void {
  if (stream.readableEnded || stream.destroyed || discarding.has(stream)) return;
  discarding.add(stream);
  let seen = 0;
  const cut = () => {
    stop();
    const socket = (stream as Partial<IncomingMessage>).socket;
    if (socket && !socket.destroyed) socket.destroy();
    else stream.destroy();
  };
  const timer = setTimeout(cut, DISCARD_MAX_MS);
  timer.unref();
  const onData = (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > DISCARD_MAX_BYTES) cut();
  };
  const stop = () => {
    clearTimeout(timer);
    stream.off('data', onData);
    stream.off('end', stop);
    stream.off('close', stop);
    stream.off('error', stop);
  };
  stream.on('data', onData);
  stream.once('end', stop);
  stream.once('close', stop);
  stream.once('error', stop);
  stream.resume();
}

const discarding = new WeakSet<Readable>();

function readLimited(c: Context, maxBytes: number, tooLarge: () => Error): Promise<Buffer> {
  const stream = bodyStream(c);
  const declared = declaredLength(c);
  if (declared !== null && declared > maxBytes) {
    if (stream) discardRest(stream);
    return Promise.reject(tooLarge());
  }
  if (!stream) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        // Not a destroy: that would reset the connection under the answer.
        stop();
        chunks.length = 0;
        discardRest(stream);
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    const onClose = () => {
      stop();
      reject(new Error('request body closed before its end'));
    };
    const stop = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
    stream.once('close', onClose);
  });
}
