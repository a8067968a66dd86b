import type { Queryable } from './db.js';
import { quoteIdent } from './db.js';

// Postgres allows 65535 bind parameters per statement.
const MAX_PARAMS = 60_000;

/** Inserts `rows` (values in `columns` order) with as few multi-row INSERTs as fit. */
export async function insertRows(
  db: Queryable,
  table: string,
  columns: readonly string[],
  rows: ReadonlyArray<readonly unknown[]>,
): Promise<void> {
  if (rows.length === 0) return;
  const perStatement = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
  const target = `${table.split('.').map(quoteIdent).join('.')} (${columns.map(quoteIdent).join(', ')})`;
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const params: unknown[] = [];
    const tuples = chunk.map((row) => {
      if (row.length !== columns.length)
        throw new Error(`insert into ${table}: ${row.length} values for ${columns.length} columns`);
      const marks = row.map((value) => {
        params.push(value);
        return `$${params.length}`;
      });
      return `(${marks.join(', ')})`;
    });
    await db.query(`INSERT INTO ${target} VALUES ${tuples.join(', ')}`, params);
  }
}
