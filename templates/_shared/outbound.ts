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
 *
 * Deliveries wait in one queue per endpoint, so what they cost the backend is bounded by
 * the number of endpoints, not by the API's request rate (issue #17: with three dead
 * endpoints, every write used to buy three failed requests, three retry rows and three
 * timers, and the API served a sixth of its requests). Per endpoint: at most the channel's
 * `maxInFlight` requests at a time while it answers. Once an attempt fails the endpoint is
 * failing: the failed delivery keeps its place at the head of the queue with its retry
 * stored, and the whole endpoint is held as long as the retry schedule says for its
 * failures in a row; then one delivery at a time probes it until one succeeds. So a dead
 * endpoint costs a handful of attempts (and stored retries) over the schedule, however
 * fast events come; each delivery keeps its attempts, in its order, with the retry count
 * its vendor sends. Deliveries held behind a failing endpoint, never attempted yet, wait
 * in memory like a first attempt in flight (a restart loses them, not the stored
 * retries); beyond `maxQueued` per endpoint the oldest is given up (logged): a clone lives
 * for minutes, and an endpoint down that long has lost them on the vendor's side too.
 */

/** One delivery. `meta` travels with its retries (JSON): what the signer and outcome need. */
export interface OutboundMessage {
  /** The vendor's id for it (`evt_...`, `Ev...`, a delivery GUID). */
  id: string;
  url: string;
  body: string;
  meta?: Record<string, unknown>;
  /** The endpoint it waits in the queue of (the vendor's endpoint id); default: `url`. */
  endpoint?: string;
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
  /** Requests at a time to one endpoint while it answers (1: in order); default 4. */
  maxInFlight?: number;
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
  /** Deliveries one endpoint may hold (queued and waiting for retries); default 1,000. */
  maxQueued?: number;
}

/** Where one event goes (a webhook endpoint, a Request URL) and what its signer needs. */
export interface OutboundTarget {
  url: string;
  meta?: Record<string, unknown>;
  /** The vendor's id of the endpoint (its queue); default: `url`. */
  endpoint?: string;
}

/** One delivery in its endpoint's queue. */
interface Entry {
  message: OutboundMessage;
  attempt: Attempt;
  /** Not before (real ms): 0 for a first attempt, the retry's due time after a failure. */
  dueAtMs: number;
  /** Its row in the retry store, once an attempt failed. */
  retryId: string | null;
  /** Resolves `send()`'s promise: the first attempt's outcome (null: dropped or reset). */
  settle: ((outcome: AttemptOutcome | null) => void) | null;
  /** Taken off the queue for an attempt. */
  started: boolean;
}

interface Endpoint {
  channel: string;
  key: string;
  queue: Entry[];
  inFlight: number;
  failing: boolean;
  /** Failed attempts in a row. */
  failures: number;
  heldUntilMs: number;
  timer: NodeJS.Timeout | null;
  timerAtMs: number;
  /** Deliveries given up for a full backlog since it last answered (logged once). */
  dropped: number;
}

const DEFAULT_MAX_IN_FLIGHT = 4;
const DEFAULT_MAX_QUEUED = 1_000;

export class OutboundDelivery {
  private readonly channels = new Map<string, OutboundChannel>();
  private readonly endpoints = new Map<string, Endpoint>();
  /** Bumped by clear(): what was in flight before is never retried nor reported. */
  private generation = 0;
  /** Retries stored and not yet taken back (clear() skips its query when none). */
  private stored = 0;
  private readonly now: () => number;
  private readonly fetch: typeof fetch;
  private readonly rewriteUrl: (url: string) => string;
  private readonly feed: DeliveryFeed | null;
  private readonly maxQueued: number;

  constructor(
    private readonly store: RetryStore,
    private readonly log: Logger,
    options: OutboundOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.rewriteUrl = options.rewriteUrl ?? ((url) => outboundUrl(url));
    this.feed = options.feed ?? null;
    this.maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED;
  }

  /** Whether `asymmetric listen` is connected (a template may skip building what nobody hears). */
  get listening(): boolean {
    return this.feed?.listening === true;
  }

  /**
   * One event to every target (each its own delivery, retried on its own) and to the
   * listeners of `asymmetric listen`. Resolves when every first attempt made at once is
   * over (see `send`).
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
          ...(target.endpoint ? { endpoint: target.endpoint } : {}),
        }),
      ),
    );
  }

  /** Registers a kind of delivery (`events`, `webhooks`) under a name its retries are stored by. */
  channel(name: string, channel: OutboundChannel): this {
    this.channels.set(name, channel);
    return this;
  }

  /** Deliveries waiting in their endpoints' queues (for their turn or their retry). */
  get pending(): number {
    let count = 0;
    for (const endpoint of this.endpoints.values()) count += endpoint.queue.length;
    return count;
  }

  /**
   * Queues `message` on its endpoint; a failure is retried on the channel's schedule. The
   * promise is the first attempt's outcome when the endpoint takes it at once, and null at
   * once when it waits in the queue (its endpoint failing, or at its in-flight limit): a
   * caller never waits on a dead endpoint. It never rejects.
   */
  send(channelName: string, message: OutboundMessage): Promise<AttemptOutcome | null> {
    if (!this.channels.has(channelName)) {
      this.log.error(`deliveries: ${message.id} dropped: no outbound channel named ${channelName}`);
      return Promise.resolve(null);
    }
    const endpoint = this.endpointOf(channelName, message.endpoint ?? message.url);
    return new Promise((resolve) => {
      const entry: Entry = {
        message,
        attempt: { number: 0, lastReason: null },
        dueAtMs: 0,
        retryId: null,
        settle: resolve,
        started: false,
      };
      this.enqueue(endpoint, entry);
      this.pump(endpoint);
      // Not taken at once: the caller goes on; the delivery waits for its turn.
      if (!entry.started && entry.settle) {
        entry.settle = null;
        resolve(null);
      }
    });
  }

  /** Drops what waits for one endpoint (deleted by the API): nothing more goes to it. */
  forget(channelName: string, endpointKey: string): void {
    const id = `${channelName}\u0000${endpointKey}`;
    const endpoint = this.endpoints.get(id);
    if (!endpoint) return;
    this.endpoints.delete(id);
    if (endpoint.timer) clearTimeout(endpoint.timer);
    for (const entry of endpoint.queue.splice(0)) this.drop(entry);
  }

  /** Schedules every retry in the store (at start: a restart does not lose them). */
  async resume(): Promise<number> {
    const generation = this.generation;
    const retries = await this.store.all();
    if (generation !== this.generation) return 0;
    const touched = new Set<Endpoint>();
    for (const retry of retries) {
      if (!this.channels.has(retry.channel)) {
        this.log.error(`deliveries: dropped a retry of ${retry.message.id}: no channel ${retry.channel}`);
        await this.store.take(retry.id);
        continue;
      }
      const endpoint = this.endpointOf(retry.channel, retry.message.endpoint ?? retry.message.url);
      this.stored++;
      this.enqueue(endpoint, {
        message: retry.message,
        attempt: { number: retry.attempt, lastReason: retry.lastReason },
        dueAtMs: retry.dueAtMs,
        retryId: retry.id,
        settle: null,
        started: false,
      });
      touched.add(endpoint);
    }
    for (const endpoint of touched) this.pump(endpoint);
    if (retries.length > 0)
      this.log.info(
        `deliveries: resumed ${retries.length} pending retr${retries.length === 1 ? 'y' : 'ies'}`,
      );
    return retries.length;
  }

  /** Reset and reseed: every queued delivery and pending retry dropped, in-flight outcomes ignored. */
  async clear(): Promise<void> {
    this.generation++;
    const pending = this.stored > 0;
    this.stored = 0;
    for (const endpoint of this.endpoints.values()) {
      if (endpoint.timer) clearTimeout(endpoint.timer);
      for (const entry of endpoint.queue) entry.settle?.(null);
    }
    this.endpoints.clear();
    // Every stored retry is in a queue (resume() loads them all; an attempt that stores one
    // after a clear takes it back): none stored, no query, so a reset stays cheap.
    if (pending) await this.store.clear();
  }

  /** Shutdown: timers stopped, the store kept (the next start resumes it). */
  close(): void {
    for (const endpoint of this.endpoints.values()) {
      if (endpoint.timer) clearTimeout(endpoint.timer);
      endpoint.timer = null;
    }
    this.generation++;
    this.endpoints.clear();
    this.stored = 0;
  }

  private endpointOf(channel: string, key: string): Endpoint {
    const id = `${channel}\u0000${key}`;
    let endpoint = this.endpoints.get(id);
    if (!endpoint) {
      endpoint = {
        channel,
        key,
        queue: [],
        inFlight: 0,
        failing: false,
        failures: 0,
        heldUntilMs: 0,
        timer: null,
        timerAtMs: 0,
        dropped: 0,
      };
      this.endpoints.set(id, endpoint);
    }
    return endpoint;
  }

  private enqueue(endpoint: Endpoint, entry: Entry): void {
    if (endpoint.queue.length >= this.maxQueued) {
      const oldest = endpoint.queue.shift();
      if (oldest) this.drop(oldest);
      if (endpoint.dropped++ === 0)
        this.log.error(
          `deliveries to ${endpoint.key}: backlog of ${this.maxQueued} full, giving up on the oldest`,
        );
    }
    endpoint.queue.push(entry);
  }

  /** Given up without an attempt: its stored retry goes too. */
  private drop(entry: Entry): void {
    entry.settle?.(null);
    entry.settle = null;
    if (entry.retryId === null) return;
    const id = entry.retryId;
    this.stored = Math.max(0, this.stored - 1);
    void this.store
      .take(id)
      .catch((error) => this.log.error(`deliveries: could not drop retry ${id}`, error));
  }

  /** Starts what the endpoint may send now, and wakes it when the next delivery is due. */
  /** Still the endpoint's queue (not cleared, closed, nor forgotten). */
  private live(endpoint: Endpoint): boolean {
    return this.endpoints.get(`${endpoint.channel}\u0000${endpoint.key}`) === endpoint;
  }

  private pump(endpoint: Endpoint): void {
    if (!this.live(endpoint)) return;
    const now = this.now();
    if (now < endpoint.heldUntilMs) {
      this.wake(endpoint, endpoint.heldUntilMs);
      return;
    }
    const channel = this.channels.get(endpoint.channel);
    const limit = endpoint.failing ? 1 : (channel?.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
    let next = Number.POSITIVE_INFINITY;
    for (let i = 0; i < endpoint.queue.length && endpoint.inFlight < limit; ) {
      const entry = endpoint.queue[i] as Entry;
      if (entry.dueAtMs <= now) {
        endpoint.queue.splice(i, 1);
        entry.started = true;
        void this.attempt(endpoint, entry);
      } else {
        next = Math.min(next, entry.dueAtMs);
        i++;
      }
    }
    if (endpoint.inFlight === 0 && next !== Number.POSITIVE_INFINITY) this.wake(endpoint, next);
  }

  private wake(endpoint: Endpoint, atMs: number): void {
    if (endpoint.timer) {
      if (endpoint.timerAtMs <= atMs) return;
      clearTimeout(endpoint.timer);
    }
    endpoint.timerAtMs = atMs;
    endpoint.timer = setTimeout(
      () => {
        endpoint.timer = null;
        this.pump(endpoint);
      },
      Math.max(0, atMs - this.now()),
    );
    endpoint.timer.unref();
  }

  private async attempt(endpoint: Endpoint, entry: Entry): Promise<void> {
    const generation = this.generation;
    endpoint.inFlight++;
    let outcome: AttemptOutcome | null = null;
    try {
      outcome = await this.deliver(endpoint, entry, generation);
    } catch (error) {
      this.log.error(`deliveries: ${entry.message.id} to ${entry.message.url} failed`, error);
    } finally {
      endpoint.inFlight--;
      entry.settle?.(outcome);
      entry.settle = null;
      if (generation === this.generation) this.pump(endpoint);
    }
  }

  private async deliver(
    endpoint: Endpoint,
    entry: Entry,
    generation: number,
  ): Promise<AttemptOutcome | null> {
    const channel = this.channels.get(endpoint.channel);
    if (!channel) throw new Error(`no outbound channel named ${endpoint.channel}`);
    const { message, attempt } = entry;
    if (entry.retryId !== null) {
      const id = entry.retryId;
      entry.retryId = null;
      this.stored = Math.max(0, this.stored - 1);
      // Dropped meanwhile (a reset, or another process took it): not retried.
      if (!(await this.store.take(id)) || generation !== this.generation) return null;
    }
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
    const delays = channel.retryDelaysMs;
    const delay = reason === null ? undefined : delays[attempt.number];
    const outcome: AttemptOutcome = {
      attempt: attempt.number,
      status,
      reason,
      detail,
      final: reason === null || delay === undefined,
    };
    if (reason === null) {
      if (endpoint.failing) this.log.info(`deliveries to ${endpoint.key}: answering again`);
      endpoint.failing = false;
      endpoint.failures = 0;
      endpoint.heldUntilMs = 0;
      endpoint.dropped = 0;
    } else {
      if (!endpoint.failing)
        this.log.info(`deliveries to ${endpoint.key}: failing (${detail}); holding its deliveries`);
      endpoint.failing = true;
      endpoint.failures++;
      // The endpoint is held along the schedule by its failures in a row (its last step once
      // past the end), not by this delivery's own attempts.
      const hold = delays[Math.min(endpoint.failures, delays.length) - 1] ?? 0;
      endpoint.heldUntilMs = this.now() + hold;
    }
    if (reason !== null && delay !== undefined) {
      const dueAtMs = this.now() + delay;
      const next: Attempt = { number: attempt.number + 1, lastReason: reason };
      const id = await this.store.add({
        channel: endpoint.channel,
        message,
        attempt: next.number,
        lastReason: reason,
        dueAtMs,
      });
      // Reset, or the endpoint deleted, while the retry was being stored.
      if (generation !== this.generation || !this.live(endpoint)) {
        await this.store.take(id);
        return generation === this.generation ? outcome : null;
      }
      this.stored++;
      // Back at the head of its queue: the oldest delivery is retried first.
      endpoint.queue.unshift({ message, attempt: next, dueAtMs, retryId: id, settle: null, started: false });
    } else if (reason !== null) {
      this.log.info(
        `deliveries: gave up on ${message.id} to ${message.url} after ${attempt.number + 1} attempts (${detail})`,
      );
    }
    await channel.onOutcome?.(message, outcome);
    return outcome;
  }
}
