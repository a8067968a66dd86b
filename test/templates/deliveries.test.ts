import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverSentEvents } from '../../src/services/clone-listen.js';
import { createStripeApp } from '../../templates/stripe/backend/app.js';
import { stripeTemplate } from '../../templates/stripe/backend/template.js';
import type { StripeTokens } from '../../templates/stripe/backend/tokens.js';
import { type CloneUnderTest, openClone } from './harness.js';

// The kit's delivery feed (templates/_shared/delivery-feed.ts) behind `asymmetric listen`,
// on a Stripe backend in-process: every event streams to a listener, signed with the token
// document's webhookSecret, whether or not a webhook endpoint is registered.

let backend: CloneUnderTest;
let tokens: StripeTokens;
let stripe: Stripe;

beforeAll(async () => {
  backend = await openClone({
    template: stripeTemplate,
    createApp: (deps) => createStripeApp(deps),
    database: 'stripe_deliveries',
    seedFixture: null,
  });
  tokens = (await backend.admin('/tokens')).body as StripeTokens;
  stripe = new Stripe(tokens.secretKey, {
    host: '127.0.0.1',
    port: backend.port,
    protocol: 'http',
    maxNetworkRetries: 0,
  });
}, 180_000);

afterAll(async () => {
  await backend?.close();
});

/** A listener: the SSE events of the stream, read one at a time. */
async function openStream(query = '', token = backend.adminToken) {
  const abort = new AbortController();
  const response = await fetch(`${backend.url}/_asym/deliveries/stream${query}`, {
    headers: { authorization: `Bearer ${token}` },
    signal: abort.signal,
  });
  const events = response.body ? serverSentEvents(response.body) : null;
  return {
    response,
    // biome-ignore lint/suspicious/noExplicitAny: tests read the stream's JSON freely
    async next(): Promise<{ name: string; data: any }> {
      const { value, done } = (await events?.next()) ?? { done: true, value: undefined };
      if (done || !value) throw new Error('the stream ended');
      return { name: value.name, data: JSON.parse(value.data) };
    },
    close: () => abort.abort(),
  };
}

describe('GET /_asym/deliveries/stream', () => {
  it('needs the admin token', async () => {
    const stream = await openStream('', 'not-the-token');
    expect(stream.response.status).toBe(401);
    stream.close();
  });

  it('streams every event, signed with the webhookSecret, and filters by --events', async () => {
    const all = await openStream();
    const updates = await openStream('?events=customer.updated');
    try {
      expect(await all.next()).toEqual({ name: 'ready', data: { secret: tokens.webhookSecret, events: [] } });
      expect((await updates.next()).data.events).toEqual(['customer.updated']);
      const customer = await stripe.customers.create({ email: 'streamed@example.com' });
      await stripe.customers.update(customer.id, { name: 'Streamed' });

      const created = await all.next();
      expect(created).toMatchObject({ name: 'delivery', data: { type: 'customer.created' } });
      const event = stripe.webhooks.constructEvent(
        created.data.body,
        created.data.headers['stripe-signature'],
        tokens.webhookSecret,
      );
      expect(event.id).toBe(created.data.id);
      expect((event.data.object as { id: string }).id).toBe(customer.id);
      expect(created.data.headers['content-type']).toMatch(/^application\/json/);
      // The filtered listener's first delivery is the update: the creation never reached it.
      const updated = await updates.next();
      expect(updated.data.type).toBe('customer.updated');
      expect(JSON.parse(updated.data.body).data.object.name).toBe('Streamed');
    } finally {
      all.close();
      updates.close();
    }
  });
});
