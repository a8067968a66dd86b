import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStripeApp } from '../../templates/stripe/backend/app.js';
import { stripeTemplate } from '../../templates/stripe/backend/template.js';
import type { StripeTokens } from '../../templates/stripe/backend/tokens.js';
import { type CloneUnderTest, openClone, RECEIVER_HOST } from './harness.js';

// Issue #17: deliveries wait in a queue per endpoint (templates/_shared/endpoint-queue.ts),
// so an endpoint that fails is not sent every new event at once while a healthy one is.

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

async function post(path: string, body: string) {
  const response = await fetch(`${backend.url}${path}`, {
    method: 'POST',
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
    } finally {
      dead.server.close();
      live.server.close();
    }
  });
});
