import { z } from 'zod';
import { slackInteger, slackString } from '../args.js';
import { requireScope, requireUserToken } from '../caller.js';
import { type AuthedContext, defineMethod, type SlackMethod } from '../method.js';
import { SlackError } from '../slack-error.js';

const HOUR = 3_600;
const DAY = 86_400;
// Everyone's notification schedule: paused from 22:00 to 08:00 in their own zone.
const SCHEDULE_START = 22 * HOUR;
const SCHEDULE_END = 8 * HOUR;
const MAX_SNOOZE_MINUTES = 24 * 60 * 7;
const MAX_TEAM_USERS = 50;

interface DndRow {
  id: string;
  tz_offset: number;
  deleted: boolean;
  snooze_endtime: number | null;
  ended_session_end: number | null;
}

/** The scheduled session under way at `now`, or else the next one: [start, end]. */
function scheduledSession(now: number, tz: number, endedSessionEnd: number): [number, number] {
  const midnight = Math.floor((now + tz) / DAY) * DAY - tz;
  // Last night's session (ending this morning), tonight's, and tomorrow night's.
  for (const start of [
    midnight - DAY + SCHEDULE_START,
    midnight + SCHEDULE_START,
    midnight + DAY + SCHEDULE_START,
  ]) {
    const end = start - SCHEDULE_START + DAY + SCHEDULE_END;
    // A session dnd.endDnd ended is over; so is one that has passed.
    if (end > now && end !== endedSessionEnd) return [start, end];
  }
  throw new Error('no scheduled session ahead');
}

async function dndRows(ctx: AuthedContext, ids: string[]): Promise<DndRow[]> {
  const { rows } = await ctx.db.query<DndRow>(
    `SELECT u.id, u.tz_offset, u.deleted, d.snooze_endtime, d.ended_session_end
     FROM users u LEFT JOIN dnd d ON d.user_id = u.id WHERE u.id = ANY($1) AND NOT u.is_bot`,
    [ids],
  );
  return rows;
}

/** What dnd.info says of a person; the snooze only to the person themselves, as on Slack. */
function dndView(row: DndRow, now: number, own: boolean): Record<string, unknown> {
  const [start, end] = scheduledSession(now, row.tz_offset, Number(row.ended_session_end ?? 0));
  const view: Record<string, unknown> = { dnd_enabled: true, next_dnd_start_ts: start, next_dnd_end_ts: end };
  if (own) {
    const snoozeEnd = Number(row.snooze_endtime ?? 0);
    const snoozing = snoozeEnd > now;
    view.snooze_enabled = snoozing;
    if (snoozing) {
      view.snooze_endtime = snoozeEnd;
      view.snooze_remaining = snoozeEnd - now;
      view.snooze_is_indefinite = false;
    }
  }
  return view;
}

async function ownRow(ctx: AuthedContext): Promise<DndRow> {
  const row = (await dndRows(ctx, [ctx.caller.userId]))[0];
  if (!row) throw new SlackError('user_not_found');
  return row;
}

const nowSeconds = (ctx: AuthedContext) => Math.floor(ctx.now() / 1000);

const info = defineMethod({
  name: 'dnd.info',
  tier: 'tier3',
  args: z.object({ user: slackString.optional(), team_id: slackString.optional() }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'dnd:read');
    const userId = args.user ?? ctx.caller.userId;
    const row = (await dndRows(ctx, [userId]))[0];
    // A bot user has no notification schedule: asking for one's own answers like nobody's.
    if (!row || row.deleted) throw new SlackError('user_not_found');
    return dndView(row, nowSeconds(ctx), userId === ctx.caller.userId && ctx.caller.kind === 'user');
  },
});

const teamInfo = defineMethod({
  name: 'dnd.teamInfo',
  tier: 'tier2',
  args: z.object({ users: slackString.optional(), team_id: slackString.optional() }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'dnd:read');
    const ids = (args.users ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter((id) => id !== '');
    if (ids.length === 0) throw new SlackError('no_users_provided');
    if (ids.length > MAX_TEAM_USERS) throw new SlackError('too_many_users');
    const now = nowSeconds(ctx);
    const rows = await dndRows(ctx, ids);
    return {
      users: Object.fromEntries(
        rows.filter((r) => !r.deleted).map((row) => [row.id, dndView(row, now, false)]),
      ),
    };
  },
});

const setSnooze = defineMethod({
  name: 'dnd.setSnooze',
  tier: 'tier2',
  args: z.object({ num_minutes: slackInteger.optional(), team_id: slackString.optional() }),
  run: async (args, ctx) => {
    requireUserToken(ctx.caller, 'dnd:write');
    if (args.num_minutes === undefined || args.num_minutes <= 0) throw new SlackError('missing_duration');
    if (args.num_minutes > MAX_SNOOZE_MINUTES) throw new SlackError('too_long');
    const now = nowSeconds(ctx);
    const end = now + args.num_minutes * 60;
    await ctx.db.query(
      `INSERT INTO dnd (user_id, snooze_endtime) VALUES ($1, $2)
       ON CONFLICT (user_id) DO UPDATE SET snooze_endtime = EXCLUDED.snooze_endtime`,
      [ctx.caller.userId, end],
    );
    ctx.events.emit(dndUpdated(ctx.caller.userId, dndView(await ownRow(ctx), now, true)));
    return {
      snooze_enabled: true,
      snooze_endtime: end,
      snooze_remaining: end - now,
      snooze_is_indefinite: false,
    };
  },
});

const endSnooze = defineMethod({
  name: 'dnd.endSnooze',
  tier: 'tier2',
  args: z.object({ team_id: slackString.optional() }),
  run: async (_args, ctx) => {
    requireUserToken(ctx.caller, 'dnd:write');
    const now = nowSeconds(ctx);
    const row = await ownRow(ctx);
    if (Number(row.snooze_endtime ?? 0) <= now) throw new SlackError('snooze_not_active');
    await ctx.db.query('UPDATE dnd SET snooze_endtime = 0 WHERE user_id = $1', [ctx.caller.userId]);
    const view = dndView(await ownRow(ctx), now, true);
    ctx.events.emit(dndUpdated(ctx.caller.userId, view));
    return view;
  },
});

const endDnd = defineMethod({
  name: 'dnd.endDnd',
  tier: 'tier2',
  args: z.object({ team_id: slackString.optional() }),
  run: async (_args, ctx) => {
    requireUserToken(ctx.caller, 'dnd:write');
    const now = nowSeconds(ctx);
    const row = await ownRow(ctx);
    const [start, end] = scheduledSession(now, row.tz_offset, Number(row.ended_session_end ?? 0));
    const snoozing = Number(row.snooze_endtime ?? 0) > now;
    const inSession = start <= now;
    if (!snoozing && !inSession) throw new SlackError('not_in_dnd');
    await ctx.db.query(
      `INSERT INTO dnd (user_id, snooze_endtime, ended_session_end) VALUES ($1, 0, $2)
       ON CONFLICT (user_id) DO UPDATE SET snooze_endtime = 0,
         ended_session_end = CASE WHEN $3 THEN EXCLUDED.ended_session_end ELSE dnd.ended_session_end END`,
      [ctx.caller.userId, inSession ? end : 0, inSession],
    );
    ctx.events.emit(dndUpdated(ctx.caller.userId, dndView(await ownRow(ctx), now, true)));
    return {};
  },
});

// Apps subscribed to dnd_updated_user hear a person's Do Not Disturb change, as on Slack.
const dndUpdated = (user: string, status: Record<string, unknown>) => ({
  type: 'dnd_updated_user',
  user,
  dnd_status: {
    dnd_enabled: status.dnd_enabled,
    next_dnd_start_ts: status.next_dnd_start_ts,
    next_dnd_end_ts: status.next_dnd_end_ts,
  },
});

export const dndMethods: SlackMethod[] = [info, teamInfo, setSnooze, endSnooze, endDnd];
