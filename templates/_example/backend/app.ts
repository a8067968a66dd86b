import type { Context } from 'hono';
import { createCloneApp, readJson } from '../../_shared/app-factory.js';
import type { CloneBackendDeps } from '../../_shared/backend-main.js';
import { dotPath, type KitError } from '../../_shared/kit-error.js';
import { linkHeader, pageWindow } from '../../_shared/pagination.js';
import { declareParams, param, validateParams } from '../../_shared/parameters.js';
import { bearerToken, TokenVerifier } from '../../_shared/tokens.js';
import type { ExampleIdentity, ExampleTokens } from './template.js';

/** The vendor's error: `{ error: { code, message, fields? } }` with an HTTP status. */
export class ExampleError extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 405 | 500 | 503,
    readonly code: string,
    message: string,
    readonly fields: Array<{ field: string; problem: string }> = [],
  ) {
    super(message);
  }
}

/** Everything the kit refuses, in the vendor's words: the template's one error mapping. */
function fromKit(error: KitError): ExampleError {
  switch (error.kind) {
    case 'not_found':
      return new ExampleError(404, 'not_found', 'No such route.');
    case 'method_not_allowed':
      return new ExampleError(405, 'method_not_allowed', `Use ${error.details.allowed?.join(', ')}.`);
    case 'malformed_body':
      return new ExampleError(400, 'invalid_json', error.message);
    case 'not_ready':
      return new ExampleError(503, 'starting', 'The clone is starting; retry shortly.');
    case 'invalid_params':
      return new ExampleError(
        400,
        'invalid_params',
        'Some parameters are invalid.',
        (error.details.issues ?? []).map((issue) => ({ field: dotPath(issue.path), problem: issue.kind })),
      );
    default:
      return new ExampleError(500, 'internal', 'Something went wrong.');
  }
}

/** `GET /v1/notes`: the route a request matched, as the journal and faults name it. */
const methodOf = (c: Context) => (c.req.path.startsWith('/v1/') ? `${c.req.method} ${c.req.path}` : null);

export function createExampleApp(deps: CloneBackendDeps<ExampleIdentity, ExampleTokens>) {
  const { pool, runtime } = deps;
  const keys = new TokenVerifier(async (sha256) => {
    const { rowCount } = await pool.query(
      'SELECT 1 FROM asym.api_keys WHERE key_sha256 = $1 AND revoked_at IS NULL',
      [sha256],
    );
    return rowCount ? 'api_key' : null;
  });
  runtime.onCachesInvalidated(() => keys.clear());

  const kit = createCloneApp<ExampleError>({
    deps,
    requestId: { header: 'X-Request-Id' },
    errors: {
      is: (error): error is ExampleError => error instanceof ExampleError,
      fromKit,
      render: (error, c) =>
        c.json(
          {
            error: {
              code: error.code,
              message: error.message,
              ...(error.fields.length ? { fields: error.fields } : {}),
            },
          },
          error.status,
        ),
    },
    evaluation: {
      methodOf,
      methods: () => ['GET /v1/notes', 'POST /v1/notes'],
      describe: (c) => ({ actor: 'api_key', args: c.req.query() }),
      errorCode: (error) => error.code,
      faultError: (fault) => new ExampleError(500, fault.error ?? 'internal', 'Injected fault.'),
    },
  });
  const { app } = kit;

  // Every API call: ready, authenticated, then where the vendor would fail it.
  app.use('/v1/*', kit.ready, async (c, next) => {
    if ((await keys.verify(bearerToken(c.req.header('authorization')))) === null)
      throw new ExampleError(401, 'unauthorized', 'Send Authorization: Bearer <apiKey>.');
    await kit.applyFault(c, methodOf(c) ?? '');
    await next();
  });
  // ---- wiring ends here; endpoints follow ----

  const listParams = declareParams(
    { page: param.integer({ min: 1 }).optional(), per_page: param.integer({ min: 1, max: 100 }).optional() },
    { unknownKeys: 'strip' },
  );
  app.get('/v1/notes', async (c) => {
    const query = validateParams(listParams, c.req.query());
    const window = pageWindow({ page: query.page ?? 1, perPage: query.per_page ?? 30 });
    const { rows } = await pool.query(
      'SELECT id::int, title, body, created FROM notes ORDER BY id LIMIT $1 OFFSET $2',
      [window.fetch, window.offset],
    );
    const link = linkHeader(c.req.url, window, { hasNext: rows.length > window.perPage });
    if (link) c.header('Link', link);
    return c.json(rows.slice(0, window.perPage));
  });

  const createParams = declareParams({
    title: param.string({ min: 1, max: 200 }),
    body: param.string().optional(),
  });
  app.post('/v1/notes', async (c) => {
    const input = validateParams(
      createParams,
      readJson(await c.req.text(), { object: true }) as Record<string, unknown>,
    );
    const created = Math.floor(runtime.clock.now() / 1000);
    const { rows } = await pool.query(
      'INSERT INTO notes (title, body, created) VALUES ($1, $2, $3) RETURNING id::int, title, body, created',
      [input.title, input.body ?? '', created],
    );
    return c.json(rows[0], 201);
  });

  return app;
}
