import { scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt parameters: Node's defaults (N=16384, r=8, p=1), 64-byte key. */
const N = 16_384;
const R = 8;
const P = 1;
const KEY_LENGTH = 64;

const derive = (password: string, salt: Buffer, n: number, r: number, p: number) =>
  new Promise<Buffer>((resolve, reject) =>
    scrypt(password, salt, KEY_LENGTH, { N: n, r, p, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );

// Fixtures hash the same passwords with the same salts on every seed; a seed should not
// pay scrypt's cost (tens of ms each) again for identical inputs.
const memo = new Map<string, Promise<string>>();

/** `scrypt$N$r$p$salt$hash` (base64). With a fixed salt the output is deterministic, as fixtures need. */
export function hashPassword(password: string, salt: Buffer): Promise<string> {
  const key = `${salt.toString('hex')}:${password}`;
  let hashed = memo.get(key);
  if (!hashed) {
    hashed = derive(password, salt, N, R, P).then(
      (hash) => `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${hash.toString('base64')}`,
    );
    memo.set(key, hashed);
  }
  return hashed;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await derive(password, Buffer.from(salt, 'base64'), Number(n), Number(r), Number(p));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
