import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { matchedRoutes } from 'hono/route';
import { createAdminRoutes } from '../../_shared/admin-routes.js';
import type { CloneBackendDeps } from '../../_shared/backend-main.js';
import { sha256Hex } from '../../_shared/crypto.js';
import { DeliveryFeed } from '../../_shared/delivery-feed.js';
import type { Fault } from '../../_shared/evaluation.js';
import { createMcpRoutes } from '../../_shared/mcp.js';
import { readBody } from '../../_shared/request-body.js';
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
}

/** The API version GitHub answers when a client names none. */
export const API_VERSION = '2022-11-28';
const MAX_BODY = 25 * 1024 * 1024;

/** The token from `Authorization: token|Bearer <t>` or HTTP Basic (git: the token as password). */
export function presentedToken(header: string | undefined): string | null {
  if (!header) return null;
  const scheme = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header);
  if (scheme?.[1]) return scheme[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (basic?.[1]) {
    const [user = '', password = ''] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
    return password || user || null;
  }
  return null;
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
  const hooks = new HookDispatcher(pool, log, feed, deps.webhookRetryDelaysMs);
  const git = new GitStore(
    deps.gitRoot ?? join(tmpdir(), 'asym-github', config.cloneId),
    pool,
    ACME_HISTORIES,
    log,
  );
  const tokens = new Map<string, AccountRow | null>();
  const limits = new RateLimits(now);
  runtime.onCachesInvalidated(() => tokens.clear());
  runtime.onReset(() => {
    hooks.clear();
    git.invalidateAll();
    limits.clear();
  });
  const routeDeps: GithubDeps = { pool, git, now, hooks, log };

  async function authenticate(token: string | null): Promise<AccountRow | null> {
    if (token === null) return null;
    const hash = sha256Hex(token);
    if (tokens.has(hash)) return tokens.get(hash) ?? null;
    const { rows } = await pool.query<AccountRow>(
      `SELECT a.* FROM asym.github_tokens t JOIN accounts a ON a.id = t.account_id
       WHERE t.token_sha256 = $1 AND t.revoked_at IS NULL`,
      [hash],
    );
    const account = rows[0] ?? null;
    tokens.set(hash, account);
    return account;
  }

  const app = new Hono<GithubEnv>();
  const viewers = new WeakMap<Context, string>();

  app.use('*', async (c, next) => {
    const requestId = `${randomBytes(2).toString('hex').toUpperCase()}:${randomBytes(3).toString('hex').toUpperCase()}:${randomBytes(4).toString('hex').toUpperCase()}`;
    c.set('requestId', requestId);
    c.header('X-GitHub-Request-Id', requestId);
    const url = new URL(c.req.url);
    const host = c.req.header('host') ?? url.host;
    const proto = c.req.header('x-forwarded-proto') ?? url.protocol.replace(':', '');
    const web = `${proto}://${host}`;
    c.set('web', web);
    c.set('api', url.pathname.startsWith('/api/') ? `${web}/api/v3` : web);
    await next();
  });

  runtime.evaluation.use({
    methodOf: (c) => githubMethod(c),
    methods: () => [
      ...new Set(
        app.routes
          .filter((r) => r.method !== 'ALL' && !r.path.startsWith('/_asym') && !r.path.startsWith('/api/v3'))
          .map((r) => `${r.method} ${r.path}`),
      ),
    ],
    describe: (c) => ({
      actor: viewers.get(c) ?? null,
      args: { ...pathParams(c), ...((c.get('body') as Record<string, unknown> | undefined) ?? {}) },
      error: c.error instanceof GithubError ? String(c.error.status) : c.error ? '500' : null,
    }),
    faultError,
  });
  app.use('*', runtime.evaluation.middleware(log));

  app.route(
    '/_asym',
    createAdminRoutes({ runtime, adminTokenSha256: config.adminTokenSha256, log, deliveries: feed }),
  );
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

  const notReady = () =>
    new GithubError(503, 'The clone is still starting. Please retry shortly.', {
      headers: { 'Retry-After': '1' },
    });

  // git clone/fetch/push over smart HTTP, with the token as the password.
  app.use('*', async (c, next) => {
    const match = SMART_HTTP_PATH.exec(c.req.path);
    if (!match) return next();
    if (!runtime.ready) throw notReady();
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
    if (!runtime.ready) throw notReady();
    c.header('X-GitHub-Media-Type', 'github.v3; format=json');
    c.header('X-GitHub-Api-Version-Selected', c.req.header('x-github-api-version') ?? API_VERSION);
    const header = c.req.header('authorization');
    const account = await authenticate(presentedToken(header));
    if (!account) {
      // `/rate_limit` answers anonymous callers too (gh's auth check reads it).
      throw header ? badCredentials() : requiresAuthentication();
    }
    viewers.set(c, account.login);
    c.set('viewer', account);
    limits.count(
      c,
      account.id,
      /\/search\//.test(c.req.path) ? 'search' : /graphql$/.test(c.req.path) ? 'graphql' : 'core',
    );
    let body: Record<string, unknown> = {};
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const raw = await readBody(c, MAX_BODY, () => new GithubError(413, 'Payload too large'));
      if (raw.length > 0) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(raw.toString('utf8'));
        } catch {
          throw new GithubError(400, 'Problems parsing JSON');
        }
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
          throw new GithubError(400, 'Body should be a JSON object');
        body = parsed as Record<string, unknown>;
      }
    }
    c.set('body', body);
    const method = githubMethod(c);
    if (method) await runtime.evaluation.applyFault(c, method);
    await next();
    // Conditional requests: a weak ETag of the body; the same one back answers 304.
    if (
      c.req.method === 'GET' &&
      c.res.status === 200 &&
      c.res.headers.get('content-type')?.includes('json')
    ) {
      const text = await c.res.clone().text();
      const etag = `W/"${createHash('sha256').update(text).digest('hex')}"`;
      const asked = c.req.header('if-none-match');
      if (asked?.split(',').some((tag) => tag.trim() === etag || tag.trim() === etag.slice(2))) {
        const headers = new Headers(c.res.headers);
        headers.delete('content-type');
        headers.delete('content-length');
        c.res = new Response(null, { status: 304, headers });
      } else c.header('ETag', etag);
    }
  });

  app.get('/rate_limit', (c) => c.json(limits.overview(c.get('viewer').id)));
  app.get('/api/v3/rate_limit', (c) => c.json(limits.overview(c.get('viewer').id)));
  const graphql = createGraphqlRoutes(routeDeps);
  app.route('/graphql', graphql);
  app.route('/api/graphql', graphql);
  const rest = createRestRoutes(routeDeps);
  app.route('/api/v3', rest);
  app.route('/', rest);

  app.notFound((c) => c.json(new GithubError(404, 'Not Found').toBody(), 404));
  app.onError((error, c) => {
    if (error instanceof GithubError) {
      for (const [header, value] of Object.entries(error.details.headers ?? {})) c.header(header, value);
      return c.json(error.toBody(), error.status);
    }
    log.error(`${c.req.method} ${c.req.path} failed`, error);
    return c.json(new GithubError(500, 'Server Error').toBody(), 500);
  });
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
