import type { CloneRecord } from '../registry/schema.js';
import type { TemplateManifest } from '../templates/catalog.js';

/**
 * What a running clone says about itself. The backend's `GET /_asym/health` answers 200
 * only once it is migrated and seeded *and* its database answers (503 with `stage` and
 * `database: 'down'` otherwise); `redis: 'down'` on a 200 means the clone serves but the
 * shared Redis does not answer (rate limits and idempotency suffer): degraded.
 */
export type HealthStatus = 'ok' | 'degraded' | 'starting' | 'down' | 'unreachable';

export interface CloneHealth {
  status: HealthStatus;
  /** Present when the backend reports it. */
  database?: 'up' | 'down';
  redis?: 'up' | 'down';
  stage?: string;
  /** The frontend (full mode) answers its /healthz. */
  frontend?: 'up' | 'down';
  /** One line on what is wrong, when something is. */
  detail?: string;
}

interface HealthBody {
  ok?: boolean;
  ready?: boolean;
  stage?: string;
  database?: string;
  redis?: string;
}

const upDown = (value: string | undefined): 'up' | 'down' | undefined =>
  value === 'up' || value === 'down' ? value : undefined;

/** Reads a backend's health answer (pure: status code and body). */
export function interpretHealth(status: number, text: string): CloneHealth {
  let body: HealthBody = {};
  try {
    body = JSON.parse(text) as HealthBody;
  } catch {
    body = {};
  }
  const database = upDown(body.database);
  const redis = upDown(body.redis);
  const extra: Omit<CloneHealth, 'status'> = {
    ...(database ? { database } : {}),
    ...(redis ? { redis } : {}),
    ...(body.stage ? { stage: body.stage } : {}),
  };
  if (status === 200 && body.ready !== false && database !== 'down') {
    if (redis === 'down') return { status: 'degraded', ...extra, detail: 'the shared Redis does not answer' };
    return { status: 'ok', ...extra };
  }
  if (database === 'down') return { status: 'down', ...extra, detail: 'its database does not answer' };
  return {
    status: 'starting',
    ...extra,
    detail: `the backend is not ready (HTTP ${status}${body.stage ? `, stage ${body.stage}` : ''})`,
  };
}

/** Asks a clone's backend (and frontend) how it is, within `timeoutMs`. */
export async function probeHealth(
  clone: CloneRecord,
  template: TemplateManifest,
  timeoutMs = 1_500,
): Promise<CloneHealth> {
  let health: CloneHealth;
  try {
    const response = await fetch(`http://127.0.0.1:${clone.ports.backend}${template.health}`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    health = interpretHealth(response.status, await response.text());
  } catch (error) {
    return { status: 'unreachable', detail: `the backend does not answer (${describeFetchError(error)})` };
  }
  if (clone.ports.frontend) {
    const frontend = await fetch(`http://127.0.0.1:${clone.ports.frontend}/healthz`, {
      signal: AbortSignal.timeout(timeoutMs),
    })
      .then(async (r) => {
        await r.arrayBuffer();
        return r.ok;
      })
      .catch(() => false);
    health.frontend = frontend ? 'up' : 'down';
    if (!frontend && health.status === 'ok') {
      health.status = 'degraded';
      health.detail = 'the web frontend does not answer';
    }
  }
  return health;
}

export function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { message?: string } }).cause;
  return cause?.message ?? (error as Error).message ?? String(error);
}
