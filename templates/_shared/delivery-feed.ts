import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Logger } from './log.js';

/**
 * Deliveries (webhooks, Events API callbacks) streamed to `asymmetric listen`, the way
 * `stripe listen --forward-to` gets them: every delivery a template makes is also handed
 * to `publish()`, and while a listener is connected to `GET /_asym/deliveries/stream`
 * (admin auth; templates/README.md) it receives the body and the headers to forward,
 * signed with the clone's listener secret, so the CLI knows nothing of any vendor.
 */
export interface Delivery {
  /** The vendor's id for it (`evt_...`, `Ev...`). */
  id: string;
  /** The vendor's event type (`customer.created`, `message`). */
  type: string;
  /** What a listener's `--events` filter names it by (Stripe: the type; Slack: the subscription). */
  topics: readonly string[];
  body: string;
}

/** What a template tells the feed: the secret and the headers it signs deliveries with. */
export interface DeliverySigning {
  /** The secret a listener's receiver verifies with (the clone's token document holds it). */
  secret(): Promise<string>;
  /** The headers the template sends with `body`, signed with `secret`. */
  headers(body: string, secret: string): Record<string, string>;
  /** The names `--events` may use; absent: any name. */
  topics?: readonly string[];
  /** A name matching every delivery (Stripe's `*`). */
  wildcard?: string;
}

/** What a listener gets per delivery (SSE event `delivery`). */
export interface StreamedDelivery {
  id: string;
  type: string;
  body: string;
  headers: Record<string, string>;
}

interface Listener {
  events: readonly string[];
  secret: string;
  send(delivery: StreamedDelivery): void;
}

const HEARTBEAT_MS = 15_000;

export class UnknownTopicError extends Error {
  constructor(
    readonly unknown: string[],
    known: readonly string[],
  ) {
    super(`unknown event ${unknown.join(', ')} (known: ${known.join(', ')})`);
    this.name = 'UnknownTopicError';
  }
}

export class DeliveryFeed {
  private readonly listeners = new Set<Listener>();

  constructor(
    private readonly signing: DeliverySigning,
    private readonly log: Logger,
  ) {}

  /** Whether anyone listens: templates skip building deliveries nobody would receive. */
  get listening(): boolean {
    return this.listeners.size > 0;
  }

  publish(delivery: Delivery): void {
    for (const listener of this.listeners) {
      if (!this.wanted(listener.events, delivery.topics)) continue;
      listener.send({
        id: delivery.id,
        type: delivery.type,
        body: delivery.body,
        headers: this.signing.headers(delivery.body, listener.secret),
      });
    }
  }

  /** Checks `--events` names: empty means every delivery. */
  parseEvents(query: string | undefined): string[] {
    const events = (query ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean);
    const known = this.signing.topics;
    if (known) {
      const unknown = events.filter((name) => name !== this.signing.wildcard && !known.includes(name));
      if (unknown.length > 0) throw new UnknownTopicError(unknown, known);
    }
    return events;
  }

  /** The SSE response of `GET /_asym/deliveries/stream` (auth and `events` already checked). */
  stream(c: Context, events: string[]): Response {
    return streamSSE(c, async (stream) => {
      const closed = new Promise<void>((resolve) => stream.onAbort(resolve));
      // The secret of this session: a receiver keeps verifying with the one printed at start.
      const secret = await this.signing.secret();
      const listener: Listener = {
        events,
        secret,
        send: (delivery) => {
          stream.writeSSE({ event: 'delivery', data: JSON.stringify(delivery) }).catch(() => undefined);
        },
      };
      const heartbeat = setInterval(() => {
        stream.write(': heartbeat\n\n').catch(() => undefined);
      }, HEARTBEAT_MS);
      this.listeners.add(listener);
      this.log.info(`deliveries: a listener connected (${events.join(', ') || 'all events'})`);
      try {
        await stream.writeSSE({ event: 'ready', data: JSON.stringify({ secret, events }) });
        await closed;
      } finally {
        clearInterval(heartbeat);
        this.listeners.delete(listener);
        this.log.info('deliveries: a listener left');
      }
    });
  }

  private wanted(events: readonly string[], topics: readonly string[]): boolean {
    if (events.length === 0) return true;
    return events.some((name) => name === this.signing.wildcard || topics.includes(name));
  }
}
