import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { BOOKKEEPING_SQL } from './bookkeeping.js';
import { withTransaction } from './db.js';

export interface Migration {
  name: string;
  sql: string;
}

export async function readMigrations(dir: string): Promise<Migration[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.sql'));
  } catch (error) {
    throw new Error(
      `cannot read migrations folder ${dir} (set ASYM_MIGRATIONS_DIR): ${(error as Error).message}`,
    );
  }
  // Plain code-unit order, not locale order: `0002_x.sql` must sort the same everywhere.
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return Promise.all(names.map(async (name) => ({ name, sql: await readFile(join(dir, name), 'utf8') })));
}

const checksum = (sql: string) => createHash('sha256').update(sql).digest('hex');

/**
 * Applies the migrations not yet recorded in `asym.migrations`, in name order, all in one
 * transaction under an advisory lock (two backends on one database never interleave). A
 * recorded migration whose text changed is refused: the database would no longer match it.
 */
export async function runMigrations(pool: pg.Pool, migrations: Migration[]): Promise<{ applied: string[] }> {
  return withTransaction(pool, async (client) => {
    await client.query("SELECT pg_advisory_xact_lock(hashtext('asym.migrations'))");
    // Whatever the connection's search_path, unqualified names in migrations mean `public`.
    await client.query('SET LOCAL search_path TO public');
    await client.query(BOOKKEEPING_SQL);
    const { rows } = await client.query<{ name: string; checksum: string }>(
      'SELECT name, checksum FROM asym.migrations',
    );
    const recorded = new Map(rows.map((row) => [row.name, row.checksum]));
    const applied: string[] = [];
    for (const migration of migrations) {
      const sum = checksum(migration.sql);
      const previous = recorded.get(migration.name);
      if (previous !== undefined) {
        if (previous !== sum) throw new Error(`migration ${migration.name} changed after it was applied`);
        continue;
      }
      try {
        await client.query(migration.sql);
      } catch (error) {
        throw new Error(`migration ${migration.name} failed: ${(error as Error).message}`);
      }
      await client.query('INSERT INTO asym.migrations (name, checksum) VALUES ($1, $2)', [
        migration.name,
        sum,
      ]);
      applied.push(migration.name);
    }
    return { applied };
  });
}
