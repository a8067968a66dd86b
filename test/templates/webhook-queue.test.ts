import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStripeApp } from '../../templates/stripe/backend/app.js';
import { stripeTemplate } from '../../templates/stripe/backend/template.js';
import type { StripeTokens } from '../../templates/stripe/backend/tokens.js';
import { type CloneUnderTest, openClone, RECEIVER_HOST } from './harness.js';

// Issue #17: deliveries wait in a queue per endpoint (the kit's templates/_shared/outbound.ts),
// so an endpoint that fails is not sent every new event at once while a healthy one is, and
// a deleted endpoint gets nothing of what waited for it.

let backend: CloneUnderTest;
let tokens: StripeTokens;

/** A receiver answering `status` to every request, counting them. */
async function receiver(status: number): Promise<{ server: Server; url: string; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      hits++;
      res.writeHead(status).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, RECEIVER_HOST, resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/hook`, hits: () => hits };
}

async function post(path: string, body: string, method = 'POST') {
  const response = await fetch(`${backend.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${tokens.secretKey}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body,
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { id: string };
}

beforeAll(async () => {
  backend = await openClone({
    template: stripeTemplate,
    // One retry, a minute on: within this test a failing endpoint is never retried.
    createApp: (deps) =>
      createStripeApp({ ...deps, webhooks: { retryDelaysMs: [60_000], timeoutMs: 2_000 } }),
    database: 'stripe_webhook_queue',
    seedFixture: null,
  });
  tokens = (await backend.admin('/tokens')).body as StripeTokens;
}, 180_000);

afterAll(async () => {
  await backend?.close();
});

describe('webhook deliveries, one queue per endpoint', () => {
  it('a failing endpoint gets a few attempts while a healthy one gets every event', async () => {
    const dead = await receiver(500);
    const live = await receiver(200);
    try {
      for (const { url } of [dead, live]) {
        await post(
          '/v1/webhook_endpoints',
          `url=${encodeURIComponent(url)}&enabled_events[]=customer.created`,
        );
      }
      const retries = async () =>
        (await backend.pool.query('SELECT count(*)::int AS n FROM asym.outbound_retries')).rows[0].n;
      const created = 30;
      for (let i = 0; i < created; i++) await post('/v1/customers', `email=queue${i}%40example.com`);
      const deadline = Date.now() + 15_000;
      while (live.hits() < created && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      expect(live.hits()).toBe(created);
      // Before the queue, each of the 30 events went to the failing endpoint at once. Now
      // the first failure holds that endpoint's deliveries for their retry delay; only what
      // was already in flight (at most 4 requests) reached it.
      expect(dead.hits()).toBeGreaterThanOrEqual(1);
      expect(dead.hits()).toBeLessThanOrEqual(4);
      // A retry is stored per failed attempt, not per event.
      expect(await retries()).toBe(dead.hits());
    } finally {
      dead.server.close();
      live.server.close();
    }
  });

  it('drops what waited for an endpoint once it is deleted, its stored retries too', async () => {
    const dead = await receiver(503);
    try {
      const endpoint = await post(
        '/v1/webhook_endpoints',
        `url=${encodeURIComponent(dead.url)}&enabled_events[]=customer.updated`,
      );
      const customer = await post('/v1/customers', 'email=forgotten%40example.com');
      for (let i = 0; i < 5; i++) await post(`/v1/customers/${customer.id}`, `name=Version+${i}`);
      const deadline = Date.now() + 10_000;
      const stored = async () =>
        (
          await backend.pool.query(
            "SELECT count(*)::int AS n FROM asym.outbound_retries WHERE message->>'endpoint' = $1",
            [endpoint.id],
          )
        ).rows[0].n;
      while ((await stored()) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      expect(await stored()).toBeGreaterThan(0);
      await post(`/v1/webhook_endpoints/${endpoint.id}`, '', 'DELETE');
      for (let i = 0; i < 40 && (await stored()) > 0; i++) await new Promise((r) => setTimeout(r, 25));
      expect(await stored()).toBe(0);
    } finally {
      dead.server.close();
    }
  });
});
