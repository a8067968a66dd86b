import { Redis } from 'ioredis';
import type { Logger } from './log.js';

/**
 * The shared Redis, seen through this clone's key prefix: every command's keys get
 * `prefix` prepended by ioredis, so stores write plain names like `rl:...`.
 */
export function createRedis(url: string, prefix: string, log: Logger): Redis {
  const redis = new Redis(url, {
    keyPrefix: prefix,
    // Fail a command after a few reconnect attempts instead of queueing it forever, so a
    // request errors (in the vendor's envelope) rather than hangs when Redis is gone.
    maxRetriesPerRequest: 3,
    connectTimeout: 5_000,
  });
  let reported = false;
  redis.on('error', (error) => {
    // ioredis retries on its own; one line per outage is enough.
    if (!reported) log.error('redis: connection error (retrying)', error);
    reported = true;
  });
  redis.on('ready', () => {
    reported = false;
  });
  return redis;
}

/** Escapes glob metacharacters so a prefix matches only itself in SCAN MATCH. */
export const escapeRedisGlob = (text: string): string => text.replace(/[*?[\]\\^]/g, (c) => `\\${c}`);

/**
 * Deletes every key starting with `prefix`. ioredis applies keyPrefix to command keys but
 * not to SCAN's MATCH pattern (https://github.com/redis/ioredis/issues/1526), and SCAN
 * returns full key names: the pattern carries the prefix, and the prefix is stripped
 * again before UNLINK re-adds it.
 */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<number> {
  if (prefix === '') throw new Error('refusing to delete keys without a prefix');
  const match = `${escapeRedisGlob(prefix)}*`;
  let cursor = '0';
  let deleted = 0;
  do {
    const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
    cursor = nextCursor;
    const own = keys.filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length));
    if (own.length > 0) deleted += await redis.unlink(...own);
  } while (cursor !== '0');
  return deleted;
}
