import type pg from 'pg';
import { sha256Hex } from '../../_shared/crypto.js';
import { SlackError } from './slack-error.js';

/** Who a token acts as: the app's bot user (xoxb) or the workspace's primary user (xoxp). */
export interface SlackCaller {
  kind: 'bot' | 'user';
  tokenHash: string;
  scopes: readonly string[];
  teamId: string;
  teamName: string;
  teamDomain: string;
  userId: string;
  userName: string;
  botId: string | null;
  appId: string | null;
}

export const hasScope = (caller: SlackCaller, scope: string) => caller.scopes.includes(scope);

/** Throws missing_scope unless the caller holds `needed` (or one of its accepted alternatives). */
export function requireScope(caller: SlackCaller, needed: string, ...alternatives: string[]): void {
  if (hasScope(caller, needed) || alternatives.some((scope) => hasScope(caller, scope))) return;
  throw new SlackError('missing_scope', { needed, provided: caller.scopes.join(',') });
}

export const APP_TOKEN_PATTERN = /^xapp-[A-Za-z0-9-]{10,200}$/;

/** An app-level token's row, or null when the token was never minted. */
export async function findAppToken(
  pool: pg.Pool,
  token: string,
): Promise<{ tokenHash: string; scopes: string[]; revoked: boolean } | null> {
  const tokenHash = sha256Hex(token);
  const { rows } = await pool.query<{ scopes: string[]; revoked: boolean }>(
    `SELECT scopes, revoked_at IS NOT NULL AS revoked FROM asym.tokens WHERE token_sha256 = $1 AND kind = 'app'`,
    [tokenHash],
  );
  const row = rows[0];
  return row ? { tokenHash, scopes: row.scopes, revoked: row.revoked } : null;
}

interface TokenRow {
  kind: 'bot' | 'user';
  scopes: string[];
  revoked: boolean;
}

interface IdentityRow {
  user_id: string;
  user_name: string;
  deleted: boolean;
  team_id: string;
  team_name: string;
  team_domain: string;
  bot_id: string | null;
  app_id: string | null;
}

/**
 * Resolves tokens to callers. Tokens are found by their sha256 in `asym.tokens`; the
 * identity behind them comes from the seeded workspace, so a reseed with another fixture
 * keeps minted tokens working. Resolved callers are cached until the runtime invalidates.
 */
export class CallerResolver {
  private readonly cache = new Map<string, SlackCaller>();

  constructor(private readonly pool: pg.Pool) {}

  clear(): void {
    this.cache.clear();
  }

  async resolve(token: string | null): Promise<SlackCaller> {
    if (token === null) throw new SlackError('not_authed');
    if (APP_TOKEN_PATTERN.test(token)) {
      // Slack tells a working app-level token apart from a bad one: only the Socket Mode
      // methods take it.
      const app = await findAppToken(this.pool, token);
      throw new SlackError(app && !app.revoked ? 'not_allowed_token_type' : 'invalid_auth');
    }
    if (!/^xox[bp]-[A-Za-z0-9-]{10,200}$/.test(token)) throw new SlackError('invalid_auth');
    const tokenHash = sha256Hex(token);
    const cached = this.cache.get(tokenHash);
    if (cached) return cached;

    const { rows } = await this.pool.query<TokenRow>(
      'SELECT kind, scopes, revoked_at IS NOT NULL AS revoked FROM asym.tokens WHERE token_sha256 = $1',
      [tokenHash],
    );
    const row = rows[0];
    if (!row) throw new SlackError('invalid_auth');
    if (row.revoked) throw new SlackError('token_revoked');

    const identity = await this.identity(row.kind);
    if (!identity || identity.deleted) throw new SlackError('account_inactive');
    const caller: SlackCaller = {
      kind: row.kind,
      tokenHash,
      scopes: [...row.scopes].sort(),
      teamId: identity.team_id,
      teamName: identity.team_name,
      teamDomain: identity.team_domain,
      userId: identity.user_id,
      userName: identity.user_name,
      botId: row.kind === 'bot' ? identity.bot_id : null,
      appId: row.kind === 'bot' ? identity.app_id : null,
    };
    this.cache.set(tokenHash, caller);
    return caller;
  }

  private async identity(kind: 'bot' | 'user'): Promise<IdentityRow | undefined> {
    const sql =
      kind === 'bot'
        ? `SELECT u.id AS user_id, u.name AS user_name, u.deleted, t.id AS team_id, t.name AS team_name,
                  t.domain AS team_domain, a.bot_id, a.id AS app_id
           FROM apps a JOIN users u ON u.id = a.bot_user_id JOIN teams t ON t.id = a.team_id
           ORDER BY a.created, a.id LIMIT 1`
        : `SELECT u.id AS user_id, u.name AS user_name, u.deleted, t.id AS team_id, t.name AS team_name,
                  t.domain AS team_domain, NULL AS bot_id, NULL AS app_id
           FROM teams t JOIN users u ON u.id = t.primary_user_id
           ORDER BY t.created, t.id LIMIT 1`;
    const { rows } = await this.pool.query<IdentityRow>(sql);
    return rows[0];
  }
}

/**
 * Methods that act for a person (reminders, saved items, Do Not Disturb, search): Slack
 * refuses bot tokens with not_allowed_token_type, then checks the user token's scope.
 */
export function requireUserToken(caller: SlackCaller, scope: string): void {
  if (caller.kind === 'bot') throw new SlackError('not_allowed_token_type');
  requireScope(caller, scope);
}
