import { Hono, type MiddlewareHandler } from 'hono';
import { z } from 'zod';
import type { CloneRuntime } from '../../../_shared/clone-runtime.js';
import { hexDigestsEqual, sha256Hex } from '../../../_shared/crypto.js';
import { APP_TOKEN_PATTERN, type CallerResolver, findAppToken } from '../caller.js';
import { readSlackRequest } from '../request-args.js';
import { SlackError } from '../slack-error.js';
import { SOCKET_MODE_PATH, type SocketModeHub } from './socket-hub.js';

/**
 * `apps.connections.open`, mounted at `/api` ahead of the generic method router: it is the
 * one method that takes only an app-level token, which the router's caller lookup refuses.
 * Not rate limited: Slack files it under Tier 1 (1+ per minute), which would hold every
 * Bolt reconnect back by a minute.
 */
export function createConnectionsOpenRoute(deps: {
  runtime: CloneRuntime;
  callers: CallerResolver;
  hub: SocketModeHub;
  pool: Parameters<typeof findAppToken>[0];
  publicUrl: string | null;
}): Hono {
  const { runtime, callers, hub, pool, publicUrl } = deps;
  const routes = new Hono();
  routes.on(['GET', 'POST'], '/apps.connections.open', async (c) => {
    if (!runtime.ready) throw new SlackError('service_unavailable', {}, 503, { 'Retry-After': '1' });
    const { token } = await readSlackRequest(c);
    if (token === null) throw new SlackError('not_authed');
    if (!APP_TOKEN_PATTERN.test(token)) {
      // A working bot or user token is the wrong kind; anything else is not a token at all.
      await callers.resolve(token);
      throw new SlackError('not_allowed_token_type');
    }
    const app = await findAppToken(pool, token);
    if (!app) throw new SlackError('invalid_auth');
    if (app.revoked) throw new SlackError('token_revoked');
    c.header('X-OAuth-Scopes', app.scopes.join(','));
    if (!app.scopes.includes('connections:write')) {
      throw new SlackError('missing_scope', { needed: 'connections:write', provided: app.scopes.join(',') });
    }
    const origin = new URL(publicUrl ?? new URL(c.req.url).origin);
    origin.protocol = origin.protocol === 'https:' ? 'wss:' : 'ws:';
    const base = origin.href.replace(/\/+$/, '');
    return c.json({ ok: true, url: `${base}${SOCKET_MODE_PATH}${hub.openTicket()}` });
  });
  return routes;
}

const disconnectBody = z
  .object({ reason: z.enum(['refresh_requested', 'warning', 'link_disabled']).optional() })
  .strict();

/**
 * Admin routes for Socket Mode, mounted at `/_asym` (README "Template extras"):
 * `GET /socket-mode` shows whether it is on, open connections and recent envelopes;
 * `POST /socket-mode/disconnect` `{ reason? }` sends Slack's `disconnect` message to every
 * connection and closes it, the way Slack refreshes connections (apps reconnect).
 */
export function createSocketModeAdminRoutes(deps: {
  runtime: CloneRuntime;
  adminTokenSha256: string;
  hub: SocketModeHub;
}): Hono {
  const { runtime, adminTokenSha256, hub } = deps;
  const routes = new Hono();
  const fail = (code: string, message: string) => ({ ok: false, error: { code, message } });

  const guard: MiddlewareHandler = async (c, next) => {
    const token = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (!token || !hexDigestsEqual(sha256Hex(token), adminTokenSha256)) {
      return c.json(fail('unauthorized', 'admin routes need Authorization: Bearer <admin token>'), 401);
    }
    if (!runtime.ready)
      return c.json(fail('not_ready', `the clone is still starting (stage: ${runtime.stage})`), 503);
    await next();
  };
  routes.use('/socket-mode', guard);
  routes.use('/socket-mode/*', guard);

  routes.get('/socket-mode', (c) =>
    c.json({ ok: true, enabled: hub.enabled, connections: hub.connections, deliveries: hub.deliveries }),
  );

  routes.post('/socket-mode/disconnect', async (c) => {
    const text = await c.req.text();
    const parsed = disconnectBody.safeParse(text.trim() === '' ? {} : safeJson(text));
    if (!parsed.success) {
      return c.json(
        fail('invalid_body', 'expected { "reason"?: "refresh_requested" | "warning" | "link_disabled" }'),
        400,
      );
    }
    return c.json({ ok: true, disconnected: hub.disconnectAll(parsed.data.reason) });
  });

  return routes;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
