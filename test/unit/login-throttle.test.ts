import { describe, expect, it } from 'vitest';
import { LoginThrottle } from '../../templates/slack/backend/web/login-throttle.js';

/** The web client's sign-in throttle on a hand-moved clock. */
function throttle(options = { perAccount: 3, global: 5, windowMs: 60_000 }) {
  const clock = { now: 1_000_000 };
  return { clock, limiter: new LoginThrottle(() => clock.now, options) };
}

const fail = (limiter: LoginThrottle, email: string) => limiter.begin(email).wait;

describe('login throttle', () => {
  it('holds an account after its failures until the oldest leaves the window', () => {
    const { clock, limiter } = throttle();
    expect([fail(limiter, 'a@x'), fail(limiter, 'a@x')]).toEqual([0, 0]);
    clock.now += 10_000;
    expect(fail(limiter, 'A@X ')).toBe(0);
    // Three failures, the first 10 s ago: the fourth waits the 50 s left.
    expect(limiter.begin('a@x').wait).toBe(50);
    expect(limiter.begin('b@x').wait).toBe(0);
    clock.now += 50_000;
    expect(limiter.begin('a@x').wait).toBe(0);
  });

  it('does not count a right password, and refused tries do not extend the wait', () => {
    const { clock, limiter } = throttle();
    for (let n = 0; n < 10; n++) {
      const attempt = limiter.begin('a@x');
      expect(attempt.wait).toBe(0);
      limiter.succeeded('a@x', attempt.stamp);
    }
    for (let n = 0; n < 3; n++) fail(limiter, 'a@x');
    clock.now += 30_000;
    expect(limiter.begin('a@x').wait).toBe(30);
    expect(limiter.begin('a@x').wait).toBe(30);
  });

  it('caps failures across the whole clone', () => {
    const { limiter } = throttle();
    for (let n = 0; n < 5; n++) expect(fail(limiter, `user${n}@x`)).toBe(0);
    expect(limiter.begin('fresh@x').wait).toBe(60);
  });

  it('remembers a bounded number of accounts', () => {
    const { clock, limiter } = throttle({ perAccount: 1, global: 1_000_000, windowMs: 60_000 });
    for (let n = 0; n < 25_000; n++) fail(limiter, `spray${n}@x`);
    // Whatever it forgot, it still holds the most recent ones and never grows past its cap.
    expect(limiter.begin('spray24999@x').wait).toBeGreaterThan(0);
    expect((limiter as unknown as { accounts: Map<string, number[]> }).accounts.size).toBeLessThanOrEqual(
      10_000,
    );
    clock.now += 60_000;
    expect(limiter.begin('spray24999@x').wait).toBe(0);
  });
});
