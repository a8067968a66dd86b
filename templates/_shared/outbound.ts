import type { Queryable } from './db.js';
import type { Delivery, DeliveryFeed } from './delivery-feed.js';
import type { Logger } from './log.js';
import { outboundUrl } from './outbound-url.js';

/**
 * Signed outbound deliveries (Slack's Events API, Stripe's and GitHub's webhooks): a POST
 * of a template's payload with the headers its signer makes, off the request path, retried
 * with backoff when the receiver fails. Retries wait in Postgres (`asym.outbound_retries`),
 * so a backend restart resumes them (`resume()` at start); reset and reseed drop them
 * (`clear()`), and whatever was in flight then is forgotten, not retried.
 */

/** One delivery. `meta` travels with its retries (JSON): what the signer and outcome need. */
export interface OutboundMessage {
  /** The vendor's id for it (`evt_...`, `Ev...`, a delivery GUID). */
  id: string;
  url: string;
  body: string;
  meta?: Record<string, unknown>;
}

/** Why an attempt failed: a non-2xx answer, a 3xx (never followed), no answer in time, no connection. */
export type FailureReason = 'http_error' | 'redirect' | 'timeout' | 'connection_failed';

export interface Attempt {
  /** 0 for the first try, n for the n-th retry. */
  number: number;
  /** Why the attempt before failed (null on the first). */
  lastReason: FailureReason | null;
}

export interface AttemptOutcome {
  attempt: number;
  /** The receiver's HTTP status, or null when none came. */
  status: number | null;
  /** null: delivered (2xx). */
  reason: FailureReason | null;
  /** `HTTP 500`, the connection error's message. */
  detail: string;
  /** True when no retry follows (delivered, or the schedule is spent). */
  final: boolean;
}

/** What a template gives per kind of delivery. */
export interface OutboundChannel {
  /** Every header of the POST (content type, user agent, signature), for this attempt. */
  headers(
    message: OutboundMessage,
    attempt: Attempt,
  ): Record<string, string> | Promise<Record<string, string>>;
  /** Waits before each retry: a delivery is tried `retryDelaysMs.length + 1` times at most. */
  retryDelaysMs: readonly number[];
  /** Per attempt. */
  timeoutMs: number;
  /** Told after every attempt (delivery logs, `pending_webhooks`); not after a reset dropped it. */
  onOutcome?(message: OutboundMessage, outcome: AttemptOutcome): void | Promise<void>;
}

/** A retry waiting in the store. */
export interface PendingRetry {
  channel: string;
  message: OutboundMessage;
  attempt: number;
  lastReason: FailureReason;
  dueAtMs: number;
}

export interface RetryStore {
  add(retry: PendingRetry): Promise<string>;
  /** Removes and answers the retry (null: dropped meanwhile, by a reset). */
  take(id: string): Promise<PendingRetry | null>;
  all(): Promise<Array<PendingRetry & { id: string }>>;
  clear(): Promise<void>;
}

export const OUTBOUND_RETRIES_SQL = `
CREATE TABLE IF NOT EXISTS asym.outbound_retries (
  id bigserial PRIMARY KEY,
  channel text NOT NULL,
  message jsonb NOT NULL,
  attempt int NOT NULL,
  last_reason text NOT NULL,
  due_at_ms bigint NOT NULL
);
`;

/** The retries in `asym.outbound_retries` (created with the kit's bookkeeping). */
export class PgRetryStore implements RetryStore {
  constructor(private readonly db: Queryable) {}

  async add(retry: PendingRetry): Promise<string> {
    const { rows } = await this.db.query<{ id: string }>(
      `INSERT INTO asym.outbound_retries (channel, message, attempt, last_reason, due_at_ms)
       VALUES ($1, $2, $3, $4, $5) RETURNING id::text`,
      [retry.channel, JSON.stringify(retry.message), retry.attempt, retry.lastReason, retry.dueAtMs],
    );
    return rows[0]?.id ?? '';
  }

  async take(id: string): Promise<PendingRetry | null> {
    const { rows } = await this.db.query<PgRow>(
      'DELETE FROM asym.outbound_retries WHERE id = $1 RETURNING id::text, channel, message, attempt, last_reason, due_at_ms',
      [id],
    );
    return rows[0] ? fromRow(rows[0]) : null;
  }

  async all(): Promise<Array<PendingRetry & { id: string }>> {
    const { rows } = await this.db.query<PgRow>(
      'SELECT id::text, channel, message, attempt, last_reason, due_at_ms FROM asym.outbound_retries ORDER BY due_at_ms, id',
    );
    return rows.map((row) => ({ id: row.id, ...fromRow(row) }));
  }

  async clear(): Promise<void> {
    await this.db.query('DELETE FROM asym.outbound_retries');
  }
}

interface PgRow {
  id: string;
  channel: string;
  message: OutboundMessage;
  attempt: number;
  last_reason: FailureReason;
  due_at_ms: string;
}

const fromRow = (row: PgRow): PendingRetry => ({
  channel: row.channel,
  message: row.message,
  attempt: row.attempt,
  lastReason: row.last_reason,
  dueAtMs: Number(row.due_at_ms),
});

/** Retries in memory: for unit tests, and a store that a "restart" can be simulated on. */
export class MemoryRetryStore implements RetryStore {
  private readonly rows = new Map<string, PendingRetry>();
  private nextId = 1;

  async add(retry: PendingRetry): Promise<string> {
    const id = String(this.nextId++);
    const { channel, message, attempt, lastReason, dueAtMs } = retry;
    this.rows.set(id, structuredClone({ channel, message, attempt, lastReason, dueAtMs }));
    return id;
  }

  async take(id: string): Promise<PendingRetry | null> {
    const row = this.rows.get(id) ?? null;
    this.rows.delete(id);
    return row;
  }

  async all(): Promise<Array<PendingRetry & { id: string }>> {
    return [...this.rows].map(([id, row]) => ({ ...row, id }));
  }

  async clear(): Promise<void> {
    this.rows.clear();
  }
}

export interface OutboundOptions {
  /** Real milliseconds (retries run in real time, whatever the clone's clock says). */
  now?: () => number;
  /** The transport (tests, or a receiver in-process). */
  fetch?: typeof fetch;
  /** Where loopback URLs go from inside a container (outbound-url.ts); default: the environment. */
  rewriteUrl?: (url: string) => string;
  /** `asymmetric listen`: `emit` hands every event to it too, targets or not. */
  feed?: DeliveryFeed | null;
}

/** Where one event goes (a webhook endpoint, a Request URL) and what its signer needs. */
export interface OutboundTarget {
  url: string;
  meta?: Record<string, unknown>;
}

export class OutboundDelivery {
  private readonly channels = new Map<string, OutboundChannel>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Bumped by clear(): what was in flight before is never retried nor reported. */
  private generation = 0;
  private readonly now: () => number;
  private readonly fetch: typeof fetch;
  private readonly rewriteUrl: (url: string) => string;
  private readonly feed: DeliveryFeed | null;

  constructor(
    private readonly store: RetryStore,
    private readonly log: Logger,
    options: OutboundOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.rewriteUrl = options.rewriteUrl ?? ((url) => outboundUrl(url));
    this.feed = options.feed ?? null;
  }

  /** Whether `asymmetric listen` is connected (a template may skip building what nobody hears). */
  get listening(): boolean {
    return this.feed?.listening === true;
  }

  /**
   * One event to every target (each its own delivery, retried on its own) and to the
   * listeners of `asymmetric listen`. Resolves when every first attempt is over.
   */
  async emit(channelName: string, event: Delivery, targets: readonly OutboundTarget[]): Promise<void> {
    if (this.feed?.listening) this.feed.publish(event);
    await Promise.all(
      targets.map((target) =>
        this.send(channelName, {
          id: event.id,
          url: target.url,
          body: event.body,
          ...(target.meta ? { meta: target.meta } : {}),
        }),
      ),
    );
  }

  /** Registers a kind of delivery (`events`, `webhooks`) under a name its retries are stored by. */
  channel(name: string, channel: OutboundChannel): this {
    this.channels.set(name, channel);
    return this;
  }

  /** Retries waiting for their time. */
  get pending(): number {
    return this.timers.size;
  }

  /**
   * Sends `message` now; a failure is retried on the channel's schedule. The promise is the
   * first attempt's outcome (a caller that delivers in order awaits it; others need not).
   * It never rejects.
   */
  send(channelName: string, message: OutboundMessage): Promise<AttemptOutcome | null> {
    return this.attempt(channelName, message, { number: 0, lastReason: null }, this.generation).catch(
      (error) => {
        this.log.error(`deliveries: ${message.id} to ${message.url} failed`, error);
        return null;
      },
    );
  }

  /** Schedules every retry in the store (at start: a restart does not lose them). */
  async resume(): Promise<number> {
    const retries = await this.store.all();
    for (const retry of retries) this.schedule(retry.id, retry.dueAtMs, this.generation);
    if (retries.length > 0)
      this.log.info(
        `deliveries: resumed ${retries.length} pending retr${retries.length === 1 ? 'y' : 'ies'}`,
      );
    return retries.length;
  }

  /** Reset and reseed: every pending retry dropped, in-flight outcomes ignored. */
  async clear(): Promise<void> {
    this.generation++;
    this.stopTimers();
    await this.store.clear();
  }

  /** Shutdown: timers stopped, the store kept (the next start resumes it). */
  close(): void {
    this.stopTimers();
  }

  private stopTimers(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private async attempt(
    channelName: string,
    message: OutboundMessage,
    attempt: Attempt,
    generation: number,
  ): Promise<AttemptOutcome | null> {
    const channel = this.channels.get(channelName);
    if (!channel) throw new Error(`no outbound channel named ${channelName}`);
    let status: number | null = null;
    let reason: FailureReason | null = null;
    let detail = 'ok';
    try {
      const response = await this.fetch(this.rewriteUrl(message.url), {
        method: 'POST',
        headers: await channel.headers(message, attempt),
        body: message.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(channel.timeoutMs),
      });
      status = response.status;
      await response.arrayBuffer().catch(() => undefined);
      if (status < 200 || status >= 300) {
        reason = status >= 300 && status < 400 ? 'redirect' : 'http_error';
        detail = `HTTP ${status}`;
      }
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      reason = name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'connection_failed';
      detail = error instanceof Error ? error.message : String(error);
    }
    // Reset while the request was out: its outcome belongs to the trial before.
    if (generation !== this.generation) return null;
    const delay = reason === null ? undefined : channel.retryDelaysMs[attempt.number];
    const outcome: AttemptOutcome = {
      attempt: attempt.number,
      status,
      reason,
      detail,
      final: reason === null || delay === undefined,
    };
    if (reason !== null && delay !== undefined) {
      const dueAtMs = this.now() + delay;
      const id = await this.store.add({
        channel: channelName,
        message,
        attempt: attempt.number + 1,
        lastReason: reason,
        dueAtMs,
      });
      if (generation !== this.generation) {
        await this.store.take(id);
        return null;
      }
      this.schedule(id, dueAtMs, generation);
    } else if (reason !== null) {
      this.log.info(
        `deliveries: gave up on ${message.id} to ${message.url} after ${attempt.number + 1} attempts (${detail})`,
      );
    }
    await channel.onOutcome?.(message, outcome);
    return outcome;
  }

  private schedule(id: string, dueAtMs: number, generation: number): void {
    const timer = setTimeout(
      () => {
        this.timers.delete(id);
        if (generation !== this.generation) return;
        void this.retry(id, generation).catch((error) =>
          this.log.error(`deliveries: retry ${id} failed`, error),
        );
      },
      Math.max(0, dueAtMs - this.now()),
    );
    timer.unref();
    this.timers.set(id, timer);
  }

  private async retry(id: string, generation: number): Promise<void> {
    const retry = await this.store.take(id);
    if (!retry || generation !== this.generation) return;
    if (!this.channels.has(retry.channel)) {
      this.log.error(`deliveries: dropped a retry of ${retry.message.id}: no channel ${retry.channel}`);
      return;
    }
    await this.attempt(
      retry.channel,
      retry.message,
      { number: retry.attempt, lastReason: retry.lastReason },
      generation,
    );
  }
}
