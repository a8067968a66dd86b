/**
 * A response's body as text, for a middleware that keeps what a handler answered (Stripe's
 * idempotency keys store the answer to replay it). `response.clone().text()` would do, but
 * under @hono/node-server it costs every such request the server's fast path: a handler's
 * `c.json(...)` is a lightweight Response that holds its string body, and touching `clone`
 * (or `body`, `text` ...) turns it into a full undici Response, which the server then
 * writes as a stream (issue #17). Its string body is read here where it lies; any other
 * response (a stream, bytes, a real Response) is cloned as before.
 */
export async function responseText(response: Response): Promise<string> {
  const held = heldBody(response);
  return typeof held === 'string' ? held : response.clone().text();
}

let cacheSymbol: symbol | null = null;

/** The `[status, body, headers]` a node-server lightweight Response keeps under its `cache` symbol. */
function heldBody(response: Response): unknown {
  if (cacheSymbol === null)
    cacheSymbol = Object.getOwnPropertySymbols(response).find((s) => s.description === 'cache') ?? null;
  if (cacheSymbol === null) return undefined;
  const held = (response as unknown as Record<symbol, unknown>)[cacheSymbol];
  return Array.isArray(held) ? held[1] : undefined;
}
