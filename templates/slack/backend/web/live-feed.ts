import pg from 'pg';
import type { Logger } from '../../../_shared/log.js';
import { formatTs } from '../slack-ts.js';

/** What a browser is told: which thing changed, never its content (it re-reads via the API). */
export type LiveEvent =
  | {
      type: 'message' | 'reaction';
      op: 'insert' | 'update' | 'delete';
      channel: string;
      ts: string;
      thread_ts: string | null;
    }
  | { type: 'member'; op: 'insert' | 'delete'; channel: string; user: string }
  | { type: 'conversation'; op: 'insert' | 'update'; channel: string }
  | { type: 'user'; op: 'update'; user: string }
  /** A view of this person's changed (an app opened, updated or closed a modal, or published Home). */
  | { type: 'view'; op: 'insert' | 'update' | 'delete'; user: string; view_type: string }
  | { type: 'reset' };

interface Notification {
  kind: 'message' | 'reaction' | 'member' | 'conversation' | 'user' | 'view';
  op: 'insert' | 'update' | 'delete';
  view_type?: string;
  channel?: string;
  user?: string;
  ts_us?: number;
  thread_ts_us?: number | null;
}

interface Subscriber {
  userId: string;
  send(event: LiveEvent): void;
}

export const LIVE_CHANNEL = 'asym_web_live';

// With nobody watching, the LISTEN connection is closed after this long (a page reload
// reconnects within it and keeps the same connection).
const IDLE_CLOSE_MS = 5_000;

/**
 * Fans the database's change notifications (migration 0003_web_live.sql) out to the web
 * clients' event streams. One LISTEN connection per backend, opened while anyone watches;
 * each event goes only to viewers who may see the conversation it names.
 */
export class LiveFeed {
  private readonly subscribers = new Set<Subscriber>();
  private listener: Promise<pg.Client> | null = null;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly databaseUrl: string,
    private readonly pool: pg.Pool,
    private readonly log: Logger,
  ) {}

  /** Starts delivering to `send`; resolves once listening, to a function that stops it. */
  async subscribe(userId: string, send: (event: LiveEvent) => void): Promise<() => void> {
    const subscriber: Subscriber = { userId, send };
    this.subscribers.add(subscriber);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    try {
      await this.listen();
    } catch (error) {
      this.subscribers.delete(subscriber);
      throw error;
    }
    return () => {
      this.subscribers.delete(subscriber);
      if (this.subscribers.size === 0 && !this.idleTimer) {
        this.idleTimer = setTimeout(() => {
          this.idleTimer = null;
          if (this.subscribers.size === 0) void this.close();
        }, IDLE_CLOSE_MS);
        this.idleTimer.unref();
      }
    };
  }

  async close(): Promise<void> {
    const listener = this.listener;
    this.listener = null;
    if (!listener) return;
    await this.setWatching(false);
    try {
      await (await listener).end();
    } catch {
      // Already gone: nothing to close.
    }
  }

  /** Turns the change triggers on or off (migration 0005_web_live_gate.sql). */
  private async setWatching(watching: boolean): Promise<void> {
    await this.pool
      .query('UPDATE asym.web_live_state SET watching = $1', [watching])
      .catch((error: unknown) => this.log.error('web live: could not switch notifications', error));
  }

  private listen(): Promise<pg.Client> {
    if (!this.listener) {
      const opening = (async () => {
        const client = new pg.Client({ connectionString: this.databaseUrl });
        client.on('error', (error) => {
          this.log.error('web live: LISTEN connection failed', error);
          if (this.listener === opening) this.listener = null;
          // Streams end; browsers reconnect (EventSource retries) and re-read what they show.
          for (const subscriber of this.subscribers) subscriber.send({ type: 'reset' });
        });
        client.on('notification', (message) => {
          if (message.channel !== LIVE_CHANNEL || !message.payload) return;
          this.dispatch(JSON.parse(message.payload) as Notification).catch((error: unknown) =>
            this.log.error('web live: dispatch failed', error),
          );
        });
        await client.connect();
        await client.query(`LISTEN ${LIVE_CHANNEL}`);
        // Listening first, then switching the triggers on: no change falls in between.
        await this.setWatching(true);
        return client;
      })();
      this.listener = opening;
      opening.catch(() => {
        if (this.listener === opening) this.listener = null;
      });
    }
    return this.listener;
  }

  private async dispatch(note: Notification): Promise<void> {
    if (this.subscribers.size === 0) return;
    const event = toEvent(note);
    if (!event) return;
    if (event.type === 'view') {
      // A person's views are theirs alone.
      for (const subscriber of this.subscribers) if (subscriber.userId === event.user) subscriber.send(event);
      return;
    }
    if (!('channel' in event)) {
      for (const subscriber of this.subscribers) subscriber.send(event);
      return;
    }
    // Public channels are visible to everyone; the rest only to members (as the Web API rules).
    const { rows } = await this.pool.query<{ kind: string; members: string[] | null }>(
      `SELECT c.kind, (SELECT array_agg(m.user_id) FROM conversation_members m WHERE m.conversation_id = c.id) AS members
       FROM conversations c WHERE c.id = $1`,
      [event.channel],
    );
    const conversation = rows[0];
    if (!conversation) return;
    const members = new Set(conversation.members ?? []);
    if (event.type === 'member') members.add(event.user);
    for (const subscriber of this.subscribers) {
      if (conversation.kind === 'channel' || members.has(subscriber.userId)) subscriber.send(event);
    }
  }
}

function toEvent(note: Notification): LiveEvent | null {
  switch (note.kind) {
    case 'message':
    case 'reaction':
      if (!note.channel || note.ts_us === undefined) return null;
      return {
        type: note.kind,
        op: note.op,
        channel: note.channel,
        ts: formatTs(note.ts_us),
        thread_ts: note.thread_ts_us ? formatTs(note.thread_ts_us) : null,
      };
    case 'member':
      if (!note.channel || !note.user || note.op === 'update') return null;
      return { type: 'member', op: note.op, channel: note.channel, user: note.user };
    case 'conversation':
      if (!note.channel || note.op === 'delete') return null;
      return { type: 'conversation', op: note.op, channel: note.channel };
    case 'user':
      return note.user ? { type: 'user', op: 'update', user: note.user } : null;
    case 'view':
      return note.user
        ? { type: 'view', op: note.op, user: note.user, view_type: note.view_type ?? 'modal' }
        : null;
    default:
      return null;
  }
}
