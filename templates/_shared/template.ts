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

/** What a template hands the shared runtime: its data, and how it names and keys itself. */
export interface CloneTemplate<Identity extends object, Tokens extends object> {
  name: string;
  /** Named fixtures, imported statically so the bundle carries them. */
  fixtures: Readonly<Record<string, Fixture>>;
  /** Seeded when no fixture is named: the least the API needs to answer (a workspace, an account). */
  emptyFixture: Fixture;
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
