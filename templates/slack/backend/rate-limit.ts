import type { Redis } from 'ioredis';
import { withDeadline } from '../../_shared/deadline.js';
import type { Logger } from '../../_shared/log.js';
import { SlackError } from './slack-error.js';

/**
 * Slack's Web API rate tiers, per token and method, as fixed windows counted in Redis
 * (https://api.slack.com/apis/rate-limits). A clone's share of the shared Redis is bounded
 * by construction: counters exist only for valid tokens and known methods (the app checks
 * both first), at most two windows each, and every key carries a TTL. Slack publishes floors ("20+ per minute");
 * the clone enforces the floor. `special` stands in for chat.postMessage's "about one
 * per second per channel, with bursts": 60 a minute per token.
 */
export type RateTier = 'tier1' | 'tier2' | 'tier3' | 'tier4' | 'special' | 'none';

export interface RateWindow {
  limit: number;
  windowSeconds: number;
}

export const SLACK_TIERS: Record<Exclude<RateTier, 'none'>, RateWindow> = {
  tier1: { limit: 1, windowSeconds: 60 },
  tier2: { limit: 20, windowSeconds: 60 },
  tier3: { limit: 50, windowSeconds: 60 },
  tier4: { limit: 100, windowSeconds: 60 },
  special: { limit: 60, windowSeconds: 60 },
};

/** While Redis is failing, how often one call tries it again (the others pass unchecked). */
const RETRY_REDIS_MS = 1_000;
/** The longest a call waits on Redis for its count before passing unchecked. */
const CHECK_BUDGET_MS = 100;

export interface RateLimitOptions {
  enabled: boolean;
  /** Overrides per tier (tests use tiny windows). */
  tiers?: Partial<Record<Exclude<RateTier, 'none'>, RateWindow>>;
}

export class RateLimiter {
  private readonly tiers: Record<Exclude<RateTier, 'none'>, RateWindow>;
  private failingOpen = false;
  private retryAt = 0;

  constructor(
    private readonly redis: Redis,
    private readonly options: RateLimitOptions,
    private readonly now: () => number,
    private readonly log: Logger,
  ) {
    this.tiers = { ...SLACK_TIERS, ...options.tiers };
  }

  /** Counts one call; throws `ratelimited` (HTTP 429 with Retry-After) past the tier's limit. */
  async hit(tokenHash: string, method: string, tier: RateTier): Promise<void> {
    if (!this.options.enabled || tier === 'none') return;
    const { limit, windowSeconds } = this.tiers[tier];
    const nowSeconds = this.now() / 1000;
    const window = Math.floor(nowSeconds / windowSeconds);
    const key = `rl:${tokenHash.slice(0, 24)}:${method}:${window}`;
    // After a failure, calls skip Redis for a moment instead of each trying it again.
    if (this.failingOpen && Date.now() < this.retryAt) return;
    let count: number;
    try {
      // The client fails fast on its own, but not in every state (a connection being torn
      // down answers nothing for up to a second): the check never waits longer than this.
      const results = await withDeadline(
        this.redis
          .multi()
          .incr(key)
          .expire(key, windowSeconds + 1)
          .exec(),
        CHECK_BUDGET_MS,
        'rate limit count',
      );
      count = Number(results?.[0]?.[1] ?? 0);
    } catch (error) {
      // Fail open: limits protect nothing real here, and an evaluation must not be blocked
      // (or slowed: the Redis client fails fast) because the shared Redis is gone or full.
      // One line per outage.
      if (!this.failingOpen) this.log.error('rate limits off until redis answers again', error);
      this.failingOpen = true;
      this.retryAt = Date.now() + RETRY_REDIS_MS;
      return;
    }
    if (this.failingOpen) this.log.info('rate limits back on (redis answers)');
    this.failingOpen = false;
    if (count > limit) {
      const retryAfter = Math.max(1, Math.ceil((window + 1) * windowSeconds - nowSeconds));
      throw new SlackError('ratelimited', {}, 429, { 'Retry-After': String(retryAfter) });
    }
  }
}
