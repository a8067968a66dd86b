import type { Context } from 'hono';
import type pg from 'pg';
import { sha256Hex } from '../../_shared/crypto.js';
import { StripeError } from './stripe-error.js';

const NO_KEY =
  "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.";
const PUBLISHABLE =
  'This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.';

const unauthorized = (message: string) =>
  new StripeError(401, 'invalid_request_error', message, {
    headers: { 'WWW-Authenticate': 'Basic realm="Stripe"' },
  });

/** Stripe shows the key's prefix and last four characters, the rest starred. */
function redact(key: string): string {
  const prefix = /^(sk|pk|rk)_(test|live)_/.exec(key)?.[0] ?? '';
  const hidden = Math.max(0, key.length - prefix.length - 4);
  return `${prefix}${'*'.repeat(hidden)}${key.slice(prefix.length + hidden)}`;
}

/** The key from `Authorization: Bearer <key>` or HTTP Basic with the key as user name. */
export function presentedKey(c: Context): string | null {
  const header = c.req.header('authorization') ?? '';
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer?.[1]) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (basic?.[1]) {
    const user = Buffer.from(basic[1], 'base64').toString('utf8').split(':')[0] ?? '';
    return user === '' ? null : user;
  }
  return null;
}

/**
 * Checks secret keys against the hashes in `asym.api_keys`. Accepted hashes are cached
 * until the runtime invalidates caches (new keys minted, reset, reseed).
 */
export class ApiKeyVerifier {
  private readonly accepted = new Set<string>();

  constructor(private readonly pool: pg.Pool) {}

  clear(): void {
    this.accepted.clear();
  }

  async verify(key: string | null): Promise<void> {
    if (key === null) throw unauthorized(NO_KEY);
    const hash = sha256Hex(key);
    if (this.accepted.has(hash)) return;
    const { rows } = await this.pool.query<{ kind: string }>(
      'SELECT kind FROM asym.api_keys WHERE key_sha256 = $1 AND revoked_at IS NULL',
      [hash],
    );
    const kind = rows[0]?.kind;
    if (kind === 'publishable') throw unauthorized(PUBLISHABLE);
    if (kind !== 'secret') throw unauthorized(`Invalid API Key provided: ${redact(key)}`);
    this.accepted.add(hash);
  }
}
