import { z } from 'zod';
import { slackInteger, slackString } from '../args.js';
import { requireScope, requireUserToken, type SlackCaller } from '../caller.js';
import { openConversation } from '../conversation-access.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { newId } from '../ids.js';
import { type AuthedContext, defineMethod, type SlackMethod } from '../method.js';
import { SlackError } from '../slack-error.js';
import { findFile } from '../store/files.js';
import { fullView, visibleFile } from './files.js';

// Remote files: documents an app keeps in its own service and registers here (files.remote.*),
// and public links to uploaded files (files.sharedPublicURL / revokePublicURL).

interface RemoteFileRow {
  id: string;
  app_id: string;
  user_id: string;
  external_id: string;
  external_url: string;
  title: string;
  filetype: string;
  has_preview: boolean;
  channels: string[];
  created: number;
  updated: number;
}

const MAX_TITLE = 255;
const MAX_INDEXABLE = 1_048_576;

/** Remote files are an app's: its bot token registers them. */
function requireApp(caller: SlackCaller, scope: string): string {
  requireScope(caller, scope);
  if (!caller.appId) throw new SlackError('not_allowed_token_type');
  return caller.appId;
}

function remoteView(row: RemoteFileRow, ctx: AuthedContext): Record<string, unknown> {
  return {
    id: row.id,
    created: Number(row.created),
    timestamp: Number(row.created),
    name: row.title,
    title: row.title,
    mimetype: '',
    filetype: row.filetype,
    pretty_type: row.filetype === '' ? 'Remote file' : row.filetype.toUpperCase(),
    user: row.user_id,
    user_team: ctx.caller.teamId,
    editable: false,
    size: 0,
    mode: 'external',
    is_external: true,
    external_type: 'app',
    external_id: row.external_id,
    external_url: row.external_url,
    is_public: false,
    public_url_shared: false,
    display_as_bot: false,
    username: '',
    url_private: row.external_url,
    media_display_type: 'unknown',
    permalink: `https://${ctx.caller.teamDomain}.slack.com/files/${row.user_id}/${row.id}/${encodeURIComponent(row.title)}`,
    has_rich_preview: row.has_preview,
    file_access: 'visible',
    comments_count: 0,
    is_starred: false,
    channels: row.channels.filter((id) => id.startsWith('C')),
    groups: row.channels.filter((id) => id.startsWith('G')),
    ims: row.channels.filter((id) => id.startsWith('D')),
    shares: {},
    updated: Number(row.updated),
  };
}

function validUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return url;
  } catch {
    // falls through to the error
  }
  throw new SlackError('invalid_url');
}

const fileOrExternal = { file: slackString.optional(), external_id: slackString.optional() };

/** The remote file `file` or `external_id` names (one of them; the app's own for external ids). */
async function findRemote(
  ctx: AuthedContext,
  args: { file?: string; external_id?: string },
  appId: string | null,
): Promise<RemoteFileRow> {
  if ((args.file === undefined) === (args.external_id === undefined)) throw new SlackError('invalid_args');
  const { rows } =
    args.file !== undefined
      ? await ctx.db.query<RemoteFileRow>('SELECT * FROM remote_files WHERE id = $1', [args.file])
      : await ctx.db.query<RemoteFileRow>(
          'SELECT * FROM remote_files WHERE external_id = $1 AND ($2::text IS NULL OR app_id = $2)',
          [args.external_id, appId],
        );
  const row = rows[0];
  if (!row) throw new SlackError('file_not_found');
  return row;
}

const previewArgs = {
  filetype: slackString.optional(),
  indexable_file_contents: slackString.optional(),
  preview_image: slackString.optional(),
};

const add = defineMethod({
  name: 'files.remote.add',
  tier: 'tier2',
  args: z.object({
    external_id: slackString.required(),
    external_url: slackString.required(),
    title: slackString.required(),
    ...previewArgs,
  }),
  run: async (args, ctx) => {
    const appId = requireApp(ctx.caller, 'remote_files:write');
    if (args.title.length > MAX_TITLE) throw new SlackError('bad_title');
    if (args.external_id.length > 255) throw new SlackError('invalid_external_id');
    if ((args.indexable_file_contents ?? '').length > MAX_INDEXABLE) throw new SlackError('too_large');
    const now = Math.floor(ctx.now() / 1000);
    const { rows } = await ctx.db.query<RemoteFileRow>(
      `INSERT INTO remote_files (id, app_id, user_id, external_id, external_url, title, filetype, indexable_contents,
         has_preview, created, updated)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) ON CONFLICT (app_id, external_id) DO NOTHING RETURNING *`,
      [
        newId('F', 10),
        appId,
        ctx.caller.userId,
        args.external_id,
        validUrl(args.external_url),
        args.title,
        args.filetype ?? '',
        args.indexable_file_contents ?? null,
        args.preview_image !== undefined,
        now,
      ],
    );
    const row = rows[0];
    // The app already registered that external id.
    if (!row) throw new SlackError('invalid_external_id');
    return { file: remoteView(row, ctx) };
  },
});

const info = defineMethod({
  name: 'files.remote.info',
  tier: 'tier2',
  args: z.object(fileOrExternal),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'remote_files:read');
    return { file: remoteView(await findRemote(ctx, args, ctx.caller.appId), ctx) };
  },
});

const list = defineMethod({
  name: 'files.remote.list',
  tier: 'tier2',
  args: z.object({
    channel: slackString.optional(),
    ts_from: slackInteger.optional(),
    ts_to: slackInteger.optional(),
    limit: slackInteger.optional(),
    cursor: slackString.optional(),
  }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'remote_files:read');
    const limit = Math.min(Math.max(args.limit ?? 100, 1), 1000);
    const offset = args.cursor ? Number(decodeCursor('remote', args.cursor, /^\d{1,7}$/)) : 0;
    const { rows } = await ctx.db.query<RemoteFileRow>(
      `SELECT * FROM remote_files WHERE ($1::text IS NULL OR $1 = ANY (channels))
         AND ($2::bigint IS NULL OR created >= $2) AND ($3::bigint IS NULL OR created <= $3)
       ORDER BY created DESC, id DESC LIMIT $4 OFFSET $5`,
      [args.channel ?? null, args.ts_from ?? null, args.ts_to ?? null, limit + 1, offset],
    );
    return {
      files: rows.slice(0, limit).map((row) => remoteView(row, ctx)),
      response_metadata: {
        next_cursor: rows.length > limit ? encodeCursor('remote', String(offset + limit)) : '',
      },
    };
  },
});

const update = defineMethod({
  name: 'files.remote.update',
  tier: 'tier2',
  args: z.object({
    ...fileOrExternal,
    external_url: slackString.optional(),
    title: slackString.optional(),
    ...previewArgs,
  }),
  run: async (args, ctx) => {
    const appId = requireApp(ctx.caller, 'remote_files:write');
    const row = await findRemote(ctx, args, appId);
    if (row.app_id !== appId) throw new SlackError('file_not_found');
    if (args.title !== undefined && args.title.length > MAX_TITLE) throw new SlackError('invalid_title');
    if ((args.indexable_file_contents ?? '').length > MAX_INDEXABLE) throw new SlackError('too_large');
    const { rows } = await ctx.db.query<RemoteFileRow>(
      `UPDATE remote_files SET title = coalesce($2, title), external_url = coalesce($3, external_url),
         filetype = coalesce($4, filetype), indexable_contents = coalesce($5, indexable_contents),
         has_preview = has_preview OR $6, updated = $7
       WHERE id = $1 RETURNING *`,
      [
        row.id,
        args.title ?? null,
        args.external_url === undefined ? null : validUrl(args.external_url),
        args.filetype ?? null,
        args.indexable_file_contents ?? null,
        args.preview_image !== undefined,
        Math.floor(ctx.now() / 1000),
      ],
    );
    return { file: remoteView(rows[0] as RemoteFileRow, ctx) };
  },
});

const remove = defineMethod({
  name: 'files.remote.remove',
  tier: 'tier2',
  args: z.object(fileOrExternal),
  run: async (args, ctx) => {
    const appId = requireApp(ctx.caller, 'remote_files:write');
    const row = await findRemote(ctx, args, appId);
    if (row.app_id !== appId) throw new SlackError('file_not_found');
    await ctx.db.query('DELETE FROM remote_files WHERE id = $1', [row.id]);
    return {};
  },
});

const share = defineMethod({
  name: 'files.remote.share',
  tier: 'tier2',
  args: z.object({ ...fileOrExternal, channels: slackString.optional() }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'remote_files:share');
    const row = await findRemote(ctx, args, ctx.caller.appId);
    const ids = (args.channels ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter((id) => id !== '');
    if (ids.length === 0) throw new SlackError('invalid_args');
    for (const id of ids) {
      const conversation = await openConversation(ctx, id, { allowName: false });
      if (!conversation.is_member) throw new SlackError('not_in_channel');
    }
    const { rows } = await ctx.db.query<RemoteFileRow>(
      `UPDATE remote_files SET channels = ARRAY(SELECT DISTINCT unnest(channels || $2::text[]) ORDER BY 1)
       WHERE id = $1 RETURNING *`,
      [row.id, ids],
    );
    return { file: remoteView(rows[0] as RemoteFileRow, ctx) };
  },
});

/** An uploaded file the caller owns, for making its public link. */
async function ownFile(ctx: AuthedContext, id: string | undefined) {
  requireUserToken(ctx.caller, 'files:write');
  if (id === undefined) throw new SlackError('file_not_found');
  const file = await visibleFile(ctx, id);
  if (file.user_id !== ctx.caller.userId) throw new SlackError('not_allowed');
  return file;
}

const setPublic = (ctx: AuthedContext, id: string, shared: boolean) =>
  ctx.db.query('UPDATE files SET public_url_shared = $2 WHERE id = $1', [id, shared]);

const sharedPublicUrl = defineMethod({
  name: 'files.sharedPublicURL',
  tier: 'tier3',
  args: z.object({ file: slackString.optional() }),
  run: async (args, ctx) => {
    const file = await ownFile(ctx, args.file);
    await setPublic(ctx, file.id, true);
    const after = await findFile(ctx.db, file.id);
    if (!after) throw new SlackError('file_not_found');
    return { file: await fullView(ctx, after) };
  },
});

const revokePublicUrl = defineMethod({
  name: 'files.revokePublicURL',
  tier: 'tier3',
  args: z.object({ file: slackString.optional() }),
  run: async (args, ctx) => {
    const file = await ownFile(ctx, args.file);
    await setPublic(ctx, file.id, false);
    const after = await findFile(ctx.db, file.id);
    if (!after) throw new SlackError('file_not_found');
    return { file: await fullView(ctx, after) };
  },
});

export const filesRemoteMethods: SlackMethod[] = [
  add,
  info,
  list,
  update,
  remove,
  share,
  sharedPublicUrl,
  revokePublicUrl,
];
