import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StripeTokens } from '../../templates/stripe/backend/tokens.js';
import { STRIPE_REFERENCE_KEYS } from '../support/stripe-reference-keys.js';
import type { CloneUnderTest } from './harness.js';
import { openStripeSuite } from './stripe-suite.js';

/**
 * Issue 14, part C through the official SDK: quotes, subscription schedules, billing
 * meters with usage billed on the period's invoice, and Connect basics (accounts,
 * transfers, payouts, application fees, the balance they move), on an acme-corp clone
 * whose seed carries one of each.
 */

// biome-ignore lint/suspicious/noExplicitAny: tests read vendor JSON freely
type Json = Record<string, any>;

let backend: CloneUnderTest;
let tokens: StripeTokens;
let stripe: Stripe;

const DAY = 86_400;
const JAN_1 = 1_767_225_600; // 2026-01-01 00:00 UTC

async function raw(path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${backend.url}${path}`, {
    headers: { authorization: `Bearer ${tokens.secretKey}`, ...headers },
  });
  const type = response.headers.get('content-type') ?? '';
  return {
    status: response.status,
    type,
    body: type.includes('json') ? ((await response.json()) as Json) : null,
  };
}

async function stripeError(call: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** Exactly the keys of fixtures3.json's object of the same type. */
function expectReferenceKeys(object: object, type = (object as Json).object as string) {
  const reference = STRIPE_REFERENCE_KEYS[type];
  expect(reference, type).toBeDefined();
  expect(Object.keys(object).sort(), type).toEqual([...(reference ?? [])].sort());
}

beforeAll(async () => {
  ({ backend, tokens, stripe } = await openStripeSuite('stripe_billing_more', 'acme-corp'));
}, 600_000);

afterAll(async () => {
  await backend?.close();
});

/** A customer (on `clock`, if given) whose default payment method is the test card `card`. */
async function payingCustomer(options: { card?: string; clock?: string } = {}) {
  const customer = await stripe.customers.create({
    name: 'Quoted Co',
    email: 'ap@quoted.example',
    ...(options.clock ? { test_clock: options.clock } : {}),
  });
  const pm = await stripe.paymentMethods.attach(options.card ?? 'pm_card_visa', { customer: customer.id });
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
  return customer;
}

async function monthly(amount: number, name = `Plan ${amount}`) {
  return stripe.prices.create({
    currency: 'usd',
    unit_amount: amount,
    recurring: { interval: 'month' },
    product_data: { name },
  });
}

/** The types of the events about `objectId` (`type`: a pattern such as `quote.*`), oldest first. */
async function eventTypes(objectId: string, type: string): Promise<string[]> {
  const events = await stripe.events.list({ type, limit: 100 });
  return events.data
    .filter((event) => (event.data.object as unknown as Json).id === objectId)
    .map((event) => event.type)
    .reverse();
}

describe('quotes', () => {
  it('drafts, finalizes (a PDF), and accepting starts a subscription whose first invoice has every line', async () => {
    const customer = await payingCustomer();
    const plan = await monthly(4_900, 'Quoted plan');
    const setup = await stripe.prices.create({
      currency: 'usd',
      unit_amount: 20_000,
      product_data: { name: 'Setup' },
    });
    const quote = await stripe.quotes.create({
      customer: customer.id,
      line_items: [
        { price: plan.id, quantity: 3 },
        { price: setup.id, quantity: 1 },
      ],
      description: 'Three seats and setup',
      metadata: { deal: 'D-1' },
    });
    expectReferenceKeys(quote);
    expect(quote).toMatchObject({
      status: 'draft',
      number: null,
      amount_total: 34_700,
      customer: customer.id,
      metadata: { deal: 'D-1' },
      computed: {
        recurring: { amount_total: 14_700, interval: 'month', interval_count: 1 },
        upfront: { amount_total: 34_700 },
      },
    });
    const lines = await stripe.quotes.listLineItems(quote.id);
    expect(lines.data.map((line) => [line.description, line.quantity, line.amount_total])).toEqual([
      ['Quoted plan', 3, 14_700],
      ['Setup', 1, 20_000],
    ]);
    expectReferenceKeys(lines.data[0] as object);
    expect((await stripe.quotes.listComputedUpfrontLineItems(quote.id)).data).toHaveLength(2);

    // A draft has no document yet; an open quote does.
    expect((await raw(`/v1/quotes/${quote.id}/pdf`)).status).toBe(400);
    const updated = await stripe.quotes.update(quote.id, { header: 'Acme proposal' });
    expect(updated.header).toBe('Acme proposal');
    const open = await stripe.quotes.finalizeQuote(quote.id);
    expect(open.status).toBe('open');
    expect(open.number).toMatch(/^QT-[A-Z0-9]{8}-0001$/);
    expect(open.status_transitions.finalized_at).toEqual(expect.any(Number));
    const notDraft = await stripeError(stripe.quotes.update(quote.id, { description: 'late' }));
    expect(notDraft.statusCode).toBe(400);
    const pdf = await stripe.quotes.pdf(quote.id);
    const chunks: Buffer[] = [];
    for await (const chunk of pdf as unknown as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
    const document = Buffer.concat(chunks).toString('latin1');
    expect(document.startsWith('%PDF-1.4')).toBe(true);
    expect(document.trimEnd().endsWith('%%EOF')).toBe(true);
    expect(document).toContain(open.number as string);
    // The cross-reference table points at each object's real offset.
    const xref = Number(/startxref\n(\d+)/.exec(document)?.[1]);
    expect(document.slice(xref, xref + 4)).toBe('xref');

    const accepted = await stripe.quotes.accept(quote.id, { expand: ['subscription', 'invoice'] });
    expect(accepted.status).toBe('accepted');
    const sub = accepted.subscription as Stripe.Subscription;
    expect(sub).toMatchObject({ status: 'active', customer: customer.id });
    expect(sub.items.data.map((item) => [item.price.id, item.quantity])).toEqual([[plan.id, 3]]);
    const invoice = accepted.invoice as Stripe.Invoice;
    expect(invoice).toMatchObject({ status: 'paid', amount_paid: 34_700, subscription: sub.id });
    expect(invoice.lines.data.map((line) => line.amount).sort()).toEqual([14_700, 20_000]);
    expect(await eventTypes(quote.id, 'quote.*')).toEqual([
      'quote.created',
      'quote.updated',
      'quote.finalized',
      'quote.accepted',
    ]);
    const again = await stripeError(stripe.quotes.accept(quote.id));
    expect(again.message).toContain('status of accepted');
  });

  it('a quote of one-time lines becomes a draft invoice; cancel ends a draft; bad input is refused', async () => {
    const customer = await payingCustomer();
    const product = await stripe.products.create({ name: 'Workshop' });
    const quote = await stripe.quotes.create({
      customer: customer.id,
      collection_method: 'send_invoice',
      invoice_settings: { days_until_due: 14 },
      line_items: [
        { price_data: { currency: 'usd', product: product.id, unit_amount: 75_000 }, quantity: 2 },
      ],
    });
    await stripe.quotes.finalizeQuote(quote.id);
    const accepted = await stripe.quotes.accept(quote.id);
    expect(accepted.subscription).toBeNull();
    const invoice = await stripe.invoices.retrieve(accepted.invoice as string);
    expect(invoice).toMatchObject({
      status: 'draft',
      total: 150_000,
      collection_method: 'send_invoice',
      customer: customer.id,
      parent: { type: 'quote_details', quote_details: { quote: quote.id } },
    });

    const other = await stripe.quotes.create({
      customer: customer.id,
      line_items: [{ price_data: { currency: 'usd', product: product.id, unit_amount: 100 } }],
    });
    const canceled = await stripe.quotes.cancel(other.id);
    expect(canceled).toMatchObject({
      status: 'canceled',
      status_transitions: { canceled_at: expect.any(Number) },
    });
    expect((await stripeError(stripe.quotes.finalizeQuote(other.id))).statusCode).toBe(400);
    expect(
      (await stripe.quotes.list({ customer: customer.id, status: 'canceled' })).data.map((q) => q.id),
    ).toEqual([other.id]);

    const empty = await stripe.quotes.create({});
    const noCustomer = await stripeError(stripe.quotes.finalizeQuote(empty.id));
    expect(noCustomer).toMatchObject({ statusCode: 400, param: 'customer' });
    const badPrice = await stripeError(stripe.quotes.create({ line_items: [{ price: 'price_nope' }] }));
    expect(badPrice).toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
      param: 'line_items[0][price]',
    });
    const badQuantity = await stripeError(
      stripe.quotes.create({ line_items: [{ price: 'x', quantity: -1 }] } as Stripe.QuoteCreateParams),
    );
    expect(badQuantity).toMatchObject({ statusCode: 400, param: 'line_items[0][quantity]' });
    const unknown = await stripeError(stripe.quotes.create({ bogus: 1 } as Stripe.QuoteCreateParams));
    expect(unknown).toMatchObject({ code: 'parameter_unknown', param: 'bogus' });
    expect((await stripeError(stripe.quotes.retrieve('qt_missing'))).statusCode).toBe(404);
  });
});

describe('billing meters and usage-based prices', () => {
  it('meter events are summarized and billed on the period invoice of a metered price', async () => {
    const meter = await stripe.billing.meters.create({
      display_name: 'API calls',
      event_name: 'api_call_more',
      default_aggregation: { formula: 'sum' },
    });
    expectReferenceKeys(meter);
    expect(meter).toMatchObject({
      status: 'active',
      customer_mapping: { event_payload_key: 'stripe_customer_id', type: 'by_id' },
      value_settings: { event_payload_key: 'value' },
    });
    const dup = await stripeError(
      stripe.billing.meters.create({
        display_name: 'x',
        event_name: 'api_call_more',
        default_aggregation: { formula: 'sum' },
      }),
    );
    expect(dup).toMatchObject({ statusCode: 400, param: 'event_name' });
    const price = await stripe.prices.create({
      currency: 'usd',
      unit_amount: 5,
      recurring: { interval: 'month', usage_type: 'metered', meter: meter.id },
      product_data: { name: 'API usage' },
    });
    expect(price.recurring).toMatchObject({ usage_type: 'metered', meter: meter.id });
    const noMeter = await stripeError(
      stripe.prices.create({
        currency: 'usd',
        unit_amount: 5,
        recurring: { interval: 'month', usage_type: 'metered' },
        product_data: { name: 'x' },
      }),
    );
    expect(noMeter).toMatchObject({ statusCode: 400, param: 'recurring[meter]' });

    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: JAN_1 });
    const customer = await payingCustomer({ clock: clock.id });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const first = await stripe.invoices.retrieve(sub.latest_invoice as string);
    expect(first.total).toBe(0);

    // Two days into the period; usage can be reported for any earlier time in it.
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: JAN_1 + 2 * DAY });
    const event = await stripe.billing.meterEvents.create({
      event_name: 'api_call_more',
      payload: { stripe_customer_id: customer.id, value: '120' },
      timestamp: JAN_1 + 3_600,
      identifier: 'call-batch-1',
    });
    expectReferenceKeys(event);
    expect(event).toMatchObject({ identifier: 'call-batch-1', timestamp: JAN_1 + 3_600 });
    await stripe.billing.meterEvents.create({
      event_name: 'api_call_more',
      payload: { stripe_customer_id: customer.id, value: '80' },
    });
    const replay = await stripeError(
      stripe.billing.meterEvents.create({
        event_name: 'api_call_more',
        payload: { stripe_customer_id: customer.id, value: '1' },
        identifier: 'call-batch-1',
      }),
    );
    expect(replay).toMatchObject({ statusCode: 400, param: 'identifier' });
    const late = await stripeError(
      stripe.billing.meterEvents.create({
        event_name: 'api_call_more',
        payload: { stripe_customer_id: customer.id, value: '1' },
        timestamp: JAN_1 - 60 * DAY,
      }),
    );
    expect(late).toMatchObject({ statusCode: 400, param: 'timestamp' });

    const summaries = await stripe.billing.meters.listEventSummaries(meter.id, {
      customer: customer.id,
      start_time: JAN_1,
      end_time: JAN_1 + 3 * DAY,
      value_grouping_window: 'day',
    });
    expect(summaries.data.map((s) => s.aggregated_value)).toEqual([120, 0, 80]);
    const whole = await stripe.billing.meters.listEventSummaries(meter.id, {
      customer: customer.id,
      start_time: JAN_1,
      end_time: JAN_1 + 3 * DAY,
    });
    expect(whole.data.map((s) => [s.aggregated_value, s.start_time, s.end_time])).toEqual([
      [200, JAN_1, JAN_1 + 3 * DAY],
    ]);
    expectReferenceKeys(summaries.data[0] as object);

    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: JAN_1 + 32 * DAY });
    const invoices = await stripe.invoices.list({ subscription: sub.id });
    const renewal = invoices.data.find((invoice) => invoice.billing_reason === 'subscription_cycle');
    expect(renewal).toMatchObject({ status: 'paid', total: 1_000, amount_paid: 1_000 });
    const line = renewal?.lines.data[0];
    expect(line).toMatchObject({
      quantity: 200,
      amount: 1_000,
      period: { start: JAN_1, end: JAN_1 + 31 * DAY },
    });

    const off = await stripe.billing.meters.deactivate(meter.id);
    expect(off).toMatchObject({
      status: 'inactive',
      status_transitions: { deactivated_at: expect.any(Number) },
    });
    expect((await stripeError(stripe.billing.meters.deactivate(meter.id))).statusCode).toBe(400);
    expect((await stripe.billing.meters.list({ status: 'inactive' })).data.map((m) => m.id)).toContain(
      meter.id,
    );
    expect((await stripe.billing.meters.reactivate(meter.id)).status).toBe('active');
    expect((await stripe.billing.meters.update(meter.id, { display_name: 'Calls' })).display_name).toBe(
      'Calls',
    );
    expect(await eventTypes(meter.id, 'billing.meter.*')).toEqual([
      'billing.meter.created',
      'billing.meter.deactivated',
      'billing.meter.reactivated',
      'billing.meter.updated',
    ]);
    const missing = await stripeError(
      stripe.billing.meters.create({ display_name: 'x' } as Stripe.Billing.MeterCreateParams),
    );
    expect(missing).toMatchObject({ code: 'parameter_missing' });
    const noWindow = await stripeError(
      stripe.billing.meters.listEventSummaries(meter.id, {
        customer: customer.id,
        start_time: 10,
        end_time: 5,
      }),
    );
    expect(noWindow).toMatchObject({ statusCode: 400, param: 'end_time' });
  });
});

describe('subscription schedules', () => {
  it('phases move the subscription to the next price as the clock passes them, then the schedule completes', async () => {
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: JAN_1 });
    const customer = await payingCustomer({ clock: clock.id });
    const intro = await monthly(1_000, 'Intro');
    const full = await monthly(3_000, 'Full');
    const sched = await stripe.subscriptionSchedules.create({
      customer: customer.id,
      start_date: 'now',
      end_behavior: 'release',
      phases: [
        { items: [{ price: intro.id, quantity: 2 }], duration: { interval: 'month', interval_count: 2 } },
        { items: [{ price: full.id, quantity: 2 }], duration: { interval: 'month', interval_count: 1 } },
      ],
    });
    expectReferenceKeys(sched);
    expect(sched).toMatchObject({ status: 'active', current_phase: { start_date: JAN_1 } });
    expect(sched.phases.map((phase) => [phase.start_date, phase.end_date])).toEqual([
      [JAN_1, JAN_1 + 59 * DAY],
      [JAN_1 + 59 * DAY, JAN_1 + 90 * DAY],
    ]);
    const sub = await stripe.subscriptions.retrieve(sched.subscription as string);
    expect(sub).toMatchObject({ status: 'active', schedule: sched.id });
    expect(sub.items.data.map((item) => item.price.id)).toEqual([intro.id]);

    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: JAN_1 + 60 * DAY });
    const moved = await stripe.subscriptions.retrieve(sub.id);
    expect(moved.items.data.map((item) => [item.price.id, item.quantity])).toEqual([[full.id, 2]]);
    const amounts = (await stripe.invoices.list({ subscription: sub.id })).data.map(
      (invoice) => invoice.total,
    );
    expect(amounts).toEqual([6_000, 2_000, 2_000]);
    const mid = await stripe.subscriptionSchedules.retrieve(sched.id);
    expect(mid.current_phase).toEqual({ start_date: JAN_1 + 59 * DAY, end_date: JAN_1 + 90 * DAY });

    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: JAN_1 + 91 * DAY });
    const done = await stripe.subscriptionSchedules.retrieve(sched.id);
    expect(done).toMatchObject({ status: 'completed', completed_at: JAN_1 + 90 * DAY, current_phase: null });
    const released = await stripe.subscriptions.retrieve(sub.id);
    expect(released).toMatchObject({ status: 'active', schedule: null });
    expect(await eventTypes(sched.id, 'subscription_schedule.*')).toEqual(
      expect.arrayContaining(['subscription_schedule.created', 'subscription_schedule.completed']),
    );
  });

  it('starts in the future, is made from a subscription, released and canceled', async () => {
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: JAN_1 });
    const customer = await payingCustomer({ clock: clock.id });
    const price = await monthly(2_500);
    const later = await stripe.subscriptionSchedules.create({
      customer: customer.id,
      start_date: JAN_1 + 10 * DAY,
      end_behavior: 'cancel',
      phases: [{ items: [{ price: price.id }], duration: { interval: 'month' } }],
    });
    expect(later).toMatchObject({ status: 'not_started', subscription: null, current_phase: null });
    expect(
      (await stripe.subscriptionSchedules.list({ customer: customer.id, scheduled: true })).data,
    ).toHaveLength(1);
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: JAN_1 + 11 * DAY });
    const started = await stripe.subscriptionSchedules.retrieve(later.id);
    expect(started.status).toBe('active');
    const sub = await stripe.subscriptions.retrieve(started.subscription as string);
    expect(sub).toMatchObject({ status: 'active', start_date: JAN_1 + 10 * DAY });
    const canceled = await stripe.subscriptionSchedules.cancel(later.id);
    expect(canceled).toMatchObject({ status: 'canceled', canceled_at: JAN_1 + 11 * DAY });
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('canceled');
    expect((await stripeError(stripe.subscriptionSchedules.release(later.id))).statusCode).toBe(400);

    const plain = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const migrated = await stripe.subscriptionSchedules.create({ from_subscription: plain.id });
    expect(migrated).toMatchObject({ status: 'active', subscription: plain.id, end_behavior: 'release' });
    expect(migrated.phases[0]?.items.map((item) => item.price)).toEqual([price.id]);
    expect((await stripe.subscriptions.retrieve(plain.id)).schedule).toBe(migrated.id);
    const twice = await stripeError(stripe.subscriptionSchedules.create({ from_subscription: plain.id }));
    expect(twice).toMatchObject({ statusCode: 400, param: 'from_subscription' });
    const release = await stripe.subscriptionSchedules.release(migrated.id);
    expect(release).toMatchObject({
      status: 'released',
      released_subscription: plain.id,
      subscription: null,
    });
    expect((await stripe.subscriptions.retrieve(plain.id)).schedule).toBeNull();

    const bad = await stripeError(
      stripe.subscriptionSchedules.create({
        customer: customer.id,
        phases: [{ items: [{ quantity: 2 } as Stripe.SubscriptionScheduleCreateParams.Phase.Item] }],
      }),
    );
    expect(bad).toMatchObject({
      statusCode: 400,
      code: 'parameter_missing',
      param: 'phases[0][items][0][price]',
    });
    const both = await stripeError(
      stripe.subscriptionSchedules.create({ from_subscription: plain.id, customer: customer.id }),
    );
    expect(both).toMatchObject({ statusCode: 400, param: 'customer' });
  });
});

describe('Connect: accounts, transfers, payouts, application fees', () => {
  const available = async (headers: Record<string, string> = {}) =>
    ((await raw('/v1/balance', headers)).body as Json).available.find((f: Json) => f.currency === 'usd')
      ?.amount as number;

  it('the platform account, and connected accounts made, changed, listed and deleted', async () => {
    const platform = await stripe.accounts.retrieveCurrent();
    expectReferenceKeys(platform);
    expect(platform).toMatchObject({
      id: 'acct_1AcmeCorpTest00',
      charges_enabled: true,
      business_profile: { name: 'Acme Corp' },
    });
    const express = await stripe.accounts.create({
      type: 'express',
      email: 'seller@shop.example',
      metadata: { shop: 's1' },
    });
    expectReferenceKeys(express);
    expect(express).toMatchObject({
      type: 'express',
      country: 'US',
      capabilities: { card_payments: 'active', transfers: 'active' },
      controller: { type: 'application' },
    });
    const noCaps = await stripeError(stripe.accounts.create({ type: 'custom' }));
    expect(noCaps).toMatchObject({ statusCode: 400, param: 'capabilities' });
    const custom = await stripe.accounts.create({
      type: 'custom',
      capabilities: { transfers: { requested: true } },
      business_profile: { name: 'Custom Seller' },
    });
    expect(custom.capabilities).toEqual({ transfers: 'active' });
    const updated = await stripe.accounts.update(custom.id, { email: 'ops@custom.example' });
    expect(updated.email).toBe('ops@custom.example');
    expect((await stripe.accounts.list({ limit: 100 })).data.map((a) => a.id)).toEqual(
      expect.arrayContaining([express.id, custom.id]),
    );
    // Reads on behalf of a connected account.
    expect((await raw('/v1/account', { 'stripe-account': custom.id })).body?.id).toBe(custom.id);
    expect((await raw('/v1/balance', { 'stripe-account': 'acct_nope' })).status).toBe(403);
    expect(await stripe.accounts.del(express.id)).toEqual({
      id: express.id,
      object: 'account',
      deleted: true,
    });
    expect((await stripeError(stripe.accounts.retrieve(express.id))).statusCode).toBe(404);
    expect(await eventTypes(custom.id, 'account.*')).toEqual(['account.updated']);
  });

  it('transfers and payouts move the balance; a destination charge collects an application fee', async () => {
    const seller = await stripe.accounts.create({ type: 'express' });
    // Funds available at once: the test card that bypasses the pending balance.
    await stripe.paymentIntents.create({
      amount: 100_000,
      currency: 'usd',
      payment_method: 'pm_card_bypassPending',
      confirm: true,
    });
    const before = await available();
    const transfer = await stripe.transfers.create({
      amount: 25_000,
      currency: 'usd',
      destination: seller.id,
      transfer_group: 'ORDER-9',
    });
    expectReferenceKeys(transfer);
    expect(transfer).toMatchObject({ amount: 25_000, destination: seller.id, reversed: false });
    expect(await available()).toBe(before - 25_000);
    expect(await available({ 'stripe-account': seller.id })).toBe(25_000);
    const txn = await stripe.balanceTransactions.retrieve(transfer.balance_transaction as string);
    expect(txn).toMatchObject({ type: 'transfer', amount: -25_000, reporting_category: 'transfer' });
    const reversal = await stripe.transfers.createReversal(transfer.id, { amount: 5_000 });
    expectReferenceKeys(reversal);
    expect(await available()).toBe(before - 20_000);
    expect((await stripe.transfers.retrieve(transfer.id)).amount_reversed).toBe(5_000);
    expect((await stripe.transfers.list({ destination: seller.id })).data.map((t) => t.id)).toEqual([
      transfer.id,
    ]);

    const payout = await stripe.payouts.create({ amount: 10_000, currency: 'usd' });
    expectReferenceKeys(payout);
    expect(payout).toMatchObject({ status: 'pending', amount: 10_000, method: 'standard' });
    expect(await available()).toBe(before - 30_000);
    const canceled = await stripe.payouts.cancel(payout.id);
    expect(canceled.status).toBe('canceled');
    expect(await available()).toBe(before - 20_000);
    expect((await stripeError(stripe.payouts.cancel(payout.id))).statusCode).toBe(400);
    const kept = await stripe.payouts.create({ amount: 1_000, currency: 'usd', metadata: { batch: '7' } });
    expect((await stripe.payouts.list({ status: 'pending' })).data.map((p) => p.id)).toContain(kept.id);
    expect(await eventTypes(payout.id, 'payout.*')).toEqual(['payout.created', 'payout.canceled']);

    const tooMuch = await stripeError(stripe.payouts.create({ amount: 99_999_999, currency: 'usd' }));
    expect(tooMuch).toMatchObject({ statusCode: 400, code: 'balance_insufficient' });
    const nowhere = await stripeError(
      stripe.transfers.create({ amount: 100, currency: 'usd', destination: 'acct_nope' }),
    );
    expect(nowhere).toMatchObject({ statusCode: 400, param: 'destination' });
    const zero = await stripeError(
      stripe.transfers.create({ amount: 0, currency: 'usd', destination: seller.id }),
    );
    expect(zero).toMatchObject({ statusCode: 400, param: 'amount' });

    const pi = await stripe.paymentIntents.create({
      amount: 10_000,
      currency: 'usd',
      payment_method: 'pm_card_bypassPending',
      confirm: true,
      application_fee_amount: 1_230,
      transfer_data: { destination: seller.id },
    });
    expect(pi).toMatchObject({
      status: 'succeeded',
      application_fee_amount: 1_230,
      transfer_data: { destination: seller.id },
    });
    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    expect(charge).toMatchObject({
      application_fee_amount: 1_230,
      transfer_data: { destination: seller.id },
    });
    const fee = await stripe.applicationFees.retrieve(charge.application_fee as string);
    expectReferenceKeys(fee);
    expect(fee).toMatchObject({ amount: 1_230, account: seller.id, charge: charge.id });
    expect((await stripe.applicationFees.list({ charge: charge.id })).data.map((f) => f.id)).toEqual([
      fee.id,
    ]);
    // The seller received the whole charge and paid the fee back: 20,000 + 10,000 - 1,230.
    expect(await available({ 'stripe-account': seller.id })).toBe(28_770);
    const noDestination = await stripeError(
      stripe.paymentIntents.create({ amount: 1_000, currency: 'usd', application_fee_amount: 10 }),
    );
    expect(noDestination).toMatchObject({ statusCode: 400, param: 'application_fee_amount' });
  });
});

describe('the seed', () => {
  it('holds a quote, a schedule, a metered price with usage, and a connected account with a transfer and a payout', async () => {
    const quotes = await stripe.quotes.list({ limit: 100 });
    expect(quotes.data.some((quote) => quote.status === 'open' && quote.number !== null)).toBe(true);
    const schedules = await stripe.subscriptionSchedules.list({ limit: 100 });
    expect(schedules.data.some((sched) => sched.status === 'active')).toBe(true);
    const meters = await stripe.billing.meters.list();
    const meter = meters.data.find((m) => m.event_name === 'api_requests');
    expect(meter).toBeDefined();
    const metered = await stripe.prices.list({ recurring: { usage_type: 'metered' }, limit: 100 });
    expect(metered.data.map((price) => price.recurring?.meter)).toContain(meter?.id);
    const accounts = await stripe.accounts.list({ limit: 100 });
    const seeded = accounts.data.find((account) => account.business_profile?.name === 'Roadrunner Supplies');
    expect(seeded).toBeDefined();
    expect((await stripe.transfers.list({ destination: seeded?.id })).data.length).toBeGreaterThan(0);
    expect((await stripe.payouts.list({ limit: 100 })).data.length).toBeGreaterThan(0);
    for (const object of [quotes.data[0], schedules.data[0], meter, accounts.data[0]])
      expectReferenceKeys(object as object);
  });

  it('"the customer with the most failed payments" has exactly one answer', async () => {
    const failed = new Map<string, number>();
    for await (const charge of stripe.charges.list({ limit: 100 })) {
      if (charge.status !== 'failed' || typeof charge.customer !== 'string') continue;
      failed.set(charge.customer, (failed.get(charge.customer) ?? 0) + 1);
    }
    const counts = [...failed.values()].sort((a, b) => b - a);
    expect(counts.length).toBeGreaterThan(3);
    expect(counts[0]).toBeGreaterThan(counts[1] as number);
  });
});
