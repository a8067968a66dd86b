import type { Server } from 'node:http';
import type { Context, Hono } from 'hono';
import type { TemplateActions } from '../../_shared/actions.js';
import { createCloneApp, type KitEnv } from '../../_shared/app-factory.js';
import type { CloneBackendDeps } from '../../_shared/backend-main.js';
import { DeliveryFeed } from '../../_shared/delivery-feed.js';
import { frontendOnly } from '../../_shared/frontend-gate.js';
import { KitError } from '../../_shared/kit-error.js';
import { createMcpRoutes } from '../../_shared/mcp.js';
import { createAssistantRoutes } from './assistant-routes.js';
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
import { AppTransport } from './interactivity/app-transport.js';
import { createInteractivityRoutes } from './interactivity/interactivity-routes.js';
import { createPersonActions } from './interactivity/person-actions.js';
import { createResponseUrlRoutes, ResponseUrls } from './interactivity/response-urls.js';
import { TriggerStore } from './interactivity/triggers.js';
import { SLACK_MCP_TOOLS, slackApi } from './mcp-tools.js';
import type { MethodContext } from './method.js';
import { SLACK_METHODS } from './methods/index.js';
import { RateLimiter, type RateLimitOptions } from './rate-limit.js';
import { readSlackRequest } from './request-args.js';
import { startScheduler } from './scheduler.js';
import { SlackError, slackErrorFromKit } from './slack-error.js';
import { SocketModeHub, type SocketModeOptions } from './socket-mode/socket-hub.js';
import { createConnectionsOpenRoute, createSocketModeAdminRoutes } from './socket-mode/socket-routes.js';
import { forgetIssuedTs } from './store/messages.js';
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
  /** How long an interaction waits for the app's ack (Slack: 3 seconds). */
  interactivity?: { ackTimeoutMs?: number };
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
export type SlackApp = Hono<KitEnv> & { attach: (server: Server) => () => void };

/**
 * The Slack Web API clone: `/api/<method>` by GET or POST, the `{ ok }` envelope, method
 * errors as HTTP 200, plus the shared admin routes under `/_asym`.
 */
export function createSlackApp(deps: SlackAppDeps): SlackApp {
  const { runtime, pool, redis, log, config } = deps;
  const now = deps.now ?? runtime.clock.now;
  const callers = new CallerResolver(pool);
  runtime.onCachesInvalidated(() => callers.clear());
  runtime.onCachesInvalidated(() => forgetIssuedTs(pool));
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
  const lazyActions: Record<string, TemplateActions[string]> = {};
  // The kit's skeleton: request ids, admin routes, the journal (every /api call) and faults
  // (where Slack fails a call), and Slack's envelope for everything the kit refuses.
  const kit = createCloneApp<SlackError>({
    deps,
    requestId: { header: 'X-Slack-Req-Id' },
    deliveries,
    // Filled in below, once the actions' dependencies exist; looked up per request.
    admin: { actions: lazyActions, publicUrl: config.publicUrl ?? null },
    errors: {
      is: (error): error is SlackError => error instanceof SlackError,
      fromKit: slackErrorFromKit,
      // The one place Slack's error envelope is rendered.
      render: (error, c) => {
        for (const [header, value] of Object.entries(error.headers)) c.header(header, value);
        return c.json({ ok: false, error: error.code, ...error.extra }, error.status);
      },
    },
    evaluation: {
      methodOf: (c) => (c.req.path.startsWith('/api/') ? c.req.path.slice('/api/'.length) : null),
      methods: () => [...SLACK_METHODS.keys()],
      describe: (c) => {
        const call = calls.get(c);
        const caller = call?.caller;
        return { actor: caller ? actorOf(caller) : null, args: call?.args ?? {} };
      },
      errorCode: (error) => error.code,
      faultError: (fault) =>
        fault.error === 'ratelimited'
          ? new SlackError('ratelimited', {}, 429, { 'Retry-After': '1' })
          : new SlackError(
              fault.error ?? 'internal_error',
              {},
              (fault.status ?? 200) as SlackError['status'],
            ),
    },
  });
  const app = kit.app;
  const events = new EventDispatcher(pool, now, log, deps.events, sockets, deliveries, kit.outbound);
  runtime.onCachesInvalidated(() => events.invalidate());
  const triggers = new TriggerStore(now);
  const responseUrls = new ResponseUrls(now);
  const transport = new AppTransport(pool, events, sockets, now, log, deps.interactivity?.ackTimeoutMs);
  runtime.onReset(() => {
    events.clear();
    triggers.clear();
    responseUrls.clear();
    transport.clear();
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
    triggers,
  };
  const contextAt = (origin: string): MethodContext => ({ ...context, baseUrl: config.publicUrl ?? origin });
  // What a person does in Slack (click, submit, run a command ...): `asymmetric act` and the web client.
  const personActions = createPersonActions({
    pool,
    now,
    transport,
    triggers,
    responseUrls,
    events,
    context: contextAt,
    eventRoute: async (name) => {
      if (sockets.enabled) return 'socket';
      const subscription = await events.current();
      return subscription?.events.includes(name) ? 'http' : null;
    },
    eventOutcomes: () => [
      ...events.deliveries.map((d) => ({ ref: d, type: d.type, ok: d.error === null })),
      ...sockets.deliveries.map((d) => ({
        ref: d,
        type: d.type,
        ok: d.outcome === 'acked' ? true : d.outcome === 'timeout' || d.outcome === 'dropped' ? false : null,
      })),
    ],
  });
  Object.assign(lazyActions, personActions);

  startScheduler({ pool, now, events, log, isReady: () => runtime.settled });

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
        actions: personActions,
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
  app.route(
    '/_asym',
    createAssistantRoutes({ runtime, adminTokenSha256: config.adminTokenSha256, pool, events, now }),
  );
  app.route(
    '/_asym',
    createInteractivityRoutes({
      runtime,
      adminTokenSha256: config.adminTokenSha256,
      transport,
      responseUrls,
    }),
  );
  app.route('/', createFileRoutes({ runtime, pool, callers }));
  app.route('/', createResponseUrlRoutes({ runtime, urls: responseUrls, context: contextAt }));
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
    if (!runtime.ready) throw new KitError('not_ready', 'starting');
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
    await kit.applyFault(c, method.name);
    const baseUrl = config.publicUrl ?? new URL(c.req.url).origin;
    const result = await method.invoke(request.args, { ...context, baseUrl }, caller);
    return c.json({ ok: true, ...result });
  });

  return Object.assign(app, { attach: (server: Server) => sockets.attach(server) });
}
