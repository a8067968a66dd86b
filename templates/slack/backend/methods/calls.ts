import { z } from 'zod';
import { slackInteger, slackJson, slackString } from '../args.js';
import { requireScope } from '../caller.js';
import { newId } from '../ids.js';
import { type AuthedContext, defineMethod, type SlackMethod } from '../method.js';
import { SlackError } from '../slack-error.js';

// Calls (calls.*): an app registers the calls its own service hosts, so Slack can show
// them; participants are Slack users ({ slack_id }) or outside people ({ external_id }).

interface Participant {
  slack_id?: string;
  external_id?: string;
  display_name?: string;
  avatar_url?: string;
}

interface CallRow {
  id: string;
  app_id: string | null;
  external_unique_id: string;
  external_display_id: string | null;
  join_url: string;
  desktop_app_join_url: string | null;
  title: string | null;
  created_by: string;
  date_start: number;
  date_end: number | null;
  duration: number | null;
  participants: Participant[];
}

function callView(row: CallRow): Record<string, unknown> {
  return {
    id: row.id,
    ...(row.app_id ? { app_id: row.app_id } : {}),
    date_start: Number(row.date_start),
    external_unique_id: row.external_unique_id,
    join_url: row.join_url,
    ...(row.desktop_app_join_url ? { desktop_app_join_url: row.desktop_app_join_url } : {}),
    ...(row.external_display_id ? { external_display_id: row.external_display_id } : {}),
    ...(row.title ? { title: row.title } : {}),
    users: row.participants,
    ...(row.date_end !== null ? { date_end: Number(row.date_end), duration: row.duration ?? 0 } : {}),
  };
}

/** `users`: [{ slack_id }] or [{ external_id, display_name, avatar_url }], Slack ids checked. */
async function readParticipants(
  ctx: AuthedContext,
  value: unknown,
  required: boolean,
): Promise<Participant[]> {
  if (value === undefined) {
    if (required) throw new SlackError('missing_argument');
    return [];
  }
  if (!Array.isArray(value)) throw new SlackError('bad_users');
  const participants: Participant[] = [];
  for (const item of value) {
    const p = item as Participant | null;
    if (typeof p !== 'object' || p === null) throw new SlackError('bad_users');
    if (typeof p.slack_id === 'string') participants.push({ slack_id: p.slack_id });
    else if (typeof p.external_id === 'string') {
      participants.push({
        external_id: p.external_id,
        ...(typeof p.display_name === 'string' ? { display_name: p.display_name } : {}),
        ...(typeof p.avatar_url === 'string' ? { avatar_url: p.avatar_url } : {}),
      });
    } else throw new SlackError('bad_users');
  }
  const ids = participants.flatMap((p) => (p.slack_id ? [p.slack_id] : []));
  const { rows } = await ctx.db.query<{ id: string }>(
    'SELECT id FROM users WHERE id = ANY($1) AND NOT deleted',
    [ids],
  );
  if (rows.length !== new Set(ids).size) throw new SlackError('user_not_found');
  return participants;
}

const sameParticipant = (a: Participant, b: Participant) =>
  (a.slack_id !== undefined && a.slack_id === b.slack_id) ||
  (a.external_id !== undefined && a.external_id === b.external_id);

async function findCall(ctx: AuthedContext, id: string): Promise<CallRow> {
  const { rows } = await ctx.db.query<CallRow>('SELECT * FROM calls WHERE id = $1', [id]);
  const row = rows[0];
  if (!row) throw new SlackError('invalid_call_id');
  return row;
}

async function saveCall(ctx: AuthedContext, row: CallRow): Promise<{ call: Record<string, unknown> }> {
  await ctx.db.query(
    `UPDATE calls SET join_url = $2, desktop_app_join_url = $3, title = $4, date_end = $5, duration = $6, participants = $7
     WHERE id = $1`,
    [
      row.id,
      row.join_url,
      row.desktop_app_join_url,
      row.title,
      row.date_end,
      row.duration,
      JSON.stringify(row.participants),
    ],
  );
  return { call: callView(row) };
}

const add = defineMethod({
  name: 'calls.add',
  tier: 'tier2',
  args: z.object({
    external_unique_id: slackString.required(),
    join_url: slackString.required(),
    external_display_id: slackString.optional(),
    desktop_app_join_url: slackString.optional(),
    date_start: slackInteger.optional(),
    title: slackString.optional(),
    created_by: slackString.optional(),
    users: slackJson.optional(),
  }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'calls:write');
    const createdBy = args.created_by ?? ctx.caller.userId;
    const { rowCount } = await ctx.db.query('SELECT 1 FROM users WHERE id = $1 AND NOT deleted', [createdBy]);
    if (!rowCount) throw new SlackError('invalid_created_by');
    if (args.date_start !== undefined && args.date_start <= 0) throw new SlackError('invalid_start_time');
    const row: CallRow = {
      id: newId('R', 10),
      app_id: ctx.caller.appId,
      external_unique_id: args.external_unique_id,
      external_display_id: args.external_display_id ?? null,
      join_url: args.join_url,
      desktop_app_join_url: args.desktop_app_join_url ?? null,
      title: args.title ?? null,
      created_by: createdBy,
      date_start: args.date_start ?? Math.floor(ctx.now() / 1000),
      date_end: null,
      duration: null,
      participants: await readParticipants(ctx, args.users, false),
    };
    await ctx.db.query(
      `INSERT INTO calls (id, app_id, external_unique_id, external_display_id, join_url, desktop_app_join_url, title,
         created_by, date_start, participants)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        row.id,
        row.app_id,
        row.external_unique_id,
        row.external_display_id,
        row.join_url,
        row.desktop_app_join_url,
        row.title,
        row.created_by,
        row.date_start,
        JSON.stringify(row.participants),
      ],
    );
    return { call: callView(row) };
  },
});

const info = defineMethod({
  name: 'calls.info',
  tier: 'tier2',
  args: z.object({ id: slackString.required() }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'calls:read');
    return { call: callView(await findCall(ctx, args.id)) };
  },
});

const update = defineMethod({
  name: 'calls.update',
  tier: 'tier2',
  args: z.object({
    id: slackString.required(),
    join_url: slackString.optional(),
    desktop_app_join_url: slackString.optional(),
    title: slackString.optional(),
  }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'calls:write');
    const row = await findCall(ctx, args.id);
    return saveCall(ctx, {
      ...row,
      join_url: args.join_url ?? row.join_url,
      desktop_app_join_url: args.desktop_app_join_url ?? row.desktop_app_join_url,
      title: args.title ?? row.title,
    });
  },
});

const end = defineMethod({
  name: 'calls.end',
  tier: 'tier2',
  args: z.object({ id: slackString.required(), duration: slackInteger.optional() }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'calls:write');
    const row = await findCall(ctx, args.id);
    if (row.date_end !== null) throw new SlackError('inactive_call');
    const now = Math.floor(ctx.now() / 1000);
    await saveCall(ctx, {
      ...row,
      date_end: now,
      duration: args.duration ?? Math.max(0, now - Number(row.date_start)),
    });
    return {};
  },
});

const participants = (name: string, change: 'add' | 'remove') =>
  defineMethod({
    name,
    tier: 'tier2',
    args: z.object({ id: slackString.required(), users: slackJson.optional() }),
    run: async (args, ctx) => {
      requireScope(ctx.caller, 'calls:write');
      const row = await findCall(ctx, args.id);
      if (row.date_end !== null) throw new SlackError('inactive_call');
      const named = await readParticipants(ctx, args.users, true);
      const kept = row.participants.filter((p) => !named.some((n) => sameParticipant(p, n)));
      await saveCall(ctx, { ...row, participants: change === 'add' ? [...kept, ...named] : kept });
      return {};
    },
  });

export const callsMethods: SlackMethod[] = [
  add,
  info,
  update,
  end,
  participants('calls.participants.add', 'add'),
  participants('calls.participants.remove', 'remove'),
];
