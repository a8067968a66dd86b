import { WebClient } from '@slack/web-api';
import Stripe from 'stripe';
import { afterAll, describe, expect, it } from 'vitest';
import { type RealHome, realHome } from '../support/real-cli.js';

/**
 * The seeded timeline as a user meets it: the built CLI spins clones on the real engine,
 * one on real time and two pinned with --clock, and the official SDKs read their times.
 */
const homes: RealHome[] = [];
afterAll(async () => {
  for (const home of homes) await home.destroyAll();
});

const DAY_MS = 86_400_000;
const PINNED = '2026-03-02T09:00:00Z';
const tsMs = (ts: string) => Math.round(Number(ts) * 1000);
const ENGINEERING = 'C0ACME0ENG3';

const slackClient = (clone: { endpoints: { api: string } }, token: string) =>
  new WebClient(token, { slackApiUrl: clone.endpoints.api, retryConfig: { retries: 0 } });

const stripeClient = (clone: { endpoints: { api: string } }, key: string) => {
  const url = new URL(clone.endpoints.api);
  return new Stripe(key, {
    host: url.hostname,
    port: Number(url.port),
    protocol: 'http',
    maxNetworkRetries: 0,
  });
};

async function engineering(client: WebClient): Promise<Array<{ ts: string; text: string }>> {
  const answer = await client.conversations.history({ channel: ENGINEERING, limit: 1000 });
  return (answer.messages ?? []).map((m) => ({ ts: m.ts as string, text: m.text ?? '' }));
}

describe('spin --clock and the live timeline', () => {
  const home = realHome();
  homes.push(home);

  it('a real-time clone has yesterday, weeks of history and nothing in the future; status shows clock: null', async () => {
    const run = await home.run('spin', 'slack', '--seed', 'acme-corp', '--json');
    expect(run.exitCode).toBe(0);
    const clone = run.json();
    expect(clone.clock).toBeNull();
    const messages = await engineering(slackClient(clone, clone.tokens.userToken));
    const now = Date.now();
    const today = Math.floor(now / DAY_MS) * DAY_MS;
    const times = messages.map((m) => tsMs(m.ts));
    expect(Math.max(...times)).toBeLessThan(now);
    expect(times.filter((t) => t >= today - DAY_MS && t < today).length).toBeGreaterThan(2);
    expect(Math.min(...times)).toBeLessThan(now - 14 * DAY_MS);
    await home.run('destroy', clone.id);
  });

  it('two clones pinned alike, reset at different moments, report byte-identical ts and created', async () => {
    const spin = async (template: string) => {
      const run = await home.run('spin', template, '--seed', 'acme-corp', '--clock', PINNED, '--json');
      expect(run.stderr).toBe('');
      expect(run.exitCode).toBe(0);
      return run.json();
    };
    const slackA = await spin('slack');
    const stripeA = await spin('stripe');
    const slackB = await spin('slack');
    const status = (await home.run('status', slackA.id, '--json')).json();
    expect([status].flat()[0].clock).toBe('2026-03-02T09:00:00.000Z');

    await home.run('reset', slackA.id);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await home.run('reset', slackB.id);
    const a = await engineering(slackClient(slackA, slackA.tokens.userToken));
    const b = await engineering(slackClient(slackB, slackB.tokens.userToken));
    expect(b).toEqual(a);
    expect(a.length).toBeGreaterThan(50);
    // Reported times start at the pinned clock at each reset, then run in real time.
    const posted = await slackClient(slackA, slackA.tokens.botToken).chat.postMessage({
      channel: ENGINEERING,
      text: 'pinned',
    });
    const sinceReset = tsMs(posted.ts as string) - Date.parse(PINNED);
    expect(sinceReset).toBeGreaterThanOrEqual(0);
    expect(sinceReset).toBeLessThan(60_000);
    expect(Math.max(...a.map((m) => tsMs(m.ts)))).toBeLessThan(Date.parse(PINNED));

    const stripe = stripeClient(stripeA, stripeA.tokens.secretKey);
    const customers = (await stripe.customers.list({ limit: 100 })).data;
    await home.run('reset', stripeA.id);
    expect((await stripe.customers.list({ limit: 100 })).data.map((c) => [c.id, c.created])).toEqual(
      customers.map((c) => [c.id, c.created]),
    );
    const made = await stripe.customers.create({ email: 'pinned@example.com' });
    expect(made.created * 1000 - Date.parse(PINNED)).toBeLessThan(60_000);
  });

  it('refuses a bad --clock with exit 1 before creating anything', async () => {
    const before = await home.objects();
    const run = await home.run('spin', 'slack', '--clock', '2026-03-02 09:00', '--json');
    expect(run.exitCode).toBe(1);
    expect(run.json().error.code).toBe('INVALID_ARGUMENT');
    expect(await home.objects()).toEqual(before);
  });
});
