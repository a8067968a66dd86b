import { createHmac } from 'node:crypto';
import type pg from 'pg';
import type { Queryable } from '../../_shared/db.js';
import type { DeliveryFeed } from '../../_shared/delivery-feed.js';
import type { Logger } from '../../_shared/log.js';
import { OutboundDelivery, PgRetryStore } from '../../_shared/outbound.js';
import { listObjects, type StripeObject } from './store/objects.js';

export interface WebhookTarget {
  id: string;
  url: string;
  secret: string;
}

/** An enabled endpoint and what it subscribed to. */
interface EnabledEndpoint extends WebhookTarget {
  events: readonly string[];
}

export interface WebhookOptions {
  /** Waits before each retry; a delivery is tried `retryDelaysMs.length + 1` times. */
  retryDelaysMs?: readonly number[];
  /** Per attempt. */
  timeoutMs?: number;
  /** Milliseconds since the epoch, for the signature's timestamp. */
  now?: () => number;
}

// Stripe retries for up to three days; a clone lives for minutes, so the schedule is short.
const DEFAULT_RETRY_DELAYS_MS = [1_000, 5_000, 30_000, 120_000, 600_000];

export const webhookPayload = (event: StripeObject) => JSON.stringify(event, null, 2);

/** `Stripe-Signature` for `payload`, as `stripe.webhooks.constructEvent` checks it. */
export function signPayload(payload: string, secret: string, timestamp: number): string {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${v1}`;
}

/** The headers of a webhook POST, as Stripe sends them. */
export function webhookHeaders(payload: string, secret: string, timestamp: number): Record<string, string> {
  return {
    'content-type': 'application/json; charset=utf-8',
    'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
    'stripe-signature': signPayload(payload, secret, timestamp),
  };
}

/**
 * Delivers events to webhook endpoints: POST of the event's JSON, signed with the
 * endpoint's secret, retried with backoff until a 2xx, on the kit's outbound delivery
 * (retries wait in Postgres, so a restart resumes them; reset and reseed drop them).
 */
export class WebhookDispatcher {
  private readonly outbound: OutboundDelivery;
  /** The enabled endpoints, as last read (null: read them again). */
  private enabled: EnabledEndpoint[] | null = null;
  /** Bumped by every endpoint change: a read that overlapped one is not kept. */
  private version = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: Logger,
    options: WebhookOptions = {},
    /** `asymmetric listen` gets every event too, as `stripe listen` does. */
    feed: DeliveryFeed | null = null,
    /** The app's outbound delivery (the kit's `createCloneApp`); its own one otherwise. */
    outbound?: OutboundDelivery,
  ) {
    const now = options.now ?? Date.now;
    this.outbound = outbound ?? new OutboundDelivery(new PgRetryStore(pool), log, { feed });
    this.outbound.channel(CHANNEL, {
      headers: (message) =>
        webhookHeaders(message.body, String(message.meta?.secret ?? ''), Math.floor(now() / 1000)),
      retryDelaysMs: options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
      timeoutMs: options.timeoutMs ?? 10_000,
      onOutcome: async (message, outcome) => {
        if (outcome.reason === null) {
          await this.markDelivered(message.id).catch((error) =>
            this.log.error(`webhook ${message.id}: could not update pending_webhooks`, error),
          );
        } else if (!outcome.final) {
          this.log.info(`webhook ${message.id} to ${message.url}: ${outcome.detail}; retrying`);
        }
      },
    });
  }

  /**
   * Endpoints subscribed to `type` (`enabled_events` naming it, or `*`), read through `db`
   * (the request's transaction). The enabled endpoints are kept in memory until an endpoint
   * changes (`invalidate()`, after its commit) or the data is reset: every write emits an
   * event, and a query per event was most of what an endpoint cost a write (issue #17).
   */
  async subscribed(db: Queryable, type: string): Promise<WebhookTarget[]> {
    let enabled = this.enabled;
    if (!enabled) {
      const version = this.version;
      const rows = await listObjects(db, 'webhook_endpoints', {
        filters: [{ path: ['status'], values: ['enabled'] }],
      });
      enabled = rows.map((row) => ({
        id: row.id,
        url: row.data.url as string,
        secret: row.data.secret as string,
        events: row.data.enabled_events as string[],
      }));
      // Kept only if no endpoint changed while it was read.
      if (version === this.version) this.enabled = enabled;
    }
    return enabled
      .filter((endpoint) => endpoint.events.includes('*') || endpoint.events.includes(type))
      .map(({ id, url, secret }) => ({ id, url, secret }));
  }

  /** An endpoint was created, changed or deleted (after its commit), or the data was reset. */
  invalidate(): void {
    this.version++;
    this.enabled = null;
  }

  deliver(event: StripeObject, targets: readonly WebhookTarget[]): void {
    // Nobody to tell: no payload to build.
    if (targets.length === 0 && !this.outbound.listening) return;
    const type = String(event.type);
    void this.outbound.emit(
      CHANNEL,
      { id: event.id, type, topics: [type], body: webhookPayload(event) },
      targets.map((target) => ({
        url: target.url,
        endpoint: target.id,
        meta: { endpoint: target.id, secret: target.secret },
      })),
    );
  }

  /**
   * A deleted or disabled endpoint, or one that moved to another URL or secret, gets nothing
   * more of what waited for it, as on Stripe: its queue and retries are dropped.
   */
  forget(endpointId: string): void {
    this.invalidate();
    this.outbound.forget(CHANNEL, endpointId);
  }

  /** Forgets every pending retry (reset, reseed). */
  clear(): Promise<void> {
    this.invalidate();
    return this.outbound.clear();
  }

  private async markDelivered(eventId: string): Promise<void> {
    await this.pool.query(
      `UPDATE events SET data = jsonb_set(data, '{pending_webhooks}',
         to_jsonb(GREATEST(0, (data->>'pending_webhooks')::int - 1))) WHERE id = $1`,
      [eventId],
    );
  }
}

const CHANNEL = 'stripe.webhooks';
