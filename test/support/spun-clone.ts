import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import pg from 'pg';
import { LABEL } from '../../src/runtime/labels.js';
import { createMemoryLogger } from '../../templates/_shared/log.js';
import { createRedis } from '../../templates/_shared/redis.js';
import type { CloneUnderTest } from '../templates/harness.js';
import { realHome } from './real-cli.js';

/**
 * A clone spun by the built CLI on the real engine, the way users get one: its containers,
 * its published port, its admin token from the registry. The SDK suites drive it exactly
 * as they drive an in-process backend; for the rows they check they reach its Postgres
 * (and the shared Redis) on the home network, which the host can route to.
 */
export type SpunClone = Omit<CloneUnderTest, 'admin'> & { id: string };

export async function spinClone(template: string, options: { seed: string | null }): Promise<SpunClone> {
  const home = realHome();
  const args = ['spin', template, '--json', ...(options.seed ? ['--seed', options.seed] : [])];
  // The suites call methods far faster than Slack's tiers allow, as the in-process runs do.
  if (template === 'slack') args.push('--no-rate-limits');
  const spun = await home.run(...args);
  if (spun.exitCode !== 0) throw new Error(`spin ${template} failed (${spun.exitCode}): ${spun.stderr}`);
  const clone = spun.json();
  const registry = JSON.parse(readFileSync(join(home.dir, 'registry.json'), 'utf8'));
  const adminToken: string = registry.clones[clone.id].adminToken;

  const docker = new Docker();
  const containerIp = async (labels: Record<string, string>) => {
    const [found] = await docker.listContainers({
      filters: { label: Object.entries(labels).map(([key, value]) => `${key}=${value}`) },
    });
    const ip = Object.values(found?.NetworkSettings.Networks ?? {}).find((n) => n.IPAddress)?.IPAddress;
    if (!found || !ip) throw new Error(`no running container with labels ${JSON.stringify(labels)}`);
    return { id: found.Id, ip };
  };
  const postgres = await containerIp({
    [LABEL.home]: home.id,
    [LABEL.clone]: clone.id,
    [LABEL.service]: 'postgres',
  });
  const backend = await containerIp({
    [LABEL.home]: home.id,
    [LABEL.clone]: clone.id,
    [LABEL.service]: 'backend',
  });
  const redisHost = await containerIp({ [LABEL.home]: home.id, [LABEL.kind]: 'redis' });

  const log = createMemoryLogger();
  const pool = new pg.Pool({
    connectionString: `postgres://asym@${postgres.ip}:5432/clone`,
    max: 2,
    options: '-c search_path=public',
  });
  // A test may kill or stop its Postgres: an idle connection's error then reaches the pool
  // (unhandled, it would fail the whole run); a query still rejects.
  pool.on('error', () => undefined);
  const redisUrl = `redis://${redisHost.ip}:6379`;
  const redis = createRedis(redisUrl, clone.redisPrefix, log);
  const url = new URL(clone.endpoints.api).origin;
  return {
    id: clone.id,
    url,
    port: Number(new URL(url).port),
    adminToken,
    redisUrl,
    redisPrefix: clone.redisPrefix,
    pool,
    redis,
    async logLines() {
      const raw = await docker.getContainer(backend.id).logs({ stdout: true, stderr: true, follow: false });
      // Multiplexed frames: an 8-byte header (stream, 0, 0, 0, size) before each chunk.
      const chunks: string[] = [];
      for (let at = 0; at + 8 <= raw.length; ) {
        const size = raw.readUInt32BE(at + 4);
        chunks.push(raw.subarray(at + 8, at + 8 + size).toString('utf8'));
        at += 8 + size;
      }
      return chunks
        .join('')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => line.replace(/^\S+ \[[^\]]+\] /, ''));
    },
    async close() {
      await pool.end();
      await redis.quit();
      await home.destroyAll();
      rmSync(home.dir, { recursive: true, force: true });
    },
  };
}
