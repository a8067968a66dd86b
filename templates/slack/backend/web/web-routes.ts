import type { Context } from 'hono';
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { ActionError, type TemplateActions } from '../../../_shared/actions.js';
import type { CloneRuntime } from '../../../_shared/clone-runtime.js';
import type { Logger } from '../../../_shared/log.js';
import type { SlackCaller } from '../caller.js';
import { findApp } from '../interactivity/actors.js';
import { findHome, openModals, renderView } from '../interactivity/view-store.js';
import type { MethodContext } from '../method.js';
import { SLACK_METHODS } from '../methods/index.js';
import type { RateLimiter } from '../rate-limit.js';
import { readSlackRequest } from '../request-args.js';
import { SlackError } from '../slack-error.js';
import { fileContent, fileVisible } from '../store/files.js';
import { type LiveEvent, LiveFeed } from './live-feed.js';
import { LoginThrottle, type LoginThrottleOptions } from './login-throttle.js';
import { sessionCookieName } from './session-cookie.js';
import { WebSessions } from './web-sessions.js';

export interface WebRoutesDeps {
  runtime: CloneRuntime;
  log: Logger;
  databaseUrl: string;
  cloneId: string;
  /** The context `/api/<method>` runs methods with, so both paths behave (and emit events) alike. */
  context: MethodContext;
  /** The Web API's tier limits: a session's calls count against them like a token's. */
  limiter: RateLimiter;
  loginThrottle?: LoginThrottleOptions;
  /** A person's actions (clicks, submissions, slash commands), run as the signed-in person. */
  actions: TemplateActions;
}

// What a person does in the page; `post` goes through chat.postMessage like any message.
const WEB_ACTIONS = new Set(['click', 'submit', 'close', 'command', 'shortcut', 'home']);
const actBody = z.object({ params: z.record(z.string(), z.string().max(40_000)).default({}) });

const HEARTBEAT_MS = 15_000;

const INLINE_TYPES = /^(image\/(png|jpeg|gif|webp)|text\/plain|text\/csv|application\/pdf)(;|$)/i;

// No NUL bytes: Postgres refuses them, and the lookup would fail with a 500.
const text = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((value) => !value.includes('\u0000'), 'contains a NUL byte');
const loginBody = z.object({ email: text(320), password: text(1024) });

/**
 * The web client's own routes, mounted at `/_asym/web` (README: "Slack web client"):
 * - `POST /login` `{ email, password }` → sets the session cookie, `{ ok, user, team }`;
 * - `POST /logout` revokes it; `GET /session` says who is signed in;
 * - `POST /api/<method>` (JSON) runs the same Web API methods as `/api/<method>`, as the
 *   signed-in person (a user token always acts as the workspace's primary user);
 * - `GET /files/<id>/<name>`: a file's bytes for the signed-in person (url_private needs a
 *   bearer token, which a link in the page cannot send);
 * - `GET /events`: Server-Sent Events naming what changed, fed by Postgres NOTIFY.
 * The cookie is HttpOnly and SameSite=Strict, and API calls must be JSON, so another site
 * can neither read the session nor make the browser spend it. app.ts mounts these routes
 * behind the frontend gate (templates/_shared/frontend-gate.ts): only the clone's frontend
 * reaches them, never a client of the API port.
 */
export function createWebRoutes(deps: WebRoutesDeps): Hono {
  const { runtime, log, context, limiter } = deps;
  const pool = context.db;
  const cookie = sessionCookieName(deps.cloneId);
  const sessions = new WebSessions(pool, context.now);
  const throttle = new LoginThrottle(context.now, deps.loginThrottle);
  const live = new LiveFeed(deps.databaseUrl, pool, log);
  // Open event streams, each ended (with a `signed_out` event) when its session ends.
  const streams = new Set<() => Promise<void>>();
  runtime.onCachesInvalidated(async () => {
    // A reset, reseed or token mint ends every session: a trial starts signed out.
    await sessions.endAll();
    await Promise.all([...streams].map((end) => end()));
  });

  const web = new Hono();
  const notReady = (c: Context) => c.json({ ok: false, error: 'not_ready' }, 503);
  const session = (c: Context) => sessions.resolve(getCookie(c, cookie));
  const signedIn = async (c: Context) => (await session(c))?.caller ?? null;
  const describe = (caller: SlackCaller) => ({
    user: { id: caller.userId, name: caller.userName },
    team: { id: caller.teamId, name: caller.teamName, domain: caller.teamDomain },
  });

  web.post('/login', async (c) => {
    if (!runtime.ready) return notReady(c);
    const parsed = loginBody.safeParse(await c.req.json().catch(() => null));
    if (!parsed.success) return c.json({ ok: false, error: 'invalid_arguments' }, 400);
    const { email, password } = parsed.data;
    const attempt = throttle.begin(email);
    if (attempt.wait > 0) {
      log.info(`web: sign-in for ${email} throttled (${attempt.wait} s)`);
      return c.json({ ok: false, error: 'ratelimited' }, 429, { 'Retry-After': String(attempt.wait) });
    }
    const opened = await sessions.login(email, password);
    if (!opened) {
      log.info(`web: failed sign-in for ${email}`);
      return c.json({ ok: false, error: 'invalid_credentials' }, 401);
    }
    throttle.succeeded(email, attempt.stamp);
    log.info(`web: ${opened.caller.userName} signed in`);
    setCookie(c, cookie, opened.token, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      expires: new Date(opened.expiresAt),
    });
    return c.json({ ok: true, ...describe(opened.caller) });
  });

  web.post('/logout', async (c) => {
    await sessions.logout(getCookie(c, cookie));
    deleteCookie(c, cookie, { path: '/' });
    return c.json({ ok: true });
  });

  web.get('/session', async (c) => {
    if (!runtime.ready) return notReady(c);
    const caller = await signedIn(c);
    return caller
      ? c.json({ ok: true, ...describe(caller) })
      : c.json({ ok: false, error: 'not_authed' }, 401);
  });

  web.post('/api/:method', async (c) => {
    if (!runtime.ready) throw new SlackError('service_unavailable', {}, 503, { 'Retry-After': '1' });
    const contentType = c.req.header('content-type') ?? '';
    if (!contentType.toLowerCase().startsWith('application/json')) throw new SlackError('invalid_post_type');
    const name = c.req.param('method');
    const method = SLACK_METHODS.get(name);
    if (!method) throw new SlackError('unknown_method', { req_method: name });
    const caller = await signedIn(c);
    if (!caller) throw new SlackError('not_authed');
    // Counted per person, not per session: signing in again does not buy a fresh budget.
    await limiter.hit(`web:${caller.userId}`, method.name, method.tier);
    const request = await readSlackRequest(c);
    // Like `/api`: links the methods build point where this request came from, unless configured.
    const baseUrl = context.baseUrl || new URL(c.req.url).origin;
    const result = await method.invoke(request.args, { ...context, baseUrl }, caller);
    return c.json({ ok: true, ...result });
  });

  // Interactivity as a person does it in Slack: a click, a submitted modal, a slash command.
  web.post('/act/:action', async (c) => {
    if (!runtime.ready) return notReady(c);
    const caller = await signedIn(c);
    if (!caller) return c.json({ ok: false, error: 'not_authed' }, 401);
    const name = c.req.param('action');
    const handler = WEB_ACTIONS.has(name) ? deps.actions[name] : undefined;
    if (!handler) return c.json({ ok: false, error: 'unknown_action' }, 404);
    const parsed = actBody.safeParse(await c.req.json().catch(() => null));
    if (!parsed.success) return c.json({ ok: false, error: 'invalid_arguments' }, 400);
    await limiter.hit(`web:${caller.userId}`, 'web.act', 'tier4');
    try {
      const outcome = await handler(
        { ...parsed.data.params, user: caller.userId },
        { baseUrl: context.baseUrl || new URL(c.req.url).origin },
      );
      return c.json({ ...outcome, ok: true });
    } catch (error) {
      if (error instanceof ActionError)
        return c.json({ ok: false, error: error.code, detail: error.message }, 200);
      throw error;
    }
  });

  // The signed-in person's open modals (root first) and the app's Home tab for them.
  web.get('/views', async (c) => {
    if (!runtime.ready) return notReady(c);
    const caller = await signedIn(c);
    if (!caller) return c.json({ ok: false, error: 'not_authed' }, 401);
    const app = await findApp(pool);
    const home = app ? await findHome(pool, app.appId, caller.userId) : null;
    return c.json({
      ok: true,
      app: app ? { id: app.appId, bot_user_id: app.botUserId } : null,
      modals: (await openModals(pool, caller.userId)).map(renderView),
      home: home ? renderView(home) : null,
    });
  });

  web.get('/files/:id/:name', async (c) => {
    if (!runtime.ready) return notReady(c);
    const caller = await signedIn(c);
    if (!caller) return c.text('not signed in', 401);
    const id = c.req.param('id');
    const file =
      /^F[A-Z0-9]{2,30}$/.test(id) && (await fileVisible(pool, caller.userId, id))
        ? await fileContent(pool, id)
        : null;
    if (!file) return c.text('not found', 404);
    // Uploaded bytes are someone else's content on this origin: only plainly inert types are
    // shown inline, everything else downloads, and a sandbox CSP disarms what slips through.
    const inline = !c.req.query('download') && INLINE_TYPES.test(file.mimetype);
    return c.body(new Uint8Array(file.content), 200, {
      'Content-Type': file.mimetype,
      'Content-Disposition': `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(file.name)}`,
      'Content-Security-Policy': "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'private, no-cache',
    });
  });

  web.get('/events', async (c) => {
    if (!runtime.ready) return notReady(c);
    const current = await session(c);
    if (!current) return c.json({ ok: false, error: 'not_authed' }, 401);
    const { caller } = current;
    return streamSSE(c, async (stream) => {
      // Ends when the browser goes away, when sessions end (reset...), or when this one expires;
      // the last two tell the page first, so it goes back to sign-in.
      let finish: () => void = () => undefined;
      const closed = new Promise<void>((resolve) => {
        finish = resolve;
        stream.onAbort(resolve);
      });
      const end = async () => {
        await stream.writeSSE({ event: 'signed_out', data: '{"type":"signed_out"}' }).catch(() => undefined);
        finish();
      };
      streams.add(end);
      const expiry = setTimeout(() => void end(), Math.max(0, current.expiresAt - context.now()));
      expiry.unref();
      const send = (event: LiveEvent) => {
        stream.writeSSE({ event: event.type, data: JSON.stringify(event) }).catch(() => undefined);
      };
      const stop = await live.subscribe(caller.userId, send);
      const heartbeat = setInterval(() => {
        stream.write(': heartbeat\n\n').catch(() => undefined);
      }, HEARTBEAT_MS);
      try {
        // Tells the page it is listening, so anything it reads from now on cannot be missed.
        // `retry`: a dropped stream is reopened after a second (browsers default to ~3 s).
        await stream.writeSSE({
          event: 'ready',
          data: JSON.stringify({ user: caller.userId }),
          retry: 1_000,
        });
        await closed;
      } finally {
        clearInterval(heartbeat);
        clearTimeout(expiry);
        streams.delete(end);
        stop();
      }
    });
  });

  return web;
}
