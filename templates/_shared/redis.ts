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

// The whole cleanup as one script, so a reset makes one round trip to Redis however many
// SCAN pages the shared keyspace takes: SCAN with the escaped pattern, keep what really starts
// with the prefix (a pattern is a glob, the prefix is a string), UNLINK it.
const DELETE_PREFIXED = `
local cursor, deleted, prefix = '0', 0, ARGV[2]
repeat
  local page = redis.call('SCAN', cursor, 'MATCH', ARGV[1], 'COUNT', 1000)
  cursor = page[1]
  for _, key in ipairs(page[2]) do
    if string.sub(key, 1, #prefix) == prefix then
      deleted = deleted + redis.call('UNLINK', key)
    end
  end
until cursor == '0'
return deleted`;

/**
 * Deletes every key starting with `prefix`, in one call (a Lua script). The prefix and
 * pattern go as arguments, not keys: ioredis would prepend its keyPrefix to keys
 * (https://github.com/redis/ioredis/issues/1526 for SCAN's MATCH), and these already hold
 * the whole key names. The keys the script deletes are not declared in KEYS, which only a
 * cluster would mind; the shared Redis is one server.
 */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<number> {
  if (prefix === '') throw new Error('refusing to delete keys without a prefix');
  return (await redis.eval(DELETE_PREFIXED, 0, `${escapeRedisGlob(prefix)}*`, prefix)) as number;
}
