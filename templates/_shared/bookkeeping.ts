import type { Queryable } from './db.js';
import { OUTBOUND_RETRIES_SQL } from './outbound.js';

/**
 * Schema `asym` holds what the clone knows about itself (applied migrations, which seed
 * ran, the snapshot's sequence values, tokens); schema `asym_seed` holds the snapshot of
 * `public`. Reset and seed rewrite `public` only.
 */
export const BOOKKEEPING_SQL = `
CREATE SCHEMA IF NOT EXISTS asym;
CREATE TABLE IF NOT EXISTS asym.migrations (
  name text PRIMARY KEY,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS asym.seed_state (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  fixture text,
  seeded_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS asym.snapshot_sequences (
  name text PRIMARY KEY,
  last_value bigint NOT NULL,
  is_called boolean NOT NULL
);
-- The timeline shift the data in public carries (seconds), and the real time it was placed.
CREATE TABLE IF NOT EXISTS asym.timeline_state (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  shift_s bigint NOT NULL,
  reset_at_ms bigint NOT NULL
);
-- Present only in a seed image (a Postgres image committed right after seeding, which new
-- clones of that fixture start from): the first boot of such a clone places the timeline
-- on its own today, then removes the row. A restart never sees it again.
CREATE TABLE IF NOT EXISTS asym.seed_image (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  made_at timestamptz NOT NULL DEFAULT now()
);
${OUTBOUND_RETRIES_SQL}`;

export interface TimelineState {
  shiftSeconds: number;
  resetAtMs: number;
}

export async function readTimelineState(db: Queryable): Promise<TimelineState | null> {
  const { rows } = await db.query<{ shift_s: number; reset_at_ms: number }>(
    'SELECT shift_s, reset_at_ms FROM asym.timeline_state',
  );
  const row = rows[0];
  return row ? { shiftSeconds: row.shift_s, resetAtMs: row.reset_at_ms } : null;
}

export interface SeedState {
  fixture: string | null;
  seededAt: Date;
}

export async function readSeedState(db: Queryable): Promise<SeedState | null> {
  const { rows } = await db.query<{ fixture: string | null; seeded_at: Date }>(
    'SELECT fixture, seeded_at FROM asym.seed_state',
  );
  const row = rows[0];
  return row ? { fixture: row.fixture, seededAt: row.seeded_at } : null;
}

export async function writeSeedState(db: Queryable, fixture: string | null): Promise<void> {
  await db.query(
    `INSERT INTO asym.seed_state (singleton, fixture, seeded_at) VALUES (true, $1, now())
     ON CONFLICT (singleton) DO UPDATE SET fixture = EXCLUDED.fixture, seeded_at = EXCLUDED.seeded_at`,
    [fixture],
  );
}

/** Marks the database as a seed image (see `asym.seed_image`). */
export async function markSeedImage(db: Queryable): Promise<void> {
  await db.query('INSERT INTO asym.seed_image (singleton) VALUES (true) ON CONFLICT DO NOTHING');
}

/** Whether the database came from a seed image and has not been placed on today yet. */
export async function isSeedImage(db: Queryable): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM asym.seed_image');
  return rows.length > 0;
}

export async function clearSeedImage(db: Queryable): Promise<void> {
  await db.query('DELETE FROM asym.seed_image');
}
