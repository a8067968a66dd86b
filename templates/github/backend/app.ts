import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context, Hono } from 'hono';
import { matchedRoutes } from 'hono/route';
import { createCloneApp, readJson } from '../../_shared/app-factory.js';
import type { CloneBackendDeps } from '../../_shared/backend-main.js';
import { randomEncoded } from '../../_shared/crypto.js';
import { DeliveryFeed } from '../../_shared/delivery-feed.js';
import type { Fault } from '../../_shared/evaluation.js';
import { dotPath, KitError } from '../../_shared/kit-error.js';
import { createMcpRoutes } from '../../_shared/mcp.js';
import type { OutboundOptions } from '../../_shared/outbound.js';
import { readBody } from '../../_shared/request-body.js';
import { responseText } from '../../_shared/response-text.js';
import { basicCredential, bearerToken, TokenVerifier } from '../../_shared/tokens.js';
import { ACME_HISTORIES } from '../fixtures/acme-repos.js';
import type { GithubDeps } from './deps.js';
import { SMART_HTTP_PATH } from './git/smart-http.js';
import { GitStore } from './git/store.js';
import { badCredentials, GithubError, requiresAuthentication } from './github-error.js';
import { createGraphqlRoutes } from './graphql.js';
import { GITHUB_MCP_TOOLS, githubApi } from './mcp-tools.js';
import { RateLimits } from './rate-limits.js';
import type { GithubEnv } from './route-env.js';
import { serveGit } from './routes/git-http.js';
import { createRestRoutes } from './routes/index.js';
import type { AccountRow } from './store.js';
import type { GithubIdentity, GithubTokens } from './tokens.js';
import { HOOK_EVENTS, HookDispatcher, signatureHeaders } from './webhooks.js';

export interface GithubAppDeps extends CloneBackendDeps<GithubIdentity, GithubTokens> {
  /** Where the bare repositories live (default: a folder of the OS temp dir per clone). */
  gitRoot?: string;
  webhookRetryDelaysMs?: readonly number[];
  /** Outbound transport options (tests). */
  outbound?: Omit<OutboundOptions, 'feed'>;
}

/** The API version GitHub answers when a client names none. */
export const API_VERSION = '2022-11-28';
const MAX_BODY = 25 * 1024 * 1024;

/** The token from `Authorization: token|Bearer <t>` or HTTP Basic (git: the token as password). */
export function presentedToken(header: string | undefined): string | null {
  return (
    bearerToken(header, ['Bearer', 'token']) ??
    basicCredential(header, 'password') ??
    basicCredential(header, 'user')
  );
}

/** The one place a kit refusal becomes GitHub's error. */
function fromKit(error: KitError, c: Context): GithubError {
  switch (error.kind) {
    case 'not_found':
    case 'method_not_allowed':
      // GitHub answers a method a path does not take like a path that does not exist.
      return new GithubError(404, 'Not Found');
    case 'malformed_body':
    case 'unsupported_media_type':
      return new GithubError(400, 'Problems parsing JSON');
    case 'body_too_large':
      return new GithubError(413, 'Payload too large');
    case 'not_ready':
      return new GithubError(503, 'The clone is still starting. Please retry shortly.', {
        headers: { 'Retry-After': '1' },
      });
    case 'invalid_params': {
      const resource = (c.get('resource') as string | undefined) ?? 'Request';
      return new GithubError(422, 'Validation Failed', {
        errors: (error.details.issues ?? []).map((issue) => ({
          resource,
          ...(issue.path.length > 0 ? { field: dotPath(issue.path) } : {}),
          code: issue.kind === 'missing' ? 'missing_field' : 'invalid',
          ...(issue.kind === 'missing' ? {} : { message: `${dotPath(issue.path)} ${issue.message}` }),
        })),
      });
    }
    default:
      return new GithubError(500, 'Server Error');
  }
}

/**
 * The GitHub clone: REST at `/` and `/api/v3/`, GraphQL at `/graphql` and `/api/graphql`,
 * git's smart HTTP at `/<owner>/<repo>.git`, MCP at `/mcp`, the admin routes at `/_asym`.
 */
export function createGithubApp(deps: GithubAppDeps): Hono<GithubEnv> {
  const { runtime, pool, log, config } = deps;
  const now = () => runtime.clock.now();
  const feed = new DeliveryFeed(
    {
      async secret() {
        const { rows } = await pool.query<{ secret: string }>(
          'SELECT secret FROM asym.github_listen_secrets WHERE revoked_at IS NULL ORDER BY created_at DESC LIMIT 1',
        );
        return rows[0]?.secret ?? '';
      },
      headers: (body, secret) => ({
        'Content-Type': 'application/json',
        'User-Agent': 'GitHub-Hookshot/asymmetric',
        'X-GitHub-Delivery': createHash('sha1').update(body).digest('hex'),
        ...signatureHeaders(body, secret),
      }),
      topics: [...HOOK_EVENTS, '*'],
      wildcard: '*',
    },
    log,
  );
  const viewers = new WeakMap<Context, string>();
  // The fault book's method names, read once the routes are mounted.
  let routes = (): Array<{ method: string; path: string }> => [];
  const kit = createCloneApp<GithubError, GithubEnv>({
    deps,
    requestId: {
      header: 'X-GitHub-Request-Id',
      generate: () => [2, 3, 4, 4, 3].map((n) => randomEncoded(n, 'hex').toUpperCase()).join(':'),
    },
    errors: {
      is: (error): error is GithubError => error instanceof GithubError,
      fromKit,
      render: (error, c) => {
        for (const [header, value] of Object.entries(error.details.headers ?? {})) c.header(header, value);
        return c.json(error.toBody(), error.status);
      },
    },
    evaluation: {
      methodOf: (c) => githubMethod(c),
      methods: (): string[] => [
        ...new Set(
          routes()
            .filter(
              (r) => r.method !== 'ALL' && !r.path.startsWith('/_asym') && !r.path.startsWith('/api/v3'),
            )
            .map((r) => `${r.method} ${r.path}`),
        ),
      ],
      describe: (c) => ({
        actor: viewers.get(c) ?? null,
        args: { ...pathParams(c), ...((c.get('body') as Record<string, unknown> | undefined) ?? {}) },
      }),
      errorCode: (error) => String(error.status),
      faultError,
    },
    deliveries: feed,
    ...(deps.outbound ? { outbound: deps.outbound } : {}),
  });
  const app: Hono<GithubEnv> = kit.app;
  routes = () => app.routes;
  const hooks = new HookDispatcher(pool, kit.outbound, deps.webhookRetryDelaysMs);
  const git = new GitStore(
    deps.gitRoot ?? join(tmpdir(), 'asym-github', config.cloneId),
    pool,
    ACME_HISTORIES,
    log,
  );
  const tokens = new TokenVerifier<AccountRow>(async (sha256) => {
    const { rows } = await pool.query<AccountRow>(
      `SELECT a.* FROM asym.github_tokens t JOIN accounts a ON a.id = t.account_id
       WHERE t.token_sha256 = $1 AND t.revoked_at IS NULL`,
      [sha256],
    );
    return rows[0] ?? null;
  });
  const limits = new RateLimits(now);
  runtime.onCachesInvalidated(() => tokens.clear());
  runtime.onReset(() => {
    git.invalidateAll();
    limits.clear();
  });
  const routeDeps: GithubDeps = { pool, git, now, hooks, log };
  const authenticate = (token: string | null) => tokens.verify(token);

  app.use('*', async (c, next) => {
    const url = new URL(c.req.url);
    const proto = c.req.header('x-forwarded-proto') ?? url.protocol.replace(':', '');
    // Behind `asymmetric run` the client asked for api.github.com: links name GitHub's own
    // hosts (the web at github.com), which the run's proxy also answers.
    const forwarded = c.req.header('x-forwarded-host');
    if (forwarded) {
      c.set('api', `${proto}://${forwarded}${url.pathname.startsWith('/api/') ? '/api/v3' : ''}`);
      c.set('web', `${proto}://${forwarded.replace(/^api\./, '')}`);
    } else {
      const web = `${proto}://${c.req.header('host') ?? url.host}`;
      c.set('web', web);
      c.set('api', url.pathname.startsWith('/api/') ? `${web}/api/v3` : web);
    }
    await next();
  });

  app.route(
    '/mcp',
    createMcpRoutes({
      name: 'asymmetric-github',
      version: '1.0.0',
      tools: GITHUB_MCP_TOOLS,
      authenticate: async (token) => (await authenticate(token))?.login ?? null,
      api: githubApi,
      app,
      evaluation: runtime.evaluation,
      isReady: () => runtime.ready,
      log,
    }),
  );

  // git clone/fetch/push over smart HTTP, with the token as the password.
  app.use('*', async (c, next) => {
    const match = SMART_HTTP_PATH.exec(c.req.path);
    if (!match) return next();
    if (!runtime.ready) throw fromKit(new KitError('not_ready', 'starting'), c);
    const account = await authenticate(presentedToken(c.req.header('authorization')));
    if (account) viewers.set(c, account.login);
    return serveGit(
      c,
      routeDeps,
      { owner: match[1] ?? '', repo: match[2] ?? '', service: match[3] ?? '' },
      account,
    );
  });

  // Every API route: ready, authenticated, counted, its JSON body read once.
  app.use('*', async (c, next) => {
    if (c.req.path.startsWith('/_asym') || c.req.path.startsWith('/mcp')) return next();
    return kit.ready(c, next);
  });
  app.use('*', async (c, next) => {
    if (c.req.path.startsWith('/_asym') || c.req.path.startsWith('/mcp')) return next();
    c.header('X-GitHub-Media-Type', 'github.v3; format=json');
    c.header('X-GitHub-Api-Version-Selected', c.req.header('x-github-api-version') ?? API_VERSION);
    const header = c.req.header('authorization');
    const account = await authenticate(presentedToken(header));
    if (!account) throw header ? badCredentials() : requiresAuthentication();
    viewers.set(c, account.login);
    c.set('viewer', account);
    limits.count(
      c,
      account.id,
      /\/search\//.test(c.req.path) ? 'search' : /graphql$/.test(c.req.path) ? 'graphql' : 'core',
    );
    let body: Record<string, unknown> = {};
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const raw = await readBody(
        c,
        MAX_BODY,
        () => new KitError('body_too_large', 'too large', { limit: MAX_BODY }),
      );
      // Label endpoints take a bare JSON array; everything else an object.
      const parsed = readJson(raw.toString('utf8'));
      if (Array.isArray(parsed)) body = { labels: parsed };
      else if (typeof parsed === 'object' && parsed !== null) body = parsed as Record<string, unknown>;
      else throw new KitError('malformed_body', 'the body must be a JSON object');
    }
    c.set('body', body);
    const method = githubMethod(c);
    if (method) await kit.applyFault(c, method);
    await next();
    // Conditional requests: a weak ETag of the body; the same one back answers 304.
    if (
      c.req.method === 'GET' &&
      c.res.status === 200 &&
      c.res.headers.get('content-type')?.includes('json')
    ) {
      const text = await responseText(c.res);
      const etag = `W/"${createHash('sha256').update(text).digest('hex')}"`;
      const asked = c.req.header('if-none-match');
      if (asked?.split(',').some((tag) => tag.trim() === etag || tag.trim() === etag.slice(2))) {
        const headers = new Headers(c.res.headers);
        headers.delete('content-type');
        headers.delete('content-length');
        c.res = new Response(null, { status: 304, headers });
      } else {
        // On the response's own headers: c.header() on a finished response copies it, which
        // costs the server's fast path (issue #17).
        c.res.headers.set('ETag', etag);
      }
    }
  });

  app.get('/rate_limit', (c) => c.json(limits.overview(c.get('viewer').id)));
  app.get('/api/v3/rate_limit', (c) => c.json(limits.overview(c.get('viewer').id)));
  const graphql = createGraphqlRoutes(routeDeps, async (path, init) => app.request(path, init));
  app.route('/graphql', graphql);
  app.route('/api/graphql', graphql);
  const rest = createRestRoutes(routeDeps);
  app.route('/api/v3', rest);
  app.route('/', rest);
  return app;
}

/** `GET /repos/:owner/:repo/issues`: the route a request matched, without the /api/v3 prefix. */
function githubMethod(c: Context): string | null {
  if (c.req.path.startsWith('/_asym') || c.req.path.startsWith('/mcp')) return null;
  const routes = matchedRoutes(c).filter((route) => route.method !== 'ALL');
  const route = routes[routes.length - 1];
  if (!route)
    return SMART_HTTP_PATH.test(c.req.path)
      ? `${c.req.method} /:owner/:repo.git/${c.req.path.split('/').slice(3).join('/')}`
      : `${c.req.method} ${c.req.path}`;
  return `${c.req.method} ${route.path.replace(/^\/api\/v3/, '') || '/'}`;
}

function pathParams(c: Context): Record<string, string> {
  const pattern = (githubMethod(c) ?? '').split(' ')[1]?.split('/') ?? [];
  const path = c.req.path.replace(/^\/api\/v3/, '').split('/');
  const params: Record<string, string> = {};
  pattern.forEach((segment, index) => {
    const value = path[index];
    if (segment.startsWith(':') && value !== undefined) {
      try {
        params[segment.slice(1).replace(/\{.*$/, '')] = decodeURIComponent(value);
      } catch {
        params[segment.slice(1)] = value;
      }
    }
  });
  return params;
}

/** An injected fault as GitHub would answer it. */
function faultError(fault: Fault): GithubError {
  const status = (fault.status ??
    (fault.error === 'rate_limited'
      ? 403
      : fault.error === 'not_found'
        ? 404
        : 500)) as GithubError['status'];
  const message =
    fault.error === 'rate_limited'
      ? 'API rate limit exceeded for user. (But here is the good news: Authenticated requests get a higher rate limit.)'
      : status === 404
        ? 'Not Found'
        : status >= 500
          ? 'Server Error'
          : (fault.error ?? 'Validation Failed');
  return new GithubError(status, message);
}
