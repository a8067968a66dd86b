import type { Redis } from 'ioredis';
import type pg from 'pg';
import { CloneClock } from './clock.js';
import { CloneRuntime } from './clone-runtime.js';
import { type CloneConfig, ConfigError, loadCloneConfig } from './config.js';
import { createPool } from './db.js';
import { createLogger, type Logger } from './log.js';
import { createRedis } from './redis.js';
import { type FetchApp, runCloneServer } from './server.js';
import type { CloneTemplate } from './template.js';

/** What every template's app factory receives from the shared wiring. */
export interface CloneBackendDeps<Identity extends object = object, Tokens extends object = object> {
  runtime: CloneRuntime<Identity, Tokens>;
  pool: pg.Pool;
  redis: Redis;
  log: Logger;
  config: CloneConfig;
}

/**
 * The body of every backend's main.ts: read the environment, connect, build the app and
 * serve it. A bad environment is reported line by line and exits 1 before listening.
 */
export function startCloneBackend<Identity extends object, Tokens extends object>(
  template: CloneTemplate<Identity, Tokens>,
  createApp: (deps: CloneBackendDeps<Identity, Tokens>) => FetchApp,
  env: NodeJS.ProcessEnv = process.env,
): void {
  let config: CloneConfig;
  try {
    config = loadCloneConfig(env);
  } catch (error) {
    const issues = error instanceof ConfigError ? error.issues : [String(error)];
    for (const issue of issues)
      process.stderr.write(`${template.name} backend: invalid environment: ${issue}\n`);
    process.exit(1);
  }
  const log = createLogger(config.cloneId);
  log.info(`${template.name} backend starting`);
  const pool = createPool(config.databaseUrl, log);
  const redis = createRedis(config.redisUrl, config.redisPrefix, log);
  const runtime = new CloneRuntime<Identity, Tokens>({
    template,
    pool,
    redis,
    redisPrefix: config.redisPrefix,
    migrationsDir: config.migrationsDir,
    log,
    clock: new CloneClock(config.clockMs),
  });
  const app = createApp({ runtime, pool, redis, log, config });
  if (config.seedImage) {
    void makeSeedImage(runtime, config.seedFixture, pool, redis, log);
    return;
  }
  runCloneServer({
    app,
    runtime,
    port: config.port,
    seedFixture: config.seedFixture,
    log,
    closers: [() => pool.end(), () => redis.quit()],
  });
}

/**
 * ASYM_SEED_IMAGE=1: migrate and seed, mark the database as a seed image, drop the
 * template databases, flush it to disk and exit 0 (1 on any failure). Nothing listens:
 * the CLI waits for the exit, then stops Postgres and commits its container as the image
 * new clones start from.
 */
async function makeSeedImage(
  runtime: CloneRuntime,
  fixture: string | null,
  pool: pg.Pool,
  redis: Redis,
  log: Logger,
): Promise<void> {
  let code = 0;
  try {
    await runtime.start(fixture, { seedImage: true });
    // Docker copies the seed image's cluster into every new clone's volume, file by file:
    // the template databases are half its files, and a clone never creates a database.
    for (const name of ['template0', 'template1']) {
      await pool.query(`ALTER DATABASE ${name} IS_TEMPLATE false`);
      await pool.query(`DROP DATABASE ${name}`);
    }
    await pool.query('CHECKPOINT');
  } catch (error) {
    log.error('making the seed image failed', error);
    code = 1;
  }
  await pool.end().catch(() => undefined);
  redis.disconnect();
  process.exit(code);
}
