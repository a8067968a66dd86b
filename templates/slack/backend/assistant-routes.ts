import { Hono } from 'hono';
import type pg from 'pg';
import { z } from 'zod';
import type { CloneRuntime } from '../../_shared/clone-runtime.js';
import { withTransaction } from '../../_shared/db.js';
import { adminFailure, adminGuard } from './admin-guard.js';
import type { EventSink } from './events/event-sink.js';
import { newId } from './ids.js';
import { formatTs, parseTs } from './slack-ts.js';
import { createDirectConversation, findDirectConversation } from './store/conversations.js';
import { insertMessage } from './store/messages.js';

// Slack drops an assistant thread's status two minutes after it was set, or when the app replies.
const STATUS_TIMEOUT_US = 120_000_000;

const openBody = z
  .object({
    user: z.string().regex(/^[UW][A-Z0-9]{2,30}$/),
    /** The channel the person was looking at when they opened the pane, if any. */
    channel: z
      .string()
      .regex(/^[CGD][A-Z0-9]{2,30}$/)
      .nullable()
      .optional(),
  })
  .strict();

const contextBody = z
  .object({
    channel_id: z.string().regex(/^D[A-Z0-9]{2,30}$/),
    thread_ts: z.string().regex(/^\d{1,10}\.\d{6}$/),
    channel: z
      .string()
      .regex(/^[CGD][A-Z0-9]{2,30}$/)
      .nullable(),
  })
  .strict();

interface AppRow {
  app_id: string;
  bot_id: string;
  bot_user_id: string;
  team_id: string;
}

interface ThreadRow {
  conversation_id: string;
  thread_ts_us: string;
  user_id: string;
  context: Record<string, unknown>;
  status: string;
  loading_messages: string[] | null;
  status_set_us: string;
  title: string;
  prompts: Array<{ title: string; message: string }> | null;
  prompts_title: string | null;
  replied: boolean;
}

/**
 * A person's side of the assistant pane, for tests and harnesses (README "Template extras"),
 * mounted at `/_asym`: `POST /assistant/threads` `{ user, channel? }` opens a thread in the
 * person's DM with the app, as opening the pane does, and the app hears
 * `assistant_thread_started`; `POST /assistant/threads/context` `{ channel_id, thread_ts,
 * channel }` is the person switching channels (`assistant_thread_context_changed`);
 * `GET /assistant/threads` shows each thread with the status, title and prompts the app set.
 */
export function createAssistantRoutes(deps: {
  runtime: CloneRuntime;
  adminTokenSha256: string;
  pool: pg.Pool;
  events: EventSink;
  now: () => number;
}): Hono {
  const { runtime, adminTokenSha256, pool, events, now } = deps;
  const routes = new Hono();
  const guard = adminGuard(runtime, adminTokenSha256);
  routes.use('/assistant/threads', guard);
  routes.use('/assistant/threads/*', guard);

  const context = (app: AppRow, channel: string | null | undefined) => ({
    ...(channel ? { channel_id: channel } : {}),
    team_id: app.team_id,
    enterprise_id: null,
  });

  routes.post('/assistant/threads', async (c) => {
    const parsed = openBody.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) {
      return c.json(adminFailure('invalid_body', 'expected { "user": "U...", "channel"?: "C..." }'), 400);
    }
    const { user, channel } = parsed.data;
    const app = (
      await pool.query<AppRow>(
        'SELECT id AS app_id, bot_id, bot_user_id, team_id FROM apps ORDER BY created, id LIMIT 1',
      )
    ).rows[0];
    if (!app) return c.json(adminFailure('no_app', 'the workspace has no app installed'), 409);
    const person = (
      await pool.query<{ is_bot: boolean; deleted: boolean }>(
        'SELECT is_bot, deleted FROM users WHERE id = $1',
        [user],
      )
    ).rows[0];
    if (!person || person.is_bot || person.deleted) {
      return c.json(adminFailure('user_not_found', `no active person ${user} in the workspace`), 404);
    }
    const nowMs = now();
    const thread = await withTransaction(pool, async (tx) => {
      const members = [user, app.bot_user_id];
      let dm = await findDirectConversation(tx, 'im', members);
      if (!dm) {
        dm = newId('D', 10);
        await createDirectConversation(
          tx,
          {
            id: dm,
            teamId: app.team_id,
            kind: 'im',
            name: null,
            creator: user,
            created: Math.floor(nowMs / 1000),
          },
          members,
        );
      }
      // The thread's root is the app's, as in Slack's assistant pane; it is not a message event.
      const root = await insertMessage(tx, {
        conversationId: dm,
        nowUs: nowMs * 1000,
        userId: app.bot_user_id,
        botId: app.bot_id,
        appId: app.app_id,
        subtype: 'assistant_app_thread',
        text: '',
        blocks: null,
        attachments: null,
        threadTsUs: null,
        replyBroadcast: false,
      });
      if (!root) throw new Error(`conversation ${dm} vanished`);
      await tx.query(
        `INSERT INTO assistant_threads (conversation_id, thread_ts_us, user_id, context, created)
         VALUES ($1, $2, $3, $4, $5)`,
        [dm, root.row.ts_us, user, JSON.stringify(context(app, channel)), Math.floor(nowMs / 1000)],
      );
      return { channel_id: dm, thread_ts: formatTs(root.row.ts_us) };
    });
    events.emit({
      type: 'assistant_thread_started',
      assistant_thread: { user_id: user, context: context(app, channel), ...thread },
      event_ts: formatTs(nowMs * 1000),
    });
    return c.json({ ok: true, ...thread });
  });

  routes.post('/assistant/threads/context', async (c) => {
    const parsed = contextBody.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) {
      return c.json(
        adminFailure(
          'invalid_body',
          'expected { "channel_id": "D...", "thread_ts": "...", "channel": "C..." | null }',
        ),
        400,
      );
    }
    const { channel_id: channelId, thread_ts: threadTs, channel } = parsed.data;
    const app = (await pool.query<AppRow>('SELECT team_id FROM apps ORDER BY created, id LIMIT 1')).rows[0];
    const tsUs = parseTs(threadTs);
    const { rows } = await pool.query<{ user_id: string }>(
      `UPDATE assistant_threads SET context = $3 WHERE conversation_id = $1 AND thread_ts_us = $2 RETURNING user_id`,
      [channelId, tsUs, JSON.stringify(app ? context(app, channel) : {})],
    );
    const row = rows[0];
    if (!row || !app)
      return c.json(adminFailure('thread_not_found', `no assistant thread ${threadTs} in ${channelId}`), 404);
    events.emit({
      type: 'assistant_thread_context_changed',
      assistant_thread: {
        user_id: row.user_id,
        context: context(app, channel),
        channel_id: channelId,
        thread_ts: threadTs,
      },
      event_ts: formatTs(now() * 1000),
    });
    return c.json({ ok: true });
  });

  routes.get('/assistant/threads', async (c) => {
    const { rows } = await pool.query<ThreadRow>(
      `SELECT t.*, EXISTS (
         SELECT 1 FROM messages m JOIN apps a ON a.bot_id = m.bot_id
         WHERE m.conversation_id = t.conversation_id AND m.thread_ts_us = t.thread_ts_us AND m.ts_us > t.status_set_us
       ) AS replied
       FROM assistant_threads t ORDER BY t.created, t.thread_ts_us`,
    );
    const nowUs = now() * 1000;
    return c.json({
      ok: true,
      threads: rows.map((row) => {
        const live =
          row.status !== '' && !row.replied && nowUs - Number(row.status_set_us) < STATUS_TIMEOUT_US;
        return {
          channel_id: row.conversation_id,
          thread_ts: formatTs(Number(row.thread_ts_us)),
          user_id: row.user_id,
          context: row.context,
          status: live ? row.status : '',
          loading_messages: live ? row.loading_messages : null,
          title: row.title,
          suggested_prompts: row.prompts ? { title: row.prompts_title, prompts: row.prompts } : null,
        };
      }),
    });
  });

  return routes;
}
