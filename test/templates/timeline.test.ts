import type { WebClient } from '@slack/web-api';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloneClock } from '../../templates/_shared/clock.js';
import { CloneRuntime } from '../../templates/_shared/clone-runtime.js';
import { createMemoryLogger } from '../../templates/_shared/log.js';
import { createSlackApp } from '../../templates/slack/backend/app.js';
import { slackTemplate } from '../../templates/slack/backend/template.js';
import type { SlackTokens } from '../../templates/slack/backend/tokens.js';
import { ACME_ANCHOR } from '../../templates/slack/fixtures/acme-corp.js';
import { createStripeApp } from '../../templates/stripe/backend/app.js';
import { stripeTemplate } from '../../templates/stripe/backend/template.js';
import { SEED_NOW } from '../../templates/stripe/fixtures/acme-corp-billing.js';
import { type CloneInfra, startCloneInfra } from '../support/clone-db.js';
import { dumpPublic, migrationsDir, startBackend } from './harness.js';
import { ENGINEERING, GENERAL, RANDOM, slackClient } from './slack-support.js';

/**
 * The seeded timeline is placed around the clone's clock at every seed and reset: a fake
 * real-time source is injected into the kit clock, so "a day later" is a variable, and a
 * pinned clock is an anchor the clock returns to at each reset.
 */
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const utcMidnight = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;
const tsMs = (ts: string) => Math.round(Number(ts) * 1000);

let infra: CloneInfra;
let databases = 0;
beforeAll(async () => {
  infra = await startCloneInfra();
});
afterAll(async () => {
  await infra?.stop();
});

async function slackAt(clock: CloneClock) {
  const backend = await startBackend(infra, {
    template: slackTemplate,
    createApp: (deps) => createSlackApp({ ...deps, rateLimits: { enabled: false } }),
    database: `timeline_slack_${databases++}`,
    seedFixture: 'acme-corp',
    clock,
  });
  const tokens = (await backend.admin('/tokens')).body as SlackTokens;
  return {
    backend,
    user: slackClient(backend.url, tokens.userToken),
    bot: slackClient(backend.url, tokens.botToken),
  };
}

async function stripeAt(clock: CloneClock) {
  const backend = await startBackend(infra, {
    template: stripeTemplate,
    createApp: (deps) => createStripeApp(deps),
    database: `timeline_stripe_${databases++}`,
    seedFixture: 'acme-corp',
    clock,
  });
  const { secretKey } = (await backend.admin('/tokens')).body;
  const stripe = new Stripe(secretKey, {
    host: '127.0.0.1',
    port: backend.port,
    protocol: 'http',
    maxNetworkRetries: 0,
  });
  return { backend, stripe };
}

async function timelineOf(url: string, adminToken: string) {
  const response = await fetch(`${url}/_asym/timeline`, {
    headers: { authorization: `Bearer ${adminToken}` },
  });
  return response.json();
}

/** A channel's whole history, oldest first (top-level messages and broadcasts). */
async function history(client: WebClient, channel: string, range: { oldest?: number; latest?: number } = {}) {
  const messages: Array<{ ts: string; text: string }> = [];
  let cursor: string | undefined;
  for (let page = 0; page < 50; page++) {
    const answer = await client.conversations.history({
      channel,
      limit: 200,
      cursor,
      ...(range.oldest ? { oldest: String(range.oldest / 1000) } : {}),
      ...(range.latest ? { latest: String(range.latest / 1000) } : {}),
    });
    for (const m of answer.messages ?? []) messages.push({ ts: m.ts as string, text: m.text ?? '' });
    cursor = answer.response_metadata?.next_cursor || undefined;
    if (!cursor) break;
  }
  return messages.reverse();
}

describe('Slack: the seeded timeline lives around now', () => {
  // A Tuesday evening (UTC) in the clone's real time, moved by hand below.
  let real = Date.UTC(2026, 11, 1, 21, 30);
  const clock = new CloneClock(null, () => real);
  let clone: Awaited<ReturnType<typeof slackAt>>;
  beforeAll(async () => {
    clone = await slackAt(clock);
  });
  afterAll(async () => {
    await clone?.backend.close();
  });

  it('puts the newest message within the last day, yesterday and this week full, reminders and scheduled posts ahead', async () => {
    const now = real;
    const timeline = await timelineOf(clone.backend.url, clone.backend.adminToken);
    // Whole days: the fixture's anchor (a midnight) lands on today's midnight (UTC).
    expect(timeline).toMatchObject({ ok: true, anchor: ACME_ANCHOR, clock: null });
    expect(ACME_ANCHOR * 1000 + timeline.shift * 1000).toBe(utcMidnight(now));

    const newest = Math.max(
      ...(await Promise.all(
        [GENERAL, RANDOM, ENGINEERING].map(async (c) => tsMs((await history(clone.user, c)).at(-1)!.ts)),
      )),
    );
    // Whole-day shifts keep times of day: the last seeded afternoon is yesterday's, so the
    // newest message is hours old in the morning (UTC) and about a day and a half at night.
    expect(newest).toBeLessThan(now);
    expect(now - newest).toBeLessThan(24 * HOUR_MS + (now - utcMidnight(now)));
    expect(newest).toBeGreaterThan(utcMidnight(now) - DAY_MS);

    const today = utcMidnight(now);
    const yesterday = await history(clone.user, ENGINEERING, { oldest: today - DAY_MS, latest: today });
    expect(yesterday.length).toBeGreaterThan(2);
    const thisWeek = await history(clone.user, ENGINEERING, { oldest: today - 7 * DAY_MS, latest: now });
    expect(thisWeek.length).toBeGreaterThan(yesterday.length);
    // Weeks of history, none of it in the future.
    const all = await history(clone.user, ENGINEERING);
    expect(tsMs(all[0]!.ts)).toBeLessThan(now - 14 * DAY_MS);

    const reminders = (await clone.user.reminders.list()).reminders ?? [];
    expect(reminders.length).toBeGreaterThan(0);
    for (const r of reminders) expect((r.time as number) * 1000).toBeGreaterThan(now);
    const scheduled = (await clone.user.chat.scheduledMessages.list({})).scheduled_messages ?? [];
    expect(scheduled.length).toBeGreaterThan(0);
    for (const m of scheduled) expect((m.post_at as number) * 1000).toBeGreaterThan(now);
    // And what the API writes now carries the clone's clock.
    const posted = await clone.user.chat.postMessage({ channel: ENGINEERING, text: 'a fresh one' });
    expect(Math.abs(tsMs(posted.ts as string) - now)).toBeLessThan(1_000);
  });

  it('a reset a day later moves everything by one day: same texts in the same order, the same "yesterday"', async () => {
    const before = Object.fromEntries(
      await Promise.all([GENERAL, ENGINEERING].map(async (c) => [c, await history(clone.user, c)] as const)),
    );
    await clone.backend.admin('/reset');
    const first = Object.fromEntries(
      await Promise.all([GENERAL, ENGINEERING].map(async (c) => [c, await history(clone.user, c)] as const)),
    );
    // The post from the test before is gone; nothing else changed.
    expect(first[ENGINEERING]!.map((m) => m.text)).not.toContain('a fresh one');
    expect(first[GENERAL]).toEqual(before[GENERAL]);
    const today = utcMidnight(real);
    const yesterdayBefore = await history(clone.user, ENGINEERING, { oldest: today - DAY_MS, latest: today });

    real += DAY_MS;
    await clone.backend.admin('/reset');
    const after = Object.fromEntries(
      await Promise.all([GENERAL, ENGINEERING].map(async (c) => [c, await history(clone.user, c)] as const)),
    );
    for (const channel of [GENERAL, ENGINEERING]) {
      expect(after[channel]!.map((m) => m.text)).toEqual(first[channel]!.map((m) => m.text));
      expect(after[channel]!.map((m) => tsMs(m.ts) - DAY_MS)).toEqual(first[channel]!.map((m) => tsMs(m.ts)));
    }
    const yesterdayAfter = await history(clone.user, ENGINEERING, {
      oldest: today,
      latest: today + DAY_MS,
    });
    expect(yesterdayAfter.map((m) => m.text)).toEqual(yesterdayBefore.map((m) => m.text));
    expect((await timelineOf(clone.backend.url, clone.backend.adminToken)).shift * 1000).toBe(
      utcMidnight(real) - ACME_ANCHOR * 1000,
    );
  });

  it('another spin at another time holds identical content, only its times moved', async () => {
    const laterReal = real + 5 * DAY_MS + 7 * HOUR_MS;
    const later = new CloneClock(null, () => laterReal);
    const other = await slackAt(later);
    try {
      const shiftOf = async (url: string, token: string) => (await timelineOf(url, token)).shift * 1000;
      const mine = await shiftOf(clone.backend.url, clone.backend.adminToken);
      const theirs = await shiftOf(other.backend.url, other.backend.adminToken);
      // 21:30 + 7 h is past midnight: six calendar days on.
      expect(theirs - mine).toBe(utcMidnight(laterReal) - utcMidnight(real));
      expect(theirs - mine).toBe(6 * DAY_MS);
      for (const channel of [GENERAL, RANDOM, ENGINEERING]) {
        const a = await history(clone.user, channel);
        const b = await history(other.user, channel);
        expect(b.map((m) => m.text)).toEqual(a.map((m) => m.text));
        expect(b.map((m) => tsMs(m.ts) - theirs)).toEqual(a.map((m) => tsMs(m.ts) - mine));
      }
      const seedStable = async (backend: typeof clone.backend, shift: number) =>
        (
          await backend.pool.query(
            `SELECT r.conversation_id, r.message_ts_us - $1::bigint AS ts, r.name, r.user_id FROM reactions r
             ORDER BY 1, 2, 3, 4`,
            [shift * 1000],
          )
        ).rows;
      expect(await seedStable(other.backend, theirs)).toEqual(await seedStable(clone.backend, mine));
    } finally {
      await other.backend.close();
    }
  });
});

describe('a pinned clock gives byte-identical times', () => {
  const PINNED = Date.parse('2026-03-02T09:00:00Z');

  it('Slack: two clones pinned alike, reset at different moments, report the same ts', {
    timeout: 120_000,
  }, async () => {
    let realA = Date.UTC(2026, 11, 1, 21, 0);
    let realB = Date.UTC(2027, 4, 9, 3, 15);
    const a = await slackAt(new CloneClock(PINNED, () => realA));
    const b = await slackAt(new CloneClock(PINNED, () => realB));
    try {
      realA += 3 * HOUR_MS;
      realB += 11 * DAY_MS;
      await a.backend.admin('/reset');
      await b.backend.admin('/reset');
      for (const channel of [GENERAL, ENGINEERING]) {
        expect(await history(b.user, channel)).toEqual(await history(a.user, channel));
      }
      const timeline = await timelineOf(a.backend.url, a.backend.adminToken);
      expect(timeline).toMatchObject({ clock: '2026-03-02T09:00:00.000Z', now: '2026-03-02T09:00:00.000Z' });
      expect(ACME_ANCHOR * 1000 + timeline.shift * 1000).toBe(utcMidnight(PINNED));
      // The clock then runs in real time from the reset.
      realA += 90_000;
      const posted = await a.user.chat.postMessage({ channel: GENERAL, text: 'pinned' });
      expect(tsMs(posted.ts as string)).toBe(PINNED + 90_000);
    } finally {
      await a.backend.close();
      await b.backend.close();
    }
  });

  it('Stripe: the same created and period times, and the clock runs from the anchor', {
    timeout: 240_000,
  }, async () => {
    let realA = Date.UTC(2026, 11, 1, 21, 0);
    let realB = Date.UTC(2027, 1, 3, 8, 0);
    const a = await stripeAt(new CloneClock(PINNED, () => realA));
    const b = await stripeAt(new CloneClock(PINNED, () => realB));
    try {
      realA += 5 * HOUR_MS;
      realB += 2 * DAY_MS;
      await a.backend.admin('/reset');
      await b.backend.admin('/reset');
      const view = async (stripe: Stripe) => ({
        customers: (await stripe.customers.list({ limit: 100 })).data.map((c) => [c.id, c.created]),
        subscriptions: (await stripe.subscriptions.list({ status: 'all', limit: 100 })).data.map((s) => [
          s.id,
          s.created,
          s.items.data[0]?.current_period_end,
          s.trial_end,
        ]),
        invoices: (await stripe.invoices.list({ limit: 100 })).data.map((i) => [i.id, i.created, i.due_date]),
      });
      expect(await view(b.stripe)).toEqual(await view(a.stripe));
      realA += 42_000;
      const created = await a.stripe.customers.create({ email: 'pinned@example.com' });
      expect(created.created).toBe((PINNED + 42_000) / 1000);
    } finally {
      await a.backend.close();
      await b.backend.close();
    }
  });
});

describe('Stripe: billing sits around now', () => {
  let real = Date.UTC(2026, 11, 1, 21, 30);
  const clock = new CloneClock(null, () => real);
  let clone: Awaited<ReturnType<typeof stripeAt>>;
  beforeAll(async () => {
    clone = await stripeAt(clock);
  });
  afterAll(async () => {
    await clone?.backend.close();
  });

  const check = async () => {
    const now = real / 1000;
    const subs = await clone.stripe.subscriptions.list({ status: 'all', limit: 100 });
    const active = subs.data.filter((s) => s.status === 'active' || s.status === 'past_due');
    expect(active.length).toBeGreaterThan(10);
    for (const sub of active) {
      for (const item of sub.items.data) {
        expect(item.current_period_start).toBeLessThanOrEqual(now);
        expect(item.current_period_end).toBeGreaterThan(now);
      }
    }
    const trials = subs.data.filter((s) => s.status === 'trialing');
    expect(trials.length).toBeGreaterThan(0);
    for (const trial of trials) {
      expect(trial.trial_end).toBeGreaterThan(now);
      expect(trial.trial_end! - now).toBeLessThan(14 * 86_400);
    }
    expect(trials.some((t) => t.trial_end! - now < 3 * 86_400)).toBe(true);
    const invoices = await clone.stripe.invoices.list({ limit: 100 }).autoPagingToArray({ limit: 1000 });
    const overdue = invoices.filter((i) => i.status === 'open' && i.due_date !== null && i.due_date < now);
    expect(overdue.length).toBeGreaterThan(0);
    for (const invoice of overdue) expect(now - invoice.due_date!).toBeLessThan(10 * 86_400);
    // Nothing was made in the future.
    for (const invoice of invoices) expect(invoice.created).toBeLessThanOrEqual(now);
    const customers = await clone.stripe.customers.list({ limit: 100 });
    return {
      customers: customers.data.map((c) => [c.id, c.email, c.balance, c.created - SEED_NOW]),
      invoices: invoices.map((i) => [i.id, i.number, i.amount_due, i.amount_paid, i.status]),
    };
  };

  it('after seeding and after a reset a day later: periods contain now, trials end within days, an invoice is days overdue', async () => {
    const first = await check();
    const shiftFirst = (await timelineOf(clone.backend.url, clone.backend.adminToken)).shift;
    expect((SEED_NOW + shiftFirst) * 1000).toBe(utcMidnight(real));

    real += DAY_MS;
    await clone.backend.admin('/reset');
    const second = await check();
    expect((await timelineOf(clone.backend.url, clone.backend.adminToken)).shift).toBe(shiftFirst + 86_400);
    // The same objects, amounts and order; created times one day on.
    expect(second.invoices).toEqual(first.invoices);
    expect(second.customers).toEqual(
      first.customers.map(([id, email, balance, created]) => [
        id,
        email,
        balance,
        (created as number) + 86_400,
      ]),
    );
  });

  it('the checkout catalogue: promotion codes expire relative to now, and the expired one is refused', async () => {
    const now = real / 1000;
    const codes = await clone.stripe.promotionCodes.list({ limit: 100 });
    const byCode = new Map(codes.data.map((code) => [code.code, code]));
    expect([...byCode.keys()].sort()).toEqual(['SPRING24', 'TEAM20', 'WELCOME20']);
    expect((byCode.get('TEAM20')?.expires_at ?? 0) - now).toBeGreaterThan(50 * 86_400);
    expect((byCode.get('TEAM20')?.expires_at ?? 0) - now).toBeLessThan(61 * 86_400);
    expect(byCode.get('SPRING24')?.expires_at).toBeLessThan(now);
    const rates = await clone.stripe.taxRates.list({ active: true });
    expect(rates.data.map((rate) => [rate.country, rate.percentage, rate.inclusive]).sort()).toEqual([
      ['DE', 19, true],
      ['GB', 20, true],
      ['US', 7.25, false],
    ]);
    const spring = byCode.get('SPRING24')?.id as string;
    const customer = (await clone.stripe.customers.list({ limit: 1 })).data[0]?.id as string;
    const price = (await clone.stripe.prices.list({ lookup_keys: ['starter_monthly'] })).data[0]
      ?.id as string;
    await expect(
      clone.stripe.subscriptions.create({
        customer,
        items: [{ price }],
        discounts: [{ promotion_code: spring }],
      }),
    ).rejects.toMatchObject({ code: 'promotion_code_invalid' });
    expect((await clone.stripe.billingPortal.configurations.list({ is_default: true })).data).toHaveLength(1);
  });
});

describe('a clone from a seed image (spin: seeded once, started by many)', () => {
  it('places the timeline on its own today at first boot, then keeps it across restarts', async () => {
    // The seed image is made on one day: seeded, marked, nothing served.
    let real = Date.UTC(2026, 10, 20, 9, 0);
    const maker = await startBackend(infra, {
      template: slackTemplate,
      createApp: (deps) => createSlackApp({ ...deps, rateLimits: { enabled: false } }),
      database: `timeline_seed_image_${databases++}`,
      seedFixture: 'acme-corp',
      start: false,
      clock: new CloneClock(null, () => real),
    });
    try {
      await maker.runtime.start('acme-corp', { seedImage: true });
      expect(maker.runtime.ready).toBe(false);
      const { rows: seededAt } = await maker.pool.query('SELECT seeded_at FROM asym.seed_state');
      const dumpAtMaking = await dumpPublic(maker.pool);

      // A clone boots from it days later: no seeding, the timeline moved onto that day.
      real = Date.UTC(2026, 10, 27, 15, 0);
      const boot = (nowMs: number) => {
        const log = createMemoryLogger();
        const runtime = new CloneRuntime({
          template: slackTemplate,
          pool: maker.pool,
          redis: maker.redis,
          redisPrefix: maker.redisPrefix,
          migrationsDir: migrationsDir('slack'),
          log,
          clock: new CloneClock(null, () => nowMs),
        });
        return { runtime, log };
      };
      const first = boot(real);
      await first.runtime.start('acme-corp');
      expect(first.runtime.ready).toBe(true);
      expect(first.log.lines.join('\n')).toMatch(/from the seed image/);
      expect(first.log.lines.join('\n')).not.toMatch(/rows, snapshot taken/);
      expect(ACME_ANCHOR * 1000 + first.runtime.timelineShift * 1000).toBe(utcMidnight(real));
      // The same rows as the seed, each time moved by the extra days.
      const moved = await dumpPublic(maker.pool);
      expect(Object.keys(moved)).toEqual(Object.keys(dumpAtMaking));
      expect(moved).not.toEqual(dumpAtMaking);
      const { rows: adopted } = await maker.pool.query('SELECT seeded_at FROM asym.seed_state');
      expect(adopted[0].seeded_at.getTime()).toBeGreaterThan(seededAt[0].seeded_at.getTime());

      // A restart two days on is the same clone: its data and timeline stay where they were.
      const restart = boot(real + 2 * DAY_MS);
      await restart.runtime.start('acme-corp');
      expect(restart.log.lines.join('\n')).toMatch(/seed from an earlier boot kept/);
      expect(restart.runtime.timelineShift).toBe(first.runtime.timelineShift);
      expect(await dumpPublic(maker.pool)).toEqual(moved);
      // And a reset then is a reset as ever: back to the seed, placed on that day.
      await restart.runtime.reset();
      expect(ACME_ANCHOR * 1000 + restart.runtime.timelineShift * 1000).toBe(utcMidnight(real + 2 * DAY_MS));
    } finally {
      await maker.close();
    }
  });
});
