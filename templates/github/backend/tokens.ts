import type pg from 'pg';
import { randomString, sha256Hex } from '../../_shared/crypto.js';
import type { Queryable } from '../../_shared/db.js';
import { AdminRequestError } from '../../_shared/template.js';
import { mintToken } from '../../_shared/tokens.js';

export interface GithubIdentity {
  /** The login the personal access token acts as (the org's first owner). */
  login: string | null;
  botLogin: string | null;
}

/** What `POST /_asym/tokens` answers: the tokens and who they act as. */
export interface GithubTokens {
  /** A personal access token (`ghp_`) of the primary user. */
  token: string;
  login: string;
  /** A personal access token of the bot account. */
  botToken: string;
  botLogin: string;
  /** What `asymmetric listen` signs deliveries with (X-Hub-Signature-256). */
  webhookSecret: string;
}

/** The primary user: the first admin of the first organisation (acme-corp: Dana), else the first user. */
export async function githubIdentity(db: Queryable): Promise<GithubIdentity> {
  const { rows } = await db.query<{ login: string; kind: string }>(
    `(SELECT u.login, 'user' AS kind FROM accounts u
       LEFT JOIN org_members m ON m.user_id = u.id AND m.role = 'admin'
      WHERE u.type = 'User' ORDER BY m.org_id NULLS LAST, u.id LIMIT 1)
     UNION ALL
     (SELECT login, 'bot' FROM accounts WHERE type = 'Bot' ORDER BY id LIMIT 1)`,
  );
  return {
    login: rows.find((r) => r.kind === 'user')?.login ?? null,
    botLogin: rows.find((r) => r.kind === 'bot')?.login ?? null,
  };
}

/** GitHub's token format: a prefix and 36 base62 characters (the last six a checksum there). */
export const personalAccessToken = () => mintToken({ prefix: 'ghp_', length: 36 }).token;

export async function mintGithubTokens(db: pg.PoolClient, request: unknown): Promise<GithubTokens> {
  if (
    request !== undefined &&
    (typeof request !== 'object' || request === null || Object.keys(request).length > 0)
  ) {
    throw new AdminRequestError('invalid_body', 'POST /_asym/tokens takes no parameters for github');
  }
  const identity = await githubIdentity(db);
  if (!identity.login || !identity.botLogin) throw new Error('the seeded data has no user or no bot account');
  const { rows } = await db.query<{ id: number; login: string }>(
    'SELECT id, login FROM accounts WHERE login = ANY ($1)',
    [[identity.login, identity.botLogin]],
  );
  const idOf = (login: string) => rows.find((r) => r.login === login)?.id;
  const tokens: GithubTokens = {
    token: personalAccessToken(),
    login: identity.login,
    botToken: personalAccessToken(),
    botLogin: identity.botLogin,
    webhookSecret: randomString(32),
  };
  await db.query('UPDATE asym.github_tokens SET revoked_at = now() WHERE revoked_at IS NULL');
  await db.query(
    "INSERT INTO asym.github_tokens (token_sha256, account_id, kind) VALUES ($1, $2, 'user'), ($3, $4, 'bot')",
    [sha256Hex(tokens.token), idOf(identity.login), sha256Hex(tokens.botToken), idOf(identity.botLogin)],
  );
  await db.query('UPDATE asym.github_listen_secrets SET revoked_at = now() WHERE revoked_at IS NULL');
  await db.query('INSERT INTO asym.github_listen_secrets (secret) VALUES ($1)', [tokens.webhookSecret]);
  return tokens;
}
