import type { Queryable } from '../../../_shared/db.js';
import type { SlackCaller } from '../caller.js';
import { DEFAULT_BOT_SCOPES } from '../scopes.js';
import { WEB_SESSION_SCOPES } from '../web/web-sessions.js';

/** The installed app as interaction payloads name it. */
export interface AppIdentity {
  appId: string;
  botId: string;
  botUserId: string;
  teamId: string;
  teamDomain: string;
}

export async function findApp(db: Queryable): Promise<AppIdentity | null> {
  const { rows } = await db.query<AppIdentity>(
    `SELECT a.id AS "appId", a.bot_id AS "botId", a.bot_user_id AS "botUserId", t.id AS "teamId",
            t.domain AS "teamDomain"
     FROM apps a JOIN teams t ON t.id = a.team_id ORDER BY a.created, a.id LIMIT 1`,
  );
  return rows[0] ?? null;
}

interface CallerRow {
  user_id: string;
  user_name: string;
  team_id: string;
  team_name: string;
  team_domain: string;
  bot_id: string | null;
  app_id: string | null;
}

const toCaller = (row: CallerRow, kind: 'bot' | 'user', scopes: readonly string[]): SlackCaller => ({
  kind,
  // Never a token's hash: these callers are the clone acting for someone, not a client.
  tokenHash: `internal:${kind}:${row.user_id}`,
  scopes: [...scopes].sort(),
  teamId: row.team_id,
  teamName: row.team_name,
  teamDomain: row.team_domain,
  userId: row.user_id,
  userName: row.user_name,
  botId: row.bot_id,
  appId: row.app_id,
});

/** A person of the workspace acting for themself (`act post`), with the web client's scopes. */
export async function personCaller(db: Queryable, userId: string): Promise<SlackCaller | null> {
  const { rows } = await db.query<CallerRow>(
    `SELECT u.id AS user_id, u.name AS user_name, t.id AS team_id, t.name AS team_name, t.domain AS team_domain,
            NULL AS bot_id, NULL AS app_id
     FROM users u JOIN teams t ON t.id = u.team_id WHERE u.id = $1 AND NOT u.deleted AND NOT u.is_bot`,
    [userId],
  );
  return rows[0] ? toCaller(rows[0], 'user', WEB_SESSION_SCOPES) : null;
}

/** The app's bot, for what Slack does on the app's behalf (a response_url's message). */
export async function appBotCaller(db: Queryable): Promise<SlackCaller | null> {
  const { rows } = await db.query<CallerRow>(
    `SELECT u.id AS user_id, u.name AS user_name, t.id AS team_id, t.name AS team_name, t.domain AS team_domain,
            a.bot_id, a.id AS app_id
     FROM apps a JOIN users u ON u.id = a.bot_user_id JOIN teams t ON t.id = a.team_id
     ORDER BY a.created, a.id LIMIT 1`,
  );
  return rows[0] ? toCaller(rows[0], 'bot', [...DEFAULT_BOT_SCOPES, 'chat:write.public']) : null;
}
