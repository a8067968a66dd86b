import type { MiddlewareHandler } from 'hono';
import type { CloneRuntime } from '../../_shared/clone-runtime.js';
import { hexDigestsEqual, sha256Hex } from '../../_shared/crypto.js';

/** The admin routes' error body: `{ ok: false, error: { code, message } }`. */
export const adminFailure = (code: string, message: string) => ({ ok: false, error: { code, message } });

/** Slack's own admin routes under `/_asym`: the admin token, and a clone that has started. */
export function adminGuard(runtime: CloneRuntime, adminTokenSha256: string): MiddlewareHandler {
  return async (c, next) => {
    const token = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (!token || !hexDigestsEqual(sha256Hex(token), adminTokenSha256)) {
      return c.json(
        adminFailure('unauthorized', 'admin routes need Authorization: Bearer <admin token>'),
        401,
      );
    }
    if (!runtime.ready) {
      return c.json(adminFailure('not_ready', `the clone is still starting (stage: ${runtime.stage})`), 503);
    }
    await next();
  };
}
