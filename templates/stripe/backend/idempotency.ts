import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from '../../_shared/log.js';
import type { Params } from './request-params.js';
import { StripeError } from './stripe-error.js';

/** Stripe keeps a key's answer for 24 hours. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * A claim whose request never answered (the backend or Postgres died mid-request) is
 * given up after this long, longer than any request runs: otherwise its key would answer
 * 409 for a whole day.
 */
export const PENDING_LEASE_MS = 60 * 1000;
/** Expired rows are deleted at most this often, by whichever request comes next. */
const PRUNE_EVERY_MS = 60 * 1000;
const MAX_KEY_LENGTH = 255;

export type IdempotencyOutcome =
  | { kind: 'fresh'; key: string; fingerprint: string }
  | { kind: 'replay'; status: number; body: string; requestId: string };

/** A stable digest of method, path and parameters (key order does not matter). */
export function fingerprint(method: string, path: string, params: Params): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(
        Object.keys(value)
          .sort()
          .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
      );
    }
    return value;
  };
  return createHash('sha256')
    .update(`${method} ${path}\n${JSON.stringify(canonical(params))}`)
    .digest('hex');
}

// One statement, one round trip: claims a new key, or takes over an expired key or an
// abandoned claim. The claim commits asynchronously (set_config in the FROM clause runs
// before the insert): losing it in a crash loses nothing, because the request's own
// synchronous commit flushes the WAL up to and past it before anything is acknowledged.
const CLAIM_SQL = `
INSERT INTO idempotency_keys (key_sha256, fingerprint, created_at)
SELECT $1, $2, $3 FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit
ON CONFLICT (key_sha256) DO UPDATE
  SET fingerprint = EXCLUDED.fingerprint, created_at = EXCLUDED.created_at,
      status = NULL, body = NULL, request_id = NULL
  WHERE idempotency_keys.created_at <= $4
     OR (idempotency_keys.status IS NULL AND idempotency_keys.created_at <= $5)
RETURNING key_sha256`;

/**
 * Stripe's idempotency keys, in the clone's Postgres (table `idempotency_keys`, migration
 * 0003): a key first claims the request (pending), then stores its answer; the same key
 * with the same parameters replays it, with other parameters it is refused, and while the
 * first request runs a second one gets 409. Expiry is enforced on read; expired rows are
 * pruned in the background at most once a minute.
 */
export class IdempotencyStore {
  private lastPrune = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly now: () => number,
    private readonly log: Logger,
  ) {}

  async begin(key: string, method: string, path: string, params: Params): Promise<IdempotencyOutcome> {
    if (key.length > MAX_KEY_LENGTH) {
      throw new StripeError(
        400,
        'invalid_request_error',
        `Idempotency-Key must be at most ${MAX_KEY_LENGTH} characters`,
      );
    }
    const print = fingerprint(method, path, params);
    const hash = keyHash(key);
    this.pruneSometimes();
    // A row seen as live can be abandoned (deleted) before it is read: claim again, a few times.
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = this.now();
      const claimed = await this.pool.query(CLAIM_SQL, [
        hash,
        print,
        now,
        now - IDEMPOTENCY_TTL_MS,
        now - PENDING_LEASE_MS,
      ]);
      if (claimed.rowCount === 1) return { kind: 'fresh', key, fingerprint: print };
      const { rows } = await this.pool.query<{
        fingerprint: string;
        status: number | null;
        body: string | null;
        request_id: string | null;
      }>(
        'SELECT fingerprint, status, body, request_id FROM idempotency_keys WHERE key_sha256 = $1 AND created_at > $2',
        [hash, now - IDEMPOTENCY_TTL_MS],
      );
      const entry = rows[0];
      if (!entry) continue;
      if (entry.fingerprint !== print) {
        throw new StripeError(
          400,
          'idempotency_error',
          `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
        );
      }
      if (entry.status === null) {
        throw new StripeError(
          409,
          'idempotency_error',
          'There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through). Please retry this request later.',
        );
      }
      return {
        kind: 'replay',
        status: entry.status,
        body: entry.body ?? '',
        requestId: entry.request_id ?? '',
      };
    }
    throw new StripeError(
      409,
      'idempotency_error',
      'There is currently another in-progress request using this Idempotent Key. Please retry this request later.',
    );
  }

  /** Stores the answer to replay (a synchronous commit: it is acknowledged with the answer). */
  async complete(
    key: string,
    print: string,
    answer: { status: number; body: string; requestId: string },
  ): Promise<void> {
    await this.pool.query(
      `UPDATE idempotency_keys SET status = $3, body = $4, request_id = $5
       WHERE key_sha256 = $1 AND fingerprint = $2 AND status IS NULL`,
      [keyHash(key), print, answer.status, answer.body, answer.requestId],
    );
  }

  /** Forgets a key whose request did not run to an answer worth replaying. */
  async abandon(key: string): Promise<void> {
    await this.pool.query('DELETE FROM idempotency_keys WHERE key_sha256 = $1 AND status IS NULL', [
      keyHash(key),
    ]);
  }

  /** Deletes expired rows (an index range scan), off the request's path. */
  private pruneSometimes(): void {
    const now = this.now();
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    this.pool
      .query('DELETE FROM idempotency_keys WHERE created_at <= $1', [now - IDEMPOTENCY_TTL_MS])
      .catch((error) => this.log.error('idempotency: pruning expired keys failed', error));
  }
}

const keyHash = (key: string) => createHash('sha256').update(key).digest('hex');
