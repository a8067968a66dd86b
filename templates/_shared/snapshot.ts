import type pg from 'pg';
import type { Queryable } from './db.js';
import { quoteIdent, quoteLiteral } from './db.js';

/**
 * The seeded state of schema `public`, kept as plain tables in schema `asym_seed` (and
 * sequence values in `asym.snapshot_sequences`), so reset is a copy inside Postgres
 * rather than a replay of the fixture.
 */
export const SNAPSHOT_SCHEMA = 'asym_seed';

async function publicTables(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
     ORDER BY c.relname`,
  );
  return rows.map((row) => row.name);
}

async function publicSequences(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind = 'S' ORDER BY c.relname`,
  );
  return rows.map((row) => row.name);
}

/** Empties every table of `public` (identities restarted), ready for a fixture. */
export async function wipePublic(db: Queryable): Promise<void> {
  const tables = await publicTables(db);
  if (tables.length === 0) return;
  await db.query(
    `TRUNCATE TABLE ${tables.map((t) => `public.${quoteIdent(t)}`).join(', ')} RESTART IDENTITY CASCADE`,
  );
  // TRUNCATE restarts only the sequences the tables own; free-standing ones go back too.
  for (const sequence of await publicSequences(db)) {
    await db.query(`ALTER SEQUENCE public.${quoteIdent(sequence)} RESTART`);
  }
}

/** Copies `public` into `asym_seed`. Run it inside the transaction that seeded. */
export async function takeSnapshot(db: Queryable): Promise<{ tables: number; rows: number }> {
  await db.query(`DROP SCHEMA IF EXISTS ${SNAPSHOT_SCHEMA} CASCADE; CREATE SCHEMA ${SNAPSHOT_SCHEMA}`);
  let rows = 0;
  const tables = await publicTables(db);
  for (const table of tables) {
    const copy = `${SNAPSHOT_SCHEMA}.${quoteIdent(table)}`;
    await db.query(`CREATE TABLE ${copy} AS SELECT * FROM public.${quoteIdent(table)}`);
    const { rows: counted } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${copy}`);
    rows += counted[0]?.n ?? 0;
  }
  await db.query('DELETE FROM asym.snapshot_sequences');
  for (const sequence of await publicSequences(db)) {
    const { rows: values } = await db.query<{ last_value: number; is_called: boolean }>(
      `SELECT last_value, is_called FROM public.${quoteIdent(sequence)}`,
    );
    const value = values[0];
    if (!value) continue;
    await db.query('INSERT INTO asym.snapshot_sequences (name, last_value, is_called) VALUES ($1, $2, $3)', [
      sequence,
      value.last_value,
      value.is_called,
    ]);
  }
  return { tables: tables.length, rows };
}

export async function hasSnapshot(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ present: boolean }>(
    'SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS present',
    [SNAPSHOT_SCHEMA],
  );
  return rows[0]?.present === true;
}

/** Where a restore copies from: a schema of table copies, and a relation of sequence values. */
export interface RestoreSource {
  schema: string;
  /** A relation with columns (name, last_value, is_called). */
  sequences: string;
}

export const SEED_SOURCE: RestoreSource = { schema: SNAPSHOT_SCHEMA, sequences: 'asym.snapshot_sequences' };

/**
 * Copies every table of `public` into `schema` (made afresh) and the sequence values into
 * `schema."#sequences"`: a checkpoint, restored with `buildRestoreSql(..., checkpointSource(schema))`.
 */
export async function copyPublicInto(
  db: Queryable,
  schema: string,
): Promise<{ tables: number; rows: number }> {
  const target = quoteIdent(schema);
  await db.query(`DROP SCHEMA IF EXISTS ${target} CASCADE; CREATE SCHEMA ${target}`);
  let rows = 0;
  const tables = await publicTables(db);
  for (const table of tables) {
    const { rowCount } = await db.query(
      `CREATE TABLE ${target}.${quoteIdent(table)} AS SELECT * FROM public.${quoteIdent(table)}`,
    );
    rows += rowCount ?? 0;
  }
  await db.query(
    `CREATE TABLE ${target}."#sequences" (name text PRIMARY KEY, last_value bigint, is_called boolean)`,
  );
  for (const sequence of await publicSequences(db)) {
    await db.query(
      `INSERT INTO ${target}."#sequences" SELECT $1, last_value, is_called FROM public.${quoteIdent(sequence)}`,
      [sequence],
    );
  }
  return { tables: tables.length, rows };
}

export const checkpointSource = (schema: string): RestoreSource => ({
  schema,
  sequences: `${quoteIdent(schema)}."#sequences"`,
});

/**
 * The whole restore as one SQL text: one round trip, one transaction. Built from the
 * catalog once per snapshot and cached by the caller. Tables that appeared after the
 * snapshot (a later migration) are emptied; generated columns are left to Postgres.
 * `alongside` runs in the same transaction (the credential restore).
 */
export async function buildRestoreSql(
  db: Queryable,
  alongside: readonly string[] = [],
  from: RestoreSource = SEED_SOURCE,
): Promise<string> {
  const { rows: columns } = await db.query<{
    schema: string;
    table: string;
    column: string;
    generated: string;
  }>(
    `SELECT n.nspname AS schema, c.relname AS table, a.attname AS column, a.attgenerated AS generated
     FROM pg_attribute a
     JOIN pg_class c ON c.oid = a.attrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname IN ('public', $1) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
       AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY c.relname, a.attnum`,
    [from.schema],
  );
  const live = new Map<string, string[]>();
  const saved = new Map<string, Set<string>>();
  for (const col of columns) {
    if (col.schema === 'public') {
      const list = live.get(col.table) ?? [];
      if (col.generated === '') list.push(col.column);
      live.set(col.table, list);
    } else {
      const set = saved.get(col.table) ?? new Set<string>();
      set.add(col.column);
      saved.set(col.table, set);
    }
  }
  const statements = ['BEGIN', 'SET LOCAL session_replication_role = replica'];
  const tables = [...live.keys()];
  // DELETE, not TRUNCATE: a clone's tables are small, and TRUNCATE makes new files for
  // every table (and its indexes) each time, which costs more than deleting a few thousand
  // rows. Foreign keys are not checked under the replica role, so the order is free; the
  // sequences, identity ones included, are set back from the snapshot below.
  for (const table of tables) statements.push(`DELETE FROM public.${quoteIdent(table)}`);
  for (const [table, liveColumns] of live) {
    const savedColumns = saved.get(table);
    if (!savedColumns) continue;
    const shared = liveColumns.filter((column) => savedColumns.has(column)).map(quoteIdent);
    if (shared.length === 0) continue;
    const list = shared.join(', ');
    statements.push(
      `INSERT INTO public.${quoteIdent(table)} (${list}) OVERRIDING SYSTEM VALUE SELECT ${list} FROM ${quoteIdent(from.schema)}.${quoteIdent(table)}`,
    );
  }
  const { rows: sequences } = await db.query<{ name: string; last_value: number; is_called: boolean }>(
    `SELECT s.name, s.last_value, s.is_called FROM ${from.sequences} s
     JOIN pg_class c ON c.relname = s.name AND c.relkind = 'S'
     JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
     ORDER BY s.name`,
  );
  if (sequences.length > 0) {
    const calls = sequences.map(
      (s) =>
        `setval(${quoteLiteral(`public.${quoteIdent(s.name)}`)}, ${Number(s.last_value)}, ${s.is_called})`,
    );
    statements.push(`SELECT ${calls.join(', ')}`);
  }
  statements.push(...alongside);
  statements.push('COMMIT');
  return `${statements.join(';\n')};`;
}

/** Runs a restore built by `buildRestoreSql` on one connection (simple query protocol). */
export async function restoreSnapshot(pool: pg.Pool, restoreSql: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query(restoreSql);
  } catch (error) {
    // A failed statement leaves the explicit transaction open and aborted.
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
