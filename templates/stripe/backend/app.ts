import type { Context } from 'hono';
import { Hono } from 'hono';
import { createAdminRoutes } from '../../_shared/admin-routes.js';
import type { CloneBackendDeps } from '../../_shared/backend-main.js';
import { ApiKeyVerifier, presentedKey } from './api-keys.js';
import { createAuthenticationRoutes } from './authentication-routes.js';
import { IdempotencyStore } from './idempotency.js';
import { randomStripeIds, type StripeIds } from './ids.js';
import { readParams } from './request-params.js';
import { RESOURCES } from './resources/index.js';
import type { StripeEnv } from './route-env.js';
import { invalidRequest, StripeError } from './stripe-error.js';
import type { StripeIdentity, StripeTokens } from './tokens.js';
import { DEFAULT_API_VERSION } from './tx.js';
import { WebhookDispatcher, type WebhookOptions } from './webhooks.js';

export { DEFAULT_API_VERSION };

export interface StripeAppDeps extends CloneBackendDeps<StripeIdentity, StripeTokens> {
  /** Milliseconds since the epoch; defaults to the real clock. */
  now?: () => number;
  ids?: StripeIds;
  webhooks?: WebhookOptions;
}

// Stored answers are replayed for the same key; failures before the request ran (bad
// parameters, auth, conflicts, server errors) are not, so a corrected retry can succeed.
const REPLAYABLE = (status: number) => status < 500 && ![400, 401, 409, 429].includes(status);

/**
 * The Stripe API clone: `/v1/...` with secret-key auth, form parameters in bracket
 * notation, idempotency keys and Stripe's error shapes, plus the admin routes at `/_asym`.
 */
export function createStripeApp(deps: StripeAppDeps): Hono<StripeEnv> {
  const { runtime, pool, redis, log, config } = deps;
  const now = deps.now ?? Date.now;
  const ids = deps.ids ?? randomStripeIds;
  const keys = new ApiKeyVerifier(pool);
  const webhooks = new WebhookDispatcher(pool, log, deps.webhooks);
  runtime.onCachesInvalidated(() => {
    keys.clear();
    webhooks.clear();
  });
  const idempotency = new IdempotencyStore(redis);

  const app = new Hono<StripeEnv>();

  app.use('*', async (c, next) => {
    const requestId = ids.request();
    c.set('requestId', requestId);
    // Headers go on before the handler runs: one added after the response exists makes Hono
    // copy the response, which costs the Node server its fast path for every request.
    c.header('Request-Id', requestId);
    if (c.req.path.startsWith('/v1/'))
      c.header('Stripe-Version', c.req.header('stripe-version') ?? DEFAULT_API_VERSION);
    await next();
  });

  app.route('/_asym', createAdminRoutes({ runtime, adminTokenSha256: config.adminTokenSha256, log }));

  app.use('/v1/*', async (c, next) => {
    if (!runtime.ready) {
      throw new StripeError(503, 'api_error', 'The clone is still starting. Please retry shortly.', {
        headers: { 'Retry-After': '1' },
      });
    }
    await keys.verify(presentedKey(c));
    // An id in the path is the only variable part of a route: `%00` in it would reach Postgres.
    if (/%00/i.test(new URL(c.req.url).pathname)) {
      throw invalidRequest('Invalid string: the id in the URL contains a NUL byte (\\u0000).', {
        param: 'id',
      });
    }
    c.set('params', await readParams(c));
    await next();
  });

  app.use('/v1/*', async (c, next) => {
    const key = c.req.header('idempotency-key');
    if (c.req.method !== 'POST' || key === undefined) return next();
    const outcome = await idempotency.begin(key, c.req.method, c.req.path, c.get('params'));
    if (outcome.kind === 'replay') {
      return c.body(outcome.body, outcome.status as 200, {
        'Content-Type': 'application/json',
        'Idempotent-Replayed': 'true',
        'Original-Request': outcome.requestId,
        'Idempotency-Key': key,
      });
    }
    c.header('Idempotency-Key', key);
    await next();
    const status = c.res.status;
    if (REPLAYABLE(status)) {
      const body = await c.res.clone().text();
      await idempotency.complete(key, outcome.fingerprint, { status, body, requestId: c.get('requestId') });
    } else {
      await idempotency.abandon(key);
    }
  });

  const resourceDeps = { pool, now, ids, webhooks, publicUrl: config.publicUrl ?? '' };
  app.route('/_asym/3ds', createAuthenticationRoutes(resourceDeps));
  for (const [path, routes] of RESOURCES) app.route(`/v1${path}`, routes(resourceDeps));

  app.notFound((c) => {
    const body = new StripeError(
      404,
      'invalid_request_error',
      `Unrecognized request URL (${c.req.method}: ${c.req.path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
    ).toBody();
    return c.json(body, 404);
  });

  // The one place Stripe's error envelope is rendered.
  app.onError((error, c: Context<StripeEnv>) => {
    if (error instanceof StripeError) {
      for (const [header, value] of Object.entries(error.details.headers ?? {})) c.header(header, value);
      return c.json(error.toBody(), error.status);
    }
    log.error(`${c.req.method} ${c.req.path} failed`, error);
    return c.json(
      new StripeError(500, 'api_error', 'An unknown error occurred on the server.').toBody(),
      500,
    );
  });

  return app;
}
