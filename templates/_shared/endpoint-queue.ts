import type { Logger } from './log.js';

/**
 * Outbound deliveries (webhooks, Events API callbacks) queued per endpoint, so that what
 * they cost the backend is bounded by the number of endpoints, not by the API's request
 * rate (issue #17). Before, every event went out at once to every endpoint and every
 * failure armed its own retry timer: with three dead endpoints, each API write bought
 * several outbound requests (and as many log lines) within seconds, and the API served
 * about a sixth of its requests.
 *
 * Per endpoint: at most `maxInFlight` requests at a time while it answers. Once an attempt
 * fails, the endpoint is failing: the failed delivery waits for its retry delay, and the
 * whole endpoint waits too, as long as the retry schedule says for its number of failures
 * in a row (1 s, 5 s, 30 s ... for Stripe); then one delivery at a time probes it (the
 * earliest due) until one succeeds. So a dead endpoint costs a handful of attempts over
 * the schedule, however fast events come; each delivery still gets its attempts, in its
 * order, with the retry count its vendor sends. A backlog beyond `maxQueued` drops its oldest deliveries (given
 * up, logged): a clone lives for minutes, and an endpoint that is down that long has lost
 * them on the vendor's side too.
 */
export interface EndpointQueueOptions {
  /** Delay before each retry: a delivery is tried `retryDelaysMs.length + 1` times. */
  retryDelaysMs: readonly number[];
  maxInFlight?: number;
  maxQueued?: number;
}

/** What one attempt did: null when delivered, else why not (logged, kept for the retry). */
export type AttemptOutcome = string | null;

interface Entry<T> {
  item: T;
  /** Attempts made so far. */
  attempt: number;
  due: number;
}

interface Endpoint<T> {
  queue: Array<Entry<T>>;
  inFlight: number;
  failing: boolean;
  /** Failed attempts in a row. */
  failures: number;
  blockedUntil: number;
  timer: NodeJS.Timeout | null;
  dropped: number;
}

export class EndpointQueues<T> {
  private readonly endpoints = new Map<string, Endpoint<T>>();
  private generation = 0;
  private readonly maxInFlight: number;
  private readonly maxQueued: number;

  constructor(
    /** Makes attempt number `attempt` (0 = first) of `item` to `key`. */
    private readonly send: (key: string, item: T, attempt: number) => Promise<AttemptOutcome>,
    private readonly options: EndpointQueueOptions,
    private readonly log: Logger,
    /** How the log names a delivery. */
    private readonly describe: (item: T) => string,
  ) {
    this.maxInFlight = options.maxInFlight ?? 4;
    this.maxQueued = options.maxQueued ?? 1_000;
  }

  push(key: string, item: T): void {
    let endpoint = this.endpoints.get(key);
    if (!endpoint) {
      endpoint = {
        queue: [],
        inFlight: 0,
        failing: false,
        failures: 0,
        blockedUntil: 0,
        timer: null,
        dropped: 0,
      };
      this.endpoints.set(key, endpoint);
    }
    if (endpoint.queue.length >= this.maxQueued) {
      endpoint.queue.shift();
      if (endpoint.dropped++ === 0)
        this.log.error(`deliveries to ${key}: backlog of ${this.maxQueued} full, giving up on the oldest`);
    }
    endpoint.queue.push({ item, attempt: 0, due: 0 });
    this.pump(key, endpoint);
  }

  /** Forgets every queued delivery and retry (reset, reseed); requests in flight are ignored. */
  clear(): void {
    this.generation++;
    for (const endpoint of this.endpoints.values()) if (endpoint.timer) clearTimeout(endpoint.timer);
    this.endpoints.clear();
  }

  /** Drops the queue of every endpoint whose key starts with `prefix` (a deleted endpoint). */
  forget(prefix: string): void {
    for (const [key, endpoint] of this.endpoints) {
      if (!key.startsWith(prefix)) continue;
      if (endpoint.timer) clearTimeout(endpoint.timer);
      endpoint.queue.length = 0;
      this.endpoints.delete(key);
    }
  }

  /** Deliveries waiting (queued or in flight), for tests and status. */
  get pending(): number {
    let count = 0;
    for (const endpoint of this.endpoints.values()) count += endpoint.queue.length + endpoint.inFlight;
    return count;
  }

  private pump(key: string, endpoint: Endpoint<T>): void {
    const now = Date.now();
    if (now < endpoint.blockedUntil) {
      this.wake(key, endpoint, endpoint.blockedUntil);
      return;
    }
    const limit = endpoint.failing ? 1 : this.maxInFlight;
    while (endpoint.inFlight < limit) {
      const index = endpoint.queue.findIndex((entry) => entry.due <= now);
      if (index < 0) break;
      const [entry] = endpoint.queue.splice(index, 1);
      if (entry) this.attempt(key, endpoint, entry);
    }
    if (endpoint.inFlight === 0 && endpoint.queue.length > 0) {
      this.wake(key, endpoint, Math.min(...endpoint.queue.map((entry) => entry.due)));
    }
  }

  private wake(key: string, endpoint: Endpoint<T>, at: number): void {
    if (endpoint.timer) clearTimeout(endpoint.timer);
    endpoint.timer = setTimeout(
      () => {
        endpoint.timer = null;
        this.pump(key, endpoint);
      },
      Math.max(0, at - Date.now()),
    );
    endpoint.timer.unref();
  }

  private attempt(key: string, endpoint: Endpoint<T>, entry: Entry<T>): void {
    const generation = this.generation;
    endpoint.inFlight++;
    this.send(key, entry.item, entry.attempt)
      .catch((error: unknown) => (error instanceof Error ? error.message : String(error)))
      .then((outcome) => {
        endpoint.inFlight--;
        if (generation !== this.generation) return;
        if (outcome === null) {
          if (endpoint.failing) this.log.info(`deliveries to ${key}: answering again`);
          endpoint.failing = false;
          endpoint.failures = 0;
          endpoint.blockedUntil = 0;
        } else {
          const delays = this.options.retryDelaysMs;
          const delay = delays[entry.attempt];
          if (!endpoint.failing)
            this.log.info(`deliveries to ${key}: failing (${outcome}); holding its deliveries, retrying`);
          endpoint.failing = true;
          endpoint.failures++;
          // The endpoint backs off along the schedule by its failures in a row (its last
          // step once past the end), not by this delivery's own attempts.
          const hold = delays[Math.min(endpoint.failures, delays.length) - 1] ?? 0;
          endpoint.blockedUntil = Date.now() + hold;
          if (delay === undefined) {
            this.log.info(
              `deliveries to ${key}: gave up on ${this.describe(entry.item)} after ${entry.attempt + 1} attempts`,
            );
          } else {
            entry.attempt++;
            entry.due = Date.now() + delay;
            endpoint.queue.push(entry);
          }
        }
        this.pump(key, endpoint);
      });
  }
}
