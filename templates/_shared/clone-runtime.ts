import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { readSeedState, readTimelineState, writeSeedState } from './bookkeeping.js';
import { CloneClock, timelineShift } from './clock.js';
import { waitForDatabase, withTransaction } from './db.js';
import type { Logger } from './log.js';
import { readMigrations, runMigrations } from './migrations.js';
import { deleteKeysWithPrefix } from './redis.js';
import { buildRestoreSql, hasSnapshot, restoreSnapshot, takeSnapshot, wipePublic } from './snapshot.js';
import type { CloneTemplate } from './template.js';

export type CloneStage = 'starting' | 'connecting' | 'migrating' | 'seeding' | 'ready' | 'failed';

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
  /** The clone's clock (real time unless pinned); every vendor-visible time reads it. */
  clock?: CloneClock;
}

/**
 * The lifecycle every clone backend shares: startup (wait, migrate, seed once, snapshot),
 * then reset, reseed and token minting on demand. Operations that rewrite the data run
 * one at a time.
 */
export class CloneRuntime<Identity extends object = object, Tokens extends object = object> {
  private currentStage: CloneStage = 'starting';
  private restoreSql: string | null = null;
  // The same restore without refreshing the shifted json copies, and the shift those copies
  // carry: most resets fall on the same day as the one before and skip the refresh.
  private restoreSqlSameShift: string | null = null;
  private snapshotShift: number | null = null;
  private readonly clearers: Array<() => void | Promise<void>> = [];
  private queue: Promise<unknown> = Promise.resolve();
  private fixture: string | null = null;
  private shift = 0;
  readonly clock: CloneClock;

  constructor(private readonly deps: CloneRuntimeDeps<Identity, Tokens>) {
    this.clock = deps.clock ?? new CloneClock();
  }

  /** Seconds the seeded timeline is moved by (whole days), as of the last seed or reset. */
  get timelineShift(): number {
    return this.shift;
  }

  /**
   * The fixture's anchor (epoch seconds, what its data treats as "now"; null without one),
   * the shift applied to it, and the pinned clock (ms) if any.
   */
  timeline(): { anchor: number | null; shift: number; clock: number | null } {
    const anchor = this.deps.template.timeline.anchors[this.fixture ?? ''];
    return { anchor: anchor ?? null, shift: this.shift, clock: this.clock.pinnedMs };
  }

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
      } else {
        // A restart keeps the data and its timeline as they were; a pinned clock carries on
        // from the last reset instead of jumping back to its anchor.
        this.fixture = state.fixture;
        const timeline = await readTimelineState(pool);
        if (timeline) {
          this.shift = timeline.shiftSeconds;
          this.clock.resumeFrom(timeline.resetAtMs);
        }
        if (!(await hasSnapshot(pool))) {
          // Seed state without a snapshot cannot come from this code (both commit together),
          // but a hand-edited database should still come up resettable.
          await withTransaction(pool, (client) => takeSnapshot(client, this.deps.template.timeline));
          log.info(`seed from an earlier boot kept (${state.fixture ?? 'no fixture'}); snapshot retaken`);
        } else {
          log.info(
            `seed from an earlier boot kept (${state.fixture ?? 'no fixture'}, ${state.seededAt.toISOString()})`,
          );
        }
      }
      this.currentStage = 'ready';
      log.info('ready');
    } catch (error) {
      this.currentStage = 'failed';
      throw error;
    }
  }

  /**
   * Back to the seeded state: tables and sequences from the snapshot, Redis keys, caches,
   * with the timeline placed around now again (a pinned clock back at its anchor).
   */
  async reset(): Promise<{ ms: number }> {
    return this.exclusive(async () => {
      const started = performance.now();
      await this.restoreShifted();
      await this.dropVolatileState();
      return { ms: Math.round((performance.now() - started) * 10) / 10 };
    });
  }

  /** The snapshot restored with the shift that puts the fixture's anchor on today. */
  private async restoreShifted(): Promise<void> {
    const { pool, template } = this.deps;
    this.restoreSql ??= await buildRestoreSql(pool, template.timeline);
    this.restoreSqlSameShift ??= await buildRestoreSql(pool, template.timeline, { refreshJson: false });
    this.clock.rewind();
    const anchor = template.timeline.anchors[this.fixture ?? ''];
    const nowMs = this.clock.pinnedMs ?? this.clock.now();
    this.shift = anchor === undefined ? 0 : timelineShift(anchor, nowMs);
    const sql = this.snapshotShift === this.shift ? this.restoreSqlSameShift : this.restoreSql;
    await restoreSnapshot(pool, sql, { shiftSeconds: this.shift, resetAtMs: this.clock.real() });
    this.snapshotShift = this.shift;
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
      return takeSnapshot(client, template.timeline);
    });
    // Planner statistics for the seeded tables. Without them Postgres guesses a handful of
    // rows per table and reads a whole channel to sort out a page of history (1 ms instead
    // of 0.1 ms). Statistics live outside `public`, so resets keep them; autovacuum
    // refreshes them as an agent's writes grow the tables.
    await pool.query('ANALYZE');
    this.restoreSql = null;
    this.restoreSqlSameShift = null;
    this.snapshotShift = null;
    this.fixture = fixture;
    // The fixture wrote its own fixed times (so does the snapshot); the live tables get them
    // moved around now, the way every reset will.
    await this.restoreShifted();
    await this.dropVolatileState();
    return { rows, ms: Math.round(performance.now() - started) };
  }

  private async dropVolatileState(): Promise<void> {
    await deleteKeysWithPrefix(this.deps.redis, this.deps.redisPrefix);
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
