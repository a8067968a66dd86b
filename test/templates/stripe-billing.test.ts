import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StripeTokens } from '../../templates/stripe/backend/tokens.js';
import { STRIPE_REFERENCE_KEYS } from '../support/stripe-reference-keys.js';
import type { CloneUnderTest } from './harness.js';
import { openStripeSuite } from './stripe-suite.js';

// biome-ignore lint/suspicious/noExplicitAny: tests read vendor JSON freely
type Json = Record<string, any>;

const REAL_KEYS = STRIPE_REFERENCE_KEYS;

let backend: CloneUnderTest;
let tokens: StripeTokens;
let stripe: Stripe;

const DAY = 86_400;
const JAN_1 = 1_767_225_600; // 2026-01-01 00:00 UTC

async function raw(path: string) {
  const response = await fetch(`${backend.url}${path}`, {
    headers: { authorization: `Bearer ${tokens.secretKey}` },
  });
  return { status: response.status, body: (await response.json()) as Json };
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

beforeAll(async () => {
  ({ backend, tokens, stripe } = await openStripeSuite('stripe_billing', null));
}, 180_000);

afterAll(async () => {
  await backend?.close();
});

/** A customer whose default payment method is the test card `card`. */
async function payingCustomer(card = 'pm_card_visa', extra: Stripe.CustomerCreateParams = {}) {
  const customer = await stripe.customers.create({ name: 'Billed', email: 'billed@example.com', ...extra });
  const pm = await stripe.paymentMethods.attach(card, { customer: customer.id });
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
  return { customer, pm };
}

async function monthlyPrice(amount = 2000, trialDays?: number) {
  return stripe.prices.create({
    currency: 'usd',
    unit_amount: amount,
    recurring: { interval: 'month', ...(trialDays ? { trial_period_days: trialDays } : {}) },
    product_data: { name: `Plan ${amount}` },
  });
}

describe('coupons', () => {
  it('creates, updates, lists and deletes coupons', async () => {
    const coupon = await stripe.coupons.create({
      percent_off: 25,
      duration: 'repeating',
      duration_in_months: 3,
      id: 'SPRING25',
    });
    expect(coupon).toMatchObject({
      id: 'SPRING25',
      percent_off: 25,
      amount_off: null,
      valid: true,
      times_redeemed: 0,
    });
    expect((await stripe.coupons.update('SPRING25', { name: 'Spring sale' })).name).toBe('Spring sale');
    expect((await stripe.coupons.list()).data.map((c) => c.id)).toContain('SPRING25');
    const dup = await stripeError(stripe.coupons.create({ percent_off: 5, id: 'SPRING25' }));
    expect(dup.code).toBe('resource_already_exists');
    const both = await stripeError(
      stripe.coupons.create({ percent_off: 5, amount_off: 100, currency: 'usd' }),
    );
    expect(both.statusCode).toBe(400);
    const gone = await stripe.coupons.create({ amount_off: 500, currency: 'usd' });
    expect(await stripe.coupons.del(gone.id)).toEqual({ id: gone.id, object: 'coupon', deleted: true });
  });
});

describe('invoices', () => {
  it('drafts from pending items, finalizes with a number, and pays with the default card', async () => {
    const { customer } = await payingCustomer();
    const price = await stripe.prices.create({
      currency: 'usd',
      unit_amount: 1250,
      product_data: { name: 'Setup fee' },
    });
    const item = await stripe.invoiceItems.create({
      customer: customer.id,
      pricing: { price: price.id },
      quantity: 2,
    });
    expect(item).toMatchObject({ amount: 2500, invoice: null, quantity: 2 });
    const draft = await stripe.invoices.create({
      customer: customer.id,
      pending_invoice_items_behavior: 'include',
    });
    expect(draft).toMatchObject({
      status: 'draft',
      number: null,
      subtotal: 2500,
      total: 2500,
      amount_due: 2500,
    });
    expect(draft.lines.data).toHaveLength(1);
    await stripe.invoiceItems.create({
      customer: customer.id,
      invoice: draft.id,
      amount: 500,
      description: 'Extra',
    });
    const withExtra = await stripe.invoices.retrieve(draft.id);
    expect(withExtra.total).toBe(3000);
    const open = await stripe.invoices.finalizeInvoice(draft.id);
    expect(open.status).toBe('open');
    expect(open.number).toMatch(/^[A-Z0-9]{8}-0001$/);
    const paid = await stripe.invoices.pay(draft.id);
    expect(paid).toMatchObject({
      status: 'paid',
      amount_paid: 3000,
      amount_remaining: 0,
      attempted: true,
      attempt_count: 1,
    });
    const charges = await stripe.charges.list({ customer: customer.id });
    expect(charges.data.map((c) => c.amount)).toEqual([3000]);
    expect((await stripeError(stripe.invoices.pay(draft.id))).code).toBe('invoice_already_paid');
    const pending = await stripe.invoiceItems.list({ customer: customer.id, pending: true });
    expect(pending.data).toHaveLength(0);
  });

  it('voids, marks uncollectible, deletes drafts and applies customer credit', async () => {
    const { customer } = await payingCustomer('pm_card_visa', { balance: -700 });
    const make = async (amount: number) => {
      await stripe.invoiceItems.create({ customer: customer.id, amount, currency: 'usd' });
      return stripe.invoices.create({
        customer: customer.id,
        pending_invoice_items_behavior: 'include',
        collection_method: 'send_invoice',
        days_until_due: 14,
      });
    };
    const credited = await stripe.invoices.finalizeInvoice((await make(1000)).id);
    expect(credited).toMatchObject({ starting_balance: -700, amount_due: 300, ending_balance: 0 });
    expect(credited.due_date).toBe(credited.created + 14 * DAY);
    expect(((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).balance).toBe(0);
    expect((await stripe.invoices.voidInvoice(credited.id)).status).toBe('void');
    const second = await stripe.invoices.finalizeInvoice((await make(800)).id);
    const bad = await stripe.invoices.markUncollectible(second.id);
    expect(bad.status).toBe('uncollectible');
    expect((await stripe.invoices.pay(second.id)).status).toBe('paid');
    const draft = await make(100);
    expect(await stripe.invoices.del(draft.id)).toEqual({ id: draft.id, object: 'invoice', deleted: true });
    expect((await stripe.invoiceItems.list({ customer: customer.id, pending: true })).data).toHaveLength(1);
    const notDraft = await stripeError(
      stripe.invoices.update(second.id, { collection_method: 'charge_automatically' }),
    );
    expect(notDraft.code).toBe('invoice_not_editable');
    const list = await stripe.invoices.list({ customer: customer.id, status: 'paid' });
    expect(list.data.map((i) => i.id)).toEqual([second.id]);
  });

  it('answers a declined invoice payment with 402 and records the attempt', async () => {
    const { customer } = await payingCustomer('pm_card_chargeCustomerFail');
    await stripe.invoiceItems.create({ customer: customer.id, amount: 4000, currency: 'usd' });
    const invoice = await stripe.invoices.create({
      customer: customer.id,
      pending_invoice_items_behavior: 'include',
    });
    const error = await stripeError(stripe.invoices.pay(invoice.id));
    expect(error).toMatchObject({ statusCode: 402, code: 'card_declined' });
    const after = await stripe.invoices.retrieve(invoice.id);
    expect(after).toMatchObject({ status: 'open', attempted: true, attempt_count: 1, amount_paid: 0 });
    const events = await stripe.events.list({ type: 'invoice.payment_failed', limit: 1 });
    expect((events.data[0]!.data.object as Stripe.Invoice).id).toBe(invoice.id);
  });
});

describe('subscriptions', () => {
  it('creates an active subscription with a paid first invoice', async () => {
    const { customer } = await payingCustomer();
    const price = await monthlyPrice(2000);
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id, quantity: 3 }],
      expand: ['latest_invoice'],
    });
    expect(sub.status).toBe('active');
    const invoice = sub.latest_invoice as Stripe.Invoice;
    expect(invoice).toMatchObject({
      status: 'paid',
      total: 6000,
      billing_reason: 'subscription_create',
      subscription: sub.id,
    });
    const item = sub.items.data[0]!;
    expect(item).toMatchObject({ quantity: 3, price: { id: price.id } });
    expect(item.current_period_end - item.current_period_start).toBeGreaterThanOrEqual(28 * DAY);
    const listed = await stripe.subscriptions.list({ customer: customer.id });
    expect(listed.data.map((s) => s.id)).toEqual([sub.id]);
    const withSubs = (await stripe.customers.retrieve(customer.id, {
      expand: ['subscriptions'],
    })) as Stripe.Customer;
    expect(withSubs.subscriptions?.data.map((s) => s.id)).toEqual([sub.id]);
  });

  it('starts trials with a zero invoice, and is incomplete or refused when the card fails', async () => {
    const { customer } = await payingCustomer();
    const price = await monthlyPrice(1500, 14);
    const trial = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      trial_from_plan: true,
    });
    expect(trial.status).toBe('trialing');
    expect(trial.trial_end! - trial.trial_start!).toBe(14 * DAY);
    expect((await stripe.invoices.retrieve(trial.latest_invoice as string)).total).toBe(0);

    const failing = await payingCustomer('pm_card_chargeCustomerFail');
    const incomplete = await stripe.subscriptions.create({
      customer: failing.customer.id,
      items: [{ price: price.id }],
    });
    expect(incomplete.status).toBe('incomplete');
    expect((await stripe.invoices.retrieve(incomplete.latest_invoice as string)).status).toBe('open');
    const refused = await stripeError(
      stripe.subscriptions.create({
        customer: failing.customer.id,
        items: [{ price: price.id }],
        payment_behavior: 'error_if_incomplete',
      }),
    );
    expect(refused).toMatchObject({ statusCode: 402, code: 'card_declined' });
    expect((await stripe.subscriptions.list({ customer: failing.customer.id })).data).toHaveLength(1);
    const noCard = await stripe.customers.create({ name: 'No card' });
    expect(
      (await stripeError(stripe.subscriptions.create({ customer: noCard.id, items: [{ price: price.id }] })))
        .statusCode,
    ).toBe(400);
  });

  it('updates price and quantity, cancels at period end or now', async () => {
    const { customer } = await payingCustomer();
    const basic = await monthlyPrice(1000);
    const pro = await monthlyPrice(3000);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: basic.id }] });
    const item = sub.items.data[0]!;
    const upgraded = await stripe.subscriptions.update(sub.id, {
      items: [{ id: item.id, price: pro.id, quantity: 2 }],
      metadata: { plan: 'pro' },
    });
    expect(upgraded.items.data[0]).toMatchObject({ id: item.id, quantity: 2, price: { id: pro.id } });
    const event = await stripe.events.list({ type: 'customer.subscription.updated', limit: 1 });
    expect(event.data[0]!.data.previous_attributes).toHaveProperty('items');
    const ending = await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    expect(ending).toMatchObject({ status: 'active', cancel_at_period_end: true });
    const canceled = await stripe.subscriptions.cancel(sub.id);
    expect(canceled.status).toBe('canceled');
    expect(canceled.ended_at).not.toBeNull();
    expect((await stripe.subscriptions.list({ customer: customer.id })).data).toHaveLength(0);
    expect(
      (await stripe.subscriptions.list({ customer: customer.id, status: 'canceled' })).data,
    ).toHaveLength(1);
    expect((await stripe.subscriptions.list({ customer: customer.id, status: 'all' })).data).toHaveLength(1);
  });

  it('discounts invoices with coupons', async () => {
    const { customer } = await payingCustomer();
    const price = await monthlyPrice(4000);
    const coupon = await stripe.coupons.create({ percent_off: 50, duration: 'forever' });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      discounts: [{ coupon: coupon.id }],
      expand: ['latest_invoice'],
    });
    const invoice = sub.latest_invoice as Stripe.Invoice;
    expect(invoice).toMatchObject({ subtotal: 4000, total: 2000, amount_paid: 2000 });
    expect(invoice.total_discount_amounts?.[0]?.amount).toBe(2000);
    expect(sub.discounts).toHaveLength(1);
    expect((await stripe.coupons.retrieve(coupon.id)).times_redeemed).toBe(1);
  });
});

describe('test clocks', () => {
  it('renews subscriptions when the clock passes a period end', async () => {
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: JAN_1, name: 'renewals' });
    expect(clock).toMatchObject({ status: 'ready', frozen_time: JAN_1 });
    const { customer } = await payingCustomer('pm_card_visa', { test_clock: clock.id });
    expect(customer.test_clock).toBe(clock.id);
    expect(customer.created).toBe(JAN_1);
    const price = await monthlyPrice(2500);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    expect(sub.start_date).toBe(JAN_1);
    expect(sub.items.data[0]!.current_period_end).toBe(JAN_1 + 31 * DAY);
    const advanced = await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: JAN_1 + 65 * DAY });
    expect(advanced).toMatchObject({ status: 'ready', frozen_time: JAN_1 + 65 * DAY });
    const renewed = await stripe.subscriptions.retrieve(sub.id);
    expect(renewed.status).toBe('active');
    expect(renewed.items.data[0]!.current_period_start).toBe(JAN_1 + 59 * DAY); // 2026-03-01
    const invoices = await stripe.invoices.list({ subscription: sub.id });
    expect(invoices.data.map((i) => [i.billing_reason, i.status, i.total])).toEqual([
      ['subscription_cycle', 'paid', 2500],
      ['subscription_cycle', 'paid', 2500],
      ['subscription_create', 'paid', 2500],
    ]);
    // Lists leave test clock objects out unless their clock is named.
    expect((await stripe.customers.list({ limit: 100 })).data.map((c) => c.id)).not.toContain(customer.id);
    expect((await stripe.customers.list({ test_clock: clock.id })).data.map((c) => c.id)).toEqual([
      customer.id,
    ]);
    expect((await stripe.subscriptions.list({ limit: 100 })).data.map((s) => s.id)).not.toContain(sub.id);
    expect((await stripe.subscriptions.list({ test_clock: clock.id })).data.map((s) => s.id)).toEqual([
      sub.id,
    ]);
    const back = await stripeError(stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: JAN_1 }));
    expect(back.statusCode).toBe(400);
  });

  it('ends trials, goes past due on failure and cancels at period end', async () => {
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: JAN_1 });
    const price = await monthlyPrice(1000);
    const trialing = await payingCustomer('pm_card_visa', { test_clock: clock.id });
    const trial = await stripe.subscriptions.create({
      customer: trialing.customer.id,
      items: [{ price: price.id }],
      trial_period_days: 7,
    });
    const failing = await payingCustomer('pm_card_visa', { test_clock: clock.id });
    const willFail = await stripe.subscriptions.create({
      customer: failing.customer.id,
      items: [{ price: price.id }],
    });
    // The card starts failing after the first payment.
    const bad = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', {
      customer: failing.customer.id,
    });
    await stripe.subscriptions.update(willFail.id, { default_payment_method: bad.id });
    const leaving = await payingCustomer('pm_card_visa', { test_clock: clock.id });
    const ending = await stripe.subscriptions.create({
      customer: leaving.customer.id,
      items: [{ price: price.id }],
      cancel_at_period_end: true,
    });

    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: JAN_1 + 40 * DAY });
    const afterTrial = await stripe.subscriptions.retrieve(trial.id, { expand: ['latest_invoice'] });
    expect(afterTrial.status).toBe('active');
    expect((afterTrial.latest_invoice as Stripe.Invoice).total).toBe(1000);
    expect((await stripe.subscriptions.retrieve(willFail.id)).status).toBe('past_due');
    const ended = await stripe.subscriptions.retrieve(ending.id);
    expect(ended).toMatchObject({ status: 'canceled', ended_at: JAN_1 + 31 * DAY });
    const deleted = await stripe.events.list({ type: 'customer.subscription.deleted', limit: 5 });
    expect(deleted.data.map((e) => (e.data.object as Stripe.Subscription).id)).toContain(ending.id);
  });
});

describe('discounts, invoice payments and subscription items', () => {
  it('expands discounts and invoice payments, and lists subscription items', async () => {
    const { customer } = await payingCustomer();
    const price = await monthlyPrice(3000);
    const coupon = await stripe.coupons.create({ amount_off: 500, currency: 'usd', duration: 'once' });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      discounts: [{ coupon: coupon.id }],
      expand: ['discounts', 'latest_invoice.payments'],
    });
    const discount = sub.discounts[0] as unknown as Json;
    expect(Object.keys(discount).sort()).toEqual([...REAL_KEYS.discount!].sort());
    expect(discount).toMatchObject({
      object: 'discount',
      subscription: sub.id,
      source: { coupon: coupon.id },
    });
    const invoice = sub.latest_invoice as unknown as Json;
    expect(invoice.total).toBe(2500);
    const payment = invoice.payments.data[0];
    expect(Object.keys(payment).sort()).toEqual([...REAL_KEYS.invoice_payment!].sort());
    expect(payment).toMatchObject({ status: 'paid', amount_paid: 2500, payment: { type: 'payment_intent' } });
    const listed = await raw(`/v1/invoice_payments?invoice=${invoice.id}`);
    expect(listed.body.data.map((p: Json) => p.id)).toEqual([payment.id]);
    expect((await raw(`/v1/invoice_payments/${payment.id}`)).body.invoice).toBe(invoice.id);
    const pi = await stripe.paymentIntents.retrieve(payment.payment.payment_intent);
    expect(pi).toMatchObject({ status: 'succeeded', amount: 2500, customer: customer.id });
    const items = await stripe.subscriptionItems.list({ subscription: sub.id });
    expect(items.data.map((i) => i.id)).toEqual(sub.items.data.map((i) => i.id));
    expect((await stripe.subscriptionItems.retrieve(items.data[0]!.id)).price.id).toBe(price.id);
  });

  it('cancels a deleted customer’s subscriptions', async () => {
    const { customer } = await payingCustomer();
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: (await monthlyPrice(900)).id }],
    });
    await stripe.customers.del(customer.id);
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('canceled');
  });
});

describe('prorations', () => {
  it('credits unused time and charges the rest of the period when the plan changes', async () => {
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: JAN_1 });
    const { customer } = await payingCustomer('pm_card_visa', { test_clock: clock.id });
    const basic = await monthlyPrice(1000);
    const pro = await monthlyPrice(3000);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: basic.id }] });
    // Halfway through January's 31 days.
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: JAN_1 + (31 * DAY) / 2 });
    const upgraded = await stripe.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0]!.id, price: pro.id }],
      proration_behavior: 'always_invoice',
      expand: ['latest_invoice'],
    });
    const invoice = upgraded.latest_invoice as Stripe.Invoice;
    expect(invoice).toMatchObject({ billing_reason: 'subscription_update', status: 'paid', total: 1000 });
    expect(invoice.lines.data.map((line) => line.amount).sort((a, b) => a - b)).toEqual([-500, 1500]);
    expect(invoice.lines.data.map((line) => line.description)).toContain(
      'Unused time on Plan 1000 after 16 Jan 2026',
    );

    // By default the proration waits for the next renewal.
    await stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0]!.id, quantity: 2 }] });
    const pending = await stripe.invoiceItems.list({ customer: customer.id, pending: true });
    expect(pending.data.map((item) => item.amount).sort((a, b) => a - b)).toEqual([-1500, 3000]);
    expect(pending.data.every((item) => item.proration)).toBe(true);
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: JAN_1 + 32 * DAY });
    const renewal = await stripe.invoices.retrieve(
      (await stripe.subscriptions.retrieve(sub.id)).latest_invoice as string,
    );
    expect(renewal).toMatchObject({
      billing_reason: 'subscription_cycle',
      total: 6000 + 1500,
      status: 'paid',
    });
  });
});

describe('billing object shapes', () => {
  it('answers billing objects with exactly the keys of Stripe’s own', async () => {
    const seen = new Set<string>();
    const check = (object: Json) => {
      const real = REAL_KEYS[object.object as string];
      expect(real, `no reference for ${object.object}`).toBeDefined();
      expect(Object.keys(object).sort(), object.object).toEqual([...(real ?? [])].sort());
      seen.add(object.object);
    };
    for (const path of ['coupons', 'invoices', 'invoiceitems', 'subscriptions', 'test_helpers/test_clocks']) {
      const list = await raw(`/v1/${path}?limit=100`);
      expect(list.status, path).toBe(200);
      for (const object of list.body.data) {
        check(object);
        for (const nested of object.lines?.data ?? []) check(nested);
        for (const nested of object.items?.data ?? []) check(nested);
      }
    }
    expect([...seen].sort()).toEqual(
      [
        'coupon',
        'invoice',
        'invoiceitem',
        'line_item',
        'subscription',
        'subscription_item',
        'test_helpers.test_clock',
      ].sort(),
    );
  });
});
