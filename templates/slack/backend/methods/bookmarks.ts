import { z } from 'zod';
import { slackString } from '../args.js';
import { requireScope } from '../caller.js';
import { openConversation } from '../conversation-access.js';
import { newId } from '../ids.js';
import { type AuthedContext, defineMethod, type SlackMethod } from '../method.js';
import { SlackError } from '../slack-error.js';
import {
  type BookmarkRow,
  deleteBookmark,
  findBookmark,
  insertBookmark,
  listBookmarks,
  updateBookmark,
} from '../store/bookmarks.js';

const MAX_BOOKMARKS = 100;
const EMOJI = /^:[a-z0-9_+'-]+:$/;

function bookmarkView(row: BookmarkRow, teamId: string): Record<string, unknown> {
  return {
    id: row.id,
    channel_id: row.conversation_id,
    title: row.title,
    link: row.link,
    emoji: row.emoji,
    icon_url: null,
    type: row.type,
    entity_id: row.entity_id,
    date_created: row.date_created,
    date_updated: row.date_updated,
    rank: row.rank,
    last_updated_by_user_id: row.updated_by,
    last_updated_by_team_id: teamId,
    shortcut_id: null,
    app_id: row.app_id,
    app_action_id: null,
  };
}

function validLink(link: string | undefined): string {
  if (link === undefined) throw new SlackError('invalid_link');
  try {
    const url = new URL(link);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new SlackError('invalid_link');
  }
  return link;
}

/** Bookmarks live in conversations the caller can see and, to change them, belongs to. */
async function bookmarkConversation(ctx: AuthedContext, channelId: string | undefined, write: boolean) {
  requireScope(ctx.caller, write ? 'bookmarks:write' : 'bookmarks:read');
  if (channelId === undefined) throw new SlackError('channel_not_found');
  const conversation = await openConversation(ctx, channelId, { allowName: false });
  if (write && !conversation.is_member) throw new SlackError('not_in_channel');
  if (write && conversation.is_archived) throw new SlackError('is_archived');
  return conversation;
}

const add = defineMethod({
  name: 'bookmarks.add',
  tier: 'tier2',
  args: z.object({
    channel_id: slackString.optional(),
    title: slackString.required(),
    type: slackString.required(),
    link: slackString.optional(),
    emoji: slackString.optional(),
    entity_id: slackString.optional(),
    parent_id: slackString.optional(),
    access_level: slackString.optional(),
  }),
  run: async (args, ctx) => {
    const conversation = await bookmarkConversation(ctx, args.channel_id, true);
    if (args.type !== 'link') throw new SlackError('invalid_bookmark_type');
    const link = validLink(args.link);
    if (args.emoji !== undefined && !EMOJI.test(args.emoji)) throw new SlackError('invalid_emoji');
    if ((await listBookmarks(ctx.db, conversation.id)).length >= MAX_BOOKMARKS) {
      throw new SlackError('too_many_bookmarks');
    }
    const now = Math.floor(ctx.now() / 1000);
    const id = newId('Bk', 9);
    await insertBookmark(ctx.db, {
      id,
      conversation_id: conversation.id,
      title: args.title,
      type: 'link',
      link,
      emoji: args.emoji ?? null,
      entity_id: args.entity_id ?? null,
      parent_id: args.parent_id ?? null,
      created_by: ctx.caller.userId,
      updated_by: ctx.caller.userId,
      app_id: ctx.caller.appId,
      date_created: now,
      date_updated: now,
      rank: '',
    });
    const row = await findBookmark(ctx.db, conversation.id, id);
    if (!row) throw new SlackError('not_found');
    return { bookmark: bookmarkView(row, ctx.caller.teamId) };
  },
});

const edit = defineMethod({
  name: 'bookmarks.edit',
  tier: 'tier2',
  args: z.object({
    channel_id: slackString.optional(),
    bookmark_id: slackString.optional(),
    title: slackString.optional(),
    link: slackString.optional(),
    emoji: slackString.optional(),
  }),
  run: async (args, ctx) => {
    const conversation = await bookmarkConversation(ctx, args.channel_id, true);
    const existing = args.bookmark_id ? await findBookmark(ctx.db, conversation.id, args.bookmark_id) : null;
    if (!existing) throw new SlackError('not_found');
    if (args.emoji !== undefined && !EMOJI.test(args.emoji)) throw new SlackError('invalid_emoji');
    await updateBookmark(ctx.db, existing.id, {
      ...(args.title !== undefined ? { title: args.title } : {}),
      ...(args.link !== undefined ? { link: validLink(args.link) } : {}),
      ...(args.emoji !== undefined ? { emoji: args.emoji } : {}),
      updatedBy: ctx.caller.userId,
      dateUpdated: Math.floor(ctx.now() / 1000),
    });
    const row = await findBookmark(ctx.db, conversation.id, existing.id);
    if (!row) throw new SlackError('not_found');
    return { bookmark: bookmarkView(row, ctx.caller.teamId) };
  },
});

const remove = defineMethod({
  name: 'bookmarks.remove',
  tier: 'tier2',
  args: z.object({
    channel_id: slackString.optional(),
    bookmark_id: slackString.optional(),
    quip_section_id: slackString.optional(),
  }),
  run: async (args, ctx) => {
    const conversation = await bookmarkConversation(ctx, args.channel_id, true);
    const existing = args.bookmark_id ? await findBookmark(ctx.db, conversation.id, args.bookmark_id) : null;
    if (!existing) throw new SlackError('not_found');
    await deleteBookmark(ctx.db, existing.id);
    return {};
  },
});

const list = defineMethod({
  name: 'bookmarks.list',
  tier: 'tier3',
  args: z.object({ channel_id: slackString.optional() }),
  run: async (args, ctx) => {
    const conversation = await bookmarkConversation(ctx, args.channel_id, false);
    const rows = await listBookmarks(ctx.db, conversation.id);
    return { bookmarks: rows.map((row) => bookmarkView(row, ctx.caller.teamId)) };
  },
});

export const bookmarksMethods: SlackMethod[] = [add, edit, remove, list];
