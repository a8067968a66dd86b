import type { Context } from 'hono';
import { Hono } from 'hono';
import { z } from 'zod';
import { ActionError, type TemplateActions } from './actions.js';
import { InvalidCheckpointNameError, UnknownCheckpointError } from './checkpoints.js';
import { type CloneRuntime, UnknownFixtureError } from './clone-runtime.js';
import { hexDigestsEqual, sha256Hex } from './crypto.js';
import { type DeliveryFeed, UnknownTopicError } from './delivery-feed.js';
import { UnknownFaultMethodError } from './evaluation.js';
import type { Logger } from './log.js';
import { AdminRequestError } from './template.js';

export interface AdminRoutesDeps {
  runtime: CloneRuntime;
  adminTokenSha256: string;
  log: Logger;
  /** The template's deliveries, streamed to `asymmetric listen` (templates that deliver). */
  deliveries?: DeliveryFeed;
  /** Person actions (`asymmetric act`), by name (templates whose manifest has `actions`). */
  actions?: TemplateActions;
  /** Where clients reach the backend, for links an action hands out (default: the request's origin). */
  publicUrl?: string | null;
}

const MAX_ADMIN_BODY = 64 * 1024;

const seedBody = z.object({ fixture: z.string().min(1).nullable().default(null) }).strict();

const faultBody = z
  .object({
    method: z.string().min(1).max(200),
    error: z.string().min(1).max(200).optional(),
    status: z.number().int().min(400).max(599).optional(),
    latencyMs: z.number().int().min(0).max(600_000).optional(),
    times: z.number().int().min(1).optional(),
    rate: z.number().min(0).max(1).optional(),
  })
  .strict()
  .refine((f) => (f.error === undefined) !== (f.latencyMs === undefined), {
    message: 'a fault takes either an error or a latency',
  })
  .refine((f) => f.status === undefined || f.error !== undefined, { message: 'status goes with error' });

const journalQuery = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(100_000).optional(),
});

type AdminResult = { status: 200 | 400 | 401 | 404 | 413 | 500 | 503; body: unknown };

const actBody = z.object({ params: z.record(z.string(), z.string()).default({}) }).strict();

/**
 * The admin API of templates/README.md, mounted at `/_asym`. It answers in its own
 * envelope (`{ ok, error: { code, message } }`), not the vendor's: only the CLI calls it.
 */
export function createAdminRoutes({
  runtime,
  adminTokenSha256,
  log,
  deliveries,
  actions,
  publicUrl,
}: AdminRoutesDeps): Hono {
  const admin = new Hono();

  const fail = (status: AdminResult['status'], code: string, message: string): AdminResult => ({
    status,
    body: { ok: false, error: { code, message } },
  });

  // Auth is checked per route rather than with `use('*')`: a middleware on the mounted
  // path would also guard the template's own public `/_asym/...` routes.
  const refusal = (c: Context): AdminResult | null => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1] || !hexDigestsEqual(sha256Hex(match[1]), adminTokenSha256)) {
      return fail(401, 'unauthorized', 'admin routes need Authorization: Bearer <admin token>');
    }
    if (!runtime.ready)
      return fail(503, 'not_ready', `the clone is still starting (stage: ${runtime.stage})`);
    return null;
  };

  const guarded = (work: (c: Context) => Promise<AdminResult>) => async (c: Context) => {
    let result: AdminResult;
    try {
      result = refusal(c) ?? (await work(c));
    } catch (error) {
      if (error instanceof AdminRequestError) result = fail(400, error.code, error.message);
      else if (error instanceof ActionError) result = fail(error.status, error.code, error.message);
      else if (error instanceof UnknownFaultMethodError) result = fail(400, 'unknown_method', error.message);
      else if (error instanceof UnknownCheckpointError)
        result = fail(400, 'unknown_checkpoint', error.message);
      else if (error instanceof InvalidCheckpointNameError)
        result = fail(400, 'invalid_checkpoint_name', error.message);
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

  // Where the seeded timeline sits: a grader maps a fixture's own time (a Slack ts in the
  // fixture, a Stripe `created`) to the live one by adding `shift`, and back by subtracting.
  admin.get(
    '/timeline',
    guarded(async () => {
      const { anchor, shift, clock } = runtime.timeline();
      return {
        status: 200,
        body: {
          ok: true,
          anchor,
          shift,
          clock: clock === null ? null : new Date(clock).toISOString(),
          now: new Date(runtime.clock.now()).toISOString(),
        },
      };
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
      const { identity, checkpointsDropped } = await runtime.seed(parsed.data.fixture);
      log.info(`reseeded with ${parsed.data.fixture ?? '(no fixture)'}`);
      return { status: 200, body: { ok: true, identity, checkpointsDropped } };
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

  // The evaluation toolkit: the journal of API calls, and injected faults.
  admin.get(
    '/journal',
    guarded(async (c) => {
      const query = journalQuery.safeParse(c.req.query());
      if (!query.success) return fail(400, 'invalid_query', 'expected ?after=<seq>&limit=<n>');
      return {
        status: 200,
        body: { ok: true, ...runtime.evaluation.journal.read(query.data.after, query.data.limit) },
      };
    }),
  );

  admin.get(
    '/diff',
    guarded(async (c) => {
      const since = c.req.query('since') || undefined;
      return { status: 200, body: { ok: true, since: since ?? 'seed', changes: await runtime.diff(since) } };
    }),
  );

  // Checkpoints: named snapshots of everything a reset restores.
  admin.get(
    '/checkpoints',
    guarded(async () => ({ status: 200, body: { ok: true, checkpoints: await runtime.listCheckpoints() } })),
  );

  admin.post(
    '/checkpoints',
    guarded(async (c) => {
      const body = await readJsonBody(c);
      if (!body.ok) return fail(body.status, body.code, body.message);
      const parsed = z
        .object({ name: z.string() })
        .strict()
        .safeParse(body.value ?? {});
      if (!parsed.success) return fail(400, 'invalid_body', 'expected { "name": string }');
      const checkpoint = await runtime.saveCheckpoint(parsed.data.name);
      log.info(`checkpoint ${checkpoint.name} saved (${checkpoint.rows} rows, ${checkpoint.ms} ms)`);
      return { status: 200, body: { ok: true, checkpoint } };
    }),
  );

  admin.post(
    '/checkpoints/:name/restore',
    guarded(async (c) => {
      const { ms } = await runtime.restoreCheckpoint(c.req.param('name') ?? '');
      log.info(`checkpoint ${c.req.param('name')} restored in ${ms} ms`);
      return { status: 200, body: { ok: true, ms } };
    }),
  );

  admin.delete(
    '/checkpoints/:name',
    guarded(async (c) => {
      await runtime.removeCheckpoint(c.req.param('name') ?? '');
      return { status: 200, body: { ok: true } };
    }),
  );

  // For benchmarks: what the journal costs is measured by turning it off and on in one run.
  admin.put(
    '/journal',
    guarded(async (c) => {
      const body = await readJsonBody(c);
      if (!body.ok) return fail(body.status, body.code, body.message);
      const parsed = z
        .object({ enabled: z.boolean() })
        .strict()
        .safeParse(body.value ?? {});
      if (!parsed.success) return fail(400, 'invalid_body', 'expected { "enabled": boolean }');
      runtime.evaluation.journal.enabled = parsed.data.enabled;
      return { status: 200, body: { ok: true, enabled: parsed.data.enabled } };
    }),
  );

  admin.get(
    '/faults',
    guarded(async () => ({ status: 200, body: { ok: true, faults: runtime.evaluation.faults.list() } })),
  );

  admin.post(
    '/faults',
    guarded(async (c) => {
      const body = await readJsonBody(c);
      if (!body.ok) return fail(body.status, body.code, body.message);
      const parsed = faultBody.safeParse(body.value ?? {});
      if (!parsed.success) {
        return fail(400, 'invalid_body', parsed.error.issues.map((issue) => issue.message).join('; '));
      }
      const fault = await runtime.evaluation.faults.add(
        parsed.data,
        runtime.evaluation.knownMethods(),
        new Date(),
      );
      log.info(`fault ${fault.id} added for ${fault.method}`);
      return { status: 200, body: { ok: true, fault } };
    }),
  );

  admin.delete(
    '/faults',
    guarded(async (c) => {
      const id = c.req.query('id');
      const cleared = await runtime.evaluation.faults.clear(id === undefined || id === '' ? undefined : id);
      return { status: 200, body: { ok: true, cleared } };
    }),
  );
  if (actions) {
    // A person's action, delivered to the app as the vendor would deliver it.
    admin.post(
      '/act/:action',
      guarded(async (c) => {
        const name = c.req.param('action') ?? '';
        const handler = Object.hasOwn(actions, name) ? actions[name] : undefined;
        if (!handler) {
          return fail(
            404,
            'unknown_action',
            `no action "${name}"; known: ${Object.keys(actions).join(', ')}`,
          );
        }
        const body = await readJsonBody(c);
        if (!body.ok) return fail(body.status, body.code, body.message);
        const parsed = actBody.safeParse(body.value ?? {});
        if (!parsed.success) return fail(400, 'invalid_body', 'expected { "params": { name: string } }');
        const outcome = await handler(parsed.data.params, {
          baseUrl: publicUrl ?? new URL(c.req.url).origin,
        });
        return { status: 200, body: { ok: true, action: name, ...outcome } };
      }),
    );
  }

  if (deliveries) {
    // Server-Sent Events: `ready` { secret, events }, then one `delivery` per delivery.
    admin.get('/deliveries/stream', (c) => {
      const refused = refusal(c);
      if (refused) return c.json(refused.body, refused.status);
      try {
        return deliveries.stream(c, deliveries.parseEvents(c.req.query('events')));
      } catch (error) {
        if (!(error instanceof UnknownTopicError)) throw error;
        return c.json(fail(400, 'unknown_event', error.message).body, 400);
      }
    });
  }

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
