import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { CloneBackendDeps } from '../../templates/_shared/backend-main.js';
import type { CloneClock } from '../../templates/_shared/clock.js';
import { CloneRuntime } from '../../templates/_shared/clone-runtime.js';
import type { CloneConfig } from '../../templates/_shared/config.js';
import { sha256Hex } from '../../templates/_shared/crypto.js';
import { createPool } from '../../templates/_shared/db.js';
import { createMemoryLogger } from '../../templates/_shared/log.js';
import { createRedis } from '../../templates/_shared/redis.js';
import type { FetchApp } from '../../templates/_shared/server.js';
import type { CloneTemplate } from '../../templates/_shared/template.js';
import { type CloneInfra, startCloneInfra } from '../support/clone-db.js';
import { spinClone } from '../support/spun-clone.js';

export const migrationsDir = (template: string) =>
  fileURLToPath(new URL(`../../templates/${template}/migrations`, import.meta.url));

/** What the SDK suites need of a clone, wherever it runs. */
export interface CloneUnderTest {
  url: string;
  port: number;
  adminToken: string;
  /** redis://host:port of the Redis the clone keeps its keys in, under `redisPrefix`. */
  redisUrl: string;
  redisPrefix: string;
  pool: pg.Pool;
  redis: Redis;
  // biome-ignore lint/suspicious/noExplicitAny: tests read admin JSON freely
  admin(path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }>;
  logLines(): Promise<string[]>;
  close(): Promise<void>;
}

/** An in-process backend: also its runtime and its log, for what only a test can reach. */
export interface RunningBackend<Identity extends object, Tokens extends object> extends CloneUnderTest {
  runtime: CloneRuntime<Identity, Tokens>;
  log: ReturnType<typeof createMemoryLogger>;
}

/**
 * Where the SDK suites' clone runs: in this process (the templates tier) or, with
 * ASYM_CLONE_TARGET=container, as containers the built CLI spins (the containers tier runs
 * the same files that way).
 */
export const CLONE_TARGET = process.env.ASYM_CLONE_TARGET === 'container' ? 'container' : 'in-process';

/**
 * Where a suite's own receivers (webhooks, Request URLs) listen: the loopback only, as
 * users' dev servers do. A spun clone reaches it through the home's relay (src/relay).
 */
export const RECEIVER_HOST = '127.0.0.1';

async function adminRequest(url: string, path: string, body: unknown, token: string) {
  const response = await fetch(`${url}/_asym${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? '' : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/**
 * A seeded clone for an SDK suite, per CLONE_TARGET. `createApp` wires the in-process
 * backend (shorter retry delays and the like); a spun clone runs as users run it.
 */
export async function openClone<Identity extends object, Tokens extends object>(options: {
  template: CloneTemplate<Identity, Tokens>;
  createApp: (deps: CloneBackendDeps<Identity, Tokens>) => FetchApp;
  database: string;
  seedFixture: string | null;
}): Promise<CloneUnderTest> {
  if (CLONE_TARGET === 'container') {
    const spun = await spinClone(options.template.name, { seed: options.seedFixture });
    return {
      ...spun,
      admin: (path, body, token = spun.adminToken) => adminRequest(spun.url, path, body, token),
    };
  }
  const infra = await startCloneInfra();
  try {
    const backend = await startBackend(infra, options);
    return {
      ...backend,
      async close() {
        await backend.close();
        await infra.stop();
      },
    };
  } catch (error) {
    await infra.stop();
    throw error;
  }
}

/**
 * One backend in-process, the way main.ts wires it (real pool, Redis, runtime, app), served
 * on 127.0.0.1 with an ephemeral port, on its own fresh database and Redis prefix.
 */
export async function startBackend<Identity extends object, Tokens extends object>(
  infra: CloneInfra,
  options: {
    template: CloneTemplate<Identity, Tokens>;
    createApp: (deps: CloneBackendDeps<Identity, Tokens>) => FetchApp;
    database: string;
    seedFixture: string | null;
    start?: boolean;
    /** The clone's clock (a fake real-time source, a pinned anchor); real time by default. */
    clock?: CloneClock;
    /** Where its migrations are, when its folder is not named after it (templates/_example). */
    migrationsDir?: string;
  },
): Promise<RunningBackend<Identity, Tokens>> {
  const adminToken = randomBytes(16).toString('hex');
  const redisPrefix = `${options.database}:`;
  const config: CloneConfig = {
    port: 0,
    cloneId: options.database,
    databaseUrl: await infra.createDatabase(options.database),
    redisUrl: infra.redisUrl,
    redisPrefix,
    adminTokenSha256: sha256Hex(adminToken),
    seedFixture: options.seedFixture,
    publicUrl: null,
    migrationsDir: options.migrationsDir ?? migrationsDir(options.template.name),
    frontendSecretSha256: null,
    clockMs: options.clock?.pinnedMs ?? null,
  };
  const log = createMemoryLogger();
  const pool = createPool(config.databaseUrl, log);
  const redis = createRedis(config.redisUrl, redisPrefix, log);
  const runtime = new CloneRuntime<Identity, Tokens>({
    template: options.template,
    pool,
    redis,
    redisPrefix,
    migrationsDir: config.migrationsDir,
    log,
    clock: options.clock,
  });
  const app = options.createApp({ runtime, pool, redis, log, config });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  if (options.start !== false) await runtime.start(options.seedFixture);
  return {
    url,
    port,
    adminToken,
    redisUrl: infra.redisUrl,
    redisPrefix,
    runtime,
    pool,
    redis,
    log,
    admin: (path, body, token = adminToken) => adminRequest(url, path, body, token),
    logLines: async () => log.lines,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      if ('closeAllConnections' in server) server.closeAllConnections();
      await closed;
      await pool.end();
      await redis.quit();
    },
  };
}

/**
 * Where a clone's seeded timeline sits (GET /_asym/timeline): `shift` seconds are added to
 * every time the fixture wrote, so a fixture time t is live at t + shift.
 */
export async function seedTimeline(
  clone: Pick<CloneUnderTest, 'url' | 'adminToken'>,
): Promise<{ anchor: number | null; shift: number; clock: string | null; now: string }> {
  const response = await fetch(`${clone.url}/_asym/timeline`, {
    headers: { authorization: `Bearer ${clone.adminToken}` },
  });
  return response.json() as Promise<{
    anchor: number | null;
    shift: number;
    clock: string | null;
    now: string;
  }>;
}

/** Every row of every table in `public`, ordered, for comparing whole states. */
export async function dumpPublic(pool: pg.Pool): Promise<Record<string, unknown[]>> {
  const { rows: tables } = await pool.query<{ name: string }>(
    "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
  );
  const dump: Record<string, unknown[]> = {};
  for (const { name } of tables) {
    const { rows } = await pool.query(`SELECT * FROM public."${name}" ORDER BY 1, 2`);
    dump[name] = rows;
  }
  return dump;
}

/** Row counts per public table. */
export async function countPublic(pool: pg.Pool): Promise<Record<string, number>> {
  const dump = await dumpPublic(pool);
  return Object.fromEntries(Object.entries(dump).map(([name, rows]) => [name, rows.length]));
}

/** Keys under `prefix` in Redis, read with a client that has no key prefix. */
export async function redisKeys(redisUrl: string, prefix: string): Promise<string[]> {
  const { Redis } = await import('ioredis');
  const raw = new Redis(redisUrl);
  try {
    return await raw.keys(`${prefix}*`);
  } finally {
    await raw.quit();
  }
}
