import { z } from 'zod';
import { randomString } from '../../../_shared/crypto.js';
import { slackJson, slackString } from '../args.js';
import { requireScope } from '../caller.js';
import { openConversation } from '../conversation-access.js';
import { newId } from '../ids.js';
import { type AuthedContext, defineMethod, type SlackMethod } from '../method.js';
import { invalidArguments, SlackError } from '../slack-error.js';

/**
 * Canvases: markdown documents kept as sections, the unit canvases.edit and
 * canvases.sections.lookup address (headers on their own, other text by paragraph).
 */
interface Section {
  id: string;
  type: 'h1' | 'h2' | 'h3' | 'paragraph';
  markdown: string;
}

type Access = 'read' | 'write' | 'owner';

interface CanvasRow {
  id: string;
  owner: string;
  title: string;
  sections: Section[];
  access: Record<string, Access>;
  conversation_id: string | null;
}

// Slack's limit on one change's (or a new canvas's) markdown.
const MAX_MARKDOWN = 1_048_576;

const sectionId = () => `temp:C:${randomString(28, 'alnum')}`;

/** Markdown as sections: each header line alone, the rest split at blank lines. */
export function toSections(markdown: string): Section[] {
  const sections: Section[] = [];
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length > 0)
      sections.push({ id: sectionId(), type: 'paragraph', markdown: paragraph.join('\n') });
    paragraph = [];
  };
  for (const line of markdown.split('\n')) {
    const header = /^(#{1,3}) /.exec(line);
    if (header) {
      flush();
      sections.push({ id: sectionId(), type: `h${header[1]?.length}` as Section['type'], markdown: line });
    } else if (line.trim() === '') {
      flush();
    } else {
      paragraph.push(line);
    }
  }
  flush();
  return sections;
}

/** `document_content` / `title_content`: `{ type: "markdown", markdown }`. */
function readMarkdown(value: unknown, field: string): string {
  const content = value as { type?: unknown; markdown?: unknown } | null;
  if (typeof content !== 'object' || content === null || content.type !== 'markdown') {
    throw invalidArguments([`invalid value for field: ${field} (expected { type: "markdown", markdown })`]);
  }
  if (typeof content.markdown !== 'string')
    throw invalidArguments([`missing required field: ${field}.markdown`]);
  if (content.markdown.length > MAX_MARKDOWN) throw new SlackError('canvas_too_large');
  return content.markdown;
}

const canvasWrite = (ctx: AuthedContext) => requireScope(ctx.caller, 'canvases:write');

/** The new canvas's id; null when the channel has its canvas already (one per channel). */
async function insertCanvas(
  ctx: AuthedContext,
  canvas: { title: string; markdown: string; conversationId: string | null; access?: Record<string, Access> },
): Promise<string | null> {
  const id = newId('F', 10);
  const now = Math.floor(ctx.now() / 1000);
  const { rowCount } = await ctx.db.query(
    `INSERT INTO canvases (id, team_id, owner, title, sections, access, conversation_id, created, updated)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (conversation_id) DO NOTHING`,
    [
      id,
      ctx.caller.teamId,
      ctx.caller.userId,
      canvas.title,
      JSON.stringify(toSections(canvas.markdown)),
      JSON.stringify(canvas.access ?? {}),
      canvas.conversationId,
      now,
    ],
  );
  return rowCount ? id : null;
}

/** The caller's access to a canvas: owner, a grant to them or a channel they are in, a channel canvas. */
async function accessOf(ctx: AuthedContext, canvas: CanvasRow): Promise<Access | null> {
  if (canvas.owner === ctx.caller.userId) return 'owner';
  const direct = canvas.access[ctx.caller.userId];
  const channels = [
    ...Object.keys(canvas.access).filter((id) => /^[CGD]/.test(id)),
    ...(canvas.conversation_id ? [canvas.conversation_id] : []),
  ];
  const { rows } = await ctx.db.query<{ conversation_id: string }>(
    'SELECT conversation_id FROM conversation_members WHERE user_id = $1 AND conversation_id = ANY($2)',
    [ctx.caller.userId, channels],
  );
  const levels: Access[] = direct ? [direct] : [];
  for (const { conversation_id: id } of rows) {
    // A channel's canvas is the members' to edit, as on Slack.
    levels.push(id === canvas.conversation_id ? 'write' : (canvas.access[id] ?? 'read'));
  }
  if (levels.includes('owner')) return 'owner';
  if (levels.includes('write')) return 'write';
  return levels.length > 0 ? 'read' : null;
}

/** A canvas the caller may reach at `needed`; one they cannot see at all is canvas_not_found. */
async function openCanvas(ctx: AuthedContext, id: string, needed: Access): Promise<CanvasRow> {
  const { rows } = await ctx.db.query<CanvasRow>(
    'SELECT id, owner, title, sections, access, conversation_id FROM canvases WHERE id = $1',
    [id],
  );
  const canvas = rows[0];
  const access = canvas ? await accessOf(ctx, canvas) : null;
  if (!canvas || !access) throw new SlackError('canvas_not_found');
  const rank = { read: 0, write: 1, owner: 2 };
  if (rank[access] < rank[needed]) throw new SlackError('restricted_action');
  return canvas;
}

const create = defineMethod({
  name: 'canvases.create',
  tier: 'tier2',
  args: z.object({
    title: slackString.optional(),
    document_content: slackJson.optional(),
    channel_id: slackString.optional(),
  }),
  run: async (args, ctx) => {
    canvasWrite(ctx);
    const markdown =
      args.document_content === undefined ? '' : readMarkdown(args.document_content, 'document_content');
    // Tabbed in a channel (channel_id): the canvas is shared with its members.
    const access =
      args.channel_id === undefined
        ? {}
        : { [(await openConversation(ctx, args.channel_id, { allowName: false })).id]: 'write' as const };
    return {
      canvas_id: await insertCanvas(ctx, { title: args.title ?? '', markdown, conversationId: null, access }),
    };
  },
});

const channelCanvas = defineMethod({
  name: 'conversations.canvases.create',
  tier: 'tier2',
  args: z.object({
    channel_id: slackString.required(),
    document_content: slackJson.optional(),
    title: slackString.optional(),
  }),
  run: async (args, ctx) => {
    canvasWrite(ctx);
    const conversation = await openConversation(ctx, args.channel_id, { allowName: false });
    if (!conversation.is_member) throw new SlackError('restricted_action');
    const markdown =
      args.document_content === undefined ? '' : readMarkdown(args.document_content, 'document_content');
    const id = await insertCanvas(ctx, {
      title: args.title ?? conversation.name ?? '',
      markdown,
      conversationId: conversation.id,
    });
    if (id === null) throw new SlackError('channel_canvas_already_exists');
    return { canvas_id: id };
  },
});

const OPERATIONS = [
  'insert_after',
  'insert_before',
  'insert_at_start',
  'insert_at_end',
  'replace',
  'delete',
  'rename',
];

/** Applies canvases.edit's changes in order; a change naming no section fails them all. */
function applyChanges(canvas: CanvasRow, changes: unknown): { title: string; sections: Section[] } {
  if (!Array.isArray(changes) || changes.length === 0)
    throw invalidArguments(['missing required field: changes']);
  let sections = [...canvas.sections];
  let title = canvas.title;
  changes.forEach((raw, index) => {
    const change = raw as {
      operation?: unknown;
      section_id?: unknown;
      document_content?: unknown;
      title_content?: unknown;
    };
    if (typeof change !== 'object' || change === null || !OPERATIONS.includes(change.operation as string)) {
      throw invalidArguments([`invalid value for field: changes.${index}.operation`]);
    }
    const operation = change.operation as string;
    if (operation === 'rename') {
      title = readMarkdown(change.title_content, `changes.${index}.title_content`);
      return;
    }
    const sectionIndex = (): number => {
      if (typeof change.section_id !== 'string') {
        throw invalidArguments([`missing required field: changes.${index}.section_id`]);
      }
      const at = sections.findIndex((section) => section.id === change.section_id);
      if (at < 0)
        throw new SlackError('canvas_editing_failed', { detail: `no section ${change.section_id}` });
      return at;
    };
    if (operation === 'delete') {
      sections.splice(sectionIndex(), 1);
      return;
    }
    const added = toSections(readMarkdown(change.document_content, `changes.${index}.document_content`));
    if (operation === 'insert_at_start') sections = [...added, ...sections];
    else if (operation === 'insert_at_end') sections = [...sections, ...added];
    else if (operation === 'insert_before') sections.splice(sectionIndex(), 0, ...added);
    else if (operation === 'insert_after') sections.splice(sectionIndex() + 1, 0, ...added);
    else if (change.section_id === undefined) sections = added;
    else sections.splice(sectionIndex(), 1, ...added);
  });
  return { title, sections };
}

const edit = defineMethod({
  name: 'canvases.edit',
  tier: 'tier3',
  args: z.object({ canvas_id: slackString.required(), changes: slackJson.required() }),
  run: async (args, ctx) => {
    canvasWrite(ctx);
    const canvas = await openCanvas(ctx, args.canvas_id, 'write');
    const next = applyChanges(canvas, args.changes);
    await ctx.db.query('UPDATE canvases SET title = $2, sections = $3, updated = $4 WHERE id = $1', [
      canvas.id,
      next.title,
      JSON.stringify(next.sections),
      Math.floor(ctx.now() / 1000),
    ]);
    return {};
  },
});

const deleteMethod = defineMethod({
  name: 'canvases.delete',
  tier: 'tier3',
  args: z.object({ canvas_id: slackString.required() }),
  run: async (args, ctx) => {
    canvasWrite(ctx);
    const canvas = await openCanvas(ctx, args.canvas_id, 'owner');
    await ctx.db.query('DELETE FROM canvases WHERE id = $1', [canvas.id]);
    return {};
  },
});

const HEADER_TYPES = new Set(['h1', 'h2', 'h3']);

const sectionsLookup = defineMethod({
  name: 'canvases.sections.lookup',
  tier: 'tier3',
  args: z.object({ canvas_id: slackString.required(), criteria: slackJson.required() }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'canvases:read');
    const canvas = await openCanvas(ctx, args.canvas_id, 'read');
    const criteria = args.criteria as { section_types?: unknown; contains_text?: unknown } | null;
    const types = criteria?.section_types;
    const text = criteria?.contains_text;
    if (
      typeof criteria !== 'object' ||
      criteria === null ||
      (types === undefined && text === undefined) ||
      (types !== undefined && (!Array.isArray(types) || !types.every((t) => typeof t === 'string'))) ||
      (text !== undefined && typeof text !== 'string')
    ) {
      throw invalidArguments([
        'invalid value for field: criteria (expected section_types and/or contains_text)',
      ]);
    }
    const wanted = (types as string[] | undefined) ?? null;
    const needle = typeof text === 'string' ? text.toLowerCase() : null;
    const sections = canvas.sections.filter(
      (section) =>
        (wanted === null ||
          wanted.includes(section.type) ||
          (wanted.includes('any_header') && HEADER_TYPES.has(section.type))) &&
        (needle === null || section.markdown.toLowerCase().includes(needle)),
    );
    return { sections: sections.map((section) => ({ id: section.id })) };
  },
});

/** access.set / access.delete name users or channels, never both. */
async function principals(
  ctx: AuthedContext,
  args: { channel_ids?: unknown; user_ids?: unknown },
): Promise<{ kind: 'user' | 'channel'; ids: string[] }> {
  const list = (value: unknown, field: string): string[] | null => {
    if (value === undefined) return null;
    if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string')) {
      throw invalidArguments([`invalid value for field: ${field}`]);
    }
    return value as string[];
  };
  const channels = list(args.channel_ids, 'channel_ids');
  const users = list(args.user_ids, 'user_ids');
  if ((channels === null) === (users === null)) throw new SlackError('invalid_parameters');
  if (channels) {
    for (const id of channels) await openConversation(ctx, id, { allowName: false });
    return { kind: 'channel', ids: channels };
  }
  const ids = users as string[];
  const { rows } = await ctx.db.query<{ id: string }>(
    'SELECT id FROM users WHERE id = ANY($1) AND NOT deleted',
    [ids],
  );
  if (rows.length !== new Set(ids).size) throw new SlackError('user_not_found');
  return { kind: 'user', ids };
}

const accessSet = defineMethod({
  name: 'canvases.access.set',
  tier: 'tier3',
  args: z.object({
    canvas_id: slackString.required(),
    access_level: slackString.required(),
    channel_ids: slackJson.optional(),
    user_ids: slackJson.optional(),
  }),
  run: async (args, ctx) => {
    canvasWrite(ctx);
    const level = args.access_level;
    if (level !== 'read' && level !== 'write' && level !== 'owner') {
      throw invalidArguments(['invalid value for field: access_level (read, write or owner)']);
    }
    const canvas = await openCanvas(ctx, args.canvas_id, 'owner');
    const named = await principals(ctx, args);
    // Only a person can be made an owner.
    if (level === 'owner' && named.kind !== 'user') throw new SlackError('invalid_parameters');
    const access = { ...canvas.access };
    for (const id of named.ids) access[id] = level;
    await ctx.db.query('UPDATE canvases SET access = $2 WHERE id = $1', [canvas.id, JSON.stringify(access)]);
    return {};
  },
});

const accessDelete = defineMethod({
  name: 'canvases.access.delete',
  tier: 'tier3',
  args: z.object({
    canvas_id: slackString.required(),
    channel_ids: slackJson.optional(),
    user_ids: slackJson.optional(),
  }),
  run: async (args, ctx) => {
    canvasWrite(ctx);
    const canvas = await openCanvas(ctx, args.canvas_id, 'owner');
    const named = await principals(ctx, args);
    const access = { ...canvas.access };
    for (const id of named.ids) delete access[id];
    await ctx.db.query('UPDATE canvases SET access = $2 WHERE id = $1', [canvas.id, JSON.stringify(access)]);
    return {};
  },
});

export const canvasesMethods: SlackMethod[] = [
  create,
  channelCanvas,
  edit,
  deleteMethod,
  sectionsLookup,
  accessSet,
  accessDelete,
];
