import { createHash, randomBytes, randomFillSync, timingSafeEqual } from 'node:crypto';

export const sha256Hex = (value: string): string => createHash('sha256').update(value).digest('hex');

/** Compares two hex digests in constant time; false for anything malformed. */
export function hexDigestsEqual(a: string, b: string): boolean {
  if (!/^[0-9a-f]+$/i.test(a) || !/^[0-9a-f]+$/i.test(b)) return false;
  const left = Buffer.from(a.toLowerCase(), 'hex');
  const right = Buffer.from(b.toLowerCase(), 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

const ALPHABETS = {
  alnum: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
  upperAlnum: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
  digits: '0123456789',
  hex: '0123456789abcdef',
} as const;

export type Alphabet = keyof typeof ALPHABETS;

/**
 * Bytes from the CSPRNG, drawn 4 KiB at a time (as Node's randomUUID does): an id of a few
 * characters costs a read of this buffer, not a call into OpenSSL and a new Buffer. Under
 * load that call was half of what an Events API event cost the backend (its event_id and
 * event_context). Each byte is handed out once.
 */
const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafeSlow(POOL_BYTES);
let taken = POOL_BYTES;

function refillFor(bytes: number): void {
  if (taken + bytes <= POOL_BYTES) return;
  randomFillSync(pool);
  taken = 0;
}

/** `bytes` random bytes (up to 4 KiB; more come straight from the CSPRNG), encoded. */
export function randomEncoded(bytes: number, encoding: 'hex' | 'base64url'): string {
  if (bytes > POOL_BYTES) return randomBytes(bytes).toString(encoding);
  refillFor(bytes);
  const text = pool.toString(encoding, taken, taken + bytes);
  taken += bytes;
  return text;
}

/** A secret-quality random string (rejection sampling keeps every character equally likely). */
export function randomString(length: number, alphabet: Alphabet = 'alnum'): string {
  const chars = ALPHABETS[alphabet];
  const limit = 256 - (256 % chars.length);
  let out = '';
  while (out.length < length) {
    refillFor(1);
    const byte = pool[taken++] as number;
    if (byte < limit) out += chars[byte % chars.length];
  }
  return out;
}

/** Picks from the same alphabets with a caller-supplied source of numbers in [0, 1) (a seeded PRNG). */
export function stringFrom(next: () => number, length: number, alphabet: Alphabet = 'alnum'): string {
  const chars = ALPHABETS[alphabet];
  let out = '';
  for (let i = 0; i < length; i++) out += chars[Math.floor(next() * chars.length)];
  return out;
}
