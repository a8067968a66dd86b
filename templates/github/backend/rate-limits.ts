import type { Context } from 'hono';

type Resource = 'core' | 'search' | 'graphql';
const LIMITS: Record<Resource, { limit: number; windowMs: number }> = {
  core: { limit: 5_000, windowMs: 3_600_000 },
  search: { limit: 30, windowMs: 60_000 },
  graphql: { limit: 5_000, windowMs: 3_600_000 },
};

/**
 * GitHub's rate-limit accounting per account and resource (fixed windows, like GitHub's),
 * shown in `X-RateLimit-*` headers and `/rate_limit`. Counted, not enforced: an agent's
 * trial should not fail on a budget the real account would have refilled.
 */
export class RateLimits {
  private readonly windows = new Map<string, { reset: number; used: number }>();

  constructor(private readonly now: () => number) {}

  clear(): void {
    this.windows.clear();
  }

  private window(account: number, resource: Resource) {
    const key = `${account}:${resource}`;
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || window.reset * 1000 <= now) {
      window = { reset: Math.ceil((now + LIMITS[resource].windowMs) / 1000), used: 0 };
      this.windows.set(key, window);
    }
    return window;
  }

  count(c: Context, account: number, resource: Resource): void {
    const window = this.window(account, resource);
    window.used += 1;
    const { limit } = LIMITS[resource];
    c.header('X-RateLimit-Limit', String(limit));
    c.header('X-RateLimit-Remaining', String(Math.max(0, limit - window.used)));
    c.header('X-RateLimit-Reset', String(window.reset));
    c.header('X-RateLimit-Used', String(window.used));
    c.header('X-RateLimit-Resource', resource);
  }

  overview(account: number) {
    const view = (resource: Resource) => {
      const window = this.window(account, resource);
      const { limit } = LIMITS[resource];
      return { limit, used: window.used, remaining: Math.max(0, limit - window.used), reset: window.reset };
    };
    const core = view('core');
    return {
      resources: {
        core,
        search: view('search'),
        graphql: view('graphql'),
        integration_manifest: { limit: 5000, used: 0, remaining: 5000, reset: core.reset },
        code_search: { limit: 10, used: 0, remaining: 10, reset: core.reset },
      },
      rate: core,
    };
  }
}
