import type { MiddlewareHandler } from 'hono';
import { hexDigestsEqual, sha256Hex } from './crypto.js';

/**
 * A template's frontend container proves itself to its backend with this header: the CLI
 * gives the frontend a per-clone secret (`ASYM_FRONTEND_SECRET`) and the backend its sha256
 * (`ASYM_FRONTEND_SECRET_SHA256`). The frontend sets the header on every request it proxies
 * (replacing any the browser sent); the backend's published port never sees it from anyone
 * else, so routes meant for people in a browser cannot be driven by an agent on the API port.
 */
export const FRONTEND_SECRET_HEADER = 'x-asym-frontend-secret';

/**
 * Lets a request through only when it carries the frontend's secret. Anything else gets
 * `c.notFound()`: to the API port these routes look like any route that does not exist.
 * With no secret configured (a mode without a frontend) nothing passes.
 */
export function frontendOnly(secretSha256: string | null): MiddlewareHandler {
  return async (c, next) => {
    const presented = c.req.header(FRONTEND_SECRET_HEADER);
    if (!secretSha256 || !presented || !hexDigestsEqual(sha256Hex(presented), secretSha256)) {
      return c.notFound();
    }
    await next();
  };
}
