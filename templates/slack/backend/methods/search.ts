import { z } from 'zod';
import { slackBoolean, slackInteger, slackString } from '../args.js';
import { requireScope } from '../caller.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { type AuthedContext, defineMethod, type SlackMethod } from '../method.js';
import { SlackError } from '../slack-error.js';
import { formatTs } from '../slack-ts.js';
import type { ConversationKind } from '../store/conversations.js';
import { listFiles } from '../store/files.js';
import { type SearchQuery, searchMessages } from '../store/messages.js';
import { fullView } from './files.js';

const DAY_US = 86_400_000_000;

/** A `YYYY-MM-DD` date as the µs of its midnight (UTC), or null. */
function dayStart(text: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return null;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Number.isNaN(ms) ? null : ms * 1000;
}

/** Splits a query into terms, keeping "quoted phrases" together. */
const terms = (query: string) =>
  [...query.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '').filter((t) => t !== '');

type Filters = Omit<SearchQuery, 'viewerId' | 'sort' | 'ascending' | 'offset' | 'limit'>;

/**
 * Slack's search modifiers: in:#channel / in:<#C..> / in:@user (their DM), from:@user /
 * from:<@U..> / from:me, before:, after:, on: (YYYY-MM-DD), has:link / has:reaction /
 * has:pin / has:file. Anything naming nothing that exists matches nothing (null).
 */
async function parseQuery(ctx: AuthedContext, query: string): Promise<Filters | null> {
  const filters: Filters = {
    words: [],
    inConversation: null,
    fromUser: null,
    beforeUs: null,
    afterUs: null,
    onUs: null,
    has: { link: false, reaction: false, pin: false, file: false },
  };
  for (const term of terms(query)) {
    const modifier = /^(in|from|before|after|on|during|has):(.+)$/i.exec(term);
    if (!modifier) {
      filters.words.push(term);
      continue;
    }
    const key = (modifier[1] as string).toLowerCase();
    const value = modifier[2] as string;
    if (key === 'in') {
      const id = await resolveConversation(ctx, value);
      if (!id) return null;
      filters.inConversation = id;
    } else if (key === 'from') {
      const id = await resolveUser(ctx, value);
      if (!id) return null;
      filters.fromUser = id;
    } else if (key === 'has') {
      const what = value.toLowerCase();
      if (what === 'link') filters.has.link = true;
      else if (what === 'reaction' || /^:[^:]+:$/.test(what)) filters.has.reaction = true;
      else if (what === 'pin') filters.has.pin = true;
      else if (what === 'file') filters.has.file = true;
      else return null;
    } else {
      const day = dayStart(value);
      if (day === null) {
        filters.words.push(term);
        continue;
      }
      if (key === 'before') filters.beforeUs = day;
      else if (key === 'after') filters.afterUs = day + DAY_US;
      else filters.onUs = [day, day + DAY_US];
    }
  }
  return filters;
}

async function resolveConversation(ctx: AuthedContext, value: string): Promise<string | null> {
  const linked = /^<#([CGD][A-Z0-9]+)(\|[^>]*)?>$/.exec(value);
  if (linked) return linked[1] as string;
  if (/^[CGD][A-Z0-9]{6,}$/.test(value)) return value;
  if (value.startsWith('@') || /^<@/.test(value)) {
    const userId = await resolveUser(ctx, value);
    if (!userId) return null;
    const { rows } = await ctx.db.query<{ id: string }>(
      `SELECT c.id FROM conversations c WHERE c.kind = 'im'
         AND EXISTS (SELECT 1 FROM conversation_members m WHERE m.conversation_id = c.id AND m.user_id = $1)
         AND EXISTS (SELECT 1 FROM conversation_members m WHERE m.conversation_id = c.id AND m.user_id = $2)
       ORDER BY c.created LIMIT 1`,
      [ctx.caller.userId, userId],
    );
    return rows[0]?.id ?? null;
  }
  const name = value.replace(/^#/, '').toLowerCase();
  const { rows } = await ctx.db.query<{ id: string }>(
    `SELECT id FROM conversations WHERE name = $1 AND kind IN ('channel', 'private', 'mpim')`,
    [name],
  );
  return rows[0]?.id ?? null;
}

async function resolveUser(ctx: AuthedContext, value: string): Promise<string | null> {
  if (value.toLowerCase() === 'me') return ctx.caller.userId;
  const linked = /^<@([UW][A-Z0-9]+)(\|[^>]*)?>$/.exec(value);
  if (linked) return linked[1] as string;
  const bare = value.replace(/^@/, '');
  const { rows } = await ctx.db.query<{ id: string }>(
    'SELECT id FROM users WHERE id = $1 OR lower(name) = lower($1) OR lower(display_name) = lower($1) LIMIT 1',
    [bare],
  );
  return rows[0]?.id ?? null;
}

interface ChannelInfo {
  id: string;
  kind: ConversationKind;
  name: string | null;
}

const searchArgs = z.object({
  query: slackString.optional(),
  count: slackInteger.optional(),
  page: slackInteger.optional(),
  cursor: slackString.optional(),
  highlight: slackBoolean.optional(),
  sort: slackString.optional(),
  sort_dir: slackString.optional(),
  team_id: slackString.optional(),
});
type SearchArgs = z.output<typeof searchArgs>;

/** What every search.* call checks and reads first: a person's token, a query, the page. */
function readSearch(args: SearchArgs, ctx: AuthedContext) {
  // Search acts for a person: bot tokens cannot call it.
  if (ctx.caller.kind === 'bot') throw new SlackError('not_allowed_token_type');
  requireScope(ctx.caller, 'search:read');
  const query = (args.query ?? '').trim();
  if (query === '') throw new SlackError('no_query');
  const count = Math.min(Math.max(args.count ?? 20, 1), 100);
  let offset = (Math.max(args.page ?? 1, 1) - 1) * count;
  if (args.cursor && args.cursor !== '*') offset = Number(decodeCursor('offset', args.cursor, /^\d{1,7}$/));
  return { query, count, offset };
}

/** Slack's two ways of describing a page of results, side by side in every search answer. */
function pages(total: number, offset: number, count: number, returned: number) {
  const page = Math.floor(offset / count) + 1;
  return {
    total,
    pagination: {
      total_count: total,
      page,
      per_page: count,
      page_count: Math.max(1, Math.ceil(total / count)),
      first: total === 0 ? 0 : offset + 1,
      last: offset + returned,
    },
    paging: { count, total, page, pages: Math.max(1, Math.ceil(total / count)) },
  };
}

async function messageResults(
  ctx: AuthedContext,
  args: SearchArgs,
  query: string,
  count: number,
  offset: number,
) {
  const filters = await parseQuery(ctx, query);
  const found = filters
    ? await searchMessages(ctx.db, {
        ...filters,
        viewerId: ctx.caller.userId,
        sort: args.sort === 'score' ? 'score' : 'timestamp',
        ascending: args.sort_dir === 'asc',
        offset,
        limit: count,
      })
    : { rows: [], total: 0 };

  const channelIds = [...new Set(found.rows.map((row) => row.conversation_id))];
  const userIds = [...new Set(found.rows.flatMap((row) => (row.user_id ? [row.user_id] : [])))];
  const { rows: channels } = await ctx.db.query<ChannelInfo>(
    'SELECT id, kind, name FROM conversations WHERE id = ANY($1)',
    [channelIds],
  );
  const { rows: users } = await ctx.db.query<{ id: string; name: string }>(
    'SELECT id, name FROM users WHERE id = ANY($1)',
    [userIds],
  );
  const channelById = new Map(channels.map((c) => [c.id, c]));
  const nameById = new Map(users.map((u) => [u.id, u.name]));
  // highlight=true marks each matched word with Slack's private-use delimiters.
  const words = filters?.words ?? [];
  const highlight =
    args.highlight && words.length > 0
      ? new RegExp(words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'gi')
      : null;
  const matches = found.rows.map((row) => {
    const channel = channelById.get(row.conversation_id);
    const ts = formatTs(row.ts_us);
    return {
      iid: `${row.conversation_id}-${ts}`,
      team: ctx.caller.teamId,
      type: 'message',
      user: row.user_id,
      username: (row.user_id && nameById.get(row.user_id)) ?? '',
      ts,
      text: highlight ? row.text.replace(highlight, '\ue000$&\ue001') : row.text,
      channel: {
        id: row.conversation_id,
        name: channel?.name ?? row.conversation_id,
        is_channel: channel?.kind === 'channel' || channel?.kind === 'private',
        is_group: channel?.kind === 'mpim',
        is_im: channel?.kind === 'im',
        is_mpim: channel?.kind === 'mpim',
        is_private: channel?.kind !== 'channel',
        is_shared: false,
        is_org_shared: false,
        is_ext_shared: false,
        is_pending_ext_shared: false,
        pending_shared: [],
      },
      ...(row.thread_ts_us !== null ? { thread_ts: formatTs(row.thread_ts_us) } : {}),
      ...(row.reactions ? {} : { no_reactions: true }),
      permalink: `https://${ctx.caller.teamDomain}.slack.com/archives/${row.conversation_id}/p${ts.replace('.', '')}`,
      blocks: row.blocks ?? undefined,
    };
  });
  return { ...pages(found.total, offset, count, matches.length), matches };
}

/** Files whose name or title holds every word of the query (modifiers other than words ignored). */
async function fileResults(ctx: AuthedContext, query: string, count: number, offset: number) {
  const words = terms(query).filter((term) => !/^(in|from|before|after|on|during|has):/i.test(term));
  const found = await listFiles(ctx.db, ctx.caller.userId, {
    userId: null,
    conversationId: null,
    tsFrom: null,
    tsTo: null,
    images: false,
    offset,
    limit: count,
    words,
  });
  const matches = await Promise.all(found.rows.map((file) => fullView(ctx, file)));
  return { ...pages(found.total, offset, count, matches.length), matches };
}

const nextCursor = (offset: number, results: { total: number; matches: unknown[] }[]) => {
  const next = offset + Math.max(...results.map((r) => r.matches.length));
  return { next_cursor: results.some((r) => next < r.total) ? encodeCursor('offset', String(next)) : '' };
};

const messages = defineMethod({
  name: 'search.messages',
  tier: 'tier2',
  args: searchArgs,
  run: async (args, ctx) => {
    const { query, count, offset } = readSearch(args, ctx);
    const found = await messageResults(ctx, args, query, count, offset);
    return { query, messages: found, response_metadata: nextCursor(offset, [found]) };
  },
});

const files = defineMethod({
  name: 'search.files',
  tier: 'tier2',
  args: searchArgs,
  run: async (args, ctx) => {
    const { query, count, offset } = readSearch(args, ctx);
    const found = await fileResults(ctx, query, count, offset);
    return { query, files: found, response_metadata: nextCursor(offset, [found]) };
  },
});

const all = defineMethod({
  name: 'search.all',
  tier: 'tier2',
  args: searchArgs,
  run: async (args, ctx) => {
    const { query, count, offset } = readSearch(args, ctx);
    const [foundMessages, foundFiles] = await Promise.all([
      messageResults(ctx, args, query, count, offset),
      fileResults(ctx, query, count, offset),
    ]);
    return {
      query,
      messages: foundMessages,
      files: foundFiles,
      posts: { matches: [], total: 0 },
      response_metadata: nextCursor(offset, [foundMessages, foundFiles]),
    };
  },
});

export const searchMethods: SlackMethod[] = [messages, files, all];
