import { type Alphabet, randomString, sha256Hex } from './crypto.js';

/**
 * Tokens every template mints and checks the same way: a vendor-shaped secret (`ghp_...`,
 * `sk_test_...`, `xoxb-...`) of which only the sha256 is stored, looked up by hash, with
 * accepted hashes cached until the runtime invalidates caches (a mint, reset, reseed).
 */

export interface TokenShape {
  /** Text before the random part (`ghp_`, `sk_test_`). */
  prefix?: string;
  /** Length of the random part. */
  length: number;
  alphabet?: Alphabet;
  /** Text after it (a checksum, a suffix). */
  suffix?: string;
}

export interface MintedToken {
  token: string;
  /** What the database keeps. */
  sha256: string;
}

export const hashToken = (token: string): string => sha256Hex(token);

/** A new secret of `shape` and its hash. */
export function mintToken(shape: TokenShape): MintedToken {
  const token = `${shape.prefix ?? ''}${randomString(shape.length, shape.alphabet)}${shape.suffix ?? ''}`;
  return { token, sha256: hashToken(token) };
}

/** `Authorization: Bearer <token>` (or `token <token>`, GitHub's older scheme, when allowed). */
export function bearerToken(
  header: string | undefined,
  schemes: readonly string[] = ['Bearer'],
): string | null {
  const match = /^(\S+)\s+(\S+)\s*$/.exec(header ?? '');
  if (!match?.[1] || !match[2]) return null;
  const scheme = match[1].toLowerCase();
  return schemes.some((s) => s.toLowerCase() === scheme) ? match[2] : null;
}

/** The user name (or, with `part: 'password'`, the password) of HTTP Basic credentials. */
export function basicCredential(
  header: string | undefined,
  part: 'user' | 'password' = 'user',
): string | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return null;
  const text = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  const value =
    part === 'user' ? (colon < 0 ? text : text.slice(0, colon)) : colon < 0 ? '' : text.slice(colon + 1);
  return value === '' ? null : value;
}

/**
 * Looks tokens up by hash (`lookup` reads the template's token table and answers what the
 * token acts as, or null), caching what was found. `clear()` is for the runtime's
 * `onCachesInvalidated`; `forget(token)` for a revocation through the API.
 */
export class TokenVerifier<T> {
  private readonly cache = new Map<string, T>();

  constructor(
    private readonly lookup: (sha256: string) => Promise<T | null>,
    private readonly capacity = 10_000,
  ) {}

  async verify(token: string | null): Promise<T | null> {
    if (token === null || token === '') return null;
    const hash = hashToken(token);
    const cached = this.cache.get(hash);
    if (cached !== undefined) return cached;
    const found = await this.lookup(hash);
    if (found === null) return null;
    if (this.cache.size >= this.capacity) this.cache.clear();
    this.cache.set(hash, found);
    return found;
  }

  forget(token: string): void {
    this.cache.delete(hashToken(token));
  }

  clear(): void {
    this.cache.clear();
  }
}
