import { insertRows } from '../../../_shared/bulk-insert.js';
import type { Queryable } from '../../../_shared/db.js';

/**
 * Typed inserts for fixtures: a fixture describes a workspace as plain objects and these
 * write them. Kept apart from the API's stores because only seeding creates teams and apps.
 */
export interface TeamSeed {
  id: string;
  name: string;
  domain: string;
  emailDomain: string;
  created: number;
  primaryUserId: string;
}

export interface UserSeed {
  id: string;
  name: string;
  realName: string;
  displayName: string;
  firstName?: string;
  lastName?: string;
  email: string | null;
  title?: string;
  phone?: string;
  tz?: string;
  tzLabel?: string;
  tzOffset?: number;
  color?: string;
  statusText?: string;
  statusEmoji?: string;
  avatarHash?: string;
  isAdmin?: boolean;
  isOwner?: boolean;
  isPrimaryOwner?: boolean;
  isRestricted?: boolean;
  isBot?: boolean;
  isAppUser?: boolean;
  deleted?: boolean;
  botId?: string | null;
  appId?: string | null;
  passwordHash?: string | null;
  updated: number;
}

export interface AppSeed {
  id: string;
  name: string;
  botId: string;
  botUserId: string;
  created: number;
}

export interface ConversationSeed {
  id: string;
  kind: 'channel' | 'private' | 'mpim' | 'im';
  name: string | null;
  creator: string;
  created: number;
  isArchived?: boolean;
  isGeneral?: boolean;
  topic?: string;
  purpose?: string;
  members: string[];
}

export interface MessageSeed {
  conversationId: string;
  tsUs: number;
  userId: string;
  botId?: string | null;
  appId?: string | null;
  subtype?: string | null;
  text: string;
  blocks?: unknown[] | null;
  threadTsUs?: number | null;
  replyBroadcast?: boolean;
  /** When the author last edited it (shown as `edited`). */
  editedTsUs?: number | null;
}

export interface PinSeed {
  conversationId: string;
  messageTsUs: number;
  pinnedBy: string;
  pinnedAt: number;
}

export interface BookmarkSeed {
  id: string;
  conversationId: string;
  title: string;
  link: string;
  emoji?: string | null;
  createdBy: string;
  created: number;
}

export interface UsergroupSeed {
  id: string;
  name: string;
  handle: string;
  description: string;
  users: string[];
  channels: string[];
  createdBy: string;
  created: number;
}

export interface EmojiSeed {
  name: string;
  url?: string;
  aliasFor?: string;
  userId: string;
  created: number;
}

export interface ReactionSeed {
  conversationId: string;
  messageTsUs: number;
  name: string;
  userId: string;
}

export interface WorkspaceSeed {
  team: TeamSeed;
  users: UserSeed[];
  app: AppSeed;
  conversations: ConversationSeed[];
  messages: MessageSeed[];
  reactions: ReactionSeed[];
  pins?: PinSeed[];
  bookmarks?: BookmarkSeed[];
  usergroups?: UsergroupSeed[];
  emoji?: EmojiSeed[];
}

export async function writeWorkspace(db: Queryable, seed: WorkspaceSeed): Promise<void> {
  const { team } = seed;
  await insertRows(
    db,
    'teams',
    ['id', 'name', 'domain', 'email_domain', 'created', 'primary_user_id'],
    [[team.id, team.name, team.domain, team.emailDomain, team.created, team.primaryUserId]],
  );
  await insertRows(
    db,
    'users',
    [
      'id',
      'team_id',
      'name',
      'real_name',
      'display_name',
      'first_name',
      'last_name',
      'email',
      'title',
      'phone',
      'tz',
      'tz_label',
      'tz_offset',
      'color',
      'status_text',
      'status_emoji',
      'avatar_hash',
      'is_admin',
      'is_owner',
      'is_primary_owner',
      'is_restricted',
      'is_bot',
      'is_app_user',
      'deleted',
      'bot_id',
      'app_id',
      'password_hash',
      'updated',
    ],
    seed.users.map((u) => [
      u.id,
      team.id,
      u.name,
      u.realName,
      u.displayName,
      u.firstName ?? '',
      u.lastName ?? '',
      u.email,
      u.title ?? '',
      u.phone ?? '',
      u.tz ?? 'America/Los_Angeles',
      u.tzLabel ?? 'Pacific Standard Time',
      u.tzOffset ?? -28_800,
      u.color ?? '9f69e7',
      u.statusText ?? '',
      u.statusEmoji ?? '',
      u.avatarHash ?? '',
      u.isAdmin ?? false,
      u.isOwner ?? false,
      u.isPrimaryOwner ?? false,
      u.isRestricted ?? false,
      u.isBot ?? false,
      u.isAppUser ?? false,
      u.deleted ?? false,
      u.botId ?? null,
      u.appId ?? null,
      u.passwordHash ?? null,
      u.updated,
    ]),
  );
  const { app } = seed;
  await insertRows(
    db,
    'apps',
    ['id', 'team_id', 'name', 'bot_id', 'bot_user_id', 'created'],
    [[app.id, team.id, app.name, app.botId, app.botUserId, app.created]],
  );

  const lastTs = new Map<string, number>();
  for (const m of seed.messages)
    lastTs.set(m.conversationId, Math.max(lastTs.get(m.conversationId) ?? 0, m.tsUs));
  await insertRows(
    db,
    'conversations',
    [
      'id',
      'team_id',
      'kind',
      'name',
      'creator',
      'created',
      'is_archived',
      'is_general',
      'topic',
      'topic_creator',
      'topic_last_set',
      'purpose',
      'purpose_creator',
      'purpose_last_set',
      'updated',
      'last_ts_us',
    ],
    seed.conversations.map((c) => [
      c.id,
      team.id,
      c.kind,
      c.name,
      c.creator,
      c.created,
      c.isArchived ?? false,
      c.isGeneral ?? false,
      c.topic ?? '',
      c.topic ? c.creator : '',
      c.topic ? c.created : 0,
      c.purpose ?? '',
      c.purpose ? c.creator : '',
      c.purpose ? c.created : 0,
      c.created * 1000,
      lastTs.get(c.id) ?? 0,
    ]),
  );
  await insertRows(
    db,
    'conversation_members',
    ['conversation_id', 'user_id', 'joined'],
    seed.conversations.flatMap((c) => c.members.map((userId) => [c.id, userId, c.created])),
  );
  await insertRows(
    db,
    'messages',
    [
      'conversation_id',
      'ts_us',
      'user_id',
      'bot_id',
      'app_id',
      'subtype',
      'text',
      'blocks',
      'thread_ts_us',
      'reply_broadcast',
      'edited_ts_us',
      'edited_by',
    ],
    seed.messages.map((m) => [
      m.conversationId,
      m.tsUs,
      m.userId,
      m.botId ?? null,
      m.appId ?? null,
      m.subtype ?? null,
      m.text,
      m.blocks ? JSON.stringify(m.blocks) : null,
      m.threadTsUs ?? null,
      m.replyBroadcast ?? false,
      m.editedTsUs ?? null,
      m.editedTsUs ? m.userId : null,
    ]),
  );
  await insertRows(
    db,
    'reactions',
    ['conversation_id', 'message_ts_us', 'name', 'user_id'],
    seed.reactions.map((r) => [r.conversationId, r.messageTsUs, r.name, r.userId]),
  );
  await insertRows(
    db,
    'pins',
    ['conversation_id', 'message_ts_us', 'pinned_by', 'pinned_at'],
    (seed.pins ?? []).map((p) => [p.conversationId, p.messageTsUs, p.pinnedBy, p.pinnedAt]),
  );
  await insertRows(
    db,
    'bookmarks',
    [
      'id',
      'conversation_id',
      'title',
      'type',
      'link',
      'emoji',
      'created_by',
      'updated_by',
      'date_created',
      'date_updated',
      'rank',
    ],
    (seed.bookmarks ?? []).map((b, index) => [
      b.id,
      b.conversationId,
      b.title,
      'link',
      b.link,
      b.emoji ?? null,
      b.createdBy,
      b.createdBy,
      b.created,
      b.created,
      String(index + 1).padStart(6, '0'),
    ]),
  );
  await insertRows(
    db,
    'usergroups',
    [
      'id',
      'team_id',
      'name',
      'handle',
      'description',
      'users',
      'channels',
      'created_by',
      'updated_by',
      'date_create',
      'date_update',
    ],
    (seed.usergroups ?? []).map((g) => [
      g.id,
      team.id,
      g.name,
      g.handle,
      g.description,
      g.users,
      g.channels,
      g.createdBy,
      g.createdBy,
      g.created,
      g.created,
    ]),
  );
  await insertRows(
    db,
    'custom_emoji',
    ['name', 'url', 'alias_for', 'user_id', 'created'],
    (seed.emoji ?? []).map((e) => [e.name, e.url ?? null, e.aliasFor ?? null, e.userId, e.created]),
  );
}

/** Slackbot is a member of every real workspace and shows up in users.list. */
export function slackbotUser(created: number): UserSeed {
  return {
    id: 'USLACKBOT',
    name: 'slackbot',
    realName: 'Slackbot',
    displayName: 'Slackbot',
    firstName: 'slackbot',
    email: null,
    color: '757575',
    isBot: false,
    updated: created,
  };
}
