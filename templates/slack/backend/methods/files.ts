import { extname } from 'node:path';
import { z } from 'zod';
import { withTransaction } from '../../../_shared/db.js';
import { describeIssues, slackInteger, slackJson, slackString, slackTimestamp } from '../args.js';
import { requireScope } from '../caller.js';
import { openConversation } from '../conversation-access.js';
import { newId } from '../ids.js';
import { type AuthedContext, defineMethod, type SlackMethod } from '../method.js';
import { postMessage } from '../posting.js';
import { invalidArguments, SlackError } from '../slack-error.js';
import { formatTs } from '../slack-ts.js';
import {
  completeFile,
  deleteFile,
  type FileRow,
  fileShares,
  fileVisible,
  findFile,
  insertFile,
  listFiles,
  shareFile,
} from '../store/files.js';
import { findMessage } from '../store/messages.js';
import { userExists } from '../store/users.js';
import { fileView } from '../views/file.js';

// The clone keeps file bytes in Postgres: a cap well under Slack's 1 GB keeps that sane.
export const MAX_FILE_BYTES = 20 * 1024 * 1024;
const MAX_ALT_TXT = 1_000;

const TYPES: Record<string, [string, string]> = {
  '.txt': ['text/plain', 'text'],
  '.md': ['text/markdown', 'markdown'],
  '.csv': ['text/csv', 'csv'],
  '.json': ['application/json', 'json'],
  '.pdf': ['application/pdf', 'pdf'],
  '.png': ['image/png', 'png'],
  '.jpg': ['image/jpeg', 'jpg'],
  '.jpeg': ['image/jpeg', 'jpg'],
  '.gif': ['image/gif', 'gif'],
  '.zip': ['application/zip', 'zip'],
  '.html': ['text/html', 'html'],
  '.js': ['text/javascript', 'javascript'],
  '.ts': ['text/plain', 'typescript'],
  '.py': ['text/plain', 'python'],
};

const FILE_ID = /^F[A-Z0-9]{6,30}$/;

async function sharesView(ctx: AuthedContext, file: FileRow) {
  const shares = await fileShares(ctx.db, file.id);
  const byKind: Record<'public' | 'private', Record<string, unknown[]>> = { public: {}, private: {} };
  for (const share of shares) {
    const bucket = share.kind === 'channel' ? byKind.public : byKind.private;
    const list = bucket[share.conversation_id] ?? [];
    list.push({ ts: formatTs(share.ts_us), reply_count: 0, reply_users: [] });
    bucket[share.conversation_id] = list;
  }
  return {
    channels: shares.filter((s) => s.kind === 'channel').map((s) => s.conversation_id),
    groups: shares.filter((s) => s.kind === 'private' || s.kind === 'mpim').map((s) => s.conversation_id),
    ims: shares.filter((s) => s.kind === 'im').map((s) => s.conversation_id),
    shares: Object.fromEntries(Object.entries(byKind).filter(([, v]) => Object.keys(v).length > 0)),
  };
}

export async function fullView(ctx: AuthedContext, file: FileRow) {
  return fileView(file, ctx.caller.teamId, ctx.baseUrl, {
    ...(await sharesView(ctx, file)),
    comments_count: 0,
    public_url_shared: file.public_url_shared,
    ...(file.alt_txt ? { alt_txt: file.alt_txt } : {}),
  });
}

export async function visibleFile(ctx: AuthedContext, id: string): Promise<FileRow> {
  if (!FILE_ID.test(id) || !(await fileVisible(ctx.db, ctx.caller.userId, id)))
    throw new SlackError('file_not_found');
  const file = await findFile(ctx.db, id);
  if (!file) throw new SlackError('file_not_found');
  return file;
}

const getUploadURLExternal = defineMethod({
  name: 'files.getUploadURLExternal',
  tier: 'tier4',
  args: z.object({
    filename: slackString.required(),
    length: slackInteger.required(),
    alt_txt: slackString.optional(),
    snippet_type: slackString.optional(),
  }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'files:write');
    if (args.length < 0 || args.length > MAX_FILE_BYTES) throw new SlackError('file_upload_size_restricted');
    if ((args.alt_txt ?? '').length > MAX_ALT_TXT) throw new SlackError('alt_txt_too_large');
    const [mimetype, filetype] = TYPES[extname(args.filename).toLowerCase()] ?? [
      'application/octet-stream',
      'binary',
    ];
    const id = newId('F', 10);
    await insertFile(ctx.db, {
      id,
      userId: ctx.caller.userId,
      created: Math.floor(ctx.now() / 1000),
      name: args.filename.slice(0, 255),
      mimetype,
      filetype,
      size: args.length,
      altTxt: args.alt_txt ?? null,
    });
    return { upload_url: `${ctx.baseUrl}/upload/v1/${id}`, file_id: id };
  },
});

const fileList = z
  .array(z.object({ id: z.string(), title: z.string().optional() }).passthrough())
  .min(1)
  .max(10);

const completeUploadExternal = defineMethod({
  name: 'files.completeUploadExternal',
  tier: 'tier4',
  args: z.object({
    files: slackJson.required(),
    channel_id: slackString.optional(),
    channels: slackString.optional(),
    thread_ts: slackTimestamp.optional(),
    initial_comment: slackString.optional(),
    blocks: slackJson.optional(),
  }),
  run: async (args, ctx) => {
    const { caller } = ctx;
    requireScope(caller, 'files:write');
    const parsed = fileList.safeParse(args.files);
    if (!parsed.success) throw invalidArguments(describeIssues(parsed.error));
    const files: FileRow[] = [];
    for (const entry of parsed.data) {
      const file = FILE_ID.test(entry.id) ? await findFile(ctx.db, entry.id) : null;
      if (!file || file.user_id !== caller.userId || file.completed || !file.uploaded) {
        throw new SlackError('file_not_found');
      }
      files.push(file);
    }
    const target = args.channel_id ?? args.channels?.split(',')[0]?.trim();
    const conversation = target ? await openConversation(ctx, target, { allowName: false }) : null;
    if (conversation && !conversation.is_member) throw new SlackError('not_in_channel');
    if (conversation?.is_archived) throw new SlackError('is_archived');
    if (
      conversation &&
      args.thread_ts !== undefined &&
      !(await findMessage(ctx.db, conversation.id, args.thread_ts))
    ) {
      throw new SlackError('invalid_thread_ts');
    }

    await withTransaction(ctx.db, async (tx) => {
      for (const [index, file] of files.entries()) {
        await completeFile(tx, file.id, parsed.data[index]?.title ?? null);
      }
      if (!conversation) return;
      const posted = await postMessage(
        { db: tx, now: ctx.now, events: ctx.events },
        {
          conversation,
          author: { userId: caller.userId, botId: caller.botId, appId: caller.appId },
          teamId: caller.teamId,
          text: args.initial_comment ?? '',
          blocks: Array.isArray(args.blocks) && args.blocks.length > 0 ? args.blocks : null,
          threadTsUs: args.thread_ts ?? null,
          fileIds: files.map((f) => f.id),
        },
      );
      for (const file of files) await shareFile(tx, file.id, conversation.id, posted.row.ts_us);
    });
    return {
      files: await Promise.all(
        files.map(async (file) => {
          const done = await findFile(ctx.db, file.id);
          return { id: file.id, title: done?.title ?? file.title };
        }),
      ),
    };
  },
});

const info = defineMethod({
  name: 'files.info',
  tier: 'tier4',
  args: z.object({
    file: slackString.required(),
    cursor: slackString.optional(),
    limit: slackInteger.optional(),
    count: slackInteger.optional(),
    page: slackInteger.optional(),
  }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'files:read');
    const file = await visibleFile(ctx, args.file);
    return {
      file: await fullView(ctx, file),
      comments: [],
      response_metadata: { next_cursor: '' },
    };
  },
});

const list = defineMethod({
  name: 'files.list',
  tier: 'tier3',
  args: z.object({
    channel: slackString.optional(),
    user: slackString.optional(),
    ts_from: slackTimestamp.optional(),
    ts_to: slackTimestamp.optional(),
    types: slackString.optional(),
    count: slackInteger.optional(),
    page: slackInteger.optional(),
    show_files_hidden_by_limit: slackString.optional(),
    team_id: slackString.optional(),
  }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'files:read');
    const types = (args.types ?? 'all').split(',').map((t) => t.trim());
    if (types.some((t) => !['all', 'images', 'spaces', 'snippets', 'gdocs', 'zips', 'pdfs'].includes(t))) {
      throw new SlackError('unknown_type');
    }
    if (args.user !== undefined && !(await userExists(ctx.db, args.user)))
      throw new SlackError('user_not_found');
    const conversation = args.channel
      ? await openConversation(ctx, args.channel, { allowName: false })
      : null;
    const count = Math.min(Math.max(args.count ?? 100, 1), 1000);
    const page = Math.max(args.page ?? 1, 1);
    const bound = (us: number | undefined) => (us === undefined ? null : Math.floor(us / 1_000_000) || null);
    const found = await listFiles(ctx.db, ctx.caller.userId, {
      userId: args.user ?? null,
      conversationId: conversation?.id ?? null,
      tsFrom: bound(args.ts_from),
      tsTo: bound(args.ts_to),
      images: types.includes('images') && !types.includes('all'),
      offset: (page - 1) * count,
      limit: count,
    });
    return {
      files: await Promise.all(found.rows.map((file) => fullView(ctx, file))),
      paging: { count, total: found.total, page, pages: Math.max(1, Math.ceil(found.total / count)) },
    };
  },
});

const deleteMethod = defineMethod({
  name: 'files.delete',
  tier: 'tier3',
  args: z.object({ file: slackString.required() }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'files:write');
    const file = await visibleFile(ctx, args.file);
    if (file.user_id !== ctx.caller.userId) throw new SlackError('cant_delete_file');
    await withTransaction(ctx.db, (tx) => deleteFile(tx, file.id));
    ctx.events.emit({ type: 'file_deleted', file_id: file.id, event_ts: formatTs(ctx.now() * 1000) });
    return {};
  },
});

// Slack retired the one-step upload (files.upload) in November 2025; it answers this now.
const retiredUpload = defineMethod({
  name: 'files.upload',
  tier: 'tier2',
  args: z.object({}).passthrough(),
  run: async () => {
    throw new SlackError('method_deprecated');
  },
});

export const filesMethods: SlackMethod[] = [
  retiredUpload,
  getUploadURLExternal,
  completeUploadExternal,
  info,
  list,
  deleteMethod,
];
