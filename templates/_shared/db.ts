import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Logger } from './log.js';

/** What fixtures, stores and the snapshot code need: a pool or one checked-out client. */
export type Queryable = Pick<pg.PoolClient, 'query'>;

// BIGINT columns hold Slack ts micros and Stripe amounts, all far below 2^53: read them
// as numbers instead of pg's default strings.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number.parseInt(value, 10));

export function createPool(databaseUrl: string, log: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    // More than the 10 connections an agent (or the floor bench) keeps busy: a write waits
    // on its commit's WAL flush, and every request holding a connection then shares that one
    // flush (group commit); with 8, two of ten requests queued for a connection instead and
    // waited a flush more (issue #17). Idle ones close after 30 s, so an idle clone holds none
    // extra; max_connections (30) leaves room for the LISTEN and admin connections.
    max: 12,
    idleTimeoutMillis: 30_000,
    // The default search_path starts with "$user", and the role `asym` owns a schema
    // `asym`: unqualified names would land there. Clone tables live in `public`.
    options: '-c search_path=public',
  });
  // An idle client losing its connection emits on the pool; unhandled, that would kill
  // the process. The next query gets a fresh connection.
  pool.on('error', (error) => log.error('postgres: idle client error', error));
  pool.on('connect', (client) => prepareParameterizedQueries(client));
  return pool;
}

// Statement names by SQL text, shared by every connection of the process.
const statementNames = new Map<string, string>();
// Texts are almost all constants in the stores; a few (search) are built per request. Past
// this many distinct texts, new ones run unprepared, so those cannot grow every
// connection's prepared-statement memory without bound.
const MAX_PREPARED_TEXTS = 400;

/**
 * Runs every parameterized query as a named prepared statement, keyed by its text.
 * Postgres then parses and plans each text once per connection instead of on every call:
 * for the Slack clone's lateral-heavy message reads that was a third of the CPU a request
 * cost (chat.postMessage 650 -> 1,000 req/s). Texts without parameters (DDL, BEGIN, the
 * snapshot scripts) keep the simple protocol. A query given as a config object (`{ text,
 * values }`) runs unnamed, planned for its values on every call: for a statement whose plan
 * must follow a table that grows from empty faster than autovacuum analyzes it (a cached
 * generic plan made on the empty table scans it all; see Stripe's idempotency answers).
 */
function prepareParameterizedQueries(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (config: unknown, values?: unknown, callback?: unknown) => {
    if (typeof config !== 'string' || !Array.isArray(values)) return query(config, values, callback);
    const name = statementName(config);
    return name ? query({ name, text: config, values }, callback) : query(config, values, callback);
  };
}

function statementName(text: string): string | null {
  const known = statementNames.get(text);
  if (known !== undefined || statementNames.size >= MAX_PREPARED_TEXTS) return known ?? null;
  const name = `asym_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
  statementNames.set(text, name);
  return name;
}

/**
 * Postgres may boot at the same moment as the backend: try to connect every `intervalMs`
 * until `deadlineMs`, then fail saying what was last seen.
 */
export async function waitForDatabase(
  pool: pg.Pool,
  options: { intervalMs?: number; deadlineMs?: number } = {},
): Promise<{ attempts: number }> {
  const intervalMs = options.intervalMs ?? 50;
  const deadlineMs = options.deadlineMs ?? 30_000;
  const started = Date.now();
  let last = 'no attempt yet';
  // Each attempt on a connection of its own with a short connect timeout: a SYN sent while
  // a new container's network is still coming up is dropped, and the kernel resends it only
  // after a second (the whole of a spin's wait, when it happened). The timeout doubles with
  // each attempt that ran into it, for a machine too loaded to connect that fast.
  let timeoutMs = 250;
  for (let attempts = 1; ; attempts++) {
    const probe = new pg.Client({ ...pool.options, connectionTimeoutMillis: timeoutMs });
    const attemptStarted = Date.now();
    try {
      await probe.connect();
      await probe.query('SELECT 1');
      return { attempts };
    } catch (error) {
      last = error instanceof Error ? error.message || error.name : String(error);
      if (Date.now() - attemptStarted >= timeoutMs) timeoutMs = Math.min(timeoutMs * 2, 8_000);
    } finally {
      await probe.end().catch(() => undefined);
    }
    if (Date.now() - started >= deadlineMs) {
      throw new Error(`postgres did not accept connections within ${deadlineMs} ms (last error: ${last})`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export async function withTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * A LIMIT written into a statement's text instead of bound as a parameter. Given `LIMIT $n`,
 * Postgres costs the generic plan it would keep for a tenth of the table, finds it dearer
 * than a plan made for the actual limit, and so plans the statement again on every call:
 * for a first page of 30,000 customers that was 54 us of planning against 39 us of
 * execution (`bench/profile.ts`, which reads `track_planning`; issue #17). A first page with its
 * limit in the text has no parameter left, so its plan is made once per connection and
 * kept. (A page after a cursor keeps its bound cursor, and near the top of the list
 * Postgres still plans it per call.) Each distinct limit is a statement text of its own
 * (`statementName`). Only for statements whose conditions are index conditions: where one
 * folds away only with a parameter's value (`$1 IS NULL OR id >= $1`), a plan kept for any
 * value may walk the index from its start, and the limit is better left bound.
 */
export function limitSql(limit: number): string {
  if (!Number.isSafeInteger(limit) || limit < 0)
    throw new Error(`a LIMIT must be a whole number, not ${limit}`);
  return `LIMIT ${limit}`;
}

/** Quotes an identifier for SQL text (table and sequence names read from the catalog). */
export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** Quotes a string literal for SQL text built once and run as one simple-protocol query. */
export const quoteLiteral = (value: string): string => `'${value.replaceAll("'", "''")}'`;

/**
 * The unique constraint a failed write ran into (Postgres 23505), or null. A check-then-insert
 * races a concurrent twin: the loser must get the vendor's "already exists" error, not a 500.
 */
export function uniqueViolation(error: unknown): string | null {
  const pgError = error as { code?: unknown; constraint?: unknown } | null;
  return pgError?.code === '23505' && typeof pgError.constraint === 'string' ? pgError.constraint : null;
}

/** Runs `write`, turning a unique violation of a constraint named in `errors` into its error. */
export async function onUniqueViolation<T>(
  write: () => Promise<T>,
  errors: Record<string, () => Error>,
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const make = errors[uniqueViolation(error) ?? ''];
    throw make ? make() : error;
  }
}
