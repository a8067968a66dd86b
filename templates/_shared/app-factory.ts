import { randomUUID } from 'node:crypto';
import type { Context, Env, MiddlewareHandler } from 'hono';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { TrieRouter } from 'hono/router/trie-router';
import { createAdminRoutes } from './admin-routes.js';
import type { CloneBackendDeps } from './backend-main.js';
import type { DeliveryFeed } from './delivery-feed.js';
import type { CallDescription, Fault } from './evaluation.js';
import { KitError } from './kit-error.js';
import { OutboundDelivery, type OutboundOptions, PgRetryStore } from './outbound.js';

/**
 * The skeleton every clone's app stands on: request ids, the admin routes, the evaluation
 * toolkit's journal and faults, a readiness gate, and one place where errors become the
 * vendor's: an unknown route, a known path with another method, a malformed body, a clone
 * still starting, invalid parameters and an unexpected exception are all KitErrors the
 * template's `fromKit` turns into its own error, which its `render` answers. The template
 * then mounts its vendor routes on `app`.
 */

/** Every app's variables: the request id the kit set. */
export interface KitEnv extends Env {
  Variables: { requestId: string };
}

/** The one vendor-error mapping point of a template. */
export interface VendorErrors<E extends Error> {
  /** The template's own error (what its handlers throw). */
  is(error: unknown): error is E;
  /** A kit error as the vendor's. */
  fromKit(error: KitError, c: Context): E;
  /** The vendor's envelope for it (status, headers, body). */
  render(error: E, c: Context): Response | Promise<Response>;
}

export interface CloneAppEvaluation<E extends Error> {
  /** The vendor method a request calls, or null when it is not an API call. */
  methodOf(c: Context): string | null;
  /** Every method a fault may name. */
  methods(): string[];
  /** Who called with what; `error` is the vendor error the call was answered with. */
  describe(c: Context, error: E | null): Omit<CallDescription, 'error'> & { error?: string | null };
  /** The vendor's code for an error (the journal's `error`). */
  errorCode(error: E): string;
  /** An injected fault as the vendor would answer it. */
  faultError(fault: Fault): E;
}

export interface CloneAppOptions<E extends Error> {
  deps: Pick<CloneBackendDeps, 'runtime' | 'log' | 'config' | 'pool'>;
  /** The vendor's request-id header (`X-Slack-Req-Id`, `Request-Id`, `X-GitHub-Request-Id`). */
  requestId: { header: string; generate?: () => string };
  errors: VendorErrors<E>;
  evaluation: CloneAppEvaluation<E>;
  /** The template's deliveries, streamed to `asymmetric listen` (and fed by `outbound.emit`). */
  deliveries?: DeliveryFeed;
  /** Outbound delivery transport options (tests pass `fetch`). */
  outbound?: Omit<OutboundOptions, 'feed'>;
}

export interface CloneApp<E extends Error, V extends KitEnv = KitEnv> {
  app: Hono<V>;
  /** Answers `not_ready` (the vendor's 503) until the clone has migrated and seeded. */
  ready: MiddlewareHandler<V>;
  /** Where the vendor would fail a call (after authentication): the evaluation toolkit's faults. */
  applyFault(c: Context, method: string): Promise<void>;
  /** The vendor error a request was answered with (null: none, or not answered yet). */
  errorOf(c: Context): E | null;
  /**
   * Signed outbound deliveries (register a channel per kind): retries wait in Postgres,
   * resumed when the clone is ready after a restart, dropped on reset and reseed.
   */
  outbound: OutboundDelivery;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export function createCloneApp<E extends Error, V extends KitEnv = KitEnv>(
  options: CloneAppOptions<E>,
): CloneApp<E, V> {
  const { runtime, log, config, pool } = options.deps;
  const { errors, evaluation } = options;
  const generate = options.requestId.generate ?? (() => randomUUID().replaceAll('-', ''));
  const header = options.requestId.header;
  const answered = new WeakMap<Context, E>();
  const app = new Hono<V>();

  // Set before the handler runs: a header added after the response exists makes Hono copy
  // the response, which costs the Node server its fast path for every request.
  app.use('*', async (c, next) => {
    const id = generate();
    (c as unknown as Context<KitEnv>).set('requestId', id);
    c.header(header, id);
    await next();
  });

  runtime.evaluation.use({
    methodOf: evaluation.methodOf,
    methods: evaluation.methods,
    describe: (c) => {
      const error = answered.get(c) ?? null;
      const described = evaluation.describe(c, error);
      return {
        actor: described.actor,
        args: described.args,
        error: described.error !== undefined ? described.error : error ? evaluation.errorCode(error) : null,
      };
    },
    faultError: evaluation.faultError,
  });
  app.use('*', runtime.evaluation.middleware(log));
  app.route(
    '/_asym',
    createAdminRoutes({
      runtime,
      adminTokenSha256: config.adminTokenSha256,
      log,
      ...(options.deliveries ? { deliveries: options.deliveries } : {}),
    }),
  );

  const respond = async (error: E, c: Context) => {
    answered.set(c, error);
    return errors.render(error, c);
  };

  // Which methods a path takes, from the routes registered so far (rebuilt when more came).
  let routed: { count: number; router: TrieRouter<string> } | null = null;
  const allowedMethods = (path: string): string[] => {
    if (!routed || routed.count !== app.routes.length) {
      const router = new TrieRouter<string>();
      for (const route of app.routes)
        if (route.method !== 'ALL') router.add(route.method, route.path, route.method);
      routed = { count: app.routes.length, router };
    }
    const router = routed.router;
    return METHODS.filter((method) => (router.match(method, path)[0]?.length ?? 0) > 0);
  };

  app.notFound((c) => {
    const allowed = allowedMethods(c.req.path);
    const error =
      allowed.length > 0
        ? new KitError('method_not_allowed', `${c.req.method} is not allowed on ${c.req.path}`, { allowed })
        : new KitError('not_found', `no route for ${c.req.method} ${c.req.path}`);
    return respond(errors.fromKit(error, c), c);
  });

  app.onError((error, c) => {
    if (errors.is(error)) return respond(error, c);
    if (error instanceof KitError) return respond(errors.fromKit(error, c), c);
    // Hono's own refusals (a body its helpers could not parse).
    if (error instanceof HTTPException && error.status === 400)
      return respond(errors.fromKit(new KitError('malformed_body', error.message), c), c);
    log.error(`${c.req.method} ${c.req.path} failed`, error);
    return respond(errors.fromKit(new KitError('unexpected', 'an unexpected error', { cause: error }), c), c);
  });

  const outbound = new OutboundDelivery(new PgRetryStore(pool), log, {
    ...options.outbound,
    feed: options.deliveries ?? null,
  });
  runtime.onReady(() => outbound.resume().then(() => undefined));
  runtime.onReset(() => outbound.clear());

  const ready: MiddlewareHandler<V> = async (_c, next) => {
    if (!runtime.ready)
      throw new KitError('not_ready', `the clone is still starting (stage: ${runtime.stage})`);
    await next();
  };

  return {
    app,
    ready,
    applyFault: (c, method) => runtime.evaluation.applyFault(c, method),
    errorOf: (c) => answered.get(c) ?? null,
    outbound,
  };
}

/** Reads a JSON body: `malformed_body` when it does not parse (or is not an object, when `object`). */
export function readJson(text: string, options: { object?: boolean } = {}): unknown {
  let value: unknown;
  try {
    value = text.trim() === '' ? {} : JSON.parse(text);
  } catch (error) {
    throw new KitError('malformed_body', `Problems parsing JSON: ${(error as Error).message}`);
  }
  if (options.object && (typeof value !== 'object' || value === null || Array.isArray(value)))
    throw new KitError('malformed_body', 'the body must be a JSON object');
  return value;
}
