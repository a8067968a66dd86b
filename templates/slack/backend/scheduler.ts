import type pg from 'pg';
import { withTransaction } from '../../_shared/db.js';
import type { Logger } from '../../_shared/log.js';
import type { EventSink } from './events/event-sink.js';
import { newId } from './ids.js';
import { postMessage } from './posting.js';
import { nextOccurrence, type Recurrence } from './reminder-recurrence.js';
import {
  type ConversationKind,
  createDirectConversation,
  findDirectConversation,
} from './store/conversations.js';
import { takeDue } from './store/scheduled.js';

const SLACKBOT = 'USLACKBOT';

// Reset truncates every table at once; a tick that waited on it while holding a lock could
// deadlock it. Giving up quickly (before Postgres's 1 s deadlock check) lets the reset win.
const LOCK_TIMEOUT = "SET LOCAL lock_timeout = '200ms'";

/**
 * Due reminders become a Slackbot DM ("Reminder: ..."), as on Slack. A one-off reminder is
 * then retired; a recurring one moves on to its next occurrence.
 */
async function fireReminders(tx: pg.PoolClient, deps: SchedulerDeps): Promise<number> {
  const nowSeconds = Math.floor(deps.now() / 1000);
  const { rows: due } = await tx.query<{
    id: string;
    user_id: string;
    text: string;
    team_id: string;
    recurrence: Recurrence | null;
    anchor: number | null;
    tz_offset: number;
  }>(
    `UPDATE reminders r SET fired = (r.recurrence IS NULL) FROM users u
     WHERE r.id IN (SELECT id FROM reminders WHERE NOT fired AND complete_ts = 0 AND time <= $1
                    ORDER BY time, id LIMIT $2 FOR UPDATE SKIP LOCKED)
       AND u.id = r.user_id
     RETURNING r.id, r.user_id, r.text, u.team_id, r.recurrence, r.anchor, u.tz_offset`,
    [nowSeconds, BATCH],
  );
  for (const reminder of due) {
    if (!reminder.recurrence || reminder.anchor === null) continue;
    const next = nextOccurrence(reminder.recurrence, reminder.anchor, nowSeconds, reminder.tz_offset);
    await tx.query('UPDATE reminders SET time = $2 WHERE id = $1', [reminder.id, next]);
  }
  const { rowCount: hasSlackbot } = await tx.query('SELECT 1 FROM users WHERE id = $1', [SLACKBOT]);
  if (!hasSlackbot) return 0;
  for (const reminder of due) {
    const members = [SLACKBOT, reminder.user_id];
    let id = await findDirectConversation(tx, 'im', members);
    if (!id) {
      id = newId('D', 10);
      const created = Math.floor(deps.now() / 1000);
      await createDirectConversation(
        tx,
        { id, teamId: reminder.team_id, kind: 'im', name: null, creator: SLACKBOT, created },
        members,
      );
    }
    await postMessage(
      { db: tx, now: deps.now, events: deps.events },
      {
        conversation: { id, kind: 'im' },
        author: { userId: SLACKBOT, botId: null, appId: null },
        teamId: reminder.team_id,
        text: `Reminder: ${reminder.text.replace(/\.$/, '')}.`,
      },
    );
  }
  return due.length;
}

export interface SchedulerDeps {
  pool: pg.Pool;
  now: () => number;
  events: EventSink;
  log: Logger;
  /**
   * Posting waits until the clone is migrated and seeded, and for any reset or reseed under
   * way (the runtime's `settled`). Checked again inside each transaction, once its rows are
   * read: a reseed that committed meanwhile has its times not yet moved onto today.
   */
  isReady: () => boolean;
  intervalMs?: number;
}

/** A reset or reseed began while a tick held its rows: the tick rolls back and tries later. */
class Unsettled extends Error {}

// Each tick posts at most this many, so one tick's transaction stays short.
const BATCH = 50;

/**
 * Posts chat.scheduleMessage messages when they fall due: a timer that reads the due rows
 * from Postgres (the schedule lives in the database, so reset and restarts keep it right).
 * Returns a function that stops it; it also stops by itself once the pool is closed.
 */
export function startScheduler(deps: SchedulerDeps): () => void {
  const { pool, log } = deps;
  let running = false;
  const tick = async () => {
    if (running || !deps.isReady()) return;
    if (pool.ending || pool.ended) {
      clearInterval(timer);
      return;
    }
    running = true;
    try {
      // Nothing due (the common case): no transaction, no locks held against a reset.
      const { rows: pending } = await pool.query<{ messages: boolean; reminders: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM scheduled_messages WHERE post_at <= $1) AS messages,
                EXISTS (SELECT 1 FROM reminders WHERE NOT fired AND complete_ts = 0 AND time <= $1) AS reminders`,
        [Math.floor(deps.now() / 1000)],
      );
      if (!pending[0]?.messages && !pending[0]?.reminders) return;
      const posted = await withTransaction(pool, async (tx) => {
        await tx.query(LOCK_TIMEOUT);
        const due = await takeDue(tx, Math.floor(deps.now() / 1000), BATCH);
        if (due.length === 0) return 0;
        if (!deps.isReady()) throw new Unsettled();
        const { rows: teams } = await tx.query<{ id: string }>(
          'SELECT id FROM teams ORDER BY created, id LIMIT 1',
        );
        const teamId = teams[0]?.id ?? '';
        for (const message of due) {
          const { rows } = await tx.query<{ kind: ConversationKind; parent: boolean }>(
            `SELECT kind, EXISTS (SELECT 1 FROM messages WHERE conversation_id = $1 AND ts_us = $2) AS parent
             FROM conversations WHERE id = $1`,
            [message.conversation_id, message.thread_ts_us ?? -1],
          );
          const conversation = rows[0];
          if (!conversation) continue;
          await postMessage(
            { db: tx, now: deps.now, events: deps.events },
            {
              conversation: { id: message.conversation_id, kind: conversation.kind },
              author: { userId: message.user_id, botId: message.bot_id, appId: message.app_id },
              teamId,
              text: message.text,
              blocks: message.blocks,
              attachments: message.attachments,
              // A thread deleted in the meantime: the message is posted to the channel.
              threadTsUs: conversation.parent ? message.thread_ts_us : null,
              replyBroadcast: message.reply_broadcast,
            },
          );
        }
        return due.length;
      });
      if (posted > 0) log.info(`scheduler: posted ${posted} scheduled message(s)`);
      const reminded = await withTransaction(pool, async (tx) => {
        await tx.query(LOCK_TIMEOUT);
        const fired = await fireReminders(tx, deps);
        if (fired > 0 && !deps.isReady()) throw new Unsettled();
        return fired;
      });
      if (reminded > 0) log.info(`scheduler: delivered ${reminded} reminder(s)`);
    } catch (error) {
      // A lock timeout means a reset holds the tables: the next tick tries again.
      // So does a reset or reseed that came while the rows were read (rolled back, unposted).
      const lockTimeout = (error as { code?: string }).code === '55P03';
      if (!lockTimeout && !(error instanceof Unsettled) && !pool.ending && !pool.ended)
        log.error('scheduler: posting due messages failed', error);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), deps.intervalMs ?? 1_000);
  timer.unref();
  return () => clearInterval(timer);
}
