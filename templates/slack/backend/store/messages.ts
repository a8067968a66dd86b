import type pg from 'pg';
import { coalesce } from '../../../_shared/coalesce.js';
import type { Queryable } from '../../../_shared/db.js';
import { type AppBotPresence, EVENT_APP } from '../events/event-sink.js';
import type { ConversationKind } from './conversations.js';
import { countPins } from './pins.js';

export interface MessageRow {
  conversation_id: string;
  ts_us: number;
  user_id: string | null;
  bot_id: string | null;
  app_id: string | null;
  subtype: string | null;
  text: string;
  blocks: unknown[] | null;
  attachments: unknown[] | null;
  thread_ts_us: number | null;
  reply_broadcast: boolean;
  /** Thread summary, for a parent with replies. */
  reply_count: number;
  reply_users: string[] | null;
  latest_reply_us: number | null;
  reactions: Array<{ name: string; users: string[]; count: number }> | null;
  bot_name: string | null;
  bot_user_id: string | null;
  edited_ts_us: number | null;
  edited_by: string | null;
  file_ids: string[] | null;
  metadata: Record<string, unknown> | null;
  /** A bot's customised name and icon (chat:write.customize), as the message shows them. */
  username: string | null;
  icons: Record<string, string> | null;
  /** While chat.startStream's message still grows. */
  streaming: boolean;
  files: FileSummary[] | null;
  pinned: boolean;
}

/** The file columns a message shows (files.* return the whole row). */
export interface FileSummary {
  id: string;
  user_id: string;
  created: number;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  size: number;
}

/** The files a message (`m`) carries, as the views show them, in the order it lists them. */
const FILES_COLUMN = `(SELECT json_agg(json_build_object('id', f.id, 'user_id', f.user_id, 'created', f.created,
     'name', f.name, 'title', f.title, 'mimetype', f.mimetype, 'filetype', f.filetype, 'size', f.size)
     ORDER BY array_position(m.file_ids, f.id))
   FROM files f WHERE f.id = ANY (m.file_ids))`;

/**
 * A message row with what the views need computed (thread summary, reactions, pin, files),
 * over `source`, which names its rows `m`. Listings pass a page already cut (ordered and
 * limited) so those parts are computed for the rows returned, not for the whole channel.
 */
const selectMessages = (source = 'messages m', extraColumns = '') => `
  SELECT m.*,${extraColumns}
    coalesce(thread.reply_count, 0) AS reply_count, thread.reply_users, thread.latest_reply_us,
    rx.reactions, a.name AS bot_name, a.bot_user_id,
    EXISTS (SELECT 1 FROM pins p WHERE p.conversation_id = m.conversation_id AND p.message_ts_us = m.ts_us) AS pinned,
    ${FILES_COLUMN} AS files
  FROM ${source}
  LEFT JOIN LATERAL (
    SELECT count(*)::int AS reply_count, max(r.ts_us) AS latest_reply_us,
      (SELECT array_agg(f.user_id ORDER BY f.first_ts) FROM (
         SELECT x.user_id, min(x.ts_us) AS first_ts FROM messages x
         WHERE x.conversation_id = m.conversation_id AND x.thread_ts_us = m.ts_us AND x.user_id IS NOT NULL
         GROUP BY x.user_id) f) AS reply_users
    FROM messages r
    WHERE m.thread_ts_us IS NULL AND r.conversation_id = m.conversation_id AND r.thread_ts_us = m.ts_us
  ) thread ON true
  LEFT JOIN LATERAL (
    SELECT json_agg(json_build_object('name', g.name, 'users', g.users, 'count', cardinality(g.users))
                    ORDER BY g.first_id) AS reactions
    FROM (
      SELECT name, array_agg(user_id ORDER BY id) AS users, min(id) AS first_id FROM reactions
      WHERE conversation_id = m.conversation_id AND message_ts_us = m.ts_us GROUP BY name
    ) g
  ) rx ON true
  LEFT JOIN apps a ON a.bot_id = m.bot_id`;

const SELECT = selectMessages();

export interface HistoryQuery {
  latestUs: number | null;
  oldestUs: number | null;
  inclusive: boolean;
  /** From a cursor: the newest ts the page may start at (inclusive). */
  startAtUs: number | null;
  limit: number;
}

/** What a history page says about its conversation, as the viewer sees it. */
export interface HistoryAccess {
  kind: ConversationKind;
  isMember: boolean;
}

const MAX_BIGINT = '9223372036854775807';
const MIN_BIGINT = '-9223372036854775808';

/**
 * conversations.history's page (`listHistory`). A constant, so that naming its prepared
 * statement (`statementName` in `_shared/db.ts`) hashes no new text on each call. Its
 * window (latest, oldest, inclusive, the cursor) is written as bounds on `ts_us` computed
 * from the parameters alone (ts are whole microseconds, so an exclusive bound is the
 * inclusive one a microsecond in), which Postgres uses as index conditions in the plan it
 * keeps for every page. As `$2 IS NULL OR ts_us < $2` they were filters: that plan started
 * at the newest message and read every one above the page, 5 ms for a page near the start
 * of a 10,000-message channel against 0.4 ms now (`EXPLAIN ANALYZE`, issue #17).
 */
const HISTORY = `WITH visible AS (
   SELECT c.id, c.kind, EXISTS (SELECT 1 FROM conversation_members cm
                                WHERE cm.conversation_id = c.id AND cm.user_id = $7) AS is_member
   FROM conversations c WHERE c.id = $1
 )
 ${selectMessages(
   `(
   SELECT m.*, v.kind AS conversation_kind, v.is_member AS viewer_is_member
   FROM messages m JOIN visible v ON v.id = m.conversation_id AND (v.kind = 'channel' OR v.is_member)
   WHERE m.conversation_id = $1 AND (m.thread_ts_us IS NULL OR m.reply_broadcast)
     AND m.ts_us <= coalesce(CASE WHEN $4 THEN $2::bigint ELSE $2::bigint - 1 END, ${MAX_BIGINT})
     AND m.ts_us >= coalesce(CASE WHEN $4 THEN $3::bigint ELSE $3::bigint + 1 END, ${MIN_BIGINT})
     AND m.ts_us <= coalesce($5::bigint, ${MAX_BIGINT})
   ORDER BY m.ts_us DESC
   LIMIT $6) m`,
   ' (SELECT count(*)::int FROM pins WHERE conversation_id = $1) AS pin_count,',
 )}
 ORDER BY m.ts_us DESC`;

/**
 * Channel-level messages (parents and broadcast replies), newest first, of a conversation
 * `viewerId` may see (a public channel, or one they are in), with the channel's pin count
 * and the conversation's kind and the viewer's membership, which conversations.history also
 * needs. All of it rides on the rows of one statement (the hottest read; the extra parts are
 * computed once), so an empty page says nothing: `access` is null and the caller looks the
 * conversation up itself.
 */
export async function listHistory(
  db: Queryable,
  conversationId: string,
  viewerId: string,
  q: HistoryQuery,
): Promise<{ rows: MessageRow[]; pinCount: number; access: HistoryAccess | null }> {
  const { rows } = await db.query<
    MessageRow & { pin_count: number; conversation_kind: ConversationKind; viewer_is_member: boolean }
  >(HISTORY, [conversationId, q.latestUs, q.oldestUs, q.inclusive, q.startAtUs, q.limit, viewerId]);
  const first = rows[0];
  if (!first) return { rows, pinCount: await countPins(db, conversationId), access: null };
  return {
    rows,
    pinCount: first.pin_count,
    access: { kind: first.conversation_kind, isMember: first.viewer_is_member },
  };
}

export async function findMessage(
  db: Queryable,
  conversationId: string,
  tsUs: number,
): Promise<MessageRow | null> {
  const { rows } = await db.query<MessageRow>(`${SELECT} WHERE m.conversation_id = $1 AND m.ts_us = $2`, [
    conversationId,
    tsUs,
  ]);
  return rows[0] ?? null;
}

export interface NewMessage {
  conversationId: string;
  /** Set for system messages (channel_join, channel_topic, me_message ...). */
  subtype?: string | null;
  fileIds?: string[] | null;
  metadata?: Record<string, unknown> | null;
  /** The clock now; the ts given is max(now, the conversation's last ts + 1 µs). */
  nowUs: number;
  userId: string;
  botId: string | null;
  appId: string | null;
  text: string;
  blocks: unknown[] | null;
  attachments: unknown[] | null;
  threadTsUs: number | null;
  replyBroadcast: boolean;
  username?: string | null;
  icons?: Record<string, string> | null;
}

/** A message as written, with what the statement read on the way (see `postToConversation`). */
export interface InsertedMessage {
  row: MessageRow;
  kind: ConversationKind;
  /** Read only while an app may hear events. */
  appBot?: AppBotPresence;
}

/**
 * Hands out the conversation's next ts and inserts the message in one statement, returning
 * the row as the views want it and the conversation's kind. `db` may be a transaction.
 *
 * With `onlyIfPostable`, the author's right to post there is checked too (not archived; a
 * member, or a public channel when `mayPostUnjoined`), and nothing is inserted (null)
 * otherwise: chat.postMessage's path, given the pool (see `postToConversation`).
 *
 * A ts is greater than every ts the conversation holds and than its `last_ts_us` (the
 * highest ts it ever handed out and then deleted, see `deleteMessage`), and not before the
 * clock: max(now, those + 1 µs). Two writers that pick the same ts at once meet on the
 * messages' primary key: the later one inserts nothing, waits for the other's commit and
 * takes the next ts (`withFreshTs`).
 */
export async function insertMessage(
  db: Queryable,
  m: NewMessage,
  onlyIfPostable?: {
    mayPostUnjoined: boolean;
    /**
     * Also read whether the Events API's bot is in the conversation (`EventSink.heardBy`):
     * false not to; that bot's user id; or null for the statement to look the bot up too.
     */
    appBot?: string | null | false;
  },
): Promise<InsertedMessage | null> {
  if (onlyIfPostable && isPool(db))
    return postToConversation(db, m, onlyIfPostable.mayPostUnjoined, onlyIfPostable.appBot ?? false);
  return withFreshTs<InsertedMessage>(m.conversationId, m.nowUs, null, async (nowUs) => {
    const { rows } = await db.query<
      Partial<MessageRow> & { conversation_kind: ConversationKind; allocated_ts_us: number }
    >(
      `WITH next AS (
         UPDATE conversations c SET last_ts_us = greatest($2::bigint, last_ts_us + 1, ${LATEST_TS} + 1), updated = $16
         WHERE id = $1 AND ($17::boolean IS NULL OR (NOT c.is_archived AND (
           EXISTS (SELECT 1 FROM conversation_members cm WHERE cm.conversation_id = c.id AND cm.user_id = $3)
           OR ($17 AND c.kind = 'channel'))))
         RETURNING last_ts_us, kind
       ), inserted AS (
         INSERT INTO messages (${MESSAGE_COLUMNS})
         SELECT $1, next.last_ts_us, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15 FROM next
         ON CONFLICT (conversation_id, ts_us) DO NOTHING
         RETURNING *
       )
       SELECT ${NEW_MESSAGE_COLUMNS}, next.kind AS conversation_kind, next.last_ts_us AS allocated_ts_us
       FROM next LEFT JOIN inserted m ON true LEFT JOIN apps a ON a.bot_id = m.bot_id`,
      [
        ...messageParams(m, nowUs),
        Math.floor(m.nowUs / 1000),
        onlyIfPostable ? onlyIfPostable.mayPostUnjoined : null,
      ],
    );
    const found = rows[0];
    if (!found) return null;
    const { conversation_kind: kind, allocated_ts_us: triedTsUs, ...row } = found;
    return isInserted(row) ? { row, kind } : { triedTsUs: Number(triedTsUs) };
  });
}

const isPool = (db: Queryable): db is pg.Pool => typeof (db as Partial<pg.Pool>).connect === 'function';

const subtypeOf = (m: NewMessage) =>
  m.subtype ?? (m.threadTsUs !== null && m.replyBroadcast ? 'thread_broadcast' : null);

/** The columns a new message is inserted with, in the order of `messageParams` ($1-$15). */
const MESSAGE_COLUMNS = `conversation_id, ts_us, user_id, bot_id, app_id, subtype, text, blocks, attachments,
  thread_ts_us, reply_broadcast, file_ids, metadata, username, icons`;

/** $1-$15 of both writing statements: the message's columns, with the clock as $2. */
const messageParams = (m: NewMessage, nowUs: number) => [
  m.conversationId,
  nowUs,
  m.userId,
  m.botId,
  m.appId,
  subtypeOf(m),
  m.text,
  m.blocks === null ? null : JSON.stringify(m.blocks),
  m.attachments === null ? null : JSON.stringify(m.attachments),
  m.threadTsUs,
  m.replyBroadcast,
  m.fileIds && m.fileIds.length > 0 ? m.fileIds : null,
  m.metadata ? JSON.stringify(m.metadata) : null,
  m.username ?? null,
  m.icons ? JSON.stringify(m.icons) : null,
];

/** A message just inserted (`m`), as the views want it: no replies, reactions or pin yet. */
const NEW_MESSAGE_COLUMNS = `m.*, 0 AS reply_count, NULL::text[] AS reply_users, NULL::bigint AS latest_reply_us,
  NULL::json AS reactions, a.name AS bot_name, a.bot_user_id, false AS pinned, ${FILES_COLUMN} AS files`;

/** A row the statement inserted, or only the conversation's columns (a ts taken meanwhile). */
const isInserted = (row: Partial<MessageRow>): row is MessageRow =>
  row.ts_us !== null && row.ts_us !== undefined;

/** The conversation's highest ts (0 for none), for `c` in the enclosing statement. */
const LATEST_TS = `coalesce((SELECT max(l.ts_us) FROM messages l WHERE l.conversation_id = c.id), 0)`;

/** The ts a statement picked was taken by a concurrent writer: it inserted nothing. */
type TsTaken = { triedTsUs: number };

/**
 * Runs a ts-allocating insert until it gets a ts of its own: after a conflict, the next
 * attempt's statement sees the other writer's row (it waited for its commit) and goes past
 * it. `issued` remembers the last ts handed out per conversation, so that concurrent posts
 * in one millisecond start from different values instead of meeting on the key.
 */
async function withFreshTs<T>(
  conversationId: string,
  nowUs: number,
  issued: Map<string, number> | null,
  attempt: (nowUs: number) => Promise<T | TsTaken | null>,
): Promise<T | null> {
  let from = Math.trunc(nowUs);
  for (let tries = 0; tries < 20; tries += 1) {
    const last = issued?.get(conversationId);
    const tryUs = last !== undefined && last >= from ? last + 1 : from;
    issued?.set(conversationId, tryUs);
    const result = await attempt(tryUs);
    if (result === null) return null;
    if (!isTaken(result)) return result;
    from = Math.max(tryUs, result.triedTsUs) + 1;
  }
  throw new Error(`no free ts in ${conversationId} after 20 attempts`);
}

const isTaken = (result: unknown): result is TsTaken =>
  typeof result === 'object' && result !== null && 'triedTsUs' in result && !('row' in result);

/**
 * What chat.postMessage keeps per pool (a clone's backend has one): the ts each
 * conversation last handed out, dropped with the runtime's caches (`forgetIssuedTs`) so
 * that a reset clone hands out the same ts it did the first time under the same clock; and
 * the batcher its posts go through (`coalesce`).
 */
interface PostPath {
  issued: Map<string, number>;
  post: (attempt: PostAttempt) => Promise<InsertedMessage | TsTaken | null>;
}

const postPaths = new WeakMap<pg.Pool, PostPath>();

export function forgetIssuedTs(pool: pg.Pool): void {
  postPaths.get(pool)?.issued.clear();
}

/** One post on chat.postMessage's path, as one row of `POST_BATCH`. */
interface PostAttempt {
  m: NewMessage;
  /** The ts to try (`withFreshTs`): the statement takes this or later. */
  nowUs: number;
  mayPostUnjoined: boolean;
  heardBy: string | null | false;
}

/**
 * chat.postMessage on the pool: autocommit statements that check the author may post, pick
 * the ts and insert the message, with no lock on the conversation (issue #17), and posts
 * that arrive together written by one such statement (`coalesce`: one row costs Postgres a
 * fifth of what one statement does). The UPDATE of `conversations.last_ts_us` that used to
 * hand out the ts made every post to a channel queue on that row; the messages' primary key
 * now settles two posts that pick the same ts (`withFreshTs`). Two posts may commit in the
 * other order of their ts, as on Slack, where a ts is not a commit order either.
 * While an app may hear events, it also reads whether the Events API's bot is in the
 * conversation, for the dispatcher (an index probe here instead of a round trip there);
 * which bot that is, the dispatcher says when it knows, else the statement reads it.
 */
async function postToConversation(
  pool: pg.Pool,
  m: NewMessage,
  mayPostUnjoined: boolean,
  heardBy: string | null | false,
): Promise<InsertedMessage | null> {
  const path = postPathOf(pool);
  return withFreshTs<InsertedMessage>(m.conversationId, m.nowUs, path.issued, async (nowUs) => {
    const result = await path.post({ m, nowUs, mayPostUnjoined, heardBy });
    if (result !== null && !isTaken(result))
      path.issued.set(m.conversationId, Math.max(path.issued.get(m.conversationId) ?? 0, result.row.ts_us));
    return result;
  });
}

function postPathOf(pool: pg.Pool): PostPath {
  const known = postPaths.get(pool);
  if (known) return known;
  const path: PostPath = { issued: new Map(), post: coalesce((attempts) => postBatch(pool, attempts)) };
  postPaths.set(pool, path);
  return path;
}

/**
 * Posts in one statement, one row each of its input (JSON: one parameter, so one prepared
 * text whatever the batch's size). Within a conversation a batch's rows take increasing ts:
 * the k-th (from 0) takes max(its ts to try, the conversation's next ts + k), and the ts to
 * try rise too (`postBatch` makes sure), so no two rows of a batch meet on the key.
 */
const POST_BATCH = `WITH input AS (
  SELECT * FROM json_to_recordset($1::json) AS r(
    ord int, conversation_id text, try_us bigint, user_id text, bot_id text, app_id text, subtype text,
    text text, blocks jsonb, attachments jsonb, thread_ts_us bigint, reply_broadcast boolean,
    file_ids text[], metadata jsonb, username text, icons jsonb,
    may_post_unjoined boolean, read_app_bot boolean, app_bot text)
), target AS (
  SELECT r.*, c.kind AS conversation_kind,
    greatest(r.try_us, greatest(c.last_ts_us + 1, ${LATEST_TS} + 1)
      + row_number() OVER (PARTITION BY r.conversation_id ORDER BY r.ord) - 1) AS new_ts_us,
    CASE WHEN r.read_app_bot THEN coalesce(r.app_bot, (SELECT a.bot_user_id FROM apps a ${EVENT_APP})) END AS found_app_bot
  FROM input r JOIN conversations c ON c.id = r.conversation_id
  WHERE NOT c.is_archived AND (
    EXISTS (SELECT 1 FROM conversation_members cm WHERE cm.conversation_id = c.id AND cm.user_id = r.user_id)
    OR (r.may_post_unjoined AND c.kind = 'channel'))
), inserted AS (
  INSERT INTO messages (${MESSAGE_COLUMNS})
  SELECT conversation_id, new_ts_us, user_id, bot_id, app_id, subtype, text, blocks, attachments,
    thread_ts_us, reply_broadcast, file_ids, metadata, username, icons
  FROM target ORDER BY ord
  ON CONFLICT (conversation_id, ts_us) DO NOTHING
  RETURNING *
)
SELECT t.ord, ${NEW_MESSAGE_COLUMNS}, t.conversation_kind, t.new_ts_us AS allocated_ts_us,
  t.found_app_bot AS app_bot,
  t.found_app_bot IS NOT NULL AND EXISTS (SELECT 1 FROM conversation_members cm
    WHERE cm.conversation_id = t.conversation_id AND cm.user_id = t.found_app_bot) AS app_bot_member
FROM target t LEFT JOIN inserted m ON m.conversation_id = t.conversation_id AND m.ts_us = t.new_ts_us
LEFT JOIN apps a ON a.bot_id = m.bot_id`;

async function postBatch(
  pool: pg.Pool,
  attempts: PostAttempt[],
): Promise<Array<InsertedMessage | TsTaken | null>> {
  const lastTry = new Map<string, number>();
  const input = attempts.map(({ m, nowUs, mayPostUnjoined, heardBy }, ord) => {
    const previous = lastTry.get(m.conversationId);
    const tryUs = previous !== undefined && previous >= nowUs ? previous + 1 : nowUs;
    lastTry.set(m.conversationId, tryUs);
    return {
      ord,
      conversation_id: m.conversationId,
      try_us: tryUs,
      user_id: m.userId,
      bot_id: m.botId,
      app_id: m.appId,
      subtype: subtypeOf(m),
      text: m.text,
      blocks: m.blocks,
      attachments: m.attachments,
      thread_ts_us: m.threadTsUs,
      reply_broadcast: m.replyBroadcast,
      file_ids: m.fileIds && m.fileIds.length > 0 ? m.fileIds : null,
      metadata: m.metadata ?? null,
      username: m.username ?? null,
      icons: m.icons ?? null,
      may_post_unjoined: mayPostUnjoined,
      read_app_bot: heardBy !== false,
      app_bot: heardBy || null,
    };
  });
  const { rows } = await pool.query<
    Partial<MessageRow> & {
      ord: number;
      conversation_kind: ConversationKind;
      allocated_ts_us: number;
      app_bot: string | null;
      app_bot_member: boolean;
    }
  >(POST_BATCH, [JSON.stringify(input)]);
  const answers: Array<InsertedMessage | TsTaken | null> = attempts.map(() => null);
  for (const found of rows) {
    const {
      ord,
      conversation_kind: kind,
      allocated_ts_us: triedTsUs,
      app_bot: appBot,
      app_bot_member: appBotMember,
      ...row
    } = found;
    const attempt = attempts[ord];
    if (!attempt) continue;
    answers[ord] = !isInserted(row)
      ? { triedTsUs: Number(triedTsUs) }
      : {
          row,
          kind,
          ...(attempt.heardBy !== false ? { appBot: { userId: appBot, member: appBotMember } } : {}),
        };
  }
  return answers;
}

export interface RepliesQuery {
  latestUs: number | null;
  oldestUs: number | null;
  inclusive: boolean;
  /** From a cursor: the oldest ts the page may start at (inclusive). */
  startAtUs: number | null;
  limit: number;
}

/** A thread, oldest first: the parent, then its replies. */
export async function listReplies(
  db: Queryable,
  conversationId: string,
  threadTsUs: number,
  q: RepliesQuery,
): Promise<MessageRow[]> {
  const { rows } = await db.query<MessageRow>(
    `${selectMessages(`(
       SELECT * FROM messages m
       WHERE m.conversation_id = $1 AND (m.ts_us = $2 OR m.thread_ts_us = $2)
         AND ($3::bigint IS NULL OR m.ts_us < $3 OR ($5 AND m.ts_us = $3))
         AND ($4::bigint IS NULL OR m.ts_us > $4 OR ($5 AND m.ts_us = $4))
         AND ($6::bigint IS NULL OR m.ts_us >= $6)
       ORDER BY m.ts_us
       LIMIT $7) m`)}
     ORDER BY m.ts_us`,
    [conversationId, threadTsUs, q.latestUs, q.oldestUs, q.inclusive, q.startAtUs, q.limit],
  );
  return rows;
}

export async function updateMessage(
  db: Queryable,
  conversationId: string,
  tsUs: number,
  change: {
    text: string;
    blocks: unknown[] | null;
    attachments: unknown[] | null;
    editedTsUs: number;
    editedBy: string;
    replyBroadcast?: boolean;
    /** Absent: keep; null (an empty object was sent): remove. */
    metadata?: Record<string, unknown> | null;
  },
): Promise<void> {
  await db.query(
    `UPDATE messages SET text = $3, blocks = $4, attachments = $5, edited_ts_us = $6, edited_by = $7,
       reply_broadcast = coalesce($8, reply_broadcast),
       subtype = CASE WHEN coalesce($8, false) AND thread_ts_us IS NOT NULL THEN 'thread_broadcast' ELSE subtype END,
       metadata = CASE WHEN $9 THEN $10::jsonb ELSE metadata END
     WHERE conversation_id = $1 AND ts_us = $2`,
    [
      conversationId,
      tsUs,
      change.text,
      change.blocks === null ? null : JSON.stringify(change.blocks),
      change.attachments === null ? null : JSON.stringify(change.attachments),
      change.editedTsUs,
      change.editedBy,
      change.replyBroadcast ?? null,
      change.metadata !== undefined,
      change.metadata ? JSON.stringify(change.metadata) : null,
    ],
  );
}

/**
 * Deletes a message. A parent with replies becomes a tombstone, as on Slack, so its thread
 * stays readable; anything else is gone (with its reactions and pins).
 */
export async function deleteMessage(
  db: Queryable,
  conversationId: string,
  tsUs: number,
): Promise<'deleted' | 'tombstoned'> {
  const { rowCount } = await db.query(
    `UPDATE messages m SET subtype = 'tombstone', text = 'This message was deleted.', blocks = NULL,
       attachments = NULL, file_ids = NULL, user_id = 'USLACKBOT', bot_id = NULL, app_id = NULL
     WHERE m.conversation_id = $1 AND m.ts_us = $2 AND m.thread_ts_us IS NULL
       AND EXISTS (SELECT 1 FROM messages r WHERE r.conversation_id = $1 AND r.thread_ts_us = $2)`,
    [conversationId, tsUs],
  );
  if ((rowCount ?? 0) > 0) {
    await db.query('DELETE FROM reactions WHERE conversation_id = $1 AND message_ts_us = $2', [
      conversationId,
      tsUs,
    ]);
    await db.query('DELETE FROM pins WHERE conversation_id = $1 AND message_ts_us = $2', [
      conversationId,
      tsUs,
    ]);
    return 'tombstoned';
  }
  // A deleted ts is never handed out again: new ones go past the highest ts still held, so
  // the conversation remembers the deleted one (see `insertMessage`).
  await db.query(
    `WITH deleted AS (DELETE FROM messages WHERE conversation_id = $1 AND ts_us = $2 RETURNING ts_us)
     UPDATE conversations SET last_ts_us = greatest(last_ts_us, (SELECT ts_us FROM deleted))
     WHERE id = $1 AND EXISTS (SELECT 1 FROM deleted)`,
    [conversationId, tsUs],
  );
  return 'deleted';
}

/** Messages by ts, for pins and reactions listings; keyed by `<conversation>:<ts>`. */
export async function findMessages(
  db: Queryable,
  keys: ReadonlyArray<{ conversationId: string; tsUs: number }>,
): Promise<Map<string, MessageRow>> {
  if (keys.length === 0) return new Map();
  const { rows } = await db.query<MessageRow>(
    `${SELECT} JOIN unnest($1::text[], $2::bigint[]) k(c, t) ON m.conversation_id = k.c AND m.ts_us = k.t`,
    [keys.map((k) => k.conversationId), keys.map((k) => k.tsUs)],
  );
  return new Map(rows.map((row) => [`${row.conversation_id}:${row.ts_us}`, row]));
}

export interface SearchQuery {
  viewerId: string;
  words: string[];
  inConversation: string | null;
  fromUser: string | null;
  beforeUs: number | null;
  afterUs: number | null;
  onUs: [number, number] | null;
  has: { link: boolean; reaction: boolean; pin: boolean; file: boolean };
  sort: 'timestamp' | 'score';
  ascending: boolean;
  offset: number;
  limit: number;
}

/**
 * Messages the viewer can read that contain every word (case-insensitive, literally: `%`
 * and `_` are characters, not LIKE wildcards), with the total,
 * newest first or (sort=score) most relevant first.
 */
export async function searchMessages(
  db: Queryable,
  q: SearchQuery,
): Promise<{ rows: MessageRow[]; total: number }> {
  const where = `
    WHERE (m.subtype IS NULL OR m.subtype IN ('thread_broadcast', 'me_message', 'bot_message', 'file_share'))
      AND EXISTS (SELECT 1 FROM conversations c WHERE c.id = m.conversation_id AND (c.kind = 'channel'
        OR EXISTS (SELECT 1 FROM conversation_members cm WHERE cm.conversation_id = c.id AND cm.user_id = $1)))
      AND (SELECT bool_and(strpos(lower(m.text), lower(w)) > 0) FROM unnest($2::text[]) w) IS NOT FALSE
      AND ($3::text IS NULL OR m.conversation_id = $3)
      AND ($4::text IS NULL OR m.user_id = $4)
      AND ($5::bigint IS NULL OR m.ts_us < $5)
      AND ($6::bigint IS NULL OR m.ts_us >= $6)
      AND (NOT $7 OR m.text ~ '<https?://')
      AND (NOT $8 OR EXISTS (SELECT 1 FROM reactions r WHERE r.conversation_id = m.conversation_id AND r.message_ts_us = m.ts_us))
      AND (NOT $9 OR EXISTS (SELECT 1 FROM pins p WHERE p.conversation_id = m.conversation_id AND p.message_ts_us = m.ts_us))
      AND (NOT $10 OR m.file_ids IS NOT NULL)`;
  const params = [
    q.viewerId,
    q.words,
    q.inConversation,
    q.fromUser,
    q.onUs ? q.onUs[1] : q.beforeUs,
    q.onUs ? q.onUs[0] : q.afterUs,
    q.has.link,
    q.has.reaction,
    q.has.pin,
    q.has.file,
  ];
  const direction = q.ascending ? 'ASC' : 'DESC';
  // sort=score: how often the words occur (each occurrence counts), newest first among equals.
  const score = `(SELECT coalesce(sum((length(lower(m.text)) - length(replace(lower(m.text), lower(w), '')))
                   / greatest(length(w), 1)), 0) FROM unnest($2::text[]) w)`;
  const order =
    q.sort === 'score'
      ? `ORDER BY ${score} ${direction}, m.ts_us DESC, m.conversation_id`
      : `ORDER BY m.ts_us ${direction}, m.conversation_id`;
  const { rows: counted } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM messages m ${where}`,
    params,
  );
  const { rows } = await db.query<MessageRow>(
    `${selectMessages(`(SELECT * FROM messages m ${where} ${order} LIMIT $11 OFFSET $12) m`)} ${order}`,
    [...params, q.limit, q.offset],
  );
  return { rows, total: counted[0]?.n ?? 0 };
}
