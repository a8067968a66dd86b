import type { Context } from 'hono';
import { Hono } from 'hono';
import { z } from 'zod';
import { type CloneRuntime, UnknownFixtureError } from './clone-runtime.js';
import { hexDigestsEqual, sha256Hex } from './crypto.js';
import type { Logger } from './log.js';
import { AdminRequestError } from './template.js';

export interface AdminRoutesDeps {
  runtime: CloneRuntime;
  adminTokenSha256: string;
  log: Logger;
}

const MAX_ADMIN_BODY = 64 * 1024;

const seedBody = z.object({ fixture: z.string().min(1).nullable().default(null) }).strict();

type AdminResult = { status: 200 | 400 | 401 | 413 | 500 | 503; body: unknown };

/**
 * The admin API of templates/README.md, mounted at `/_asym`. It answers in its own
 * envelope (`{ ok, error: { code, message } }`), not the vendor's: only the CLI calls it.
 */
export function createAdminRoutes({ runtime, adminTokenSha256, log }: AdminRoutesDeps): Hono {
  const admin = new Hono();

  const fail = (status: AdminResult['status'], code: string, message: string): AdminResult => ({
    status,
    body: { ok: false, error: { code, message } },
  });

  // Auth is checked per route rather than with `use('*')`: a middleware on the mounted
  // path would also guard the template's own public `/_asym/...` routes.
  const guarded = (work: (c: Context) => Promise<AdminResult>) => async (c: Context) => {
    let result: AdminResult;
    try {
      const header = c.req.header('authorization') ?? '';
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match?.[1] || !hexDigestsEqual(sha256Hex(match[1]), adminTokenSha256)) {
        result = fail(401, 'unauthorized', 'admin routes need Authorization: Bearer <admin token>');
      } else if (!runtime.ready) {
        result = fail(503, 'not_ready', `the clone is still starting (stage: ${runtime.stage})`);
      } else {
        result = await work(c);
      }
    } catch (error) {
      if (error instanceof AdminRequestError) result = fail(400, error.code, error.message);
      else if (error instanceof UnknownFixtureError) {
        result = {
          status: 400,
          body: {
            ok: false,
            error: { code: 'unknown_fixture', message: error.message, fixtures: error.known },
          },
        };
      } else {
        log.error(`admin ${c.req.method} ${c.req.path} failed`, error);
        result = fail(500, 'internal', error instanceof Error ? error.message : String(error));
      }
    }
    return c.json(result.body, result.status);
  };

  // Ready means the clone serves: its Postgres answers too. Redis down is degraded (no
  // rate limits), not down. The CLI's status, doctor and start read exactly these fields.
  admin.get('/health', async (c) => {
    if (!runtime.ready) return c.json({ ok: false, ready: false, stage: runtime.stage }, 503);
    const { database, redis } = await runtime.dependencies();
    if (database === 'down') {
      return c.json({ ok: false, ready: false, stage: runtime.stage, database, redis }, 503);
    }
    return c.json({ ok: true, ready: true, database, redis });
  });

  admin.post(
    '/reset',
    guarded(async () => {
      const { ms } = await runtime.reset();
      log.info(`reset in ${ms} ms`);
      return { status: 200, body: { ok: true, ms } };
    }),
  );

  admin.post(
    '/seed',
    guarded(async (c) => {
      const body = await readJsonBody(c);
      if (!body.ok) return fail(body.status, body.code, body.message);
      const parsed = seedBody.safeParse(body.value ?? {});
      if (!parsed.success) {
        return fail(400, 'invalid_body', 'expected { "fixture": string | null }');
      }
      const identity = await runtime.seed(parsed.data.fixture);
      log.info(`reseeded with ${parsed.data.fixture ?? '(no fixture)'}`);
      return { status: 200, body: { ok: true, identity } };
    }),
  );

  admin.post(
    '/tokens',
    guarded(async (c) => {
      const body = await readJsonBody(c);
      if (!body.ok) return fail(body.status, body.code, body.message);
      const tokens = await runtime.mintTokens(body.value ?? {});
      log.info('minted a new token set (earlier tokens revoked)');
      return { status: 200, body: tokens };
    }),
  );

  return admin;
}

type BodyRead =
  | { ok: true; value: unknown }
  | { ok: false; status: 400 | 413; code: string; message: string };

/** An optional JSON body: empty means `undefined`. */
async function readJsonBody(c: Context): Promise<BodyRead> {
  const text = await c.req.text();
  if (text.length > MAX_ADMIN_BODY)
    return { ok: false, status: 413, code: 'too_large', message: 'body over 64 KiB' };
  if (text.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, status: 400, code: 'invalid_json', message: 'the body is not valid JSON' };
  }
}
