import { Hono } from 'hono';
import { z } from 'zod';
import type { CloneRuntime } from '../../../_shared/clone-runtime.js';
import { hexDigestsEqual, sha256Hex } from '../../../_shared/crypto.js';
import { type EventDispatcher, EventsConfigError, SUPPORTED_SUBSCRIPTIONS } from './dispatcher.js';

const configBody = z
  .object({
    url: z.string().min(1).max(2_000).nullable(),
    events: z.array(z.enum(SUPPORTED_SUBSCRIPTIONS as [string, ...string[]])).optional(),
  })
  .strict();

/**
 * Admin routes for the Events API, mounted at `/_asym` (README "Template extras"):
 * `POST /events` `{ url, events? }` sets the Request URL after Slack's url_verification
 * handshake (`url: null` turns delivery off); `GET /events` shows it and recent deliveries.
 */
export function createEventRoutes(deps: {
  runtime: CloneRuntime;
  adminTokenSha256: string;
  dispatcher: EventDispatcher;
}): Hono {
  const { runtime, adminTokenSha256, dispatcher } = deps;
  const routes = new Hono();
  const fail = (code: string, message: string) => ({ ok: false, error: { code, message } });

  routes.use('/events', async (c, next) => {
    const token = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (!token || !hexDigestsEqual(sha256Hex(token), adminTokenSha256)) {
      return c.json(fail('unauthorized', 'admin routes need Authorization: Bearer <admin token>'), 401);
    }
    if (!runtime.ready)
      return c.json(fail('not_ready', `the clone is still starting (stage: ${runtime.stage})`), 503);
    await next();
  });

  routes.get('/events', async (c) => {
    const subscription = await dispatcher.current();
    return c.json({
      ok: true,
      url: subscription?.url ?? null,
      events: subscription?.events ?? [],
      deliveries: dispatcher.deliveries,
    });
  });

  routes.post('/events', async (c) => {
    const parsed = configBody.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) {
      return c.json(
        fail(
          'invalid_body',
          `expected { "url": string | null, "events"?: [${SUPPORTED_SUBSCRIPTIONS.join(', ')}] }`,
        ),
        400,
      );
    }
    const { url, events } = parsed.data;
    try {
      await dispatcher.configure(
        url === null ? null : { url, events: events ?? [...SUPPORTED_SUBSCRIPTIONS] },
      );
    } catch (error) {
      if (error instanceof EventsConfigError) return c.json(fail(error.code, error.message), 400);
      throw error;
    }
    return c.json({ ok: true, url, events: url === null ? [] : (events ?? SUPPORTED_SUBSCRIPTIONS) });
  });

  return routes;
}
