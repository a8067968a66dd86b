import type pg from 'pg';
import { z } from 'zod';
import { randomString, sha256Hex } from '../../_shared/crypto.js';
import type { Queryable } from '../../_shared/db.js';
import { AdminRequestError } from '../../_shared/template.js';
import { DEFAULT_BOT_SCOPES, DEFAULT_USER_SCOPES } from './scopes.js';

export interface SlackIdentity {
  appId: string;
  teamId: string;
  botUserId: string;
  userId: string;
}

export interface SlackTokens extends SlackIdentity {
  botToken: string;
  userToken: string;
  signingSecret: string;
  /** App-level token (xapp-, scope connections:write): opens Socket Mode connections. */
  appToken: string;
}

/** The one scope an app-level token holds. */
export const APP_TOKEN_SCOPES = ['connections:write'] as const;

const scopeList = z.array(z.string().regex(/^[a-z_.:]+$/, 'a scope looks like "chat:write"')).max(200);

/** The optional body of POST /_asym/tokens: narrower (or wider) scopes for this token set. */
const mintRequest = z.object({ botScopes: scopeList.optional(), userScopes: scopeList.optional() }).strict();

export async function slackIdentity(db: Queryable): Promise<SlackIdentity> {
  const { rows } = await db.query<{
    app_id: string;
    team_id: string;
    bot_user_id: string;
    user_id: string | null;
  }>(
    `SELECT a.id AS app_id, t.id AS team_id, a.bot_user_id, t.primary_user_id AS user_id
     FROM teams t JOIN apps a ON a.team_id = t.id ORDER BY t.created, t.id, a.created, a.id LIMIT 1`,
  );
  const row = rows[0];
  if (!row?.user_id) throw new Error('the seeded workspace has no team, app or primary user');
  return { appId: row.app_id, teamId: row.team_id, botUserId: row.bot_user_id, userId: row.user_id };
}

/**
 * Tokens shaped like Slack's (xoxb-<team>-<bot>-<secret>, xoxp-<team>-<user>-<id>-<secret>,
 * xapp-<n>-<app id>-<id>-<secret>).
 */
const botToken = () => `xoxb-${randomString(12, 'digits')}-${randomString(13, 'digits')}-${randomString(24)}`;
const userToken = () =>
  `xoxp-${randomString(12, 'digits')}-${randomString(12, 'digits')}-${randomString(13, 'digits')}-${randomString(32, 'hex')}`;

const appToken = (appId: string) =>
  `xapp-1-${appId}-${randomString(13, 'digits')}-${randomString(64, 'hex')}`;

export async function mintSlackTokens(db: pg.PoolClient, request: unknown): Promise<SlackTokens> {
  const parsed = mintRequest.safeParse(request ?? {});
  if (!parsed.success) {
    throw new AdminRequestError(
      'invalid_body',
      'expected { "botScopes"?: string[], "userScopes"?: string[] }',
    );
  }
  const identity = await slackIdentity(db);
  const tokens: SlackTokens = {
    botToken: botToken(),
    userToken: userToken(),
    appId: identity.appId,
    teamId: identity.teamId,
    botUserId: identity.botUserId,
    userId: identity.userId,
    signingSecret: randomString(32, 'hex'),
    appToken: appToken(identity.appId),
  };
  await db.query('UPDATE asym.tokens SET revoked_at = now() WHERE revoked_at IS NULL');
  await db.query(
    'INSERT INTO asym.tokens (token_sha256, kind, scopes) VALUES ($1, $2, $3), ($4, $5, $6), ($7, $8, $9)',
    [
      sha256Hex(tokens.botToken),
      'bot',
      [...new Set(parsed.data.botScopes ?? DEFAULT_BOT_SCOPES)],
      sha256Hex(tokens.userToken),
      'user',
      [...new Set(parsed.data.userScopes ?? DEFAULT_USER_SCOPES)],
      sha256Hex(tokens.appToken),
      'app',
      [...APP_TOKEN_SCOPES],
    ],
  );
  await db.query(
    `INSERT INTO asym.app_secrets (name, value) VALUES ('signing_secret', $1)
     ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, created_at = now()`,
    [tokens.signingSecret],
  );
  return tokens;
}
