import { createHash } from 'node:crypto';
import { buildCredentialRestore, recordIssuedCredentials } from './credentials.js';
import type { Queryable } from './db.js';
import { quoteIdent } from './db.js';
import { buildRestoreSql, checkpointSource, copyPublicInto } from './snapshot.js';

/**
 * Named checkpoints of a clone (`asymmetric snapshot save|restore|ls|rm`): everything a reset
 * restores, as it is now. The tables of `public` and their sequences go into a schema of
 * their own, the credential tables into a second one, so a restore is the same one-round-trip
 * copy as a reset. They live in the clone's database: they survive stop and start, go with
 * `destroy`, and a reseed drops them (they belong to the old fixture).
 */
export const CHECKPOINTS_SQL = `
CREATE TABLE IF NOT EXISTS asym.checkpoints (
  name text PRIMARY KEY,
  schema text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  rows integer NOT NULL,
  state jsonb NOT NULL DEFAULT '{}'
);
`;

export interface Checkpoint {
  name: string;
  createdAt: string;
  rows: number;
}

export class UnknownCheckpointError extends Error {
  constructor(readonly checkpoint: string) {
    super(`no checkpoint named "${checkpoint}"`);
    this.name = 'UnknownCheckpointError';
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export class InvalidCheckpointNameError extends Error {
  constructor(readonly checkpoint: string) {
    super(`"${checkpoint}" is not a checkpoint name: use letters, digits, ".", "_" and "-" (at most 64)`);
    this.name = 'InvalidCheckpointNameError';
  }
}

/** The schemas of one checkpoint: a digest of its name, so any allowed name fits an identifier. */
export function checkpointSchemas(name: string): { tables: string; credentials: string } {
  const digest = createHash('sha256').update(name).digest('hex').slice(0, 24);
  return { tables: `asym_ckpt_${digest}`, credentials: `asym_ckpt_${digest}_cred` };
}

/** Saves (or replaces) a checkpoint. Run it in one transaction. */
export async function saveCheckpoint(
  db: Queryable,
  name: string,
  credentialTables: readonly string[],
  state: Record<string, unknown> = {},
): Promise<Checkpoint & { replaced: boolean }> {
  if (!NAME.test(name)) throw new InvalidCheckpointNameError(name);
  await db.query(CHECKPOINTS_SQL);
  const schemas = checkpointSchemas(name);
  const { rows } = await copyPublicInto(db, schemas.tables);
  await recordIssuedCredentials(db, credentialTables, schemas.credentials);
  const saved = await db.query<{ created_at: Date; replaced: boolean }>(
    `INSERT INTO asym.checkpoints (name, schema, rows, state) VALUES ($1, $2, $3, $4)
     ON CONFLICT (name) DO UPDATE SET created_at = now(), rows = EXCLUDED.rows, state = EXCLUDED.state
     RETURNING created_at, (xmax <> 0) AS replaced`,
    [name, schemas.tables, rows, JSON.stringify(state)],
  );
  const row = saved.rows[0]!;
  return { name, createdAt: row.created_at.toISOString(), rows, replaced: row.replaced };
}

async function find(db: Queryable, name: string): Promise<{ state: Record<string, unknown> }> {
  await db.query(CHECKPOINTS_SQL);
  const { rows } = await db.query<{ state: Record<string, unknown> }>(
    'SELECT state FROM asym.checkpoints WHERE name = $1',
    [name],
  );
  if (!rows[0]) throw new UnknownCheckpointError(name);
  return rows[0];
}

/** The restore text of a checkpoint (tables, sequences and credentials in one transaction), and its saved state. */
export async function checkpointRestore(
  db: Queryable,
  name: string,
  credentialTables: readonly string[],
): Promise<{ sql: string; state: Record<string, unknown> }> {
  const { state } = await find(db, name);
  const schemas = checkpointSchemas(name);
  const credentials = await buildCredentialRestore(db, credentialTables, schemas.credentials);
  return {
    sql: await buildRestoreSql(db, { alongside: credentials, from: checkpointSource(schemas.tables) }),
    state,
  };
}

/** The schema holding a checkpoint's tables, for `diff --since` (throws for an unknown name). */
export async function checkpointTablesSchema(db: Queryable, name: string): Promise<string> {
  await find(db, name);
  return checkpointSchemas(name).tables;
}

export async function listCheckpoints(db: Queryable): Promise<Checkpoint[]> {
  await db.query(CHECKPOINTS_SQL);
  const { rows } = await db.query<{ name: string; created_at: Date; rows: number }>(
    'SELECT name, created_at, rows FROM asym.checkpoints ORDER BY created_at, name',
  );
  return rows.map((row) => ({ name: row.name, createdAt: row.created_at.toISOString(), rows: row.rows }));
}

export async function removeCheckpoint(db: Queryable, name: string): Promise<void> {
  await find(db, name);
  const schemas = checkpointSchemas(name);
  await db.query(
    `DROP SCHEMA IF EXISTS ${quoteIdent(schemas.tables)} CASCADE; DROP SCHEMA IF EXISTS ${quoteIdent(schemas.credentials)} CASCADE`,
  );
  await db.query('DELETE FROM asym.checkpoints WHERE name = $1', [name]);
}

/** Drops every checkpoint (a reseed: they belong to the old fixture); answers how many went. */
export async function dropCheckpoints(db: Queryable): Promise<number> {
  const all = await listCheckpoints(db);
  for (const checkpoint of all) await removeCheckpoint(db, checkpoint.name);
  return all.length;
}
