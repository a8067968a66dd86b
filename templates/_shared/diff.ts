import type { Queryable } from './db.js';
import { quoteIdent } from './db.js';

/**
 * What changed in a clone since a baseline (the seeded state of the current trial, or a
 * checkpoint), in the vendor's own terms. The kit compares rows table by table inside
 * Postgres; a template says which tables hold which vendor objects and how its API renders
 * a row (`DiffSource`), so `diff` costs a new template one declaration.
 */

export type ChangeOp = 'created' | 'updated' | 'deleted';

export interface Change {
  /** The vendor's object name: `message`, `channel`, `customer`, `invoice`... */
  type: string;
  op: ChangeOp;
  /** The vendor's id: a `cus_` id, a channel id, `C0.../1712345678.000100` for a message. */
  id: string;
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
  /** For updates: the fields of the rendered object that differ. */
  fields?: string[];
}

/** A table's rows as the kit hands them to a template: `to_jsonb` of the row. */
export type Row = Record<string, unknown>;

export interface DiffSource {
  /** A table of schema `public`. */
  table: string;
  /** The vendor object name of its rows (Stripe: the row's own `object`). */
  type: string | ((row: Row) => string);
  /** What identifies a row across the baseline and now; default: the primary key. */
  key?: string[];
  /** Columns whose change alone is not a change the vendor shows (counters, caches). */
  ignore?: string[];
  /** A row that stays behind as a tombstone (Stripe's `deleted: true`) counts as deleted. */
  isDeleted?(row: Row): boolean;
  id(row: Row): string;
  /** The object as the vendor's API renders it; never a secret. */
  render(row: Row): Record<string, unknown>;
}

/** Where the baseline rows of a table come from: a relation with the live table's columns. */
export type BaselineRelation = (table: string, columns: string[]) => string;

interface TableShape {
  columns: string[];
  primaryKey: string[];
}

async function tableShapes(db: Queryable, tables: string[]): Promise<Map<string, TableShape>> {
  const { rows } = await db.query<{ table: string; column: string; pk: boolean }>(
    `SELECT c.relname AS table, a.attname AS column,
            COALESCE(a.attnum = ANY (i.indkey), false) AS pk
     FROM pg_class c
     JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
     WHERE c.relname = ANY ($1) AND a.attgenerated = ''
     ORDER BY c.relname, a.attnum`,
    [tables],
  );
  const shapes = new Map<string, TableShape>();
  for (const row of rows) {
    const shape = shapes.get(row.table) ?? { columns: [], primaryKey: [] };
    shape.columns.push(row.column);
    if (row.pk) shape.primaryKey.push(row.column);
    shapes.set(row.table, shape);
  }
  return shapes;
}

/**
 * Every row that differs between the baseline and now, per declared table, as rendered
 * vendor objects. One query per table; only differing rows leave Postgres.
 */
export async function diffTables(
  db: Queryable,
  sources: readonly DiffSource[],
  baseline: BaselineRelation,
): Promise<Change[]> {
  const shapes = await tableShapes(
    db,
    sources.map((source) => source.table),
  );
  const changes: Change[] = [];
  for (const source of sources) {
    const shape = shapes.get(source.table);
    if (!shape) throw new Error(`diff: no table public.${source.table}`);
    const key = source.key ?? shape.primaryKey;
    if (key.length === 0) throw new Error(`diff: public.${source.table} has no key`);
    const ignored = new Set(source.ignore ?? []);
    const compared = shape.columns.filter((column) => !ignored.has(column));
    const list = shape.columns.map(quoteIdent).join(', ');
    const on = key.map((column) => `b.${quoteIdent(column)} = l.${quoteIdent(column)}`).join(' AND ');
    const rowOf = (alias: string) =>
      `jsonb_build_object(${compared.map((column) => `'${column}', ${alias}.${quoteIdent(column)}`).join(', ')})`;
    const { rows } = await db.query<{ before: Row | null; after: Row | null }>(
      `SELECT CASE WHEN b.${quoteIdent(key[0]!)} IS NULL THEN NULL ELSE to_jsonb(b) END AS before,
              CASE WHEN l.${quoteIdent(key[0]!)} IS NULL THEN NULL ELSE to_jsonb(l) END AS after
       FROM (${baseline(source.table, shape.columns)}) b
       FULL JOIN (SELECT ${list} FROM public.${quoteIdent(source.table)}) l ON ${on}
       WHERE ${rowOf('b')} IS DISTINCT FROM ${rowOf('l')}`,
    );
    for (const found of rows) {
      const gone = (row: Row | null) => row !== null && source.isDeleted?.(row) === true;
      // A tombstone is no object: created-then-deleted is nothing, live-then-tombstone a deletion.
      const before = gone(found.before) ? null : found.before;
      const after = gone(found.after) ? null : found.after;
      const row = after ?? before;
      if (!row) continue;
      const type = typeof source.type === 'string' ? source.type : source.type(row);
      const id = source.id(row);
      if (before && after) {
        const was = source.render(before);
        const now = source.render(after);
        const fields = changedFields(was, now);
        // Rows that differ only where the vendor's object does not show are no change to report.
        if (fields.length > 0) changes.push({ type, op: 'updated', id, before: was, after: now, fields });
      } else if (after) {
        changes.push({ type, op: 'created', id, after: source.render(after) });
      } else if (before) {
        changes.push({ type, op: 'deleted', id, before: source.render(before) });
      }
    }
  }
  // The order a reader expects, the same every time: by type, then id.
  return changes.sort((a, b) => a.type.localeCompare(b.type) || a.id.localeCompare(b.id));
}

function changedFields(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key])).sort();
}

/** The baseline of a schema holding plain copies of the tables (a checkpoint). */
export const copiedTables =
  (schema: string): BaselineRelation =>
  (table, columns) =>
    `SELECT ${columns.map(quoteIdent).join(', ')} FROM ${quoteIdent(schema)}.${quoteIdent(table)}`;
