import type pg from 'pg';
import { randomString, sha256Hex } from '../../../_shared/crypto.js';
import { verifyPassword } from '../../../_shared/password.js';
import type { SlackCaller } from '../caller.js';
import { DEFAULT_USER_SCOPES } from '../scopes.js';

/**
 * A person signed in to the web client acts as themself with a user token's scopes, plus
 * the ones only people use. Real Slack's browser session is an `xoxc-` token next to a
 * cookie; the clone keeps the token in an HttpOnly cookie and stores only its sha256.
 */
export const WEB_SESSION_SCOPES: readonly string[] = [
  ...DEFAULT_USER_SCOPES,
  'files:read',
  'files:write',
  'pins:read',
  'pins:write',
  'users.profile:read',
  'users:write',
];

/**
 * How long a session lasts from sign-in, however active (an absolute expiry: a trial that
 * outlives it signs in again). Sessions also end at reset, reseed and token minting.
 */
export const SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000;

export interface WebSession {
  token: string;
  caller: SlackCaller;
  expiresAt: number;
}

/** Who a session acts as, and until when (milliseconds since the epoch). */
export interface ResolvedSession {
  caller: SlackCaller;
  expiresAt: number;
}

interface IdentityRow {
  user_id: string;
  user_name: string;
  team_id: string;
  team_name: string;
  team_domain: string;
}

const IDENTITY = `
  SELECT u.id AS user_id, u.name AS user_name, t.id AS team_id, t.name AS team_name, t.domain AS team_domain
  FROM users u JOIN teams t ON t.id = u.team_id`;

const sessionToken = () =>
  `xoxc-${randomString(12, 'digits')}-${randomString(12, 'digits')}-${randomString(13, 'digits')}-${randomString(64, 'hex')}`;

const toCaller = (row: IdentityRow, tokenHash: string): SlackCaller => ({
  kind: 'user',
  tokenHash,
  scopes: [...WEB_SESSION_SCOPES].sort(),
  teamId: row.team_id,
  teamName: row.team_name,
  teamDomain: row.team_domain,
  userId: row.user_id,
  userName: row.user_name,
  botId: null,
  appId: null,
});

export class WebSessions {
  constructor(
    private readonly pool: pg.Pool,
    private readonly now: () => number,
  ) {}

  /** A new session for the person with this email and password; null when either is wrong. */
  async login(email: string, password: string): Promise<WebSession | null> {
    const { rows } = await this.pool.query<IdentityRow & { password_hash: string | null }>(
      `${IDENTITY.replace('SELECT', 'SELECT u.password_hash,')}
       WHERE lower(u.email) = lower($1) AND NOT u.deleted AND NOT u.is_bot`,
      [email.trim()],
    );
    const row = rows[0];
    // Unknown emails still pay for one hash, so timing does not tell who has an account.
    const stored = row?.password_hash ?? 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA';
    const matches = await verifyPassword(password, stored);
    if (!row?.password_hash || !matches) return null;
    const token = sessionToken();
    const tokenHash = sha256Hex(token);
    const created = this.now();
    // Expired and revoked rows are of no further use: each sign-in sweeps them.
    await this.pool.query('DELETE FROM asym.web_sessions WHERE created_at <= $1 OR revoked_at IS NOT NULL', [
      new Date(created - SESSION_LIFETIME_MS),
    ]);
    await this.pool.query(
      'INSERT INTO asym.web_sessions (token_sha256, user_id, created_at) VALUES ($1, $2, $3)',
      [tokenHash, row.user_id, new Date(created)],
    );
    return { token, caller: toCaller(row, tokenHash), expiresAt: created + SESSION_LIFETIME_MS };
  }

  /** Who a session token acts as, or null (unknown, revoked, expired, or its user is gone). */
  async resolve(token: string | undefined): Promise<ResolvedSession | null> {
    if (!token || !/^xoxc-[0-9a-f-]{20,200}$/.test(token)) return null;
    const tokenHash = sha256Hex(token);
    const { rows } = await this.pool.query<IdentityRow & { created_at: Date }>(
      `${IDENTITY.replace('SELECT', 'SELECT s.created_at,')} JOIN asym.web_sessions s ON s.user_id = u.id
       WHERE s.token_sha256 = $1 AND s.revoked_at IS NULL AND s.created_at > $2 AND NOT u.deleted`,
      [tokenHash, new Date(this.now() - SESSION_LIFETIME_MS)],
    );
    const row = rows[0];
    return row
      ? { caller: toCaller(row, tokenHash), expiresAt: row.created_at.getTime() + SESSION_LIFETIME_MS }
      : null;
  }

  /** Ends every session: the data they were opened on is gone (reset, reseed) or re-keyed (token mint). */
  async endAll(): Promise<void> {
    await this.pool.query('DELETE FROM asym.web_sessions');
  }

  async logout(token: string | undefined): Promise<void> {
    if (!token) return;
    await this.pool.query(
      'UPDATE asym.web_sessions SET revoked_at = now() WHERE token_sha256 = $1 AND revoked_at IS NULL',
      [sha256Hex(token)],
    );
  }
}
