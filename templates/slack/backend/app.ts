import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { createAdminRoutes } from '../../_shared/admin-routes.js';
import type { CloneBackendDeps } from '../../_shared/backend-main.js';
import { DeliveryFeed } from '../../_shared/delivery-feed.js';
import { frontendOnly } from '../../_shared/frontend-gate.js';
import { createMcpRoutes } from '../../_shared/mcp.js';
import { CallerResolver, type SlackCaller } from './caller.js';
import {
  type DispatcherOptions,
  EventDispatcher,
  readSigningSecret,
  SUPPORTED_SUBSCRIPTIONS,
  slackRequestHeaders,
} from './events/dispatcher.js';
import { createEventRoutes } from './events/event-routes.js';
import { createFileRoutes } from './file-routes.js';
import { SLACK_MCP_TOOLS, slackApi } from './mcp-tools.js';
import type { MethodContext } from './method.js';
import { SLACK_METHODS } from './methods/index.js';
import { RateLimiter, type RateLimitOptions } from './rate-limit.js';
import { readSlackRequest } from './request-args.js';
import { startScheduler } from './scheduler.js';
import { SlackError } from './slack-error.js';
import { SocketModeHub, type SocketModeOptions } from './socket-mode/socket-hub.js';
import { createConnectionsOpenRoute, createSocketModeAdminRoutes } from './socket-mode/socket-routes.js';
import { findWorkspace } from './store/workspace.js';
import type { SlackIdentity, SlackTokens } from './tokens.js';
import type { LoginThrottleOptions } from './web/login-throttle.js';
import { createWebRoutes } from './web/web-routes.js';

export interface SlackAppDeps extends CloneBackendDeps<SlackIdentity, SlackTokens> {
  rateLimits: RateLimitOptions;
  /** Milliseconds since the epoch; defaults to the clone's clock (runtime.clock). */
  now?: () => number;
  /** Events API delivery timing (tests shorten the retry delays). */
  events?: DispatcherOptions;
  /** Socket Mode timing; ack timeout and retries default to the Events API's. */
  socketMode?: SocketModeOptions;
  /** Failed web sign-ins allowed (login-throttle.ts defaults). */
  loginThrottle?: LoginThrottleOptions;
}

/** What the journal needs of a call: set by the method route, read once it is answered. */
interface SlackCall {
  args: Record<string, unknown>;
  caller: SlackCaller | null;
}
const calls = new WeakMap<Context, SlackCall>();

/** Who a call came from, as the journal names it: `bot:B...` or `user:U...`. */
const actorOf = (caller: SlackCaller) =>
  `${caller.kind}:${caller.kind === 'bot' ? (caller.botId ?? caller.userId) : caller.userId}`;

/** The app plus the hook that takes Socket Mode WebSocket upgrades on its HTTP server. */
export type SlackApp = Hono & { attach: (server: Server) => () => void };

/**
 * The Slack Web API clone: `/api/<method>` by GET or POST, the `{ ok }` envelope, method
 * errors as HTTP 200, plus the shared admin routes under `/_asym`.
 */
export function createSlackApp(deps: SlackAppDeps): SlackApp {
  const { runtime, pool, redis, log, config } = deps;
  const now = deps.now ?? runtime.clock.now;
  const callers = new CallerResolver(pool);
  runtime.onCachesInvalidated(() => callers.clear());
  const limiter = new RateLimiter(redis, deps.rateLimits, now, log);
  const sockets = new SocketModeHub(
    async () =>
      (await pool.query<{ id: string }>('SELECT id FROM apps ORDER BY created, id LIMIT 1')).rows[0]?.id ??
      null,
    now,
    log,
    { retryDelaysMs: deps.events?.retryDelaysMs, ackTimeoutMs: deps.events?.timeoutMs, ...deps.socketMode },
  );
  // `asymmetric listen` signs with the app's signing secret, as Slack signs Request URL POSTs.
  const deliveries = new DeliveryFeed(
    {
      secret: () => readSigningSecret(pool),
      // Real time, not the clone's clock: receivers check signatures against their own clock.
      headers: (body, secret) => slackRequestHeaders(secret, Math.floor(Date.now() / 1000), body),
      topics: SUPPORTED_SUBSCRIPTIONS,
    },
    log,
  );
  const events = new EventDispatcher(pool, now, log, deps.events, sockets, deliveries);
  runtime.onCachesInvalidated(() => events.invalidate());
  runtime.onReset(() => {
    events.clear();
    const closed = sockets.reset();
    if (closed > 0) log.info(`socket mode: closed ${closed} connection(s) on reset`);
  });
  // What every method runs with; `/api` calls set baseUrl from the request when no public URL is set.
  const context: MethodContext = {
    db: pool,
    now,
    baseUrl: config.publicUrl ?? '',
    events,
    forgetCallers: () => callers.clear(),
  };

  startScheduler({ pool, now, events, log, isReady: () => runtime.ready });

  const app = new Hono();

  // Set before the handler runs: a header added after the response exists makes Hono copy
  // the response, which costs the Node server its fast path for every request.
  app.use('*', async (c, next) => {
    c.header('X-Slack-Req-Id', randomUUID().replaceAll('-', ''));
    await next();
  });

  // The evaluation toolkit: every /api call journaled, faults applied where Slack fails a call.
  runtime.evaluation.use({
    methodOf: (c) => (c.req.path.startsWith('/api/') ? c.req.path.slice('/api/'.length) : null),
    methods: () => [...SLACK_METHODS.keys()],
    describe: (c) => {
      const call = calls.get(c);
      const caller = call?.caller;
      return {
        actor: caller ? actorOf(caller) : null,
        args: call?.args ?? {},
        error: c.error instanceof SlackError ? c.error.code : c.error ? 'internal_error' : null,
      };
    },
    faultError: (fault) =>
      fault.error === 'ratelimited'
        ? new SlackError('ratelimited', {}, 429, { 'Retry-After': '1' })
        : new SlackError(fault.error ?? 'internal_error', {}, (fault.status ?? 200) as SlackError['status']),
  });
  app.use('*', runtime.evaluation.middleware(log));

  app.route(
    '/_asym',
    createAdminRoutes({ runtime, adminTokenSha256: config.adminTokenSha256, log, deliveries }),
  );
  // The web client's routes exist only behind the clone's frontend (full mode): on the API
  // port, and in a mode without a frontend, they answer like any unknown route.
  if (config.frontendSecretSha256) {
    app.use('/_asym/web/*', frontendOnly(config.frontendSecretSha256));
    app.route(
      '/_asym/web',
      createWebRoutes({
        runtime,
        log,
        databaseUrl: config.databaseUrl,
        cloneId: config.cloneId,
        context,
        limiter,
        loginThrottle: deps.loginThrottle,
      }),
    );
  }

  app.route(
    '/_asym',
    createEventRoutes({ runtime, adminTokenSha256: config.adminTokenSha256, dispatcher: events }),
  );
  app.route(
    '/_asym',
    createSocketModeAdminRoutes({ runtime, adminTokenSha256: config.adminTokenSha256, hub: sockets }),
  );
  app.route('/', createFileRoutes({ runtime, pool, callers }));
  // MCP with a bot or user token: the tools act as that bot or person, with its scopes.
  app.route(
    '/mcp',
    createMcpRoutes({
      name: 'asymmetric-slack',
      version: '1.0.0',
      tools: SLACK_MCP_TOOLS,
      authenticate: async (token) => {
        try {
          return actorOf(await callers.resolve(token));
        } catch (error) {
          if (error instanceof SlackError) return null;
          throw error;
        }
      },
      api: slackApi,
      app,
      evaluation: runtime.evaluation,
      isReady: () => runtime.ready,
      log,
    }),
  );
  app.route(
    '/api',
    createConnectionsOpenRoute({ runtime, callers, hub: sockets, pool, publicUrl: config.publicUrl }),
  );

  // Unauthenticated, for the web client's title: nothing here that the login page would not show.
  app.get('/_asym/workspace', async (c) => {
    if (!runtime.ready) return c.json({ ok: false, error: 'not_ready' }, 503);
    const workspace = await findWorkspace(pool);
    return workspace
      ? c.json({ ok: true, id: workspace.id, name: workspace.name, domain: workspace.domain })
      : c.json({ ok: false, error: 'no_workspace' }, 404);
  });

  app.on(['GET', 'POST'], '/api/:method', async (c) => {
    if (!runtime.ready) throw new SlackError('service_unavailable', {}, 503, { 'Retry-After': '1' });
    const name = c.req.param('method');
    const method = SLACK_METHODS.get(name);
    if (!method) throw new SlackError('unknown_method', { req_method: name });

    const request = await readSlackRequest(c);
    const call: SlackCall = { args: request.args, caller: null };
    calls.set(c, call);
    let caller: SlackCaller | null = null;
    if (method.needsAuth) {
      caller = await callers.resolve(request.token);
      call.caller = caller;
      c.header('X-OAuth-Scopes', caller.scopes.join(','));
      await limiter.hit(caller.tokenHash, method.name, method.tier);
    }
    await runtime.evaluation.applyFault(c, method.name);
    const baseUrl = config.publicUrl ?? new URL(c.req.url).origin;
    const result = await method.invoke(request.args, { ...context, baseUrl }, caller);
    return c.json({ ok: true, ...result });
  });

  app.notFound((c) => c.json({ ok: false, error: 'unknown_method' }, 404));

  // The one place Slack's error envelope is rendered.
  app.onError((error, c: Context) => {
    if (error instanceof SlackError) {
      for (const [header, value] of Object.entries(error.headers)) c.header(header, value);
      return c.json({ ok: false, error: error.code, ...error.extra }, error.status);
    }
    log.error(`${c.req.method} ${c.req.path} failed`, error);
    return c.json({ ok: false, error: 'internal_error' }, 500);
  });

  return Object.assign(app, { attach: (server: Server) => sockets.attach(server) });
}
