import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStripeApp } from '../../templates/stripe/backend/app.js';
import { stripeTemplate } from '../../templates/stripe/backend/template.js';
import type { StripeTokens } from '../../templates/stripe/backend/tokens.js';
import { STRIPE_REFERENCE_KEYS } from '../support/stripe-reference-keys.js';
import { type CloneUnderTest, openClone, RECEIVER_HOST } from './harness.js';

// biome-ignore lint/suspicious/noExplicitAny: tests read vendor JSON freely
type Json = Record<string, any>;

const REAL_KEYS = STRIPE_REFERENCE_KEYS;

let backend: CloneUnderTest;
let tokens: StripeTokens;
let stripe: Stripe;

async function raw(path: string, init: RequestInit = {}) {
  const response = await fetch(`${backend.url}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${tokens.secretKey}`,
      ...(init.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      ...(init.headers as Record<string, string> | undefined),
    },
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Json };
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
  backend = await openClone({
    template: stripeTemplate,
    createApp: (deps) => createStripeApp({ ...deps, webhooks: { retryDelaysMs: [100, 200, 400] } }),
    database: 'stripe_payments',
    seedFixture: 'acme-corp',
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

const newCustomer = (name = 'Payer') => stripe.customers.create({ name, email: 'payer@example.com' });

describe('products and prices', () => {
  it('creates, retrieves, updates and lists products', async () => {
    const product = await stripe.products.create({
      name: 'Widget Pro',
      description: 'A widget',
      metadata: { tier: 'pro' },
      default_price_data: { currency: 'usd', unit_amount: 1500, recurring: { interval: 'month' } },
    });
    expect(product).toMatchObject({
      object: 'product',
      active: true,
      name: 'Widget Pro',
      metadata: { tier: 'pro' },
    });
    expect(product.id).toMatch(/^prod_/);
    expect(product.default_price).toMatch(/^price_/);
    const expanded = await stripe.products.retrieve(product.id, { expand: ['default_price'] });
    expect(expanded.default_price).toMatchObject({
      object: 'price',
      unit_amount: 1500,
      type: 'recurring',
      recurring: { interval: 'month', interval_count: 1, usage_type: 'licensed' },
    });
    const updated = await stripe.products.update(product.id, { active: false, description: '' });
    expect(updated).toMatchObject({ active: false, description: null });
    const inactive = await stripe.products.list({ active: false, limit: 100 });
    expect(inactive.data.map((p) => p.id)).toContain(product.id);
    const deletion = await stripeError(stripe.products.del(product.id));
    expect(deletion.statusCode).toBe(400);
    const bare = await stripe.products.create({ name: 'Temporary' });
    expect(await stripe.products.del(bare.id)).toEqual({ id: bare.id, object: 'product', deleted: true });
    expect((await stripeError(stripe.products.retrieve(bare.id))).code).toBe('resource_missing');
  });

  it('creates prices with product_data, filters them and transfers lookup keys', async () => {
    const price = await stripe.prices.create({
      currency: 'EUR',
      unit_amount: 999,
      product_data: { name: 'Add-on' },
      lookup_key: 'addon_monthly',
      nickname: 'Add-on monthly',
    });
    expect(price).toMatchObject({
      currency: 'eur',
      type: 'one_time',
      recurring: null,
      unit_amount: 999,
    });
    expect(String(price.unit_amount_decimal)).toBe('999');
    const listed = await stripe.prices.list({ lookup_keys: ['addon_monthly'] });
    expect(listed.data.map((p) => p.id)).toEqual([price.id]);
    const conflict = await stripeError(
      stripe.prices.create({
        currency: 'eur',
        unit_amount: 1,
        product: price.product as string,
        lookup_key: 'addon_monthly',
      }),
    );
    expect(conflict.param).toBe('lookup_key');
    const second = await stripe.prices.create({
      currency: 'eur',
      unit_amount: 1299,
      product: price.product as string,
      lookup_key: 'addon_monthly',
      transfer_lookup_key: true,
    });
    expect((await stripe.prices.retrieve(price.id)).lookup_key).toBeNull();
    expect(second.lookup_key).toBe('addon_monthly');
    const byProduct = await stripe.prices.list({
      product: price.product as string,
      expand: ['data.product'],
    });
    expect(byProduct.data).toHaveLength(2);
    expect((byProduct.data[0]!.product as Stripe.Product).name).toBe('Add-on');
    const missing = await stripeError(
      stripe.prices.create({ currency: 'usd', product: price.product as string }),
    );
    expect(missing).toMatchObject({ code: 'parameter_missing', param: 'unit_amount' });
  });

  it('searches with Stripe’s query language', async () => {
    await stripe.products.create({ name: 'Searchable Gizmo', metadata: { color: 'teal' } });
    const found = await stripe.products.search({ query: "name~'gizmo' AND metadata['color']:'teal'" });
    expect(found.object).toBe('search_result');
    expect(found.data.map((p) => p.name)).toEqual(['Searchable Gizmo']);
    const customers = await stripe.customers.search({ query: "email:'billing@globex.example'" });
    expect(customers.data.map((c) => c.name)).toEqual(['Globex Corporation']);
    const paged = await stripe.customers
      .search({ query: "email~'example'", limit: 10 })
      .autoPagingToArray({ limit: 100 });
    expect(paged.length).toBeGreaterThanOrEqual(25);
    const bad = await stripeError(stripe.customers.search({ query: 'email=' }));
    expect(bad).toMatchObject({ statusCode: 400, param: 'query' });
  });
});

describe('payment methods and setup intents', () => {
  it('creates card payment methods from tokens and numbers, attaches, lists and detaches', async () => {
    const customer = await newCustomer();
    const fromToken = await stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_visa' } });
    expect(fromToken.card).toMatchObject({ brand: 'visa', last4: '4242', funding: 'credit' });
    const fromNumber = await stripe.paymentMethods.create({
      type: 'card',
      card: { number: '5555 5555 5555 4444', exp_month: 4, exp_year: 2040, cvc: '123' },
      billing_details: { name: 'Jenny Rosen' },
    });
    expect(fromNumber.card).toMatchObject({ brand: 'mastercard', last4: '4444', exp_year: 2040 });
    await stripe.paymentMethods.attach(fromToken.id, { customer: customer.id });
    const shortcut = await stripe.paymentMethods.attach('pm_card_amex', { customer: customer.id });
    expect(shortcut.id).toMatch(/^pm_/);
    expect(shortcut.card?.brand).toBe('amex');
    const listed = await stripe.customers.listPaymentMethods(customer.id);
    expect(listed.data.map((pm) => pm.id).sort()).toEqual([fromToken.id, shortcut.id].sort());
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: shortcut.id } });
    const withDefault = await stripe.customers.retrieve(customer.id, {
      expand: ['invoice_settings.default_payment_method'],
    });
    expect(
      ((withDefault as Stripe.Customer).invoice_settings.default_payment_method as Stripe.PaymentMethod).id,
    ).toBe(shortcut.id);
    const detached = await stripe.paymentMethods.detach(shortcut.id);
    expect(detached.customer).toBeNull();
    expect(
      ((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).invoice_settings
        .default_payment_method,
    ).toBeNull();
    const notYours = await stripeError(
      stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: fromNumber.id } }),
    );
    expect(notYours.statusCode).toBe(400);
    const declined = await stripeError(
      stripe.paymentMethods.attach('pm_card_chargeDeclined', { customer: customer.id }),
    );
    expect(declined).toMatchObject({
      statusCode: 402,
      type: 'StripeCardError',
      code: 'card_declined',
      decline_code: 'generic_decline',
    });
    const badNumber = await stripeError(
      stripe.paymentMethods.create({
        type: 'card',
        card: { number: '4242424242424241', exp_month: 1, exp_year: 2040 },
      }),
    );
    expect(badNumber).toMatchObject({ statusCode: 402, code: 'incorrect_number' });
  });

  it('confirms setup intents, attaching the card to the customer', async () => {
    const customer = await newCustomer();
    const intent = await stripe.setupIntents.create({
      customer: customer.id,
      payment_method: 'pm_card_visa',
    });
    expect(intent.status).toBe('requires_confirmation');
    expect(intent.client_secret).toMatch(new RegExp(`^${intent.id}_secret_`));
    const confirmed = await stripe.setupIntents.confirm(intent.id);
    expect(confirmed.status).toBe('succeeded');
    const pm = await stripe.paymentMethods.retrieve(confirmed.payment_method as string);
    expect(pm.customer).toBe(customer.id);
    const needsAuth = await stripe.setupIntents.create({
      payment_method: 'pm_card_authenticationRequired',
      confirm: true,
    });
    expect(needsAuth.status).toBe('requires_action');
    expect(needsAuth.next_action?.type).toBe('use_stripe_sdk');
    const failing = await stripeError(
      stripe.setupIntents.create({
        customer: customer.id,
        payment_method: 'pm_card_chargeDeclined',
        confirm: true,
      }),
    );
    expect(failing).toMatchObject({ statusCode: 402, code: 'card_declined' });
    expect((failing.raw as Json).setup_intent.status).toBe('requires_payment_method');
  });
});

describe('payment intents', () => {
  it('walks the status machine to succeeded, creating a charge and a balance transaction', async () => {
    const customer = await newCustomer();
    const created = await stripe.paymentIntents.create({
      amount: 2000,
      currency: 'usd',
      customer: customer.id,
    });
    expect(created).toMatchObject({
      status: 'requires_payment_method',
      amount_received: 0,
      latest_charge: null,
    });
    expect(created.automatic_payment_methods).toEqual({ enabled: true });
    const withPm = await stripe.paymentIntents.update(created.id, { payment_method: 'pm_card_visa' });
    expect(withPm.status).toBe('requires_confirmation');
    const paid = await stripe.paymentIntents.confirm(created.id, {
      expand: ['latest_charge.balance_transaction', 'customer'],
    });
    expect(paid).toMatchObject({ status: 'succeeded', amount_received: 2000 });
    expect((paid.customer as Stripe.Customer).id).toBe(customer.id);
    const charge = paid.latest_charge as Stripe.Charge;
    expect(charge).toMatchObject({ status: 'succeeded', paid: true, captured: true, amount_captured: 2000 });
    expect(charge.payment_method_details?.card?.last4).toBe('4242');
    const txn = charge.balance_transaction as Stripe.BalanceTransaction;
    expect(txn).toMatchObject({ amount: 2000, fee: 88, net: 1912, type: 'charge', status: 'pending' });
    const again = await stripeError(stripe.paymentIntents.confirm(created.id));
    expect(again).toMatchObject({ statusCode: 400, code: 'payment_intent_unexpected_state' });
    const frozen = await stripeError(stripe.paymentIntents.update(created.id, { amount: 5 }));
    expect(frozen.statusCode).toBe(400);
    expect((await stripe.paymentIntents.update(created.id, { metadata: { order: '42' } })).metadata).toEqual({
      order: '42',
    });
    expect(((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).currency).toBe('usd');
  });

  it('declines test cards with HTTP 402 and keeps the failure on the intent', async () => {
    for (const [pm, declineCode, message] of [
      ['pm_card_chargeDeclined', 'generic_decline', 'Your card was declined.'],
      ['pm_card_chargeDeclinedInsufficientFunds', 'insufficient_funds', 'Your card has insufficient funds.'],
    ] as const) {
      const error = await stripeError(
        stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: pm, confirm: true }),
      );
      expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
      expect(error).toMatchObject({
        statusCode: 402,
        code: 'card_declined',
        decline_code: declineCode,
        message,
      });
      const intent = error.payment_intent as Stripe.PaymentIntent;
      expect(intent.status).toBe('requires_payment_method');
      expect(intent.last_payment_error).toMatchObject({ code: 'card_declined', decline_code: declineCode });
      const charge = await stripe.charges.retrieve(intent.latest_charge as string);
      expect(charge).toMatchObject({
        status: 'failed',
        paid: false,
        failure_code: 'card_declined',
        balance_transaction: null,
      });
      // A new card lets the same intent succeed.
      const retried = await stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
      expect(retried.status).toBe('succeeded');
    }
  });

  it('requires action on session and declines off session for cards that need authentication', async () => {
    const onSession = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      payment_method: 'pm_card_authenticationRequired',
      confirm: true,
    });
    expect(onSession.status).toBe('requires_action');
    expect(onSession.next_action?.type).toBe('use_stripe_sdk');
    const customer = await newCustomer();
    const pm = await stripe.paymentMethods.attach('pm_card_authenticationRequired', {
      customer: customer.id,
    });
    const offSession = await stripeError(
      stripe.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        customer: customer.id,
        payment_method: pm.id,
        confirm: true,
        off_session: true,
      }),
    );
    expect(offSession).toMatchObject({ statusCode: 402, code: 'authentication_required' });
    const canceled = await stripe.paymentIntents.cancel(onSession.id, { cancellation_reason: 'abandoned' });
    expect(canceled).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
    expect((await stripeError(stripe.paymentIntents.cancel(onSession.id))).code).toBe(
      'payment_intent_unexpected_state',
    );
  });

  it('completes or fails 3-D Secure on the hosted test page the intent points to', async () => {
    const authenticate = async (verb: 'complete' | 'fail') => {
      const intent = await stripe.paymentIntents.create({
        amount: 2500,
        currency: 'usd',
        payment_method: 'pm_card_authenticationRequired',
        confirm: true,
      });
      expect(intent.status).toBe('requires_action');
      const page = new URL(intent.next_action?.use_stripe_sdk?.stripe_js as string, backend.url);
      const shown = await fetch(page);
      expect(shown.status).toBe(200);
      expect(await shown.text()).toContain('Complete authentication');
      // The client secret is the credential, as on Stripe's page.
      const wrong = new URL(page);
      wrong.searchParams.set('client_secret', 'pi_nope_secret_nope');
      expect((await fetch(wrong)).status).toBe(404);
      const done = await fetch(new URL(`${page.pathname}/${verb}${page.search}`, page), { method: 'POST' });
      expect(done.status).toBe(200);
      // Done once: the page has nothing left to authenticate.
      const after = await fetch(page);
      expect(after.status).toBe(400);
      expect(((await after.json()) as Json).error.code).toBe('payment_intent_unexpected_state');
      return stripe.paymentIntents.retrieve(intent.id);
    };

    const completed = await authenticate('complete');
    expect(completed).toMatchObject({ status: 'succeeded', amount_received: 2500, next_action: null });
    const charge = await stripe.charges.retrieve(completed.latest_charge as string);
    expect(charge).toMatchObject({ paid: true, status: 'succeeded', payment_intent: completed.id });

    const failed = await authenticate('fail');
    expect(failed).toMatchObject({
      status: 'requires_payment_method',
      latest_charge: null,
      last_payment_error: { code: 'payment_intent_authentication_failure', type: 'invalid_request_error' },
    });
    const events = await stripe.events.list({ type: 'payment_intent.payment_failed', limit: 5 });
    expect(events.data.map((e) => (e.data.object as { id: string }).id)).toContain(failed.id);
  });

  it('authorizes with capture_method=manual and captures part of it', async () => {
    const intent = await stripe.paymentIntents.create({
      amount: 5000,
      currency: 'usd',
      payment_method: 'pm_card_mastercard',
      capture_method: 'manual',
      confirm: true,
    });
    expect(intent).toMatchObject({ status: 'requires_capture', amount_capturable: 5000, amount_received: 0 });
    const authorized = await stripe.charges.retrieve(intent.latest_charge as string);
    expect(authorized).toMatchObject({ captured: false, balance_transaction: null, status: 'succeeded' });
    const tooMuch = await stripeError(stripe.paymentIntents.capture(intent.id, { amount_to_capture: 6000 }));
    expect(tooMuch.statusCode).toBe(400);
    const captured = await stripe.paymentIntents.capture(intent.id, { amount_to_capture: 3000 });
    expect(captured).toMatchObject({ status: 'succeeded', amount_received: 3000, amount_capturable: 0 });
    const charge = await stripe.charges.retrieve(captured.latest_charge as string);
    expect(charge).toMatchObject({ captured: true, amount_captured: 3000, amount_refunded: 2000 });
    const held = await stripe.paymentIntents.create({
      amount: 700,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      capture_method: 'manual',
      confirm: true,
    });
    const released = await stripe.paymentIntents.cancel(held.id);
    expect(released.status).toBe('canceled');
    expect((await stripe.charges.retrieve(held.latest_charge as string)).refunded).toBe(true);
  });

  it('lists intents newest first with nested expansion and auto-pagination', async () => {
    const customer = await newCustomer('Lister');
    for (const amount of [1100, 1200, 1300]) {
      await stripe.paymentIntents.create({ amount, currency: 'usd', customer: customer.id });
    }
    const page = await stripe.paymentIntents.list({ customer: customer.id, expand: ['data.customer'] });
    expect(page.data.map((pi) => pi.amount)).toEqual([1300, 1200, 1100]);
    expect((page.data[0]!.customer as Stripe.Customer).name).toBe('Lister');
    const all = await stripe.paymentIntents.list({ limit: 2 }).autoPagingToArray({ limit: 1000 });
    expect(new Set(all.map((pi) => pi.id)).size).toBe(all.length);
    expect(all.length).toBeGreaterThan(5);
    const bad = await stripeError(stripe.paymentIntents.list({ expand: ['customer'] }));
    expect(bad.message).toBe('This property cannot be expanded (customer).');
    const tooSmall = await stripeError(stripe.paymentIntents.create({ amount: 10, currency: 'usd' }));
    expect(tooSmall).toMatchObject({ code: 'amount_too_small', param: 'amount' });
  });

  it('replays an idempotent confirm instead of charging twice', async () => {
    const key = `pi-${Date.now()}`;
    const params = { amount: 4242, currency: 'usd', payment_method: 'pm_card_visa', confirm: true };
    const first = await stripe.paymentIntents.create(params, { idempotencyKey: key });
    const second = await stripe.paymentIntents.create(params, { idempotencyKey: key });
    expect(second.id).toBe(first.id);
    const charges = await stripe.charges.list({ payment_intent: first.id });
    expect(charges.data).toHaveLength(1);
    const declineKey = `decline-${Date.now()}`;
    const declineParams = {
      amount: 1000,
      currency: 'usd',
      payment_method: 'pm_card_chargeDeclined',
      confirm: true,
    };
    const d1 = await stripeError(stripe.paymentIntents.create(declineParams, { idempotencyKey: declineKey }));
    const d2 = await stripeError(stripe.paymentIntents.create(declineParams, { idempotencyKey: declineKey }));
    expect((d2.payment_intent as Stripe.PaymentIntent).id).toBe(
      (d1.payment_intent as Stripe.PaymentIntent).id,
    );
  });
});

describe('charges API', () => {
  it('charges tokens and customers directly, declines, captures later and refunds', async () => {
    const paid = await stripe.charges.create({
      amount: 1999,
      currency: 'usd',
      source: 'tok_visa',
      description: 'Legacy',
    });
    expect(paid).toMatchObject({ status: 'succeeded', paid: true, captured: true, payment_intent: null });
    expect(paid.balance_transaction).toMatch(/^txn_/);
    const declined = await stripeError(
      stripe.charges.create({ amount: 1999, currency: 'usd', source: 'tok_chargeDeclined' }),
    );
    expect(declined).toMatchObject({
      statusCode: 402,
      code: 'card_declined',
      decline_code: 'generic_decline',
    });
    expect((await stripe.charges.retrieve((declined.raw as Json).charge)).status).toBe('failed');
    const { id: customerId } = await newCustomer('Charged');
    const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customerId });
    await stripe.customers.update(customerId, { invoice_settings: { default_payment_method: pm.id } });
    const held = await stripe.charges.create({
      amount: 5000,
      currency: 'usd',
      customer: customerId,
      capture: false,
    });
    expect(held).toMatchObject({ captured: false, balance_transaction: null, customer: customerId });
    const captured = await stripe.charges.capture(held.id, { amount: 4000 });
    expect(captured).toMatchObject({ captured: true, amount_captured: 4000, amount_refunded: 1000 });
    const refund = await stripe.refunds.create({ charge: captured.id });
    expect(refund.amount).toBe(4000);
    expect((await stripe.charges.retrieve(captured.id)).refunded).toBe(true);
    const nothing = await stripeError(stripe.charges.create({ amount: 1000, currency: 'usd' }));
    expect(nothing.statusCode).toBe(400);
  });
});

describe('refunds and balance', () => {
  it('refunds partially then fully, updating the charge', async () => {
    const intent = await stripe.paymentIntents.create({
      amount: 10_000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    const partial = await stripe.refunds.create({
      payment_intent: intent.id,
      amount: 2500,
      reason: 'requested_by_customer',
    });
    expect(partial).toMatchObject({
      object: 'refund',
      amount: 2500,
      status: 'succeeded',
      payment_intent: intent.id,
    });
    let charge = await stripe.charges.retrieve(intent.latest_charge as string);
    expect(charge).toMatchObject({ amount_refunded: 2500, refunded: false });
    const tooMuch = await stripeError(stripe.refunds.create({ charge: charge.id, amount: 9000 }));
    expect(tooMuch).toMatchObject({ statusCode: 400, param: 'amount' });
    const rest = await stripe.refunds.create({ charge: charge.id, expand: ['balance_transaction'] });
    expect(rest.amount).toBe(7500);
    expect(rest.balance_transaction).toMatchObject({ amount: -7500, type: 'refund' });
    charge = await stripe.charges.retrieve(charge.id);
    expect(charge).toMatchObject({ amount_refunded: 10_000, refunded: true });
    expect(charge.refunds?.data.map((r) => r.id)).toEqual([rest.id, partial.id]);
    const again = await stripeError(stripe.refunds.create({ charge: charge.id }));
    expect(again.code).toBe('charge_already_refunded');
    expect((await stripe.refunds.list({ payment_intent: intent.id })).data).toHaveLength(2);
  });

  it('reports the balance as the sum of balance transactions', async () => {
    const balance = await stripe.balance.retrieve();
    expect(balance.object).toBe('balance');
    const txns = await stripe.balanceTransactions.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 });
    const total = txns.filter((t) => t.currency === 'usd').reduce((sum, t) => sum + t.net, 0);
    const usd = (list: Stripe.Balance.Available[]) => list.find((b) => b.currency === 'usd')?.amount ?? 0;
    expect(usd(balance.available) + usd(balance.pending)).toBe(total);
  });
});

describe('events and webhooks', () => {
  it('records events for each change, newest first, filterable by type', async () => {
    const customer = await newCustomer('Evented');
    const created = await stripe.events.list({ type: 'customer.created', limit: 5 });
    expect((created.data[0]!.data.object as Stripe.Customer).id).toBe(customer.id);
    await stripe.customers.update(customer.id, { name: 'Evented Again' });
    const updated = await stripe.events.list({ type: 'customer.updated', limit: 1 });
    expect(updated.data[0]?.data.previous_attributes).toEqual({ name: 'Evented' });
    const wildcard = await stripe.events.list({ type: 'customer.*', limit: 2 });
    expect(wildcard.data.map((e) => e.type)).toEqual(['customer.updated', 'customer.created']);
    const event = await stripe.events.retrieve(created.data[0]!.id);
    expect(event).toMatchObject({ object: 'event', livemode: false, type: 'customer.created' });
    expect(event.request?.id).toMatch(/^req_/);
  });

  it('records customer.created with the customer exactly as the create answered it', async () => {
    const customer = await stripe.customers.create({
      name: 'Recorded',
      email: 'recorded@example.com',
      address: { line1: '1 Main St', city: 'Springfield', country: 'US', postal_code: '12345' },
      shipping: { name: 'Dock', address: { line1: '2 Pier Rd', country: 'US' } },
      metadata: { seats: '3', plan: 'pro' },
      preferred_locales: ['fr', 'en'],
    });
    const [event] = (await stripe.events.list({ type: 'customer.created', limit: 1 })).data;
    const plain = (value: unknown) => JSON.parse(JSON.stringify(value));
    expect(plain(event?.data.object)).toEqual(plain(customer));
    expect(plain(await stripe.customers.retrieve(customer.id))).toEqual(plain(customer));
  });

  it('answers each of many concurrent creates with its own customer, event and webhook', async () => {
    // Creates that arrive together are written by one statement (templates/_shared/coalesce.ts);
    // each must still get back its own customer, its own event and its own delivery.
    const received: string[] = [];
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        received.push(body);
        res.writeHead(200).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, RECEIVER_HOST, resolve));
    const endpoint = await stripe.webhookEndpoints.create({
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/together`,
      enabled_events: ['customer.created'],
    });
    try {
      const created = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          stripe.customers.create({
            name: `Together ${i}`,
            email: `together${i}@example.com`,
            metadata: { i: String(i) },
            ...(i % 4 === 0 ? { preferred_locales: ['de'] } : {}),
          }),
        ),
      );
      expect(new Set(created.map((c) => c.id)).size).toBe(16);
      for (const [i, customer] of created.entries()) {
        expect(customer).toMatchObject({
          name: `Together ${i}`,
          email: `together${i}@example.com`,
          metadata: { i: String(i) },
        });
        expect(customer.preferred_locales).toEqual(i % 4 === 0 ? ['de'] : []);
      }
      const plain = (value: unknown) => JSON.parse(JSON.stringify(value));
      const events = (await stripe.events.list({ type: 'customer.created', limit: 16 })).data;
      expect(
        new Map(events.map((e) => [(e.data.object as Stripe.Customer).id, plain(e.data.object)])),
      ).toEqual(new Map(created.map((c) => [c.id, plain(c)])));
      const deadline = Date.now() + 5_000;
      while (received.length < 16 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      const delivered = received.map((body) => JSON.parse(body) as Stripe.Event);
      expect(new Set(delivered.map((e) => (e.data.object as Stripe.Customer).id))).toEqual(
        new Set(created.map((c) => c.id)),
      );
      expect(new Set(delivered.map((e) => e.id))).toEqual(new Set(events.map((e) => e.id)));
      // Each event counted its one endpoint, and its delivery cleared it again.
      const pending = async () =>
        (await stripe.events.list({ type: 'customer.created', limit: 16 })).data.map(
          (e) => e.pending_webhooks,
        );
      while ((await pending()).some((n) => n !== 0) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 25));
      expect(await pending()).toEqual(Array.from({ length: 16 }, () => 0));
    } finally {
      await stripe.webhookEndpoints.del(endpoint.id);
      server.close();
    }
  });

  it('delivers signed webhooks that constructEvent accepts, retrying failures', async () => {
    const received: Array<{ body: string; signature: string }> = [];
    let failFirst = true;
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        if (failFirst) {
          failFirst = false;
          res.writeHead(500).end();
          return;
        }
        received.push({ body, signature: String(req.headers['stripe-signature']) });
        res.writeHead(200).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, RECEIVER_HOST, resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const endpoint = await stripe.webhookEndpoints.create({
        url: `http://127.0.0.1:${port}/hooks`,
        enabled_events: ['payment_intent.succeeded', 'charge.succeeded'],
      });
      expect(endpoint.secret).toMatch(/^whsec_/);
      expect((await stripe.webhookEndpoints.retrieve(endpoint.id)).secret).toBeUndefined();
      const all = await stripe.webhookEndpoints.create({
        url: `http://127.0.0.1:${port}/all`,
        enabled_events: ['*'],
      });
      await stripe.webhookEndpoints.update(all.id, { disabled: true });

      const intent = await stripe.paymentIntents.create({
        amount: 3100,
        currency: 'usd',
        payment_method: 'pm_card_visa',
        confirm: true,
      });
      const deadline = Date.now() + 5_000;
      while (received.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      const events = received.map(({ body, signature }) =>
        stripe.webhooks.constructEvent(body, signature, endpoint.secret as string),
      );
      expect(events.map((e) => e.type).sort()).toEqual(['charge.succeeded', 'payment_intent.succeeded']);
      const succeeded = events.find((e) => e.type === 'payment_intent.succeeded')!;
      expect((succeeded.data.object as Stripe.PaymentIntent).id).toBe(intent.id);
      expect(() =>
        stripe.webhooks.constructEvent(received[0]!.body, received[0]!.signature, 'whsec_wrong'),
      ).toThrow();
      // Delivered (one after a retry): nothing pending any more.
      await new Promise((r) => setTimeout(r, 50));
      expect((await stripe.events.retrieve(succeeded.id)).pending_webhooks).toBe(0);
      expect(await stripe.webhookEndpoints.del(endpoint.id)).toMatchObject({ deleted: true });
      expect((await stripe.webhookEndpoints.list()).data.map((e) => e.id)).toEqual([all.id]);
    } finally {
      server.close();
    }
  });
});

describe('object shapes', () => {
  it('answers every object type with exactly the keys of Stripe’s own', async () => {
    const seen = new Set<string>();
    const check = (object: Json) => {
      const type = object.object as string;
      const real = REAL_KEYS[type];
      expect(real, `no reference for ${type}`).toBeDefined();
      expect(Object.keys(object).sort(), type).toEqual([...(real ?? [])].sort());
      seen.add(type);
    };
    for (const path of [
      'customers',
      'coupons',
      'invoices',
      'invoiceitems',
      'subscriptions',
      'products',
      'prices',
      'payment_methods',
      'setup_intents',
      'payment_intents',
      'charges',
      'refunds',
      'balance_transactions',
      'events',
      'webhook_endpoints',
    ]) {
      const list = await raw(`/v1/${path}?limit=100`);
      expect(list.status, path).toBe(200);
      expect(list.body.data.length, path).toBeGreaterThan(0);
      for (const object of list.body.data) check(object);
    }
    check((await raw('/v1/balance')).body);
    expect([...seen].sort()).toEqual(
      [
        'balance',
        'balance_transaction',
        'charge',
        'coupon',
        'customer',
        'invoice',
        'invoiceitem',
        'subscription',
        'event',
        'payment_intent',
        'payment_method',
        'price',
        'product',
        'refund',
        'setup_intent',
        'webhook_endpoint',
      ].sort(),
    );
  });

  it('survives garbage parameters on every endpoint', async () => {
    const customer = await newCustomer('Garbage');
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
    const paths = [
      '/v1/customers',
      `/v1/customers/${customer.id}`,
      '/v1/products',
      '/v1/prices',
      '/v1/payment_methods',
      '/v1/payment_methods/pm_card_visa/attach',
      '/v1/setup_intents',
      '/v1/payment_intents',
      `/v1/payment_intents/${pi.id}`,
      `/v1/payment_intents/${pi.id}/confirm`,
      `/v1/payment_intents/${pi.id}/capture`,
      '/v1/refunds',
      '/v1/webhook_endpoints',
      '/v1/coupons',
      '/v1/invoices',
      '/v1/invoiceitems',
      '/v1/subscriptions',
      '/v1/test_helpers/test_clocks',
    ];
    const bodies = [
      'metadata=x',
      'metadata[a][b]=c',
      'expand=5&expand[x]=y',
      'expand[0][a]=b',
      'items=abc',
      'items[0]=x',
      'items[0][price][a]=b',
      'amount=1e9999&currency=usd',
      'amount=99999999999999999999&currency=usd',
      'customer[a]=b',
      'price[x]=y&currency=usd&unit_amount=1',
      'payment_method[a]=1',
      'discounts=str',
      'discounts[0]=str',
      'frozen_time=abc',
      'currency[a]=b&amount=100',
      'type=card&card[number][a]=1',
      'recurring=month&currency=usd&unit_amount=5&product_data[name]=x',
      'shipping=abc',
      'billing_details=1',
      `trial_end=abc&customer=${customer.id}`,
      'quantity=-5',
      'enabled_events=abc&url=http://127.0.0.1:1',
      'confirm=true&amount=100&currency=usd',
    ];
    for (const path of paths) {
      for (const body of bodies) {
        const response = await raw(path, { method: 'POST', body });
        expect(response.status, `POST ${path} ${body}`).not.toBe(500);
        if (response.status >= 400)
          expect(response.body.error?.type, `POST ${path} ${body}`).toMatch(/_error$/);
      }
    }
    for (const path of paths.filter((p) => !p.includes('/', 4) || p.split('/').length === 3)) {
      for (const query of [
        'limit=abc',
        'created[gt]=x',
        'customer[a]=b',
        'expand[]=data.nope',
        'status[a]=b',
        'starting_after[a]=1',
      ]) {
        const response = await raw(`${path}?${query}`);
        expect(response.status, `GET ${path}?${query}`).not.toBe(500);
      }
    }
    expect((await backend.logLines()).filter((line) => line.includes('failed'))).toEqual([]);
  });

  it('answers malformed input with Stripe errors, never a 500', async () => {
    for (const [path, body] of [
      ['/v1/payment_intents', 'amount=abc&currency=usd'],
      ['/v1/payment_intents', 'amount=1000&currency=usd&confirm=maybe'],
      ['/v1/payment_intents', 'amount[x]=1&currency=usd'],
      ['/v1/prices', 'currency=usd&unit_amount=5&product[a]=b'],
      ['/v1/prices', 'currency=us&unit_amount=5&product_data[name]=x'],
      ['/v1/payment_methods', 'type=card&card=visa'],
      ['/v1/payment_methods', 'type=card&card[token]=tok_nope'],
      ['/v1/refunds', 'charge=ch_nope'],
      ['/v1/webhook_endpoints', 'url=notaurl&enabled_events[]=*'],
      ['/v1/webhook_endpoints', 'url=http://x.example&enabled_events[]=Bad Type'],
      ['/v1/products', 'name[]=x'],
      ['/v1/customers/search?query=', ''],
    ] as const) {
      const response = body ? await raw(path, { method: 'POST', body }) : await raw(path);
      expect(response.status, `${path} ${body}`).toBeGreaterThanOrEqual(400);
      expect(response.status, `${path} ${body}`).toBeLessThan(500);
      expect(response.body.error?.type, `${path} ${body}`).toMatch(/_error$/);
    }
    expect((await backend.logLines()).filter((line) => line.includes('failed'))).toEqual([]);
  });
});
