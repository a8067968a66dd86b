import type { Queryable } from './db.js';
import { quoteIdent } from './db.js';

/**
 * The credentials as last issued (`POST /_asym/tokens`): a copy of the template's
 * credential tables of schema `asym`, taken in the minting transaction. Reset and reseed
 * put the tables back from it, so a token the agent revoked works again while the tokens
 * of earlier sets (revoked by the mint itself) stay revoked.
 */
export const ISSUED_SCHEMA = 'asym_issued';

/** Copies `tables` (names in schema `asym`) into ISSUED_SCHEMA. Run it inside the mint's transaction. */
export async function recordIssuedCredentials(
  db: Queryable,
  tables: readonly string[],
  into: string = ISSUED_SCHEMA,
): Promise<void> {
  const schema = quoteIdent(into);
  await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
  for (const table of tables) {
    await db.query(`CREATE TABLE ${schema}.${quoteIdent(table)} AS SELECT * FROM asym.${quoteIdent(table)}`);
  }
}

/**
 * The statements that put `tables` back as issued, or none before the first mint. Built
 * from the catalog (columns both copies have, generated ones left to Postgres) once per
 * mint and cached by the caller.
 */
export async function buildCredentialRestore(
  db: Queryable,
  tables: readonly string[],
  from: string = ISSUED_SCHEMA,
): Promise<string[]> {
  if (tables.length === 0) return [];
  const { rows } = await db.query<{ schema: string; table: string; column: string; generated: string }>(
    `SELECT n.nspname AS schema, c.relname AS table, a.attname AS column, a.attgenerated AS generated
     FROM pg_attribute a
     JOIN pg_class c ON c.oid = a.attrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname IN ('asym', $1) AND c.relname = ANY($2) AND c.relkind = 'r'
       AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY c.relname, a.attnum`,
    [from, [...tables]],
  );
  const statements: string[] = [];
  for (const table of tables) {
    const issued = new Set(
      rows.filter((row) => row.schema === from && row.table === table).map((row) => row.column),
    );
    // Not minted yet (or the table came with a later migration): nothing was issued there.
    if (issued.size === 0) continue;
    const shared = rows
      .filter((row) => row.schema === 'asym' && row.table === table && row.generated === '')
      .map((row) => row.column)
      .filter((column) => issued.has(column))
      .map(quoteIdent);
    const name = quoteIdent(table);
    statements.push(`DELETE FROM asym.${name}`);
    if (shared.length > 0) {
      const list = shared.join(', ');
      statements.push(`INSERT INTO asym.${name} (${list}) SELECT ${list} FROM ${quoteIdent(from)}.${name}`);
    }
  }
  return statements;
}
