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

  /**
   * Before checking a password: the seconds to wait (the attempt is refused), or 0 and the
   * attempt counts as a failure until `succeeded` takes it back. Counting it up front means
   * guesses sent in parallel cannot all pass the check while the first hashes are computed.
   */
  begin(email: string): { wait: number; stamp: number } {
    const now = this.now();
    const id = key(email);
    const account = this.recent(this.accounts.get(id) ?? [], now);
    const everyone = this.recent(this.everyone, now);
    const waits: number[] = [];
    if (account.length >= this.options.perAccount)
      waits.push(this.waitFor(account, this.options.perAccount, now));
    if (everyone.length >= this.options.global) waits.push(this.waitFor(everyone, this.options.global, now));
    if (waits.length > 0) return { wait: Math.max(1, Math.ceil(Math.max(...waits) / 1000)), stamp: now };
    if (!this.accounts.has(id) && this.accounts.size >= MAX_ACCOUNTS) this.prune(now);
    account.push(now);
    this.accounts.set(id, account);
    everyone.push(now);
    return { wait: 0, stamp: now };
  }

  /** The attempt `begin` counted was the right password: it is no failure. */
  succeeded(email: string, stamp: number): void {
    const id = key(email);
    const account = this.accounts.get(id);
    const at = account?.lastIndexOf(stamp) ?? -1;
    if (account && at >= 0) account.splice(at, 1);
    if (account?.length === 0) this.accounts.delete(id);
    const overall = this.everyone.lastIndexOf(stamp);
    if (overall >= 0) this.everyone.splice(overall, 1);
  }

  /** Failures still inside the window, oldest first (older ones are dropped in place). */
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
