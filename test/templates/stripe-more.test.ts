import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStripeApp } from '../../templates/stripe/backend/app.js';
import { stripeTemplate } from '../../templates/stripe/backend/template.js';
import type { StripeTokens } from '../../templates/stripe/backend/tokens.js';
import { STRIPE_REFERENCE_KEYS } from '../support/stripe-reference-keys.js';
import { type CloneUnderTest, openClone } from './harness.js';

/**
 * The last resources toward #14's coverage target: Connect onboarding links and sessions,
 * tax ids, customer sessions and ephemeral keys, and Stripe's static reference data, all
 * through the official SDK against one clone.
 */

let backend: CloneUnderTest;
let stripe: Stripe;

const keysOf = (object: object) => Object.keys(object).sort();
const expectReferenceKeys = (object: object, type: string) =>
  expect(keysOf(object), type).toEqual([...(STRIPE_REFERENCE_KEYS[type] ?? ['(no reference)'])].sort());

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
    createApp: (deps) => createStripeApp(deps),
    database: 'stripe_more',
    seedFixture: null,
  });
  const tokens = (await backend.admin('/tokens')).body as StripeTokens;
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

describe('Connect onboarding', () => {
  it('creates account links and account sessions for an existing account only', async () => {
    const account = await stripe.accounts.create({ type: 'express', country: 'US' });
    const link = await stripe.accountLinks.create({
      account: account.id,
      type: 'account_onboarding',
      refresh_url: 'https://example.com/refresh',
      return_url: 'https://example.com/return',
    });
    expectReferenceKeys(link, 'account_link');
    expect(link.url).toContain(account.id);
    expect(link.expires_at).toBeGreaterThan(link.created);

    const session = await stripe.accountSessions.create({
      account: account.id,
      components: { account_onboarding: { enabled: true } },
    });
    expectReferenceKeys(session, 'account_session');
    expect(session.client_secret).toMatch(/^accs_secret__/);
    expect(session.components.account_onboarding.enabled).toBe(true);
    expect(session.components.payments.enabled).toBe(false);

    const missing = await stripeError(
      stripe.accountLinks.create({ account: 'acct_nope', type: 'account_onboarding' }),
    );
    expect(missing).toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'account' });
    const badType = await stripeError(
      stripe.accountLinks.create({ account: account.id, type: 'nope' as 'account_onboarding' }),
    );
    expect(badType).toMatchObject({ statusCode: 400, param: 'type' });
    const noComponents = await stripeError(
      stripe.accountSessions.create({ account: account.id } as Stripe.AccountSessionCreateParams),
    );
    expect(noComponents).toMatchObject({ statusCode: 400, param: 'components' });
  });
});

describe('tax ids', () => {
  it('keeps customer and account tax ids in one store', async () => {
    const customer = await stripe.customers.create({ name: 'Taxed' });
    const vat = await stripe.customers.createTaxId(customer.id, { type: 'eu_vat', value: 'DE123456789' });
    expectReferenceKeys(vat, 'tax_id');
    expect(vat).toMatchObject({
      country: 'DE',
      customer: customer.id,
      owner: { type: 'customer', customer: customer.id },
      verification: { status: 'pending' },
    });
    const ein = await stripe.taxIds.create({
      type: 'us_ein',
      value: '12-3456789',
      owner: { type: 'customer', customer: customer.id },
    });
    const own = await stripe.taxIds.create({ type: 'gb_vat', value: 'GB123456789' });
    expect(own.owner?.type).toBe('self');

    const listed = await stripe.customers.listTaxIds(customer.id);
    expect(listed.data.map((t) => t.id)).toEqual([ein.id, vat.id]);
    expect((await stripe.customers.retrieveTaxId(customer.id, vat.id)).value).toBe('DE123456789');
    expect((await stripe.taxIds.retrieve(own.id)).type).toBe('gb_vat');
    const selfOnly = await stripe.taxIds.list({ owner: { type: 'self' } });
    expect(selfOnly.data.map((t) => t.id)).toEqual([own.id]);

    expect(await stripe.customers.deleteTaxId(customer.id, vat.id)).toEqual({
      id: vat.id,
      object: 'tax_id',
      deleted: true,
    });
    expect((await stripe.taxIds.del(ein.id)).deleted).toBe(true);
    expect((await stripe.customers.listTaxIds(customer.id)).data).toEqual([]);
    const gone = await stripeError(stripe.taxIds.retrieve(vat.id));
    expect(gone).toMatchObject({ statusCode: 404, code: 'resource_missing' });

    const invalid = await stripeError(
      stripe.customers.createTaxId(customer.id, { type: 'us_ein', value: 'not-an-ein' }),
    );
    expect(invalid).toMatchObject({ statusCode: 400, code: 'tax_id_invalid', param: 'value' });
    const noCustomer = await stripeError(
      stripe.customers.createTaxId('cus_nope', { type: 'eu_vat', value: 'DE123456789' }),
    );
    expect(noCustomer).toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });
});

describe('customer sessions and ephemeral keys', () => {
  it('hands out client secrets for a customer and revokes ephemeral keys', async () => {
    const customer = await stripe.customers.create({ name: 'Mobile' });
    const session = await stripe.customerSessions.create({
      customer: customer.id,
      components: { pricing_table: { enabled: true } },
    });
    expectReferenceKeys(session, 'customer_session');
    expect(session.client_secret).toMatch(/^cuss_secret_/);
    expect(session.components?.pricing_table.enabled).toBe(true);
    expect(session.components?.buy_button.enabled).toBe(false);
    const none = await stripeError(
      stripe.customerSessions.create({
        customer: customer.id,
        components: { buy_button: { enabled: false } },
      }),
    );
    expect(none).toMatchObject({ statusCode: 400, param: 'components' });

    const key = await stripe.ephemeralKeys.create({ customer: customer.id }, { apiVersion: '2024-06-20' });
    expect(key.secret).toMatch(/^ek_test_/);
    expect((key as unknown as { associated_objects: unknown }).associated_objects).toEqual([
      { id: customer.id, type: 'customer' },
    ]);
    const revoked = await stripe.ephemeralKeys.del(key.id);
    expectReferenceKeys(revoked, 'ephemeral_key');
    expect(revoked.id).toBe(key.id);
    const again = await stripeError(stripe.ephemeralKeys.del(key.id));
    expect(again).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    const noCustomer = await stripeError(
      stripe.ephemeralKeys.create({ customer: 'cus_nope' }, { apiVersion: '2024-06-20' }),
    );
    expect(noCustomer).toMatchObject({ statusCode: 404, param: 'customer' });
  });
});

describe('static reference data', () => {
  it('serves country specs, exchange rates and tax codes with Stripe lists', async () => {
    const us = await stripe.countrySpecs.retrieve('US');
    expectReferenceKeys(us, 'country_spec');
    expect(us.default_currency).toBe('usd');
    const specs = await stripe.countrySpecs.list({ limit: 2 });
    expect(specs.has_more).toBe(true);
    const next = await stripe.countrySpecs.list({ limit: 100, starting_after: specs.data[1]?.id });
    expect(next.has_more).toBe(false);
    expect([...specs.data, ...next.data].map((s) => s.id)).toContain('US');

    const usd = await stripe.exchangeRates.retrieve('usd');
    expectReferenceKeys(usd, 'exchange_rate');
    expect(usd.rates.eur).toBeGreaterThan(0);
    expect(usd.rates.usd).toBeUndefined();
    expect((await stripe.exchangeRates.list()).data.map((r) => r.id)).toContain('eur');

    const saas = await stripe.taxCodes.retrieve('txcd_10000000');
    expectReferenceKeys(saas, 'tax_code');
    expect(saas.name).toBe('General - Electronically Supplied Services');
    expect((await stripe.taxCodes.list({ limit: 100 })).data.length).toBeGreaterThan(3);

    const unknown = await stripeError(stripe.taxCodes.retrieve('txcd_nope'));
    expect(unknown).toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'id' });
    const badCursor = await stripeError(stripe.countrySpecs.list({ starting_after: 'XX' }));
    expect(badCursor).toMatchObject({ statusCode: 404, param: 'starting_after' });
  });
});

describe('card tokens, setup attempts and mandates', () => {
  it('mints single-use card tokens that make payment methods', async () => {
    const token = await stripe.tokens.create({
      card: { number: '4000000000000002', exp_month: '12', exp_year: '2034', cvc: '123' },
    } as Stripe.TokenCreateParams);
    expectReferenceKeys(token, 'token');
    expect(token.id).toMatch(/^tok_/);
    expect(token.card).toMatchObject({ brand: 'Visa', last4: '0002', exp_year: 2034, funding: 'credit' });
    expect((await stripe.tokens.retrieve(token.id)).used).toBe(false);

    const pm = await stripe.paymentMethods.create({ type: 'card', card: { token: token.id } });
    expect(pm.card).toMatchObject({ last4: '0002', exp_month: 12, exp_year: 2034 });
    expect((await stripe.tokens.retrieve(token.id)).used).toBe(true);
    const reused = await stripeError(
      stripe.paymentMethods.create({ type: 'card', card: { token: token.id } }),
    );
    expect(reused).toMatchObject({ statusCode: 400, param: 'card[token]' });
    // The token's card is the declining test card it was minted from.
    const declined = await stripeError(
      stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: pm.id, confirm: true }),
    );
    expect(declined).toMatchObject({ statusCode: 402, code: 'card_declined' });

    const badNumber = await stripeError(
      stripe.tokens.create({
        card: { number: '4242424242424241', exp_month: '12', exp_year: '2034' },
      } as Stripe.TokenCreateParams),
    );
    expect(badNumber).toMatchObject({ statusCode: 402, code: 'incorrect_number', param: 'card[number]' });
    const expired = await stripeError(
      stripe.tokens.create({
        card: { number: '4242424242424242', exp_month: '1', exp_year: '2001' },
      } as Stripe.TokenCreateParams),
    );
    expect(expired).toMatchObject({ statusCode: 402, code: 'invalid_expiry_year' });
  });

  it('lists the attempt of a confirmed setup intent; mandates are Stripe 404s', async () => {
    const customer = await stripe.customers.create({ name: 'Setup' });
    const intent = await stripe.setupIntents.create({
      customer: customer.id,
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    const attempts = await stripe.setupAttempts.list({ setup_intent: intent.id });
    expect(attempts.data).toHaveLength(1);
    const [attempt] = attempts.data;
    expectReferenceKeys(attempt as object, 'setup_attempt');
    expect(attempt).toMatchObject({
      object: 'setup_attempt',
      setup_intent: intent.id,
      payment_method: intent.payment_method,
      customer: customer.id,
      status: 'succeeded',
    });
    const pending = await stripe.setupIntents.create({ customer: customer.id });
    expect((await stripe.setupAttempts.list({ setup_intent: pending.id })).data).toEqual([]);
    const noIntent = await stripeError(stripe.setupAttempts.list({} as Stripe.SetupAttemptListParams));
    expect(noIntent).toMatchObject({ statusCode: 400, param: 'setup_intent' });
    const mandate = await stripeError(stripe.mandates.retrieve('mandate_nope'));
    expect(mandate).toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });
});

describe('top-ups, refund expiry and early fraud warnings', () => {
  it('adds top-ups to the pending balance and takes canceled ones back out', async () => {
    const pendingUsd = async () =>
      (await stripe.balance.retrieve()).pending.find((f) => f.currency === 'usd')?.amount ?? 0;
    const before = await pendingUsd();
    const topup = await stripe.topups.create({ amount: 5000, currency: 'usd', description: 'Float' });
    expectReferenceKeys(topup, 'topup');
    expect(topup).toMatchObject({ status: 'pending', amount: 5000 });
    expect(topup.expected_availability_date).toBeGreaterThan(topup.created);
    const txn = await stripe.balanceTransactions.retrieve(topup.balance_transaction as string);
    expect(txn).toMatchObject({ type: 'topup', amount: 5000, source: topup.id });
    expect(await pendingUsd()).toBe(before + 5000);
    expect((await stripe.topups.list({ status: 'pending' })).data.map((t) => t.id)).toContain(topup.id);

    const canceled = await stripe.topups.cancel(topup.id);
    expect(canceled.status).toBe('canceled');
    expect((await stripe.topups.retrieve(topup.id)).status).toBe('canceled');
    expect(await pendingUsd()).toBe(before);
    const again = await stripeError(stripe.topups.cancel(topup.id));
    expect(again).toMatchObject({ statusCode: 400, code: 'topup_not_cancelable' });
    const noAmount = await stripeError(stripe.topups.create({ currency: 'usd' } as Stripe.TopupCreateParams));
    expect(noAmount).toMatchObject({ statusCode: 400, param: 'amount' });
  });

  it('refuses to expire a refund that awaits no action; no early fraud warnings', async () => {
    const pi = await stripe.paymentIntents.create({
      amount: 1200,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    const refund = await stripe.refunds.create({ payment_intent: pi.id });
    const expire = await stripeError(stripe.testHelpers.refunds.expire(refund.id));
    expect(expire).toMatchObject({ statusCode: 400, code: 'refund_not_expirable' });
    const missing = await stripeError(stripe.testHelpers.refunds.expire('re_nope'));
    expect(missing).toMatchObject({ statusCode: 404, code: 'resource_missing' });

    const warnings = await stripe.radar.earlyFraudWarnings.list({ charge: pi.latest_charge as string });
    expect(warnings).toMatchObject({ object: 'list', data: [], has_more: false });
    const none = await stripeError(stripe.radar.earlyFraudWarnings.retrieve('issfr_nope'));
    expect(none).toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });
});
