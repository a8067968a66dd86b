import type pg from 'pg';
import type { Queryable } from './db.js';
import type { DiffSource } from './diff.js';

/**
 * A fixture writes its rows into an empty `public` schema. It must be deterministic:
 * no clock, no Math.random (use `createPrng`), so every seed yields identical rows.
 */
export type Fixture = (db: Queryable) => Promise<void>;

/** Thrown by a template for a bad admin request body; rendered as a 400 by the admin routes. */
export class AdminRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AdminRequestError';
  }
}

/**
 * How a column holds time, for the timeline shift (see snapshot.ts): epoch seconds,
 * milliseconds or microseconds (Slack `ts` ids are stored as microseconds; 0 means
 * "unset" and stays 0), a timestamptz, or a jsonb document whose `jsonTimeKeys` hold
 * epoch seconds at any depth (Stripe objects).
 */
export type TimeColumn = 's' | 'ms' | 'us' | 'timestamptz' | 'json';

/**
 * A template's seeded timeline. Fixtures write fixed times around a fixed anchor; every
 * seed and reset moves all of them by one whole-day shift so the anchor lands on today.
 */
export interface Timeline {
  /** Epoch seconds (a UTC midnight) each fixture treats as "now", by fixture name; `''` for the empty one. */
  anchors: Readonly<Record<string, number>>;
  /** Every time-bearing column of schema `public`, by table. */
  columns: Readonly<Record<string, Readonly<Record<string, TimeColumn>>>>;
  /** Keys of `json` columns whose numbers are epoch seconds. */
  jsonTimeKeys?: readonly string[];
}

/** What a template hands the shared runtime: its data, and how it names and keys itself. */
export interface CloneTemplate<Identity extends object, Tokens extends object> {
  name: string;
  /** Named fixtures, imported statically so the bundle carries them. */
  fixtures: Readonly<Record<string, Fixture>>;
  /** Seeded when no fixture is named: the least the API needs to answer (a workspace, an account). */
  emptyFixture: Fixture;
  /** Where the fixtures' times are, so seed and reset can place them around now. */
  timeline: Timeline;
  /** The ids tokens act as, after a seed (no secrets). */
  identity(db: Queryable): Promise<Identity>;
  /** Mints a token set and revokes every earlier one, inside the caller's transaction. */
  mintTokens(db: pg.PoolClient, request: unknown): Promise<Tokens>;
  /**
   * The tables of schema `asym` that hold issued credentials (tokens, keys, secrets and
   * their revocations). The runtime records them as each set is minted and puts them back
   * on reset and reseed: whatever the agent revoked or rotated through the API is undone,
   * and earlier sets stay revoked.
   */
  credentialTables: readonly string[];
  /**
   * Which tables hold which vendor objects, and how the API renders a row (`diff`). `now`
   * is the clone's clock in milliseconds, for objects whose rendering depends on it.
   */
  diffSources(db: Queryable, now: () => number): Promise<DiffSource[]>;
}
