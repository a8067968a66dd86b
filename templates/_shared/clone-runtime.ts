import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { readSeedState, writeSeedState } from './bookkeeping.js';
import { waitForDatabase, withTransaction } from './db.js';
import { withDeadline } from './deadline.js';
import type { Logger } from './log.js';
import { readMigrations, runMigrations } from './migrations.js';
import { deleteKeysWithPrefix, redisAnswers } from './redis.js';
import { buildRestoreSql, hasSnapshot, restoreSnapshot, takeSnapshot, wipePublic } from './snapshot.js';
import type { CloneTemplate } from './template.js';

export type CloneStage = 'starting' | 'connecting' | 'migrating' | 'seeding' | 'ready' | 'failed';

/** What `GET /_asym/health` reports of the clone's dependencies. */
export interface DependencyHealth {
  database: 'up' | 'down';
  redis: 'up' | 'down';
}

/** How long the health check waits for Postgres to answer `SELECT 1`. */
export const DATABASE_CHECK_MS = 1_000;

export class UnknownFixtureError extends Error {
  constructor(
    readonly fixture: string,
    readonly known: string[],
  ) {
    super(`unknown fixture "${fixture}" (known: ${known.join(', ') || 'none'})`);
    this.name = 'UnknownFixtureError';
  }
}

export interface CloneRuntimeDeps<Identity extends object, Tokens extends object> {
  template: CloneTemplate<Identity, Tokens>;
  pool: pg.Pool;
  redis: Redis;
  redisPrefix: string;
  migrationsDir: string;
  log: Logger;
  /** How long to wait for Postgres at startup. */
  databaseDeadlineMs?: number;
}

/**
 * The lifecycle every clone backend shares: startup (wait, migrate, seed once, snapshot),
 * then reset, reseed and token minting on demand. Operations that rewrite the data run
 * one at a time.
 */
export class CloneRuntime<Identity extends object = object, Tokens extends object = object> {
  private currentStage: CloneStage = 'starting';
  private restoreSql: string | null = null;
  private readonly clearers: Array<() => void | Promise<void>> = [];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: CloneRuntimeDeps<Identity, Tokens>) {}

  get stage(): CloneStage {
    return this.currentStage;
  }

  get ready(): boolean {
    return this.currentStage === 'ready';
  }

  get fixtureNames(): string[] {
    return Object.keys(this.deps.template.fixtures);
  }

  /** Registers an in-memory cache to drop on reset, reseed and token changes. */
  onCachesInvalidated(clear: () => void | Promise<void>): void {
    this.clearers.push(clear);
  }

  async start(seedFixture: string | null): Promise<void> {
    const { pool, log } = this.deps;
    try {
      this.currentStage = 'connecting';
      log.info('waiting for postgres');
      const { attempts } = await waitForDatabase(pool, {
        deadlineMs: this.deps.databaseDeadlineMs ?? 30_000,
      });
      log.info(`postgres is up (attempt ${attempts})`);

      this.currentStage = 'migrating';
      const migrations = await readMigrations(this.deps.migrationsDir);
      const { applied } = await runMigrations(pool, migrations);
      log.info(
        `migrations: ${applied.length} applied, ${migrations.length - applied.length} already in place`,
      );

      this.currentStage = 'seeding';
      const state = await readSeedState(pool);
      if (state === null) {
        const { rows, ms } = await this.exclusive(() => this.seedNow(seedFixture));
        log.info(`seeded ${seedFixture ?? '(no fixture)'}: ${rows} rows, snapshot taken (${ms} ms)`);
      } else if (!(await hasSnapshot(pool))) {
        // Seed state without a snapshot cannot come from this code (both commit together),
        // but a hand-edited database should still come up resettable.
        await withTransaction(pool, (client) => takeSnapshot(client));
        log.info(`seed from an earlier boot kept (${state.fixture ?? 'no fixture'}); snapshot retaken`);
      } else {
        log.info(
          `seed from an earlier boot kept (${state.fixture ?? 'no fixture'}, ${state.seededAt.toISOString()})`,
        );
      }
      this.currentStage = 'ready';
      log.info('ready');
    } catch (error) {
      this.currentStage = 'failed';
      throw error;
    }
  }

  /** Back to the seeded state: tables and sequences from the snapshot, Redis keys, caches. */
  async reset(): Promise<{ ms: number }> {
    return this.exclusive(async () => {
      const started = performance.now();
      this.restoreSql ??= await buildRestoreSql(this.deps.pool);
      await restoreSnapshot(this.deps.pool, this.restoreSql);
      await this.dropVolatileState();
      return { ms: Math.round((performance.now() - started) * 10) / 10 };
    });
  }

  /** Wipes `public`, applies `fixture` (or the template's empty one) and snapshots the result. */
  async seed(fixture: string | null): Promise<Identity> {
    await this.exclusive(() => this.seedNow(fixture));
    return this.deps.template.identity(this.deps.pool);
  }

  async mintTokens(request: unknown): Promise<Tokens> {
    return this.exclusive(async () => {
      const tokens = await withTransaction(this.deps.pool, (client) =>
        this.deps.template.mintTokens(client, request),
      );
      await this.clearCaches();
      return tokens;
    });
  }

  private async seedNow(fixture: string | null): Promise<{ rows: number; ms: number }> {
    const { template, pool } = this.deps;
    const apply = fixture === null ? template.emptyFixture : template.fixtures[fixture];
    if (!apply) throw new UnknownFixtureError(fixture ?? '', this.fixtureNames);
    const started = performance.now();
    const { rows } = await withTransaction(pool, async (client) => {
      await wipePublic(client);
      await apply(client);
      await writeSeedState(client, fixture);
      return takeSnapshot(client);
    });
    // Planner statistics for the seeded tables. Without them Postgres guesses a handful of
    // rows per table and reads a whole channel to sort out a page of history (1 ms instead
    // of 0.1 ms). Statistics live outside `public`, so resets keep them; autovacuum
    // refreshes them as an agent's writes grow the tables.
    await pool.query('ANALYZE');
    this.restoreSql = null;
    await this.dropVolatileState();
    return { rows, ms: Math.round(performance.now() - started) };
  }

  /**
   * Whether Postgres answers `SELECT 1` within DATABASE_CHECK_MS, and Redis a PING. A
   * clone without its database serves nothing; without Redis it only loses rate limits.
   */
  async dependencies(): Promise<DependencyHealth> {
    const [databaseUp, redisUp] = await Promise.all([
      withDeadline(this.deps.pool.query('SELECT 1'), DATABASE_CHECK_MS, 'postgres').then(
        () => true,
        () => false,
      ),
      redisAnswers(this.deps.redis),
    ]);
    return { database: databaseUp ? 'up' : 'down', redis: redisUp ? 'up' : 'down' };
  }

  private async dropVolatileState(): Promise<void> {
    // Redis holds only counters that expire within minutes (rate-limit windows): a reset
    // while it is unreachable still restores the data, and says what it could not clear.
    try {
      await deleteKeysWithPrefix(this.deps.redis, this.deps.redisPrefix);
    } catch (error) {
      this.deps.log.error('redis keys not cleared (redis unavailable); they expire on their own', error);
    }
    await this.clearCaches();
  }

  private async clearCaches(): Promise<void> {
    for (const clear of this.clearers) await clear();
  }

  /** Runs `work` after every operation queued before it (reset, seed and mint never overlap). */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
