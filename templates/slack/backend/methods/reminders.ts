import { z } from 'zod';
import { slackJson, slackString } from '../args.js';
import { requireScope, type SlackCaller } from '../caller.js';
import { newId } from '../ids.js';
import { type AuthedContext, defineMethod, type SlackMethod } from '../method.js';
import { parseReminderPhrase } from '../reminder-phrases.js';
import { type Recurrence, readRecurrence } from '../reminder-recurrence.js';
import { SlackError } from '../slack-error.js';
import { findUser } from '../store/users.js';

interface ReminderRow {
  id: string;
  creator: string;
  user_id: string;
  text: string;
  time: number;
  complete_ts: number;
  recurrence: Recurrence | null;
}

// Slack shows a recurring reminder without a time or completion: it has no single one.
const reminderView = (row: ReminderRow) => ({
  id: row.id,
  creator: row.creator,
  user: row.user_id,
  text: row.text,
  ...(row.recurrence
    ? { recurring: true, recurrence: row.recurrence }
    : { recurring: false, time: row.time, complete_ts: row.complete_ts }),
});

// Reminders belong to people: Slack refuses bot tokens here.
function requireUserToken(caller: SlackCaller, scope: string) {
  if (caller.kind === 'bot') throw new SlackError('not_allowed_token_type');
  requireScope(caller, scope);
}

async function ownReminder(ctx: AuthedContext, id: string): Promise<ReminderRow> {
  const { rows } = await ctx.db.query<ReminderRow>(
    'SELECT * FROM reminders WHERE id = $1 AND (creator = $2 OR user_id = $2)',
    [id, ctx.caller.userId],
  );
  const row = rows[0];
  if (!row) throw new SlackError('not_found');
  return row;
}

const add = defineMethod({
  name: 'reminders.add',
  tier: 'tier2',
  args: z.object({
    text: slackString.required(),
    time: slackString.required(),
    user: slackString.optional(),
    team_id: slackString.optional(),
    recurrence: slackJson.optional(),
  }),
  run: async (args, ctx) => {
    requireUserToken(ctx.caller, 'reminders:write');
    const nowSeconds = Math.floor(ctx.now() / 1000);
    const userId = args.user ?? ctx.caller.userId;
    if (userId === 'USLACKBOT') throw new SlackError('cannot_add_slackbot');
    const target = await findUser(ctx.db, { id: userId });
    if (!target || target.deleted) throw new SlackError('user_not_found');
    if (target.is_bot) throw new SlackError('cannot_add_bot');

    // Phrases are read in the zone of the person reminded ("at 9am" is their 9am).
    const phrase = parseReminderPhrase(args.time, nowSeconds, target.tz_offset);
    if (phrase === null) throw new SlackError('cannot_parse');
    const { time } = phrase;
    // The `recurrence` argument repeats the first time `time` names.
    const recurrence = args.recurrence !== undefined ? readRecurrence(args.recurrence) : phrase.recurrence;
    if (recurrence && userId !== ctx.caller.userId) throw new SlackError('cannot_add_others_recurring');
    const row: ReminderRow = {
      id: newId('Rm', 9),
      creator: ctx.caller.userId,
      user_id: userId,
      text: args.text,
      time,
      complete_ts: 0,
      recurrence,
    };
    await ctx.db.query(
      `INSERT INTO reminders (id, creator, user_id, text, time, created, recurrence, anchor)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        row.id,
        row.creator,
        row.user_id,
        row.text,
        row.time,
        nowSeconds,
        recurrence ? JSON.stringify(recurrence) : null,
        recurrence ? time : null,
      ],
    );
    return { reminder: reminderView(row) };
  },
});

const complete = defineMethod({
  name: 'reminders.complete',
  tier: 'tier2',
  args: z.object({ reminder: slackString.required(), team_id: slackString.optional() }),
  run: async (args, ctx) => {
    requireUserToken(ctx.caller, 'reminders:write');
    const row = await ownReminder(ctx, args.reminder);
    if (row.user_id !== ctx.caller.userId) throw new SlackError('cannot_complete_others');
    if (row.recurrence) throw new SlackError('cannot_complete_recurring');
    await ctx.db.query('UPDATE reminders SET complete_ts = $2 WHERE id = $1 AND complete_ts = 0', [
      row.id,
      Math.floor(ctx.now() / 1000),
    ]);
    return {};
  },
});

const deleteMethod = defineMethod({
  name: 'reminders.delete',
  tier: 'tier2',
  args: z.object({ reminder: slackString.required(), team_id: slackString.optional() }),
  run: async (args, ctx) => {
    requireUserToken(ctx.caller, 'reminders:write');
    const row = await ownReminder(ctx, args.reminder);
    await ctx.db.query('DELETE FROM reminders WHERE id = $1', [row.id]);
    return {};
  },
});

const info = defineMethod({
  name: 'reminders.info',
  tier: 'tier2',
  args: z.object({ reminder: slackString.required(), team_id: slackString.optional() }),
  run: async (args, ctx) => {
    requireUserToken(ctx.caller, 'reminders:read');
    return { reminder: reminderView(await ownReminder(ctx, args.reminder)) };
  },
});

const list = defineMethod({
  name: 'reminders.list',
  tier: 'tier2',
  args: z.object({ team_id: slackString.optional() }),
  run: async (_args, ctx) => {
    requireUserToken(ctx.caller, 'reminders:read');
    const { rows } = await ctx.db.query<ReminderRow>(
      'SELECT * FROM reminders WHERE creator = $1 OR user_id = $1 ORDER BY time, id',
      [ctx.caller.userId],
    );
    return { reminders: rows.map(reminderView) };
  },
});

export const remindersMethods: SlackMethod[] = [add, complete, deleteMethod, info, list];
