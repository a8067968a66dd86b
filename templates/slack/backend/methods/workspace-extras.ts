import { z } from 'zod';
import { slackBoolean, slackInteger, slackString } from '../args.js';
import { hasScope, requireScope, requireUserToken } from '../caller.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { type AuthedContext, defineMethod, type SlackMethod } from '../method.js';
import type { FilePart } from '../request-args.js';
import { SlackError } from '../slack-error.js';
import { formatTs } from '../slack-ts.js';
import { findUser } from '../store/users.js';
import { userView } from '../views/user.js';

// The person's photo, their identity (Sign in with Slack), and the workspace's settings,
// profile fields, billing and logs as an app or admin reads them.

// Slack refuses photos over this size (and animated ones; the clone cannot tell frames).
const MAX_PHOTO_BYTES = 1_048_576;

/** The image formats Slack takes for a photo, by their first bytes. */
const IMAGE_SIGNATURES = ['89504e470d0a1a0a', 'ffd8ff', '474946383761', '474946383961'];

const isFilePart = (value: unknown): value is FilePart =>
  typeof value === 'object' && value !== null && typeof (value as FilePart).sha256 === 'string';

async function profileChanged(ctx: AuthedContext): Promise<void> {
  const row = await findUser(ctx.db, { id: ctx.caller.userId });
  if (!row) return;
  ctx.events.emit({
    type: 'user_change',
    user: userView(row, { includeEmail: hasScope(ctx.caller, 'users:read.email') }),
    event_ts: formatTs(ctx.now() * 1000),
  });
}

const setPhoto = defineMethod({
  name: 'users.setPhoto',
  tier: 'tier2',
  args: z.object({
    image: z.unknown().optional(),
    crop_x: slackInteger.optional(),
    crop_y: slackInteger.optional(),
    crop_w: slackInteger.optional(),
  }),
  run: async (args, ctx) => {
    requireUserToken(ctx.caller, 'users.profile:write');
    // The image comes as a multipart file part; anything else is not an image.
    if (!isFilePart(args.image)) throw new SlackError('bad_image');
    const image = args.image;
    if (!IMAGE_SIGNATURES.some((signature) => image.head.startsWith(signature)))
      throw new SlackError('bad_image');
    if (image.size > MAX_PHOTO_BYTES) throw new SlackError('too_large');
    const hash = image.sha256.slice(0, 20);
    await ctx.db.query('UPDATE users SET photo_hash = $2, avatar_hash = $3, updated = $4 WHERE id = $1', [
      ctx.caller.userId,
      hash,
      hash.slice(0, 12),
      Math.floor(ctx.now() / 1000),
    ]);
    await profileChanged(ctx);
    return {};
  },
});

const deletePhoto = defineMethod({
  name: 'users.deletePhoto',
  tier: 'tier2',
  args: z.object({}),
  run: async (_args, ctx) => {
    requireUserToken(ctx.caller, 'users.profile:write');
    await ctx.db.query(
      `UPDATE users SET photo_hash = NULL, avatar_hash = '', updated = $2 WHERE id = $1 AND photo_hash IS NOT NULL`,
      [ctx.caller.userId, Math.floor(ctx.now() / 1000)],
    );
    await profileChanged(ctx);
    return {};
  },
});

async function caller(ctx: AuthedContext) {
  const row = await findUser(ctx.db, { id: ctx.caller.userId });
  if (!row) throw new SlackError('user_not_found');
  return userView(row, { includeEmail: true }) as {
    id: string;
    name: string;
    profile: Record<string, string>;
  } & Record<string, unknown>;
}

const identity = defineMethod({
  name: 'users.identity',
  tier: 'tier3',
  args: z.object({}),
  run: async (_args, ctx) => {
    requireUserToken(ctx.caller, 'identity.basic');
    const user = await caller(ctx);
    const view: { user: Record<string, unknown>; team: Record<string, unknown> } = {
      user: { name: user.profile.real_name || user.name, id: user.id },
      team: { id: ctx.caller.teamId },
    };
    if (hasScope(ctx.caller, 'identity.email')) view.user.email = user.profile.email;
    if (hasScope(ctx.caller, 'identity.avatar')) {
      for (const size of [24, 32, 48, 72, 192, 512])
        view.user[`image_${size}`] = user.profile[`image_${size}`];
    }
    if (hasScope(ctx.caller, 'identity.team')) {
      Object.assign(view.team, { name: ctx.caller.teamName, domain: ctx.caller.teamDomain });
    }
    return view;
  },
});

const openidUserInfo = defineMethod({
  name: 'openid.connect.userInfo',
  tier: 'tier3',
  args: z.object({}),
  run: async (_args, ctx) => {
    requireUserToken(ctx.caller, 'openid');
    const user = await caller(ctx);
    const { profile } = user;
    const info: Record<string, unknown> = {
      sub: user.id,
      'https://slack.com/user_id': user.id,
      'https://slack.com/team_id': ctx.caller.teamId,
      name: profile.real_name,
      given_name: profile.first_name,
      family_name: profile.last_name,
      picture: profile.image_512,
      locale: 'en-US',
      'https://slack.com/team_name': ctx.caller.teamName,
      'https://slack.com/team_domain': ctx.caller.teamDomain,
      'https://slack.com/team_image_default': true,
    };
    for (const size of [24, 32, 48, 72, 192, 512])
      info[`https://slack.com/user_image_${size}`] = profile[`image_${size}`];
    if (hasScope(ctx.caller, 'email') && profile.email) {
      Object.assign(info, { email: profile.email, email_verified: true, date_email_verified: 0 });
    }
    return info;
  },
});

const teamProfile = defineMethod({
  name: 'team.profile.get',
  tier: 'tier3',
  args: z.object({ visibility: slackString.optional() }),
  run: async (_args, ctx) => {
    requireScope(ctx.caller, 'users.profile:read');
    // The clone's workspaces define no custom profile fields: every profile's `fields` is {}.
    return { profile: { fields: [], sections: [] } };
  },
});

const teamPreferences = defineMethod({
  name: 'team.preferences.list',
  tier: 'tier2',
  args: z.object({}),
  run: async (_args, ctx) => {
    requireScope(ctx.caller, 'team.preferences:read');
    return {
      display_real_names: false,
      disable_file_uploads: 'allow_all',
      msg_edit_window_mins: -1,
      who_can_post_general: 'everyone',
      allow_message_deletion: true,
    };
  },
});

const authTeams = defineMethod({
  name: 'auth.teams.list',
  tier: 'tier2',
  args: z.object({
    limit: slackInteger.optional(),
    cursor: slackString.optional(),
    include_icon: slackBoolean.optional(),
  }),
  run: async (args, ctx) => {
    if (args.cursor) decodeCursor('teams', args.cursor, /^\d{1,7}$/);
    if (args.limit !== undefined && (args.limit < 1 || args.limit > 1000))
      throw new SlackError('invalid_limit');
    // An app installed in one workspace: that one.
    const team: Record<string, unknown> = { id: ctx.caller.teamId, name: ctx.caller.teamName };
    if (args.include_icon) team.icon = { image_default: true };
    return { teams: [team], response_metadata: { next_cursor: '' } };
  },
});

const billableInfo = defineMethod({
  name: 'team.billableInfo',
  tier: 'tier2',
  args: z.object({
    user: slackString.optional(),
    cursor: slackString.optional(),
    limit: slackInteger.optional(),
    team_id: slackString.optional(),
  }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'admin');
    const limit = Math.min(Math.max(args.limit ?? 100, 1), 1000);
    const from = args.cursor ? decodeCursor('billable', args.cursor, /^[UW][A-Z0-9]+$/) : '';
    const { rows } = await ctx.db.query<{ id: string; deleted: boolean }>(
      `SELECT id, deleted FROM users WHERE NOT is_bot AND id <> 'USLACKBOT' AND ($1::text IS NULL OR id = $1) AND id >= $2
       ORDER BY id LIMIT $3`,
      [args.user ?? null, from, limit + 1],
    );
    if (args.user !== undefined && rows.length === 0) throw new SlackError('user_not_found');
    const page = rows.slice(0, limit);
    return {
      billable_info: Object.fromEntries(page.map((row) => [row.id, { billing_active: !row.deleted }])),
      response_metadata: { next_cursor: rows[limit] ? encodeCursor('billable', rows[limit].id) : '' },
    };
  },
});

const billingInfo = defineMethod({
  name: 'team.billing.info',
  tier: 'tier3',
  args: z.object({}),
  run: async (_args, ctx) => {
    requireScope(ctx.caller, 'team.billing:read');
    return { plan: 'pro' };
  },
});

const accessLogs = defineMethod({
  name: 'team.accessLogs',
  tier: 'tier2',
  args: z.object({
    before: slackInteger.optional(),
    cursor: slackString.optional(),
    limit: slackInteger.optional(),
    count: slackInteger.optional(),
    page: slackInteger.optional(),
    team_id: slackString.optional(),
  }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'admin');
    const count = Math.min(Math.max(args.limit ?? args.count ?? 100, 1), 1000);
    // The clone keeps no sign-in history: nobody has signed in from anywhere yet.
    return {
      logins: [],
      paging: { count, total: 0, page: 1, pages: 1 },
      response_metadata: { next_cursor: '' },
    };
  },
});

const integrationLogs = defineMethod({
  name: 'team.integrationLogs',
  tier: 'tier2',
  args: z.object({
    app_id: slackString.optional(),
    change_type: slackString.optional(),
    service_id: slackString.optional(),
    user: slackString.optional(),
    count: slackInteger.optional(),
    page: slackInteger.optional(),
    team_id: slackString.optional(),
  }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'admin');
    const count = Math.min(Math.max(args.count ?? 100, 1), 1000);
    // The seeded app was installed with the workspace; the log shows that one entry.
    const { rows } = await ctx.db.query<{
      id: string;
      name: string;
      created: number;
      primary_user_id: string;
    }>(
      `SELECT a.id, a.name, a.created, t.primary_user_id FROM apps a JOIN teams t ON t.id = a.team_id
       WHERE ($1::text IS NULL OR a.id = $1) ORDER BY a.created, a.id`,
      [args.app_id ?? null],
    );
    const logs = rows
      .filter(
        (row) =>
          (args.user === undefined || args.user === row.primary_user_id) &&
          (args.change_type ?? 'added') === 'added',
      )
      .map((row) => ({
        app_id: row.id,
        app_type: 'app',
        user_id: row.primary_user_id,
        user_name: '',
        date: String(row.created),
        change_type: 'added',
        scope: '',
      }));
    return { logs, paging: { count, total: logs.length, page: 1, pages: 1 } };
  },
});

export const workspaceExtrasMethods: SlackMethod[] = [
  setPhoto,
  deletePhoto,
  identity,
  openidUserInfo,
  teamProfile,
  teamPreferences,
  authTeams,
  billableInfo,
  billingInfo,
  accessLogs,
  integrationLogs,
];
