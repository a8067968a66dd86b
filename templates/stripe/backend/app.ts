import type { Context, Hono } from 'hono';
import { matchedRoutes } from 'hono/route';
import { createCloneApp } from '../../_shared/app-factory.js';
import type { CloneBackendDeps } from '../../_shared/backend-main.js';
import { DeliveryFeed } from '../../_shared/delivery-feed.js';
import type { Fault } from '../../_shared/evaluation.js';
import { KitError } from '../../_shared/kit-error.js';
import { createMcpRoutes } from '../../_shared/mcp.js';
import { responseText } from '../../_shared/response-text.js';
import { ApiKeyVerifier, presentedKey } from './api-keys.js';
import { createAuthenticationRoutes } from './authentication-routes.js';
import { createHostedPageRoutes } from './hosted-pages.js';
import { type IdempotencyOutcome, IdempotencyStore, type KeyedRequest, KeyTaken } from './idempotency.js';
import { randomStripeIds, type StripeIds } from './ids.js';
import { STRIPE_MCP_TOOLS, stripeApi } from './mcp-tools.js';
import { readParams } from './request-params.js';
import { fileLinkContentRoutes } from './resources/files.js';
import { RESOURCES } from './resources/index.js';
import type { StripeEnv } from './route-env.js';
import { invalidRequest, StripeError, stripeErrorFromKit } from './stripe-error.js';
import type { StripeIdentity, StripeTokens } from './tokens.js';
import { DEFAULT_API_VERSION } from './tx.js';
import { WebhookDispatcher, type WebhookOptions, webhookHeaders } from './webhooks.js';

export { DEFAULT_API_VERSION };

export interface StripeAppDeps extends CloneBackendDeps<StripeIdentity, StripeTokens> {
  /** Milliseconds since the epoch; defaults to the clone's clock (runtime.clock). */
  now?: () => number;
  ids?: StripeIds;
  webhooks?: WebhookOptions;
}

/**
 * Paths whose POST takes its idempotency key's claim deferred to its first write (see
 * `KeyedRequest`): their handlers write only through `transact` and `writeWithEvent`. A
 * create keyed by stripe-node then costs one statement, claim and answer included.
 */
const DEFERRED_CLAIMS = new Set(['/v1/customers']);
// Stored answers are replayed for the same key; failures before the request ran (bad
// parameters, auth, conflicts, server errors) are not, so a corrected retry can succeed.
const REPLAYABLE = (status: number) => status < 500 && ![400, 401, 409, 429].includes(status);

/**
 * The Stripe API clone: `/v1/...` with secret-key auth, form parameters in bracket
 * notation, idempotency keys and Stripe's error shapes, plus the admin routes at `/_asym`.
 */
export function createStripeApp(deps: StripeAppDeps): Hono<StripeEnv> {
  const { runtime, pool, log, config } = deps;
  const now = deps.now ?? runtime.clock.now;
  const ids = deps.ids ?? randomStripeIds;
  const keys = new ApiKeyVerifier(pool);
  // `asymmetric listen` signs with the token document's webhookSecret, as `stripe listen`
  // signs with its own whsec_.
  const deliveries = new DeliveryFeed(
    {
      async secret() {
        const { rows } = await pool.query<{ secret: string }>(
          'SELECT secret FROM asym.webhook_secrets WHERE revoked_at IS NULL ORDER BY created_at DESC LIMIT 1',
        );
        return rows[0]?.secret ?? '';
      },
      // Real time, not the clone's clock: receivers check signatures against their own clock.
      headers: (body, secret) => webhookHeaders(body, secret, Math.floor(Date.now() / 1000)),
      wildcard: '*',
    },
    log,
  );
  runtime.onCachesInvalidated(() => keys.clear());
  const idempotency = new IdempotencyStore(pool, now, log);

  // The kit's skeleton: request ids, admin routes, the journal (every /v1 call as
  // `METHOD /v1/route/:pattern`) and faults (applied once the key is checked, where Stripe
  // itself would fail a call), and Stripe's envelope for everything the kit refuses.
  const kit = createCloneApp<StripeError, StripeEnv>({
    deps,
    requestId: { header: 'Request-Id', generate: () => ids.request() },
    deliveries,
    errors: {
      is: (error): error is StripeError => error instanceof StripeError,
      fromKit: stripeErrorFromKit,
      // The one place Stripe's error envelope is rendered.
      render: (error, c) => {
        for (const [header, value] of Object.entries(error.details.headers ?? {})) c.header(header, value);
        return c.json(error.toBody(), error.status);
      },
    },
    evaluation: {
      methodOf: (c) => (c.req.path.startsWith('/v1/') ? stripeMethod(c) : null),
      methods: (): string[] => [
        ...new Set(
          app.routes
            .filter((r) => r.method !== 'ALL' && r.path.startsWith('/v1/'))
            .map((r) => `${r.method} ${r.path}`),
        ),
      ],
      describe: (c) => ({
        actor: keyChecked.has(c) ? 'secret_key' : null,
        args: { ...pathParams(c), ...((c.get('params') as Record<string, unknown> | undefined) ?? {}) },
      }),
      errorCode: (error) => error.details.code ?? error.type,
      faultError,
    },
  });
  const app: Hono<StripeEnv> = kit.app;
  // Retries are the kit's: dropped on reset (endpoints sign with their own secrets, so
  // minting keys leaves them alone), resumed after a restart.
  const webhooks = new WebhookDispatcher(pool, log, deps.webhooks, deliveries, kit.outbound);
  // The enabled endpoints it keeps in memory are data: a reset or restore may change them.
  runtime.onCachesInvalidated(() => webhooks.invalidate());
  const keyChecked = new WeakSet<Context>();

  app.use('*', async (c, next) => {
    // Headers go on before the handler runs: one added after the response exists makes Hono
    // copy the response, which costs the Node server its fast path for every request.
    if (c.req.path.startsWith('/v1/'))
      c.header('Stripe-Version', c.req.header('stripe-version') ?? DEFAULT_API_VERSION);
    await next();
  });

  // MCP with the secret key, as the agent toolkit's server takes it.
  app.route(
    '/mcp',
    createMcpRoutes({
      name: 'asymmetric-stripe',
      version: '1.0.0',
      tools: STRIPE_MCP_TOOLS,
      authenticate: async (key) => {
        try {
          await keys.verify(key);
          return 'secret_key';
        } catch (error) {
          if (error instanceof StripeError) return null;
          throw error;
        }
      },
      api: stripeApi,
      app,
      evaluation: runtime.evaluation,
      isReady: () => runtime.ready,
      log,
    }),
  );

  app.use('/v1/*', async (c, next) => {
    if (!runtime.ready) throw new KitError('not_ready', 'starting');
    await keys.verify(presentedKey(c));
    // An id in the path is the only variable part of a route: `%00` in it would reach Postgres.
    if (/%00/i.test(new URL(c.req.url).pathname)) {
      throw invalidRequest('Invalid string: the id in the URL contains a NUL byte (\\u0000).', {
        param: 'id',
      });
    }
    keyChecked.add(c);
    if (fallsThrough(c)) throw unrecognizedUrl(c);
    c.set('params', await readParams(c));
    await kit.applyFault(c, stripeMethod(c));
    await next();
  });

  app.use('/v1/*', async (c, next) => {
    const key = c.req.header('idempotency-key');
    if (c.req.method !== 'POST' || key === undefined) return next();
    const replay = (outcome: Extract<IdempotencyOutcome, { kind: 'replay' }>) =>
      c.body(outcome.body, outcome.status as 200, {
        'Content-Type': 'application/json',
        'Idempotent-Replayed': 'true',
        'Original-Request': outcome.requestId,
        'Idempotency-Key': key,
      });
    let keyed: KeyedRequest;
    if (DEFERRED_CLAIMS.has(c.req.path)) {
      keyed = idempotency.defer(key, c.req.method, c.req.path, c.get('params'));
    } else {
      const outcome = await idempotency.begin(key, c.req.method, c.req.path, c.get('params'));
      if (outcome.kind === 'replay') return replay(outcome);
      keyed = outcome.keyed;
    }
    c.header('Idempotency-Key', key);
    c.set('idempotency', keyed);
    await next();
    if (c.error instanceof KeyTaken) {
      // The request's write found its deferred key held, and wrote nothing: answer as for a
      // key claimed first (a replay, a refusal of other parameters, a 409 while in flight).
      const outcome = await idempotency.begin(key, c.req.method, c.req.path, c.get('params'));
      if (outcome.kind === 'replay') {
        c.res = replay(outcome);
        return;
      }
      // Free again a moment later (expired, or abandoned): the client's retry will run.
      await idempotency.abandon(key);
      throw new KeyTaken();
    }
    const status = c.res.status;
    // The request has run: its answer goes to the client even if the key cannot be updated
    // (Postgres went away just after the request committed), since a 500 would hide a
    // change that happened. The claim then lapses after its lease.
    try {
      if (!keyed.claimed) {
        // Deferred and nothing written: nothing to drop (a claim of the key is someone
        // else's), and an answer worth replaying is claimed now to be stored.
        if (!REPLAYABLE(status)) return;
        await keyed.claim();
      }
      if (REPLAYABLE(status)) {
        const body = await responseText(c.res);
        // Stored already, by the statement that made the change (`writeWithEvent`).
        if (status === 200 && body === c.get('answered')) return;
        await idempotency.complete(key, keyed.fingerprint, { status, body, requestId: c.get('requestId') });
      } else {
        await idempotency.abandon(key);
      }
    } catch (error) {
      if (error instanceof KeyTaken) return;
      log.error(`idempotency: could not record the answer for a key (${c.req.method} ${c.req.path})`, error);
    }
  });

  const resourceDeps = { pool, now, ids, webhooks, publicUrl: config.publicUrl ?? '' };
  app.route('/_asym/3ds', createAuthenticationRoutes(resourceDeps));
  app.route('/_asym', createHostedPageRoutes(resourceDeps));
  // File links' public URLs, keyless like Stripe's (files.stripe.com/links/...).
  app.route('/links', fileLinkContentRoutes(resourceDeps));
  for (const [path, routes] of RESOURCES) app.route(`/v1${path}`, routes(resourceDeps));

  return app;
}

const unrecognizedUrl = (c: Context) =>
  new StripeError(
    404,
    'invalid_request_error',
    `Unrecognized request URL (${c.req.method}: ${c.req.path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
  );

/**
 * Words Stripe's API has at an id's place (`/v1/charges/search`, `/v1/invoices/create_preview`).
 * Stripe's literal routes win over ids, so a request naming one the clone lacks must not
 * reach a `/:id` route (and answer "No such charge: 'search'" or `parameter_unknown`).
 */
const ROUTE_WORDS: Record<string, readonly string[]> = {
  charges: ['search'],
  credit_notes: ['preview'],
  customers: ['search'],
  invoices: ['search', 'create_preview', 'upcoming'],
  payment_intents: ['search'],
  prices: ['search'],
  products: ['search'],
  subscriptions: ['search'],
};

/** Whether the request names one of Stripe's route words that only a `/:id` route matched. */
function fallsThrough(c: Context): boolean {
  const parts = c.req.path.split('/');
  const word = parts[3];
  if (word === undefined || !ROUTE_WORDS[parts[2] ?? '']?.includes(word)) return false;
  const routes = matchedRoutes(c).filter((route) => route.method !== 'ALL');
  return !routes.some((route) => route.path.split('/')[3] === word);
}

/** `POST /v1/customers/:id`: the route a request matched (its own path when none did). */
function stripeMethod(c: Context): string {
  const routes = matchedRoutes(c).filter((route) => route.method !== 'ALL');
  const route = routes[routes.length - 1];
  return `${c.req.method} ${route?.path ?? c.req.path}`;
}

/** A path segment as sent, when it is not valid percent-encoding (junk the route already refused). */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The ids a route's pattern takes from the path (`/v1/customers/:id` -> `{ id: 'cus_...' }`). */
function pathParams(c: Context): Record<string, string> {
  const pattern = stripeMethod(c).split(' ')[1]?.split('/') ?? [];
  const path = c.req.path.split('/');
  const params: Record<string, string> = {};
  pattern.forEach((segment, index) => {
    const value = path[index];
    if (segment.startsWith(':') && value !== undefined) params[segment.slice(1)] = decoded(value);
  });
  return params;
}

const CARD_CODES = new Set([
  'card_declined',
  'expired_card',
  'incorrect_cvc',
  'incorrect_number',
  'insufficient_funds',
  'processing_error',
  'authentication_required',
]);

/** An injected fault as Stripe would answer it: the usual status and type for its code. */
function faultError(fault: Fault): StripeError {
  const code = fault.error ?? 'api_error';
  const status = (fault.status ??
    (code === 'rate_limit'
      ? 429
      : CARD_CODES.has(code)
        ? 402
        : code === 'api_error'
          ? 500
          : code === 'resource_missing'
            ? 404
            : 400)) as StripeError['status'];
  const type = status === 402 ? 'card_error' : status >= 500 ? 'api_error' : 'invalid_request_error';
  const message =
    code === 'rate_limit'
      ? 'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.'
      : code === 'card_declined'
        ? 'Your card was declined.'
        : status >= 500
          ? 'An unknown error occurred on the server.'
          : `The request failed (${code}).`;
  return new StripeError(status, type, message, code === 'api_error' ? {} : { code });
}
