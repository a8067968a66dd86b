/**
 * Failed sign-ins, counted in this process (one per clone) over a sliding window: past
 * `perAccount` failures for one email, or `global` failures for the whole clone, every
 * sign-in (even with the right password, so a guess cannot be confirmed) waits until the
 * oldest failure leaves the window.
 */
export interface LoginThrottleOptions {
  perAccount: number;
  global: number;
  windowMs: number;
}

export const LOGIN_THROTTLE: LoginThrottleOptions = { perAccount: 5, global: 20, windowMs: 60_000 };

// Unknown emails count too; this many distinct ones at most are remembered (the global cap
// stops a spray long before).
const MAX_ACCOUNTS = 10_000;

export class LoginThrottle {
  private readonly accounts = new Map<string, number[]>();
  private readonly everyone: number[] = [];

  constructor(
    private readonly now: () => number,
    private readonly options: LoginThrottleOptions = LOGIN_THROTTLE,
  ) {}

  /** Seconds to wait before this email may try again, or 0 when it may try now. */
  retryAfter(email: string): number {
    const now = this.now();
    const account = this.recent(this.accounts.get(key(email)) ?? [], now);
    const everyone = this.recent(this.everyone, now);
    const waits: number[] = [];
    if (account.length >= this.options.perAccount)
      waits.push(this.waitFor(account, this.options.perAccount, now));
    if (everyone.length >= this.options.global) waits.push(this.waitFor(everyone, this.options.global, now));
    return waits.length === 0 ? 0 : Math.max(1, Math.ceil(Math.max(...waits) / 1000));
  }

  failed(email: string): void {
    const now = this.now();
    const id = key(email);
    if (!this.accounts.has(id) && this.accounts.size >= MAX_ACCOUNTS) this.prune(now);
    const account = this.recent(this.accounts.get(id) ?? [], now);
    account.push(now);
    this.accounts.set(id, account.slice(-this.options.perAccount));
    this.everyone.push(now);
    if (this.everyone.length > this.options.global)
      this.everyone.splice(0, this.everyone.length - this.options.global);
  }

  /** Failures still inside the window, oldest first (the array is trimmed in place). */
  private recent(times: number[], now: number): number[] {
    const from = now - this.options.windowMs;
    while (times.length > 0 && (times[0] ?? 0) <= from) times.shift();
    return times;
  }

  /** Until the failure that keeps the count at `limit` leaves the window. */
  private waitFor(times: number[], limit: number, now: number): number {
    const pivot = times[times.length - limit] ?? now;
    return pivot + this.options.windowMs - now;
  }

  private prune(now: number): void {
    for (const [id, times] of this.accounts)
      if (this.recent(times, now).length === 0) this.accounts.delete(id);
    // Still full of live entries: forget the oldest half rather than grow without bound.
    if (this.accounts.size >= MAX_ACCOUNTS) {
      let drop = Math.floor(MAX_ACCOUNTS / 2);
      for (const id of this.accounts.keys()) {
        if (drop-- <= 0) break;
        this.accounts.delete(id);
      }
    }
  }
}

const key = (email: string) => email.trim().toLowerCase();
