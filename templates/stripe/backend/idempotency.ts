import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Params } from './request-params.js';
import { StripeError } from './stripe-error.js';

const TTL_SECONDS = 24 * 60 * 60;
const MAX_KEY_LENGTH = 255;

/** What one key remembers: the request it was first used for, then that request's answer. */
type Entry =
  | { state: 'pending'; fingerprint: string }
  | { state: 'done'; fingerprint: string; status: number; body: string; requestId: string };

export type IdempotencyOutcome =
  | { kind: 'fresh'; key: string; fingerprint: string }
  | { kind: 'replay'; status: number; body: string; requestId: string };

/** A stable digest of method, path and parameters (key order does not matter). */
export function fingerprint(method: string, path: string, params: Params): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(
        Object.keys(value)
          .sort()
          .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
      );
    }
    return value;
  };
  return createHash('sha256')
    .update(`${method} ${path}\n${JSON.stringify(canonical(params))}`)
    .digest('hex');
}

/**
 * Stripe's idempotency keys, in Redis under the clone's prefix with a 24 h TTL: a key
 * first claims the request (pending), then stores its answer; the same key with the same
 * parameters replays it, with other parameters it is refused.
 */
export class IdempotencyStore {
  constructor(private readonly redis: Redis) {}

  async begin(key: string, method: string, path: string, params: Params): Promise<IdempotencyOutcome> {
    if (key.length > MAX_KEY_LENGTH) {
      throw new StripeError(
        400,
        'invalid_request_error',
        `Idempotency-Key must be at most ${MAX_KEY_LENGTH} characters`,
      );
    }
    const print = fingerprint(method, path, params);
    const claimed = await this.redis.set(
      this.redisKey(key),
      JSON.stringify({ state: 'pending', fingerprint: print } satisfies Entry),
      'EX',
      TTL_SECONDS,
      'NX',
    );
    if (claimed === 'OK') return { kind: 'fresh', key, fingerprint: print };

    const raw = await this.redis.get(this.redisKey(key));
    // Expired between SET and GET: treat as new.
    if (raw === null) return this.begin(key, method, path, params);
    const entry = JSON.parse(raw) as Entry;
    if (entry.fingerprint !== print) {
      throw new StripeError(
        400,
        'idempotency_error',
        `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
      );
    }
    if (entry.state === 'pending') {
      throw new StripeError(
        409,
        'idempotency_error',
        'There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through). Please retry this request later.',
      );
    }
    return { kind: 'replay', status: entry.status, body: entry.body, requestId: entry.requestId };
  }

  async complete(key: string, print: string, answer: { status: number; body: string; requestId: string }) {
    const entry: Entry = { state: 'done', fingerprint: print, ...answer };
    await this.redis.set(this.redisKey(key), JSON.stringify(entry), 'EX', TTL_SECONDS);
  }

  /** Forgets a key whose request did not run to an answer worth replaying. */
  async abandon(key: string): Promise<void> {
    await this.redis.del(this.redisKey(key));
  }

  private redisKey(key: string): string {
    return `idem:${createHash('sha256').update(key).digest('hex')}`;
  }
}
