import { Hono } from 'hono';
import { z } from 'zod';
import type { CloneRuntime } from '../../../_shared/clone-runtime.js';
import { hexDigestsEqual, sha256Hex } from '../../../_shared/crypto.js';
import type { AppTransport } from './app-transport.js';
import type { ResponseUrls } from './response-urls.js';

const configBody = z.object({ url: z.string().min(1).max(2_000).nullable() }).strict();

/**
 * Admin routes for interactivity, mounted at `/_asym` (templates/README.md):
 * `POST /interactivity` `{ url }` sets the app's Interactivity Request URL (block actions,
 * view submissions, shortcuts and slash commands; `null`: they go to the Events API
 * Request URL, as a Bolt app serves both at /slack/events). Slack runs no handshake for
 * it. `GET /interactivity` shows it, recent deliveries and response_url uses.
 */
export function createInteractivityRoutes(deps: {
  runtime: CloneRuntime;
  adminTokenSha256: string;
  transport: AppTransport;
  responseUrls: ResponseUrls;
}): Hono {
  const { runtime, adminTokenSha256, transport, responseUrls } = deps;
  const routes = new Hono();
  const fail = (code: string, message: string) => ({ ok: false, error: { code, message } });

  routes.use('/interactivity', async (c, next) => {
    const token = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (!token || !hexDigestsEqual(sha256Hex(token), adminTokenSha256)) {
      return c.json(fail('unauthorized', 'admin routes need Authorization: Bearer <admin token>'), 401);
    }
    if (!runtime.ready)
      return c.json(fail('not_ready', `the clone is still starting (stage: ${runtime.stage})`), 503);
    await next();
  });

  routes.get('/interactivity', async (c) =>
    c.json({
      ok: true,
      url: await transport.configuredUrl(),
      deliveries: transport.deliveries,
      responses: responseUrls.responses,
    }),
  );

  routes.post('/interactivity', async (c) => {
    const parsed = configBody.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json(fail('invalid_body', 'expected { "url": string | null }'), 400);
    const { url } = parsed.data;
    if (url !== null && !/^https?:\/\/[^\s/]+/i.test(url)) {
      return c.json(fail('invalid_url', 'url must be an absolute http(s) URL'), 400);
    }
    await transport.configure(url);
    return c.json({ ok: true, url });
  });

  return routes;
}
