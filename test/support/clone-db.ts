/**
 * A real Postgres and Redis for the template tests, from the project's LOCAL images
 * (nothing is pulled: override the tags with ASYM_TEST_POSTGRES_IMAGE and
 * ASYM_TEST_REDIS_IMAGE). Ryuk, testcontainers' reaper, would be pulled from a registry,
 * so it is disabled: each suite stops its containers in afterAll.
 */
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';

import pg from 'pg';
import { GenericContainer, type StartedTestContainer, Wait } from 'testcontainers';
import { waitForDatabase } from '../../templates/_shared/db.js';

export const POSTGRES_IMAGE = process.env.ASYM_TEST_POSTGRES_IMAGE ?? 'asymmetric/postgres:dev';
export const REDIS_IMAGE = process.env.ASYM_TEST_REDIS_IMAGE ?? 'asymmetric/redis:dev';

export interface CloneInfra {
  /** redis://host:port of the shared Redis. */
  redisUrl: string;
  /** A new, empty database on the Postgres container; returns its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startCloneInfra(): Promise<CloneInfra> {
  const started: StartedTestContainer[] = [];
  try {
    const [postgres, redis] = await Promise.all([
      // The image logs at WARNING, so "ready to accept connections" never shows: wait for
      // the port, then for a real connection below.
      new GenericContainer(POSTGRES_IMAGE)
        .withExposedPorts(5432)
        .withWaitStrategy(Wait.forListeningPorts())
        .withStartupTimeout(60_000)
        .start(),
      new GenericContainer(REDIS_IMAGE)
        .withExposedPorts(6379)
        .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
        .withStartupTimeout(60_000)
        .start(),
    ]);
    started.push(postgres, redis);
    const base = `postgres://asym@${postgres.getHost()}:${postgres.getMappedPort(5432)}`;
    const admin = new pg.Pool({ connectionString: `${base}/clone`, max: 1 });
    // pool.end() resolves before its connection has closed; stopping the container then
    // sends that connection a FATAL (57P01), which an idle pool re-emits as 'error': with no
    // listener, an uncaught exception that fails the whole run. A query still rejects.
    admin.on('error', () => undefined);
    await waitForDatabase(admin, { deadlineMs: 30_000 });
    return {
      redisUrl: `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`,
      async createDatabase(name) {
        if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
        await admin.query(`CREATE DATABASE ${name}`);
        return `${base}/${name}`;
      },
      async stop() {
        await admin.end().catch(() => undefined);
        await Promise.all(started.map((container) => container.stop({ timeout: 2_000 })));
      },
    };
  } catch (error) {
    await Promise.all(started.map((container) => container.stop().catch(() => undefined)));
    throw error;
  }
}
