import type pg from 'pg';
import type { Queryable } from './db.js';
import { quoteIdent, quoteLiteral } from './db.js';
import type { TimeColumn, Timeline } from './template.js';

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

/**
 * The numbers of a json document's time keys, at any depth, in its text form (jsonb
 * renders `"key": value`; a quote inside a string is escaped, so no string matches). 0
 * means unset and is left alone.
 */
function jsonTimePattern(keys: readonly string[]): string {
  for (const key of keys) if (!/^[A-Za-z0-9_]+$/.test(key)) throw new Error(`timeline: bad json key ${key}`);
  const names = keys.join('|');
  return `(?<="(?:${names})": )[1-9][0-9]*`;
}

// Beside each json time column the snapshot keeps its text cut at the times, and the times,
// so shifting is a join of strings, not a walk of every document (that took seconds for
// Stripe's thousand events). Re-parsing the joined text still costs most of a second, so
// the shifted documents are kept too, with the shift they carry: the shift only changes
// when the day does, and every other restore copies them as they are.
const partsColumn = (column: string) => `${column}#parts`;
const timesColumn = (column: string) => `${column}#times`;
const shiftedColumn = (column: string) => `${column}#shifted`;
const shiftColumn = (column: string) => `${column}#shift`;

/** Copies `public` into `asym_seed`. Run it inside the transaction that seeded. */
export async function takeSnapshot(
  db: Queryable,
  timeline?: Timeline,
): Promise<{ tables: number; rows: number }> {
  await db.query(`DROP SCHEMA IF EXISTS ${SNAPSHOT_SCHEMA} CASCADE; CREATE SCHEMA ${SNAPSHOT_SCHEMA}`);
  let rows = 0;
  const tables = await publicTables(db);
  const pattern = quoteLiteral(jsonTimePattern(timeline?.jsonTimeKeys ?? []));
  for (const table of tables) {
    const copy = `${SNAPSHOT_SCHEMA}.${quoteIdent(table)}`;
    await db.query(`CREATE TABLE ${copy} AS SELECT * FROM public.${quoteIdent(table)}`);
    for (const [column, kind] of Object.entries(timeline?.columns[table] ?? {})) {
      if (kind !== 'json') continue;
      const c = quoteIdent(column);
      const parts = quoteIdent(partsColumn(column));
      const times = quoteIdent(timesColumn(column));
      await db.query(
        `ALTER TABLE ${copy} ADD COLUMN ${parts} text[], ADD COLUMN ${times} bigint[],
           ADD COLUMN ${quoteIdent(shiftedColumn(column))} jsonb, ADD COLUMN ${quoteIdent(shiftColumn(column))} bigint;
         UPDATE ${copy} SET ${parts} = regexp_split_to_array(${c}::text, ${pattern}),
           ${times} = ARRAY(SELECT m[1]::bigint FROM regexp_matches(${c}::text, ${pattern}, 'g') AS m)
         WHERE ${c} IS NOT NULL`,
      );
    }
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

// Where the shift goes in a restore text: replaced by an integer (seconds) at each restore,
// so the text is built once and the shift is bound every time, in the same round trip.
const SHIFT = '__asym_shift_s__';
const RESET_AT = '__asym_reset_at_ms__';

/** A time column moved by the shift; 0 means "unset" in Slack's integer times and stays 0. */
function shifted(column: string, kind: TimeColumn): string {
  const c = quoteIdent(column);
  switch (kind) {
    case 's':
      return `CASE WHEN ${c} = 0 THEN ${c} ELSE ${c} + ${SHIFT} END`;
    case 'ms':
      return `CASE WHEN ${c} = 0 THEN ${c} ELSE ${c} + ${SHIFT}::bigint * 1000 END`;
    case 'us':
      return `CASE WHEN ${c} = 0 THEN ${c} ELSE ${c} + ${SHIFT}::bigint * 1000000 END`;
    case 'timestamptz':
      return `${c} + ${SHIFT} * interval '1 second'`;
    case 'json':
      // Refreshed by jsonShiftRefresh before the copy.
      return quoteIdent(shiftedColumn(column));
  }
}

/** Brings a snapshot table's shifted documents to the current shift (a no-op most days). */
function jsonShiftRefresh(table: string, column: string): string {
  const c = quoteIdent(column);
  const joined = `(SELECT string_agg(p || coalesce((t + ${SHIFT})::text, ''), '' ORDER BY i)
    FROM unnest(${quoteIdent(partsColumn(column))}, ${quoteIdent(timesColumn(column))}) WITH ORDINALITY AS u (p, t, i))::jsonb`;
  return `UPDATE ${SNAPSHOT_SCHEMA}.${quoteIdent(table)} SET ${quoteIdent(shiftedColumn(column))} =
    CASE WHEN ${c} IS NULL THEN NULL ELSE ${joined} END, ${quoteIdent(shiftColumn(column))} = ${SHIFT}
    WHERE ${quoteIdent(shiftColumn(column))} IS DISTINCT FROM ${SHIFT}`;
}

/** A restore text with its shift bound: seconds to move every declared time by. */
function bindRestore(restoreSql: string, shiftSeconds: number, resetAtMs: number): string {
  if (!Number.isSafeInteger(shiftSeconds) || !Number.isSafeInteger(resetAtMs))
    throw new Error(`timeline shift must be whole seconds (got ${shiftSeconds})`);
  return restoreSql.replaceAll(SHIFT, String(shiftSeconds)).replaceAll(RESET_AT, String(resetAtMs));
}

export interface RestoreOptions {
  /** The template's time columns, moved by the shift bound at each restore (seed restores only). */
  timeline?: Timeline | undefined;
  /** False when the caller knows the snapshot's shifted documents already carry this shift. */
  refreshJson?: boolean;
  /** Statements run in the same transaction (the credential restore). */
  alongside?: readonly string[];
  /** Where the rows come from: the seed snapshot by default, or a checkpoint. */
  from?: RestoreSource;
}

/**
 * The whole restore as one SQL text: one round trip, one transaction. Built from the
 * catalog once per snapshot and cached by the caller; `restoreSnapshot` binds the timeline
 * shift each time. The snapshot keeps the fixture's own times; the columns the template's
 * timeline declares are copied moved by the shift (a checkpoint holds live times and is
 * copied as it is). Tables that appeared after the snapshot (a later migration) are
 * emptied; generated columns are left to Postgres.
 */
export async function buildRestoreSql(db: Queryable, options: RestoreOptions = {}): Promise<string> {
  const { timeline, alongside = [], from = SEED_SOURCE } = options;
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
  for (const [table, declared] of Object.entries(timeline?.columns ?? {})) {
    const known = live.get(table);
    for (const column of Object.keys(declared)) {
      // A declaration naming what the schema lacks would silently leave times frozen.
      if (!known?.includes(column)) throw new Error(`timeline: no column public.${table}.${column}`);
    }
  }
  // A source table without rows needs only its DELETE: the INSERT of nothing (and its plan)
  // is left out. The source does not change under the text: a seed snapshot is rebuilt by a
  // reseed, a checkpoint by its next save, and either drops the cached text.
  const sourceTables = [...live.keys()].filter((table) => saved.has(table));
  const filled = new Set<string>();
  if (sourceTables.length > 0) {
    const { rows: nonEmpty } = await db.query<{ name: string }>(
      sourceTables
        .map(
          (table) =>
            `SELECT ${quoteLiteral(table)} AS name WHERE EXISTS (SELECT 1 FROM ${quoteIdent(from.schema)}.${quoteIdent(table)})`,
        )
        .join(' UNION ALL '),
    );
    for (const row of nonEmpty) filled.add(row.name);
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
    if (!savedColumns || !filled.has(table)) continue;
    const shared = liveColumns.filter((column) => savedColumns.has(column));
    if (shared.length === 0) continue;
    const times = timeline?.columns[table] ?? {};
    for (const [column, kind] of Object.entries(times)) {
      // Skippable when the caller knows the copies already carry this shift: the check
      // alone scans every snapshot table holding documents.
      if (kind === 'json' && savedColumns.has(shiftedColumn(column)) && options.refreshJson !== false)
        statements.push(jsonShiftRefresh(table, column));
    }
    const values = shared.map((column) => {
      const kind = times[column];
      // A snapshot taken before its template declared a json column has no cut copy of it:
      // those documents are restored as they were.
      if (!kind || (kind === 'json' && !savedColumns.has(shiftedColumn(column)))) return quoteIdent(column);
      return shifted(column, kind);
    });
    statements.push(
      `INSERT INTO public.${quoteIdent(table)} (${shared.map(quoteIdent).join(', ')}) OVERRIDING SYSTEM VALUE SELECT ${values.join(', ')} FROM ${quoteIdent(from.schema)}.${quoteIdent(table)}`,
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
  if (timeline) {
    // Which shift the data carries and when (real time) it was placed: a pinned clock resumes
    // from it after a restart, and status can show it.
    statements.push(
      `INSERT INTO asym.timeline_state (singleton, shift_s, reset_at_ms) VALUES (true, ${SHIFT}, ${RESET_AT})
       ON CONFLICT (singleton) DO UPDATE SET shift_s = EXCLUDED.shift_s, reset_at_ms = EXCLUDED.reset_at_ms`,
    );
  }
  statements.push('COMMIT');
  return `${statements.join(';\n')};`;
}

/**
 * The seeded rows of a table as this trial's restore placed them (moved by `shiftSeconds`):
 * the baseline `diff` compares the live tables with.
 */
export function seedBaseline(
  timeline: Timeline | undefined,
  shiftSeconds: number,
): (table: string, columns: string[]) => string {
  return (table, columns) => {
    const times = timeline?.columns[table] ?? {};
    const list = columns.map((column) => {
      const kind = times[column];
      return kind ? `${shifted(column, kind)} AS ${quoteIdent(column)}` : quoteIdent(column);
    });
    return bindRestore(
      `SELECT ${list.join(', ')} FROM ${SNAPSHOT_SCHEMA}.${quoteIdent(table)}`,
      shiftSeconds,
      0,
    );
  };
}

/**
 * Runs a restore built by `buildRestoreSql` on one connection (simple query protocol), with
 * the timeline moved by `shiftSeconds` (none by default).
 */
export async function restoreSnapshot(
  pool: pg.Pool,
  restoreSql: string,
  shift: { shiftSeconds: number; resetAtMs: number } = { shiftSeconds: 0, resetAtMs: Date.now() },
): Promise<void> {
  const sql = bindRestore(restoreSql, shift.shiftSeconds, shift.resetAtMs);
  const client = await pool.connect();
  try {
    await client.query(sql);
  } catch (error) {
    // A failed statement leaves the explicit transaction open and aborted.
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
