import { createHmac } from 'node:crypto';
import type pg from 'pg';
import type { DeliveryFeed } from '../../_shared/delivery-feed.js';
import { EndpointQueues } from '../../_shared/endpoint-queue.js';
import type { Logger } from '../../_shared/log.js';
import { outboundUrl } from '../../_shared/outbound-url.js';
import type { StripeObject } from './store/objects.js';

export interface WebhookTarget {
  id: string;
  url: string;
  secret: string;
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
 * endpoint's secret, retried with backoff until a 2xx. Lives in the backend process;
 * pending retries are dropped when the clone is reset or reseeded. Deliveries wait in one
 * queue per endpoint (templates/_shared/endpoint-queue.ts): a dead endpoint costs the API
 * about one attempt per retry delay, not one per event.
 */
export class WebhookDispatcher {
  // A queued delivery keeps only what it sends: a dead endpoint's backlog stays small in memory.
  private readonly queues: EndpointQueues<{ eventId: string; target: WebhookTarget; payload: string }>;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: Logger,
    options: WebhookOptions = {},
    /** `asymmetric listen` gets every event too, as `stripe listen` does. */
    private readonly feed: DeliveryFeed | null = null,
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.now = options.now ?? Date.now;
    this.queues = new EndpointQueues(
      (_key, { eventId, target, payload }) => this.send(eventId, target, payload),
      { retryDelaysMs: options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS },
      log,
      ({ eventId }) => `webhook ${eventId}`,
    );
  }

  deliver(event: StripeObject, targets: readonly WebhookTarget[]): void {
    if (targets.length === 0 && !this.feed?.listening) return;
    const payload = webhookPayload(event);
    if (this.feed?.listening) {
      const type = String(event.type);
      this.feed.publish({ id: event.id, type, topics: [type], body: payload });
    }
    // Keyed by endpoint id and URL: an endpoint whose URL changes starts a fresh queue.
    for (const target of targets)
      this.queues.push(`${target.id} ${target.url}`, { eventId: event.id, target, payload });
  }

  /** Forgets every pending retry (reset, reseed). */
  clear(): void {
    this.queues.clear();
  }

  /** A deleted endpoint gets nothing more, as on Stripe: its queued deliveries are dropped. */
  forget(endpointId: string): void {
    this.queues.forget(`${endpointId} `);
  }

  private async send(eventId: string, target: WebhookTarget, payload: string): Promise<string | null> {
    let outcome: string;
    try {
      const response = await fetch(outboundUrl(target.url), {
        method: 'POST',
        headers: webhookHeaders(payload, target.secret, Math.floor(this.now() / 1000)),
        body: payload,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await response.body?.cancel();
      outcome = response.ok ? 'ok' : `HTTP ${response.status}`;
    } catch (error) {
      outcome = error instanceof Error ? error.message : String(error);
    }
    if (outcome !== 'ok') return outcome;
    await this.markDelivered(eventId).catch((error) =>
      this.log.error(`webhook ${eventId}: could not update pending_webhooks`, error),
    );
    return null;
  }

  private async markDelivered(eventId: string): Promise<void> {
    await this.pool.query(
      `UPDATE events SET data = jsonb_set(data, '{pending_webhooks}',
         to_jsonb(GREATEST(0, (data->>'pending_webhooks')::int - 1))) WHERE id = $1`,
      [eventId],
    );
  }
}
