import { z } from 'zod';
import { slackBoolean, slackInteger, slackJson, slackString } from '../args.js';
import { requireScope } from '../caller.js';
import { decodeCursor } from '../cursor.js';
import { defineMethod, definePublicMethod, type SlackMethod } from '../method.js';
import { SlackError } from '../slack-error.js';

// What Slack answers a single, non-Enterprise workspace with one installed app and no
// OAuth clients, Slack Connect partners, RTM or workflow function runs: the clone's case.

const oauthArgs = {
  client_id: slackString.optional(),
  client_secret: slackString.optional(),
  code: slackString.optional(),
  redirect_uri: slackString.optional(),
  grant_type: slackString.optional(),
  refresh_token: slackString.optional(),
  code_verifier: slackString.optional(),
};

/**
 * The OAuth exchanges: the clone's app is installed with the workspace (tokens come from
 * `asymmetric tokens`), so no OAuth client exists to exchange a code for; every client id is
 * unknown, as on Slack for one that was never registered.
 */
const oauth = (name: string) =>
  definePublicMethod({
    name,
    tier: 'tier4',
    args: z.object({ ...oauthArgs, token: slackString.optional(), single_channel: slackBoolean.optional() }),
    run: async () => {
      throw new SlackError('invalid_client_id');
    },
  });

const toolingRotate = definePublicMethod({
  name: 'tooling.tokens.rotate',
  tier: 'tier2',
  args: z.object({ refresh_token: slackString.optional() }),
  run: async () => {
    // App configuration refresh tokens come from Slack's app settings, which the clone has not.
    throw new SlackError('invalid_refresh_token');
  },
});

const appsUninstall = defineMethod({
  name: 'apps.uninstall',
  tier: 'tier1',
  args: z.object({ client_id: slackString.optional(), client_secret: slackString.optional() }),
  run: async () => {
    throw new SlackError('invalid_client_id');
  },
});

const migrationExchange = defineMethod({
  name: 'migration.exchange',
  tier: 'tier2',
  args: z.object({
    users: slackString.optional(),
    team_id: slackString.optional(),
    to_old: slackBoolean.optional(),
  }),
  run: async (_args, ctx) => {
    requireScope(ctx.caller, 'tokens.basic');
    // Ids change only when a workspace moves into an Enterprise organisation.
    throw new SlackError('not_enterprise_team');
  },
});

const rtmConnect = defineMethod({
  name: 'rtm.connect',
  tier: 'tier1',
  args: z.object({ batch_presence_aware: slackBoolean.optional(), presence_sub: slackBoolean.optional() }),
  run: async () => {
    // Apps with granular scopes (every app today) cannot use the RTM API; Slack refuses their tokens.
    throw new SlackError('not_allowed_token_type');
  },
});

const functionComplete = (name: string, extra: 'outputs' | 'error') =>
  defineMethod({
    name,
    tier: 'tier3',
    args: z.object({ function_execution_id: slackString.required(), [extra]: slackJson.optional() }),
    run: async () => {
      // Workflow functions run only in Slack's workflow builder: no execution ever started here.
      throw new SlackError('function_execution_not_found');
    },
  });

const cursorArgs = { cursor: slackString.optional(), limit: slackInteger.optional() };

const externalTeams = defineMethod({
  name: 'team.externalTeams.list',
  tier: 'tier2',
  args: z.object({
    ...cursorArgs,
    sort_field: slackString.optional(),
    sort_direction: slackString.optional(),
    slack_connect_pref_filter: slackString.optional(),
    workspace_filter: slackString.optional(),
    connection_status_filter: slackString.optional(),
  }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'team:read');
    if (args.cursor) decodeCursor('teams', args.cursor, /^\d{1,7}$/);
    // No Slack Connect partners: the workspace shares channels with nobody.
    return { organizations: [], total_count: 0, response_metadata: { next_cursor: '' } };
  },
});

const connectInvites = defineMethod({
  name: 'conversations.listConnectInvites',
  tier: 'tier2',
  args: z.object({
    team_id: slackString.optional(),
    cursor: slackString.optional(),
    count: slackInteger.optional(),
  }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'conversations.connect:manage');
    if (args.cursor) decodeCursor('invites', args.cursor, /^\d{1,7}$/);
    return { invites: [], response_metadata: { next_cursor: '' } };
  },
});

const sharedInviteRequests = defineMethod({
  name: 'conversations.requestSharedInvite.list',
  tier: 'tier2',
  args: z.object({
    ...cursorArgs,
    user_id: slackString.optional(),
    include_expired: slackBoolean.optional(),
    include_approved: slackBoolean.optional(),
    include_denied: slackBoolean.optional(),
    invite_ids: slackJson.optional(),
  }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'conversations.connect:manage');
    if (args.cursor) decodeCursor('invites', args.cursor, /^\d{1,7}$/);
    return { invite_requests: [], response_metadata: { next_cursor: '' } };
  },
});

export const platformMethods: SlackMethod[] = [
  oauth('oauth.access'),
  oauth('oauth.v2.access'),
  oauth('oauth.v2.exchange'),
  oauth('openid.connect.token'),
  toolingRotate,
  appsUninstall,
  migrationExchange,
  rtmConnect,
  functionComplete('functions.completeSuccess', 'outputs'),
  functionComplete('functions.completeError', 'error'),
  externalTeams,
  connectInvites,
  sharedInviteRequests,
];
