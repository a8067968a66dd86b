import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import {
  clearSeedImage,
  isSeedImage,
  markSeedImage,
  readSeedState,
  readTimelineState,
  writeSeedState,
} from './bookkeeping.js';
import {
  type Checkpoint,
  checkpointRestore,
  checkpointTablesSchema,
  dropCheckpoints,
  listCheckpoints,
  removeCheckpoint,
  saveCheckpoint,
} from './checkpoints.js';
import { CloneClock, timelineShift } from './clock.js';
import { buildCredentialRestore, recordIssuedCredentials } from './credentials.js';
import { waitForDatabase, withTransaction } from './db.js';
import { withDeadline } from './deadline.js';
import { type Change, copiedTables, diffTables } from './diff.js';
import { Evaluation } from './evaluation.js';
import type { Logger } from './log.js';
import { readMigrations, runMigrations } from './migrations.js';
import { deleteKeysWithPrefix, redisAnswers } from './redis.js';
import {
  buildRestoreSql,
  hasSnapshot,
  restoreSnapshot,
  seedBaseline,
  takeSnapshot,
  wipePublic,
} from './snapshot.js';
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
  /** Restores `public` and the credentials as last minted; rebuilt after a seed or a mint. */
  private restoreSql: string | null = null;
  // The same restore without refreshing the shifted json copies, and the shift those copies
  // carry: most resets fall on the same day as the one before and skip the refresh.
  private restoreSqlSameShift: string | null = null;
  private snapshotShift: number | null = null;
  /**
   * Each checkpoint's restore text, built on its first restore: the catalog reads and the
   * lookup cost more than the copy. Dropped when the checkpoint is saved again or removed,
   * and all of them on a reseed (which drops the checkpoints); the schema changes only with
   * a migration, at start, when the map is new.
   */
  private readonly checkpointSql = new Map<string, string>();
  private readonly clearers: Array<() => void | Promise<void>> = [];
  private readonly resetHooks: Array<() => void | Promise<void>> = [];
  private readonly readyHooks: Array<() => void | Promise<void>> = [];
  private queue: Promise<unknown> = Promise.resolve();
  /** Operations queued or running in `exclusive` (what `settled` waits out). */
  private rewriting = 0;
  private fixture: string | null = null;
  private shift = 0;
  readonly clock: CloneClock;
  /** The journal of API calls and the injected faults (the evaluation toolkit). */
  readonly evaluation: Evaluation;

  constructor(private readonly deps: CloneRuntimeDeps<Identity, Tokens>) {
    this.clock = deps.clock ?? new CloneClock();
    this.evaluation = new Evaluation(deps.pool);
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

  /**
   * Ready, with no reset, seed or mint under way. Background work that writes (a scheduler
   * posting what fell due) runs only then: a reseed commits the fixture's own fixed times a
   * moment before it moves them around now, and in that moment every seeded reminder is due.
   */
  get settled(): boolean {
    return this.ready && this.rewriting === 0;
  }

  get fixtureNames(): string[] {
    return Object.keys(this.deps.template.fixtures);
  }

  /** Registers an in-memory cache to drop on reset, reseed and token changes. */
  onCachesInvalidated(clear: () => void | Promise<void>): void {
    this.clearers.push(clear);
  }

  /**
   * Registers what else goes back to the seeded state on reset and reseed, after the
   * database, the credentials and the Redis keys: what a backend holds in memory that a
   * trial can change (queued deliveries and their retries, open connections, timers).
   */
  onReset(hook: () => void | Promise<void>): void {
    this.resetHooks.push(hook);
  }

  /**
   * Registers what runs once the clone is ready after a start (migrated, seeded): work that
   * outlived the last process, such as delivery retries waiting in Postgres. A failing hook
   * is logged; the clone stays ready.
   */
  onReady(hook: () => void | Promise<void>): void {
    this.readyHooks.push(hook);
  }

  /**
   * Startup: wait for Postgres, migrate, then seed once. With `seedImage`, the seeded
   * database is marked as a seed image (what a new clone of the fixture starts from,
   * migrated and seeded already); a clone booting from one places its timeline on today,
   * as a reset does, instead of seeding.
   */
  async start(seedFixture: string | null, options: { seedImage?: boolean } = {}): Promise<void> {
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
      // Faults are setup that outlives restarts; load them before the first call can come.
      await this.evaluation.faults.load();

      this.currentStage = 'seeding';
      const state = await readSeedState(pool);
      const fromImage = state !== null && (await isSeedImage(pool));
      if (state === null || (fromImage && state.fixture !== seedFixture)) {
        const { rows, ms } = await this.exclusive(() => this.seedNow(seedFixture));
        if (fromImage) await clearSeedImage(pool);
        log.info(`seeded ${seedFixture ?? '(no fixture)'}: ${rows} rows, snapshot taken (${ms} ms)`);
      } else if (fromImage) {
        this.fixture = state.fixture;
        const ms = await this.exclusive(() => this.adoptSeedImage());
        log.info(`seeded ${state.fixture ?? '(no fixture)'} from the seed image, timeline placed (${ms} ms)`);
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
      if (options.seedImage) {
        await markSeedImage(pool);
        log.info('seed image ready');
        return;
      }
      this.currentStage = 'ready';
      log.info('ready');
      for (const hook of this.readyHooks) {
        await Promise.resolve()
          .then(hook)
          .catch((error: unknown) => log.error('a ready hook failed', error));
      }
    } catch (error) {
      this.currentStage = 'failed';
      throw error;
    }
  }

  /**
   * Back to the seeded state: tables and sequences from the snapshot, credentials as last
   * minted, Redis keys, caches and whatever the reset hooks hold, with the timeline placed
   * around now again (a pinned clock back at its anchor).
   */
  async reset(): Promise<{ ms: number }> {
    return this.exclusive(async () => {
      const started = performance.now();
      await this.restoreShifted();
      await this.dropVolatileState();
      // A new trial: its journal starts empty (faults are setup and stay).
      this.evaluation.journal.clear();
      return { ms: Math.round((performance.now() - started) * 10) / 10 };
    });
  }

  /**
   * What changed since the seeded state of this trial (the last seed or reset), as vendor
   * objects. Reads only: it runs beside the API, not in the queue of resets.
   */
  async diff(since?: string): Promise<Change[]> {
    const { pool, template } = this.deps;
    // The seed's baseline is the snapshot as this trial's reset placed it: moved by the same shift.
    const baseline =
      since === undefined
        ? seedBaseline(template.timeline, this.shift)
        : copiedTables(await checkpointTablesSchema(pool, since));
    return diffTables(pool, await template.diffSources(pool, () => this.clock.now()), baseline);
  }

  /** Saves everything a reset restores, as it is now, under `name` (replacing one of that name). */
  async saveCheckpoint(name: string): Promise<Checkpoint & { replaced: boolean; ms: number }> {
    return this.exclusive(async () => {
      const started = performance.now();
      this.checkpointSql.delete(name);
      const saved = await withTransaction(this.deps.pool, (client) =>
        saveCheckpoint(client, name, this.deps.template.credentialTables),
      );
      return { ...saved, ms: Math.round((performance.now() - started) * 10) / 10 };
    });
  }

  /** Back to a checkpoint, like a reset back to the seed: a new trial from there (journal cleared). */
  async restoreCheckpoint(name: string): Promise<{ ms: number }> {
    return this.exclusive(async () => {
      const started = performance.now();
      const { pool, template } = this.deps;
      let sql = this.checkpointSql.get(name);
      if (sql === undefined) {
        sql = (await checkpointRestore(pool, name, template.credentialTables)).sql;
        this.checkpointSql.set(name, sql);
      }
      await restoreSnapshot(pool, sql).catch((error: unknown) => {
        this.checkpointSql.delete(name); // built afresh next time
        throw error;
      });
      await this.dropVolatileState();
      this.evaluation.journal.clear();
      return { ms: Math.round((performance.now() - started) * 10) / 10 };
    });
  }

  listCheckpoints(): Promise<Checkpoint[]> {
    return listCheckpoints(this.deps.pool);
  }

  removeCheckpoint(name: string): Promise<void> {
    return this.exclusive(() => {
      this.checkpointSql.delete(name);
      return removeCheckpoint(this.deps.pool, name);
    });
  }

  /**
   * A new clone's first boot from a seed image: the seeded data moved onto today (what a
   * reset does), the bookkeeping of the seed made this clone's own.
   */
  private async adoptSeedImage(): Promise<number> {
    const started = performance.now();
    await this.restoreShifted();
    await this.dropVolatileState();
    this.evaluation.journal.clear();
    await withTransaction(this.deps.pool, async (client) => {
      await writeSeedState(client, this.fixture);
      await clearSeedImage(client);
    });
    return Math.round(performance.now() - started);
  }

  /** The snapshot restored with the shift that puts the fixture's anchor on today. */
  private async restoreShifted(): Promise<void> {
    const { pool, template } = this.deps;
    // The texts are cached until the next seed or mint: most resets build nothing and go
    // straight to the one round trip (the catalog reads cost more than the restore itself).
    if (this.restoreSql === null || this.restoreSqlSameShift === null) {
      const alongside = await buildCredentialRestore(pool, template.credentialTables);
      this.restoreSql ??= await buildRestoreSql(pool, { timeline: template.timeline, alongside });
      this.restoreSqlSameShift ??= await buildRestoreSql(pool, {
        timeline: template.timeline,
        alongside,
        refreshJson: false,
      });
    }
    this.clock.rewind();
    const anchor = template.timeline.anchors[this.fixture ?? ''];
    const nowMs = this.clock.pinnedMs ?? this.clock.now();
    this.shift = anchor === undefined ? 0 : timelineShift(anchor, nowMs);
    const sql = this.snapshotShift === this.shift ? this.restoreSqlSameShift : this.restoreSql;
    await restoreSnapshot(pool, sql, { shiftSeconds: this.shift, resetAtMs: this.clock.real() });
    this.snapshotShift = this.shift;
  }

  /**
   * Wipes `public`, applies `fixture` (or the template's empty one) and snapshots the result.
   * Checkpoints belong to the old fixture: they are dropped, and the count says how many.
   */
  async seed(fixture: string | null): Promise<{ identity: Identity; checkpointsDropped: number }> {
    const checkpointsDropped = await this.exclusive(async () => {
      this.checkpointSql.clear();
      await this.seedNow(fixture);
      return dropCheckpoints(this.deps.pool);
    });
    return { identity: await this.deps.template.identity(this.deps.pool), checkpointsDropped };
  }

  async mintTokens(request: unknown): Promise<Tokens> {
    return this.exclusive(async () => {
      const tokens = await withTransaction(this.deps.pool, (client) =>
        this.deps.template.mintTokens(client, request).then(async (minted) => {
          await recordIssuedCredentials(client, this.deps.template.credentialTables);
          return minted;
        }),
      );
      // The restore texts carry the credentials as issued: rebuilt for the new set.
      this.restoreSql = null;
      this.restoreSqlSameShift = null;
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
      // A reseed also takes back what the agent did to the tokens (none before the first mint).
      const credentials = await buildCredentialRestore(client, template.credentialTables);
      for (const statement of credentials) await client.query(statement);
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
    this.evaluation.journal.clear();
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
    for (const hook of this.resetHooks) await hook();
  }

  private async clearCaches(): Promise<void> {
    for (const clear of this.clearers) await clear();
  }

  /** Runs `work` after every operation queued before it (reset, seed and mint never overlap). */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    this.rewriting += 1;
    const run = this.queue.then(work, work).finally(() => {
      this.rewriting -= 1;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}
