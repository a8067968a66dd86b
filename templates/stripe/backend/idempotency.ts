import { createHash } from 'node:crypto';
import type pg from 'pg';
import { coalesce } from '../../_shared/coalesce.js';
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
const KEY_TAKEN_MARK = 'asym_idempotency_key_taken';

/**
 * A POST with an idempotency key, as its handler sees it: where its answer is stored, and
 * whether its key is claimed yet. A route whose writes all go through `transact` or
 * `writeWithEvent` may take its claim deferred (`IdempotencyStore.defer`): `transact`
 * claims first, `writeWithEvent` claims in its own statement, and a request that writes
 * nothing (a refused parameter) never claims at all.
 */
export interface KeyedRequest {
  keySha256: string;
  fingerprint: string;
  /** The claim's `created_at`. */
  createdAt: number;
  /** A pending claim (or an answer) of this request is in the table. */
  claimed: boolean;
  /** Claims the key now, unless claimed; throws `KeyTaken` when another request holds it. */
  claim(): Promise<void>;
}

/**
 * A deferred claim found its key held (by a request in flight, or by an answer to replay):
 * nothing was written. The middleware then answers as it answers a key it could not claim.
 */
export class KeyTaken extends StripeError {
  constructor() {
    super(
      409,
      'idempotency_error',
      'There is currently another in-progress request using this Idempotent Key. Please retry this request later.',
    );
  }
}

export type IdempotencyOutcome =
  | { kind: 'fresh'; key: string; keyed: KeyedRequest }
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

/**
 * When a claim takes over the row of a key already held (its conflict's `WHERE`, `row` the
 * table's name or alias): an expired key, or a pending claim past its lease.
 */
const takesOver = (row: string) => `${row}.created_at <= EXCLUDED.created_at - ${IDEMPOTENCY_TTL_MS}
     OR (${row}.status IS NULL AND ${row}.created_at <= EXCLUDED.created_at - ${PENDING_LEASE_MS})`;

// One statement, one round trip, for every key claimed at once (a batch: `coalesce`): claims
// a new key, or takes over an expired key or an abandoned claim. The claim commits
// asynchronously (set_config in the FROM clause runs before the insert): losing it in a
// crash loses nothing, because the request's own synchronous commit flushes the WAL up to
// and past it before anything is acknowledged. Two claims of one key in a batch make
// Postgres refuse it (a row affected twice): each is then claimed alone, as without batching.
const CLAIM_SQL = `
INSERT INTO idempotency_keys (key_sha256, fingerprint, created_at)
SELECT r.key_sha256, r.fingerprint, r.created_at
FROM json_to_recordset($1::json) AS r(key_sha256 text, fingerprint text, created_at bigint),
     (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit
ON CONFLICT (key_sha256) DO UPDATE
  SET fingerprint = EXCLUDED.fingerprint, created_at = EXCLUDED.created_at,
      status = NULL, body = NULL, request_id = NULL
  WHERE ${takesOver('idempotency_keys')}
RETURNING key_sha256`;

// The answers of requests that ran, stored together (a synchronous commit: each is
// acknowledged with its answer). Planned for each batch (a query config, not a text: the
// pool does not prepare it), from arrays: Postgres counts `unnest` of a known array as that
// many rows and finds each answer's key by the primary key. Prepared, the statement kept the
// generic plan it got while the table was still nearly empty after a reset, a scan of every
// key, until autovacuum analyzed the table: 180-660 us and 90-140 buffers a call under
// stripe-node's keyed creates, where planned each time it takes 50-60 us and 10 buffers.
const COMPLETE_SQL = `
UPDATE idempotency_keys AS k SET status = r.status, body = r.body, request_id = r.request_id
FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[])
  AS r(key_sha256, fingerprint, status, body, request_id)
WHERE k.key_sha256 = r.key_sha256 AND k.fingerprint = r.fingerprint
  AND (k.status IS NULL OR k.request_id = r.request_id)`;

/**
 * A deferred request's claim, made by the statement that makes its change, with its answer
 * when the change knows it (`status` and `body` null: a pending claim the middleware
 * completes). See `claimsCte`.
 */
export interface StatementClaim {
  key_sha256: string;
  fingerprint: string;
  created_at: number;
  status: number | null;
  body: string | null;
  request_id: string;
}

/**
 * Data-modifying CTEs that claim the keys in parameter `$param` (a JSON array of
 * `StatementClaim`) in the statement of the change they answer, and make that statement
 * fail, writing nothing, unless every key was claimed (`$param + 1` is how many):
 * `key_check.ok` must be read by the statement's final SELECT (an unread CTE column is
 * never computed). A claim is taken as `CLAIM_SQL` takes it (a new key, an expired one,
 * an abandoned claim: `takesOver`), with its answer in the same row. The failure is a cast
 * error naming `KEY_TAKEN_MARK` (`isKeyTaken`), which Postgres answers before committing
 * anything; each claim of a refused batch is then run alone (`coalesce`), so only a
 * request whose key is held gets `KeyTaken`.
 */
export const claimsCte = (param: number): string => `
claimed AS (
  INSERT INTO idempotency_keys AS k (key_sha256, fingerprint, created_at, status, body, request_id)
  SELECT a.key_sha256, a.fingerprint, a.created_at, a.status, a.body, a.request_id
  FROM json_to_recordset($${param}::json)
    AS a(key_sha256 text, fingerprint text, created_at bigint, status int, body text, request_id text)
  ON CONFLICT (key_sha256) DO UPDATE
    SET fingerprint = EXCLUDED.fingerprint, created_at = EXCLUDED.created_at,
        status = EXCLUDED.status, body = EXCLUDED.body, request_id = EXCLUDED.request_id
    WHERE ${takesOver('k')}
  RETURNING 1
),
key_check AS MATERIALIZED (
  SELECT CASE WHEN (SELECT count(*) FROM claimed) = $${param + 1}::bigint THEN 1
    ELSE (SELECT '${KEY_TAKEN_MARK}:' || count(*) FROM claimed)::int END AS ok
)`;

/** The error `claimsCte` makes a statement fail with when a key was held. */
export const isKeyTaken = (error: unknown): boolean =>
  error instanceof Error && error.message.includes(KEY_TAKEN_MARK);

/** An answer stored by the statement that makes the request's change (`answersCte`). */
export type StoredAnswer = StatementClaim & { status: number; body: string };

/**
 * A data-modifying CTE that stores the answers in parameter `$param` (a JSON array of
 * `StoredAnswer`) with the change they answer, in the change's own statement: a keyed
 * create then costs no statement of its own for its answer (issue #17; stripe-node keys
 * every POST). The answer commits with the change, so a replay after a crash finds the
 * object it created. An INSERT that lands on its claim's row (ON CONFLICT), not an
 * UPDATE: the arbiter is always the primary key, so the statement can be prepared
 * without the empty-table plan `COMPLETE_SQL` avoids. Should the request's real answer
 * differ from the one stored (the row came back other than predicted), the middleware
 * overwrites it (`complete`: the same request id) before anything is acknowledged.
 */
export const answersCte = (param: number): string => `
INSERT INTO idempotency_keys AS k (key_sha256, fingerprint, created_at, status, body, request_id)
SELECT a.key_sha256, a.fingerprint, a.created_at, a.status, a.body, a.request_id
FROM json_to_recordset($${param}::json)
  AS a(key_sha256 text, fingerprint text, created_at bigint, status int, body text, request_id text)
ON CONFLICT (key_sha256) DO UPDATE
  SET status = EXCLUDED.status, body = EXCLUDED.body, request_id = EXCLUDED.request_id
  WHERE k.fingerprint = EXCLUDED.fingerprint AND k.status IS NULL`;

interface Claim {
  key_sha256: string;
  fingerprint: string;
  created_at: number;
}

interface Answer {
  key_sha256: string;
  fingerprint: string;
  status: number;
  body: string;
  request_id: string;
}

/**
 * Stripe's idempotency keys, in the clone's Postgres (table `idempotency_keys`, migration
 * 0003): a key first claims the request (pending), then stores its answer; the same key
 * with the same parameters replays it, with other parameters it is refused, and while the
 * first request runs a second one gets 409. Expiry is enforced on read; expired rows are
 * pruned in the background at most once a minute. A route may take its claim deferred to
 * its first write (`defer`, `KeyedRequest`): the claim and the answer then go in the
 * write's statement. What differs for a client: a reused key with other parameters that
 * are themselves invalid gets the parameter's 400, not the key's.
 */
export class IdempotencyStore {
  private lastPrune = 0;
  /** Claims that arrive together share one statement (stripe-node keys every POST). */
  private readonly claim: (claim: Claim) => Promise<boolean>;
  /** And so do the answers stored together. */
  private readonly store: (answer: Answer) => Promise<void>;

  constructor(
    private readonly pool: pg.Pool,
    private readonly now: () => number,
    private readonly log: Logger,
  ) {
    this.claim = coalesce(async (claims: Claim[]) => {
      const { rows } = await this.pool.query<{ key_sha256: string }>(CLAIM_SQL, [JSON.stringify(claims)]);
      const claimed = new Set(rows.map((row) => row.key_sha256));
      return claims.map((claim) => claimed.has(claim.key_sha256));
    });
    this.store = coalesce(async (answers: Answer[]) => {
      await this.pool.query({
        text: COMPLETE_SQL,
        values: [
          answers.map((answer) => answer.key_sha256),
          answers.map((answer) => answer.fingerprint),
          answers.map((answer) => answer.status),
          answers.map((answer) => answer.body),
          answers.map((answer) => answer.request_id),
        ],
      });
      return answers.map(() => undefined);
    });
  }

  /**
   * A key whose claim waits for the request's first write (see `KeyedRequest`): no
   * statement now. A key held by another request is found by that write (`KeyTaken`),
   * and the middleware then answers with `begin`.
   */
  defer(key: string, method: string, path: string, params: Params): KeyedRequest {
    checkKeyLength(key);
    this.pruneSometimes();
    const keyed: KeyedRequest = {
      keySha256: keyHash(key),
      fingerprint: fingerprint(method, path, params),
      createdAt: this.now(),
      claimed: false,
      claim: async () => {
        if (keyed.claimed) return;
        const claim = {
          key_sha256: keyed.keySha256,
          fingerprint: keyed.fingerprint,
          created_at: keyed.createdAt,
        };
        if (!(await this.claim(claim))) throw new KeyTaken();
        keyed.claimed = true;
      },
    };
    return keyed;
  }

  async begin(key: string, method: string, path: string, params: Params): Promise<IdempotencyOutcome> {
    checkKeyLength(key);
    const print = fingerprint(method, path, params);
    const hash = keyHash(key);
    this.pruneSometimes();
    // A row seen as live can be abandoned (deleted) before it is read: claim again, a few times.
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = this.now();
      if (await this.claim({ key_sha256: hash, fingerprint: print, created_at: now }))
        return {
          kind: 'fresh',
          key,
          keyed: {
            keySha256: hash,
            fingerprint: print,
            createdAt: now,
            claimed: true,
            claim: async () => {},
          },
        };
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
    await this.store({
      key_sha256: keyHash(key),
      fingerprint: print,
      status: answer.status,
      body: answer.body,
      request_id: answer.requestId,
    });
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

function checkKeyLength(key: string): void {
  if (key.length > MAX_KEY_LENGTH) {
    throw new StripeError(
      400,
      'invalid_request_error',
      `Idempotency-Key must be at most ${MAX_KEY_LENGTH} characters`,
    );
  }
}
