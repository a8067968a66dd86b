import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { readSeedState, writeSeedState } from './bookkeeping.js';
import {
  type Checkpoint,
  checkpointRestore,
  checkpointTablesSchema,
  dropCheckpoints,
  listCheckpoints,
  removeCheckpoint,
  saveCheckpoint,
} from './checkpoints.js';
import { buildCredentialRestore, recordIssuedCredentials } from './credentials.js';
import { waitForDatabase, withTransaction } from './db.js';
import { type Change, copiedTables, diffTables } from './diff.js';
import { Evaluation } from './evaluation.js';
import type { Logger } from './log.js';
import { readMigrations, runMigrations } from './migrations.js';
import { deleteKeysWithPrefix } from './redis.js';
import {
  buildRestoreSql,
  hasSnapshot,
  restoreSnapshot,
  SNAPSHOT_SCHEMA,
  takeSnapshot,
  wipePublic,
} from './snapshot.js';
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
  private readonly clearers: Array<() => void | Promise<void>> = [];
  private readonly resetHooks: Array<() => void | Promise<void>> = [];
  private queue: Promise<unknown> = Promise.resolve();
  /** The journal of API calls and the injected faults (the evaluation toolkit). */
  readonly evaluation: Evaluation;

  constructor(private readonly deps: CloneRuntimeDeps<Identity, Tokens>) {
    this.evaluation = new Evaluation(deps.pool);
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

  /**
   * Registers what else goes back to the seeded state on reset and reseed, after the
   * database, the credentials and the Redis keys: what a backend holds in memory that a
   * trial can change (queued deliveries and their retries, open connections, timers).
   */
  onReset(hook: () => void | Promise<void>): void {
    this.resetHooks.push(hook);
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
      // Faults are setup that outlives restarts; load them before the first call can come.
      await this.evaluation.faults.load();

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

  /**
   * Back to the seeded state: tables and sequences from the snapshot, credentials as last
   * minted, Redis keys, caches and whatever the reset hooks hold.
   */
  async reset(): Promise<{ ms: number }> {
    return this.exclusive(async () => {
      const started = performance.now();
      this.restoreSql ??= await buildRestoreSql(
        this.deps.pool,
        await buildCredentialRestore(this.deps.pool, this.deps.template.credentialTables),
      );
      await restoreSnapshot(this.deps.pool, this.restoreSql);
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
    const baseline = since === undefined ? SNAPSHOT_SCHEMA : await checkpointTablesSchema(pool, since);
    return diffTables(pool, await template.diffSources(pool, Date.now), copiedTables(baseline));
  }

  /** Saves everything a reset restores, as it is now, under `name` (replacing one of that name). */
  async saveCheckpoint(name: string): Promise<Checkpoint & { replaced: boolean; ms: number }> {
    return this.exclusive(async () => {
      const started = performance.now();
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
      const { sql } = await checkpointRestore(pool, name, template.credentialTables);
      await restoreSnapshot(pool, sql);
      await this.dropVolatileState();
      this.evaluation.journal.clear();
      return { ms: Math.round((performance.now() - started) * 10) / 10 };
    });
  }

  listCheckpoints(): Promise<Checkpoint[]> {
    return listCheckpoints(this.deps.pool);
  }

  removeCheckpoint(name: string): Promise<void> {
    return this.exclusive(() => removeCheckpoint(this.deps.pool, name));
  }

  /**
   * Wipes `public`, applies `fixture` (or the template's empty one) and snapshots the result.
   * Checkpoints belong to the old fixture: they are dropped, and the count says how many.
   */
  async seed(fixture: string | null): Promise<{ identity: Identity; checkpointsDropped: number }> {
    const checkpointsDropped = await this.exclusive(async () => {
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
      this.restoreSql = null;
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
      return takeSnapshot(client);
    });
    // Planner statistics for the seeded tables. Without them Postgres guesses a handful of
    // rows per table and reads a whole channel to sort out a page of history (1 ms instead
    // of 0.1 ms). Statistics live outside `public`, so resets keep them; autovacuum
    // refreshes them as an agent's writes grow the tables.
    await pool.query('ANALYZE');
    this.restoreSql = null;
    await this.dropVolatileState();
    this.evaluation.journal.clear();
    return { rows, ms: Math.round(performance.now() - started) };
  }

  private async dropVolatileState(): Promise<void> {
    await deleteKeysWithPrefix(this.deps.redis, this.deps.redisPrefix);
    await this.clearCaches();
    for (const hook of this.resetHooks) await hook();
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
