import { z } from 'zod';
import { slackBoolean, slackInteger, slackJson, slackString } from '../args.js';
import { hasScope, requireScope } from '../caller.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { type AuthedContext, defineMethod, type SlackMethod } from '../method.js';
import { CONVERSATION_SCOPES } from '../scopes.js';
import { SlackError } from '../slack-error.js';
import { formatTs } from '../slack-ts.js';
import { type ConversationKind, listMemberConversations } from '../store/conversations.js';
import {
  findUser,
  listUsers,
  type ProfileChange,
  setManualAway,
  type UserRow,
  updateProfile,
} from '../store/users.js';
import { conversationView } from '../views/conversation.js';
import { userView } from '../views/user.js';

// Without a limit Slack tries to return everyone; the clone caps one page here.
const MAX_PAGE = 1000;
const USER_ID = /^[UWB][A-Z0-9]{2,30}$|^USLACKBOT$/;
const MAX_FIELD = 250;

const TYPE_KINDS: Record<string, ConversationKind> = {
  public_channel: 'channel',
  private_channel: 'private',
  mpim: 'mpim',
  im: 'im',
};

const view = (ctx: AuthedContext, row: UserRow) =>
  userView(row, { includeEmail: hasScope(ctx.caller, 'users:read.email') });

async function existingUser(ctx: AuthedContext, id: string | undefined): Promise<UserRow> {
  if (id === undefined || !USER_ID.test(id)) throw new SlackError('user_not_found');
  const row = await findUser(ctx.db, { id });
  if (!row) throw new SlackError('user_not_found');
  return row;
}

const list = defineMethod({
  name: 'users.list',
  tier: 'tier2',
  args: z.object({
    cursor: slackString.optional(),
    limit: slackInteger.optional(),
    include_locale: slackBoolean.optional(),
    team_id: slackString.optional(),
  }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'users:read');
    const limit = args.limit && args.limit > 0 ? Math.min(args.limit, MAX_PAGE) : MAX_PAGE;
    const fromId = args.cursor ? decodeCursor('user', args.cursor, USER_ID) : null;
    const rows = await listUsers(ctx.db, { fromId, limit: limit + 1 });
    const next = rows.length > limit ? rows[limit] : undefined;
    return {
      members: rows.slice(0, limit).map((row) => ({
        ...view(ctx, row),
        ...(args.include_locale ? { locale: 'en-US' } : {}),
      })),
      cache_ts: Math.floor(ctx.now() / 1000),
      response_metadata: { next_cursor: next ? encodeCursor('user', next.id) : '' },
    };
  },
});

const info = defineMethod({
  name: 'users.info',
  tier: 'tier4',
  args: z.object({ user: slackString.optional(), include_locale: slackBoolean.optional() }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'users:read');
    const row = await existingUser(ctx, args.user);
    return { user: { ...view(ctx, row), ...(args.include_locale ? { locale: 'en-US' } : {}) } };
  },
});

const lookupByEmail = defineMethod({
  name: 'users.lookupByEmail',
  tier: 'tier3',
  args: z.object({ email: slackString.optional() }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'users:read.email');
    const row = args.email ? await findUser(ctx.db, { email: args.email.trim() }) : null;
    if (!row) throw new SlackError('users_not_found');
    return { user: view(ctx, row) };
  },
});

const conversations = defineMethod({
  name: 'users.conversations',
  tier: 'tier3',
  args: z.object({
    cursor: slackString.optional(),
    exclude_archived: slackBoolean.optional(),
    exclude_muted: slackBoolean.optional(),
    limit: slackInteger.optional(),
    team_id: slackString.optional(),
    types: slackString.optional(),
    user: slackString.optional(),
  }),
  run: async (args, ctx) => {
    const names = (args.types ?? 'public_channel')
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '');
    const kinds = names.map((name) => TYPE_KINDS[name]);
    if (kinds.length === 0 || kinds.some((kind) => kind === undefined)) throw new SlackError('invalid_types');
    for (const kind of kinds as ConversationKind[]) requireScope(ctx.caller, CONVERSATION_SCOPES[kind].read);
    const memberId = args.user ? (await existingUser(ctx, args.user)).id : ctx.caller.userId;
    const limit = Math.min(Math.max(args.limit ?? 100, 1), 999);
    const fromId = args.cursor ? decodeCursor('channel', args.cursor, /^[CGD][A-Z0-9]{2,30}$/) : null;
    const rows = await listMemberConversations(ctx.db, ctx.caller.userId, memberId, {
      kinds: [...new Set(kinds as ConversationKind[])],
      excludeArchived: args.exclude_archived ?? false,
      fromId,
      limit: limit + 1,
    });
    const next = rows.length > limit ? rows[limit] : undefined;
    return {
      channels: rows.slice(0, limit).map(conversationView),
      response_metadata: { next_cursor: next ? encodeCursor('channel', next.id) : '' },
    };
  },
});

const getPresence = defineMethod({
  name: 'users.getPresence',
  tier: 'tier3',
  args: z.object({ user: slackString.optional() }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'users:read');
    const row = await existingUser(ctx, args.user ?? ctx.caller.userId);
    // Everyone is online in the clone unless they set themselves away (or left).
    const presence = row.deleted || row.manual_away ? 'away' : 'active';
    if (row.id !== ctx.caller.userId) return { presence };
    return {
      presence,
      online: presence === 'active',
      auto_away: false,
      manual_away: row.manual_away,
      connection_count: presence === 'active' ? 1 : 0,
      last_activity: Math.floor(ctx.now() / 1000),
    };
  },
});

const setPresence = defineMethod({
  name: 'users.setPresence',
  tier: 'tier2',
  args: z.object({ presence: slackString.required() }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'users:write');
    if (args.presence !== 'auto' && args.presence !== 'away') throw new SlackError('invalid_presence');
    await setManualAway(ctx.db, ctx.caller.userId, args.presence === 'away');
    ctx.events.emit({
      type: 'presence_change',
      user: ctx.caller.userId,
      presence: args.presence === 'away' ? 'away' : 'active',
    });
    return {};
  },
});

const profileGet = defineMethod({
  name: 'users.profile.get',
  tier: 'tier4',
  args: z.object({ user: slackString.optional(), include_labels: slackBoolean.optional() }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'users.profile:read', 'users:read');
    const row = await existingUser(ctx, args.user ?? ctx.caller.userId);
    return { profile: view(ctx, row).profile };
  },
});

const PROFILE_FIELDS = z
  .object({
    first_name: z.string().max(MAX_FIELD),
    last_name: z.string().max(MAX_FIELD),
    real_name: z.string().max(MAX_FIELD),
    display_name: z.string().max(80),
    title: z.string().max(MAX_FIELD),
    phone: z.string().max(MAX_FIELD),
    status_text: z.string().max(100),
    status_emoji: z.string().regex(/^(:[a-z0-9_+'-]+(::skin-tone-[2-6])?:)?$/),
    status_expiration: z.coerce.number().int().min(0),
    pronouns: z.string().max(MAX_FIELD),
  })
  .partial();

const profileSet = defineMethod({
  name: 'users.profile.set',
  tier: 'tier3',
  args: z.object({
    profile: slackJson.optional(),
    name: slackString.optional(),
    value: z.union([z.string(), z.number()]).transform(String).optional(),
    user: slackString.optional(),
  }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'users.profile:write');
    const target = await existingUser(ctx, args.user ?? ctx.caller.userId);
    if (target.id !== ctx.caller.userId) {
      const me = await findUser(ctx.db, { id: ctx.caller.userId });
      if (!me?.is_admin) throw new SlackError('not_admin');
      if (target.is_owner || target.is_primary_owner) throw new SlackError('cannot_update_admin_user');
    }
    let raw: unknown;
    if (args.profile !== undefined) raw = args.profile;
    else if (args.name !== undefined) raw = { [args.name]: args.value ?? '' };
    else throw new SlackError('invalid_profile');
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      throw new SlackError('invalid_profile');
    const fields = raw as Record<string, unknown>;
    if ('email' in fields) throw new SlackError('cannot_update_email');
    const parsed = PROFILE_FIELDS.safeParse(fields);
    if (!parsed.success) {
      const field = String(parsed.error.issues[0]?.path[0] ?? 'profile');
      throw new SlackError(
        field === 'display_name' || field.endsWith('_name') ? 'invalid_name_maxlength' : 'invalid_profile',
        {
          field,
        },
      );
    }
    const change: ProfileChange = parsed.data;
    if (change.first_name !== undefined || change.last_name !== undefined) {
      if (change.real_name === undefined) {
        change.real_name =
          `${change.first_name ?? target.first_name} ${change.last_name ?? target.last_name}`.trim();
      }
    }
    if (Object.keys(change).length > 0)
      await updateProfile(ctx.db, target.id, change, Math.floor(ctx.now() / 1000));
    const updated = await existingUser(ctx, target.id);
    const user = view(ctx, updated);
    ctx.events.emit({ type: 'user_change', user, event_ts: formatTs(ctx.now() * 1000) });
    return { profile: user.profile, username: updated.name };
  },
});

export const usersMethods: SlackMethod[] = [
  list,
  info,
  lookupByEmail,
  conversations,
  getPresence,
  setPresence,
  profileGet,
  profileSet,
];
