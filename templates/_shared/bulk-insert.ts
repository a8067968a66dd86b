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
    for (const row of chunk)
      if (row.length !== columns.length)
        throw new Error(`insert into ${table}: ${row.length} values for ${columns.length} columns`);
    await db.query(
      `INSERT INTO ${target} VALUES ${placeholders(chunk.length, columns.length)}`,
      chunk.flat(),
    );
  }
}

/** `($1, $2), ($3, $4)`: the VALUES list of `rows` rows of `width` parameters, from `$from`. */
export function placeholders(rows: number, width: number, from = 1): string {
  const tuples: string[] = [];
  for (let row = 0; row < rows; row += 1) {
    const marks: string[] = [];
    for (let column = 0; column < width; column += 1) marks.push(`$${from + row * width + column}`);
    tuples.push(`(${marks.join(', ')})`);
  }
  return tuples.join(', ');
}
