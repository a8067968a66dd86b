import { z } from 'zod';
import { onUniqueViolation } from '../../../_shared/db.js';
import { slackBoolean, slackString } from '../args.js';
import { requireScope } from '../caller.js';
import { newId } from '../ids.js';
import { type AuthedContext, defineMethod, type SlackMethod } from '../method.js';
import { SlackError } from '../slack-error.js';
import {
  findUsergroup,
  insertUsergroup,
  listUsergroups,
  setUsergroupEnabled,
  type UsergroupRow,
  updateUsergroup,
  usergroupClash,
} from '../store/usergroups.js';

const HANDLE = /^[a-z0-9][a-z0-9._-]{0,20}$/;
// Handles Slack keeps for itself.
const RESERVED_HANDLES = new Set(['here', 'channel', 'everyone', 'group', 'all']);
const MAX_NAME = 255;
const MAX_DESCRIPTION = 140;

const list = (value: string | undefined) =>
  value === undefined
    ? undefined
    : [
        ...new Set(
          value
            .split(',')
            .map((item) => item.trim())
            .filter((item) => item !== ''),
        ),
      ];

function usergroupView(
  row: UsergroupRow,
  options: { users: boolean; count: boolean },
): Record<string, unknown> {
  return {
    id: row.id,
    team_id: row.team_id,
    is_usergroup: true,
    is_subteam: true,
    name: row.name,
    description: row.description,
    handle: row.handle,
    is_external: false,
    date_create: row.date_create,
    date_update: row.date_update,
    date_delete: row.date_delete,
    auto_type: null,
    auto_provision: false,
    enterprise_subteam_id: '',
    created_by: row.created_by,
    updated_by: row.updated_by,
    deleted_by: row.deleted_by,
    prefs: { channels: row.channels, groups: [] },
    ...(options.users ? { users: row.users } : {}),
    ...(options.count || options.users ? { user_count: row.users.length } : {}),
  };
}

async function validChannels(ctx: AuthedContext, ids: string[] | undefined): Promise<string[] | undefined> {
  if (ids === undefined) return undefined;
  const { rows } = await ctx.db.query<{ id: string }>(
    `SELECT id FROM conversations WHERE id = ANY($1) AND kind IN ('channel', 'private')`,
    [ids],
  );
  if (rows.length !== ids.length) throw new SlackError('invalid_channel_provided');
  return ids;
}

async function checkHandle(ctx: AuthedContext, handle: string, exceptId: string | null): Promise<void> {
  if (!HANDLE.test(handle)) throw new SlackError('bad_handle');
  if (RESERVED_HANDLES.has(handle)) throw new SlackError('forbidden_handle');
  const { rowCount } = await ctx.db.query('SELECT 1 FROM users WHERE name = $1', [handle]);
  if ((rowCount ?? 0) > 0) throw new SlackError('handle_already_exists');
  if (await usergroupClash(ctx.db, ctx.caller.teamId, 'handle', handle, exceptId)) {
    throw new SlackError('handle_already_exists');
  }
}

async function existing(ctx: AuthedContext, id: string): Promise<UsergroupRow> {
  const row = await findUsergroup(ctx.db, id);
  if (!row) throw new SlackError('no_such_subteam');
  return row;
}

const viewOptions = (args: { include_count?: boolean; include_users?: boolean }) => ({
  users: args.include_users ?? false,
  count: args.include_count ?? false,
});

const create = defineMethod({
  name: 'usergroups.create',
  tier: 'tier2',
  args: z.object({
    name: slackString.required(),
    handle: slackString.optional(),
    description: slackString.optional(),
    channels: slackString.optional(),
    additional_channels: slackString.optional(),
    include_count: slackBoolean.optional(),
    team_id: slackString.optional(),
    enable_section: slackBoolean.optional(),
  }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'usergroups:write');
    if (args.name.length > MAX_NAME) throw new SlackError('name_too_long');
    if ((args.description ?? '').length > MAX_DESCRIPTION) throw new SlackError('description_too_long');
    if (await usergroupClash(ctx.db, ctx.caller.teamId, 'name', args.name, null)) {
      throw new SlackError('name_already_exists');
    }
    const handle =
      args.handle ??
      args.name
        .toLowerCase()
        .replace(/[^a-z0-9._-]+/g, '-')
        .slice(0, 21);
    await checkHandle(ctx, handle, null);
    const channels = (await validChannels(ctx, list(args.channels))) ?? [];
    const now = Math.floor(ctx.now() / 1000);
    const id = newId('S', 10);
    const taken = {
      usergroups_name: () => new SlackError('name_already_exists'),
      usergroups_handle: () => new SlackError('handle_already_exists'),
    };
    await onUniqueViolation(
      () =>
        insertUsergroup(ctx.db, {
          id,
          team_id: ctx.caller.teamId,
          name: args.name,
          handle,
          description: args.description ?? '',
          users: [],
          channels,
          created_by: ctx.caller.userId,
          updated_by: ctx.caller.userId,
          deleted_by: null,
          date_create: now,
          date_update: now,
          date_delete: 0,
        }),
      taken,
    );
    return { usergroup: usergroupView(await existing(ctx, id), { users: true, count: true }) };
  },
});

const update = defineMethod({
  name: 'usergroups.update',
  tier: 'tier2',
  args: z.object({
    usergroup: slackString.required(),
    name: slackString.optional(),
    handle: slackString.optional(),
    description: z.union([z.string(), z.number()]).transform(String).optional(),
    channels: slackString.optional(),
    additional_channels: slackString.optional(),
    include_count: slackBoolean.optional(),
    team_id: slackString.optional(),
    enable_section: slackBoolean.optional(),
  }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'usergroups:write');
    const row = await existing(ctx, args.usergroup);
    if (args.name !== undefined) {
      if (args.name.length > MAX_NAME) throw new SlackError('name_too_long');
      if (await usergroupClash(ctx.db, ctx.caller.teamId, 'name', args.name, row.id)) {
        throw new SlackError('name_already_exists');
      }
    }
    if (args.handle !== undefined) await checkHandle(ctx, args.handle, row.id);
    if ((args.description ?? '').length > MAX_DESCRIPTION) throw new SlackError('description_too_long');
    const channels = await validChannels(ctx, list(args.channels));
    await updateUsergroup(ctx.db, row.id, {
      ...(args.name !== undefined ? { name: args.name } : {}),
      ...(args.handle !== undefined ? { handle: args.handle } : {}),
      ...(args.description !== undefined ? { description: args.description } : {}),
      ...(channels !== undefined ? { channels } : {}),
      updatedBy: ctx.caller.userId,
      dateUpdate: Math.floor(ctx.now() / 1000),
    });
    return { usergroup: usergroupView(await existing(ctx, row.id), { users: true, count: true }) };
  },
});

function defineToggle(enable: boolean) {
  return defineMethod({
    name: enable ? 'usergroups.enable' : 'usergroups.disable',
    tier: 'tier2',
    args: z.object({
      usergroup: slackString.required(),
      include_count: slackBoolean.optional(),
      team_id: slackString.optional(),
    }),
    run: async (args, ctx) => {
      requireScope(ctx.caller, 'usergroups:write');
      const row = await existing(ctx, args.usergroup);
      if (enable && row.date_delete === 0) throw new SlackError('already_enabled');
      if (!enable && row.date_delete !== 0) throw new SlackError('already_disabled');
      if (enable && (await usergroupClash(ctx.db, ctx.caller.teamId, 'handle', row.handle, row.id))) {
        throw new SlackError('handle_already_exists');
      }
      await setUsergroupEnabled(ctx.db, row.id, enable, ctx.caller.userId, Math.floor(ctx.now() / 1000));
      return { usergroup: usergroupView(await existing(ctx, row.id), viewOptions(args)) };
    },
  });
}

const listMethod = defineMethod({
  name: 'usergroups.list',
  tier: 'tier2',
  args: z.object({
    include_count: slackBoolean.optional(),
    include_disabled: slackBoolean.optional(),
    include_users: slackBoolean.optional(),
    team_id: slackString.optional(),
  }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'usergroups:read');
    const rows = await listUsergroups(ctx.db, args.include_disabled ?? false);
    return { usergroups: rows.map((row) => usergroupView(row, viewOptions(args))) };
  },
});

const usersList = defineMethod({
  name: 'usergroups.users.list',
  tier: 'tier2',
  args: z.object({
    usergroup: slackString.required(),
    include_disabled: slackBoolean.optional(),
    team_id: slackString.optional(),
  }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'usergroups:read');
    const row = await existing(ctx, args.usergroup);
    if (row.date_delete !== 0 && !args.include_disabled) throw new SlackError('no_such_subteam');
    return { users: row.users };
  },
});

const usersUpdate = defineMethod({
  name: 'usergroups.users.update',
  tier: 'tier2',
  args: z.object({
    usergroup: slackString.required(),
    users: slackString.optional(),
    include_count: slackBoolean.optional(),
    team_id: slackString.optional(),
    additional_channels: slackString.optional(),
    is_shared: slackBoolean.optional(),
  }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'usergroups:write');
    const row = await existing(ctx, args.usergroup);
    const users = list(args.users) ?? [];
    if (users.length === 0) throw new SlackError('no_users_provided');
    const { rows } = await ctx.db.query<{ id: string }>(
      'SELECT id FROM users WHERE id = ANY($1) AND NOT deleted AND NOT is_bot',
      [users],
    );
    if (rows.length !== users.length) throw new SlackError('invalid_users');
    await updateUsergroup(ctx.db, row.id, {
      users,
      updatedBy: ctx.caller.userId,
      dateUpdate: Math.floor(ctx.now() / 1000),
    });
    return { usergroup: usergroupView(await existing(ctx, row.id), { users: true, count: true }) };
  },
});

export const usergroupsMethods: SlackMethod[] = [
  create,
  update,
  defineToggle(false),
  defineToggle(true),
  listMethod,
  usersList,
  usersUpdate,
];
