import { describe, expect, it } from 'vitest';
import { randomEncoded, randomString } from '../../templates/_shared/crypto.js';

// The kit's ids and secrets draw their bytes from a pooled buffer (refilled 4 KiB at a time):
// what a caller sees must not change, across refills included.
describe('random ids from the pooled CSPRNG', () => {
  it('gives strings of the length and alphabet asked for, never the same twice', () => {
    const seen = new Set<string>();
    // 5,000 x 16 characters takes well over one 4 KiB pool.
    for (let i = 0; i < 5000; i++) {
      const id = randomString(16, 'upperAlnum');
      expect(id).toMatch(/^[A-Z0-9]{16}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(5000);
    expect(randomString(12)).toMatch(/^[A-Za-z0-9]{12}$/);
    expect(randomString(8, 'digits')).toMatch(/^[0-9]{8}$/);
    expect(randomString(5000, 'hex')).toMatch(/^[0-9a-f]{5000}$/);
  });

  it('keeps every character equally likely (rejection sampling, not byte % alphabet)', () => {
    // 36 characters: a plain modulo would give the first four 8/256 each and the others
    // 7/256, 12.5 % more; 360,000 draws put each count within about 1 % of 10,000.
    const counts = new Map<string, number>();
    for (let i = 0; i < 10_000; i++)
      for (const char of randomString(36, 'upperAlnum')) counts.set(char, (counts.get(char) ?? 0) + 1);
    expect(counts.size).toBe(36);
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan(9_500);
      expect(count).toBeLessThan(10_500);
    }
  });

  it('encodes the bytes asked for, fresh ones each call, beyond the pool too', () => {
    expect(randomEncoded(6, 'hex')).toMatch(/^[0-9a-f]{12}$/);
    expect(randomEncoded(24, 'base64url')).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(randomEncoded(10_000, 'hex')).toHaveLength(20_000);
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) seen.add(randomEncoded(24, 'base64url'));
    expect(seen.size).toBe(1000);
  });
});
