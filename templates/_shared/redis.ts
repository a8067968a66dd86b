import { Redis } from 'ioredis';
import { withDeadline } from './deadline.js';
import type { Logger } from './log.js';

/** How long one Redis command may take before it counts as failed. */
export const REDIS_COMMAND_TIMEOUT_MS = 250;

/**
 * The shared Redis, seen through this clone's key prefix: every command's keys get
 * `prefix` prepended by ioredis, so stores write plain names like `rl:...`.
 */
export function createRedis(url: string, prefix: string, log: Logger): Redis {
  const redis = new Redis(url, {
    keyPrefix: prefix,
    // A missing Redis must cost a request milliseconds, not seconds: with the offline
    // queue off, a command sent while the connection is down fails at once (instead of
    // waiting out reconnect attempts), and one sent to a Redis that stopped answering
    // fails after commandTimeout. Callers treat Redis as optional (rate-limit counters).
    enableOfflineQueue: false,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    // A killed Redis container may leave the socket open but silent: with no answer within
    // the timeout the socket is dropped and reconnected, so later commands fail at once
    // instead of each waiting out its own timeout.
    socketTimeout: REDIS_COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    connectTimeout: 2_000,
    // Reconnect quickly and keep trying: Redis coming back is picked up within a second.
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
  });
  let reported = false;
  redis.on('error', (error) => {
    // ioredis retries on its own; one line per outage is enough.
    if (!reported) log.error('redis: connection error (retrying)', error);
    reported = true;
  });
  redis.on('ready', () => {
    if (reported) log.info('redis: connected again');
    reported = false;
  });
  return redis;
}

/** Whether the shared Redis answers a PING within the command timeout. */
export async function redisAnswers(redis: Redis): Promise<boolean> {
  if (redis.status !== 'ready') return false;
  try {
    return (await withDeadline(redis.ping(), REDIS_COMMAND_TIMEOUT_MS, 'redis')) === 'PONG';
  } catch {
    return false;
  }
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
