import { customerNow, liveCustomer, startSubscription } from './billing.js';
import {
  boolean,
  currency,
  hash,
  integer,
  isHash,
  metadata,
  missing,
  nullableString,
  oneOf,
  string,
} from './params.js';
import { confirmIntent, declinedError } from './payments.js';
import type { Params } from './request-params.js';
import { emptyCustomerFields } from './resources/customers.js';
import { redeemCoupon } from './resources/invoices.js';
import { attachForCustomer, resolvePaymentMethod } from './resources/payment-methods.js';
import { createPrice, PRICE_DATA_KEYS } from './resources/prices.js';
import { promotionCodeByCode, redeemPromotionCode } from './resources/promotion-codes.js';
import { confirmSetup } from './resources/setup-intents.js';
import { type CustomerRow, findCustomer, insertCustomer } from './store/customers.js';
import { findLive, insertObject, type StripeObject, saveObject } from './store/objects.js';
import { invalidRequest, resourceMissing } from './stripe-error.js';
import { taxesOn, taxRatesFrom } from './taxes.js';
import { previousAttributes, type Tx } from './tx.js';
import type { CouponObject, DiscountObject, InvoiceObject } from './views/billing.js';
import type { PromotionCodeObject, ShippingRateObject, TaxRateObject } from './views/catalogue.js';
import {
  type CheckoutItem,
  type CheckoutMode,
  type CheckoutSessionObject,
  newCheckoutItem,
  newCheckoutSession,
  type PaymentLinkObject,
} from './views/checkout.js';
import { customerView } from './views/customer.js';
import { newPaymentIntent } from './views/payment-intent.js';
import type { PriceObject } from './views/price.js';
import { newProduct, type ProductObject } from './views/product.js';
import { newSetupIntent } from './views/setup-intent.js';

/**
 * Stripe Checkout in the clone: sessions priced from their line items (discounts, tax
 * rates, shipping), and completing one (what the customer does on the hosted page) pays
 * for it in its mode: a payment intent, a subscription, or a setup intent, each with the
 * events Stripe sends, then `checkout.session.completed`.
 */

const DAY = 86_400;
const listOf = (value: unknown, param: string): unknown[] => {
  const items = Array.isArray(value) ? value : isHash(value) ? Object.values(value) : null;
  if (items === null) throw invalidRequest('Invalid array', { param });
  return items;
};

/** The page a session's `url` opens: the clone's stand-in for checkout.stripe.com. */
export const checkoutUrl = (tx: Tx, id: string) => `${tx.publicUrl}/_asym/checkout/${id}`;
/** A payment link's `url`: opening it starts a new session (buy.stripe.com's stand-in). */
export const paymentLinkUrl = (tx: Tx, id: string) => `${tx.publicUrl}/_asym/pay/${id}`;

/** `line_items[]`: a price (or `price_data`, making an inactive one-off price) and a quantity. */
export async function lineItemsFrom(
  tx: Tx,
  value: unknown,
  options: { priceData: boolean },
): Promise<{ items: CheckoutItem[]; taxRates: TaxRateObject[][] }> {
  const items: CheckoutItem[] = [];
  const taxRates: TaxRateObject[][] = [];
  const raw = listOf(value, 'line_items');
  if (raw.length > 100)
    throw invalidRequest('You may only specify up to 100 line items.', { param: 'line_items' });
  for (const [index, entry] of raw.entries()) {
    const at = `line_items[${index}]`;
    const item = hash(entry, at, [
      'adjustable_quantity',
      'dynamic_tax_rates',
      'price',
      ...(options.priceData ? ['price_data'] : []),
      'quantity',
      'tax_rates',
    ]);
    let price: PriceObject;
    if (item.price !== undefined) {
      const id = string(item.price, `${at}[price]`);
      const found = await findLive<PriceObject>(tx.db, 'prices', id);
      if (!found) throw resourceMissing('price', id, `${at}[price]`);
      if (!found.active) {
        throw invalidRequest(
          `The price specified (${id}) is inactive. This field only accepts active prices.`,
          {
            param: `${at}[price]`,
          },
        );
      }
      price = found;
    } else if (item.price_data !== undefined) {
      price = await priceFromData(tx, item.price_data, `${at}[price_data]`);
    } else {
      missing(`${at}[price]`);
    }
    if (item.quantity === undefined) missing(`${at}[quantity]`);
    const quantity = integer(item.quantity, `${at}[quantity]`, { min: 1, max: 999_999 });
    let adjustable: Record<string, unknown> | null = null;
    if (item.adjustable_quantity !== undefined) {
      const adj = hash(item.adjustable_quantity, `${at}[adjustable_quantity]`, [
        'enabled',
        'maximum',
        'minimum',
      ]);
      if (adj.enabled === undefined) missing(`${at}[adjustable_quantity][enabled]`);
      adjustable = {
        enabled: boolean(adj.enabled, `${at}[adjustable_quantity][enabled]`),
        maximum:
          adj.maximum === undefined
            ? null
            : integer(adj.maximum, `${at}[adjustable_quantity][maximum]`, { min: 1 }),
        minimum:
          adj.minimum === undefined
            ? null
            : integer(adj.minimum, `${at}[adjustable_quantity][minimum]`, { min: 0 }),
      };
    }
    const product = await findLive<ProductObject>(tx.db, 'products', price.product);
    items.push(
      newCheckoutItem({
        id: tx.ids.object('li'),
        price,
        quantity,
        description: product?.name ?? null,
        adjustableQuantity: adjustable,
      }),
    );
    taxRates.push(
      item.tax_rates === undefined ? [] : await taxRatesFrom(tx, item.tax_rates, `${at}[tax_rates]`),
    );
  }
  return { items, taxRates };
}

async function priceFromData(tx: Tx, value: unknown, at: string): Promise<PriceObject> {
  const data = hash(value, at, [...PRICE_DATA_KEYS, 'product', 'product_data']);
  let productId: string;
  if (data.product !== undefined) {
    productId = string(data.product, `${at}[product]`);
    if (!(await findLive(tx.db, 'products', productId)))
      throw resourceMissing('product', productId, `${at}[product]`);
  } else if (data.product_data !== undefined) {
    const pd = hash(data.product_data, `${at}[product_data]`, [
      'description',
      'images',
      'metadata',
      'name',
      'tax_code',
      'unit_label',
    ]);
    if (pd.name === undefined) missing(`${at}[product_data][name]`);
    const product = newProduct({
      id: tx.ids.object('prod', 14),
      created: tx.now,
      name: string(pd.name, `${at}[product_data][name]`),
      description:
        pd.description === undefined
          ? null
          : nullableString(pd.description, `${at}[product_data][description]`),
      metadata: metadata(pd.metadata, `${at}[product_data][metadata]`),
      active: false,
    });
    await insertObject(tx.db, 'products', product);
    await tx.emit('product.created', product);
    productId = product.id;
  } else {
    missing(`${at}[product]`);
  }
  // Stripe makes inline prices inactive: they serve this purchase only.
  return createPrice(tx, data, productId, at, { active: false });
}

/** `discounts[]` on a session: one coupon or promotion code, checked now and redeemed on completion. */
export async function sessionDiscountsFrom(
  tx: Tx,
  value: unknown,
): Promise<CheckoutSessionObject['discounts']> {
  const raw = listOf(value, 'discounts');
  if (raw.length > 1) throw invalidRequest('You may only specify one discount.', { param: 'discounts' });
  const out: NonNullable<CheckoutSessionObject['discounts']> = [];
  for (const [index, entry] of raw.entries()) {
    const at = `discounts[${index}]`;
    const d = hash(entry, at, ['coupon', 'promotion_code']);
    if (d.coupon !== undefined) {
      const id = string(d.coupon, `${at}[coupon]`);
      const coupon = await findLive<CouponObject>(tx.db, 'coupons', id);
      if (!coupon?.valid) throw resourceMissing('coupon', id, `${at}[coupon]`);
      out.push({ coupon: id, promotion_code: null });
    } else if (d.promotion_code !== undefined) {
      const id = string(d.promotion_code, `${at}[promotion_code]`);
      const promo = await findLive<PromotionCodeObject>(tx.db, 'promotion_codes', id);
      if (!promo?.active) throw resourceMissing('promotion code', id, `${at}[promotion_code]`);
      out.push({ coupon: promo.promotion.coupon, promotion_code: id });
    } else {
      missing(`${at}[coupon]`);
    }
  }
  return out;
}

/** `shipping_options[][shipping_rate]`: the rates offered (the first is the one chosen). */
export async function shippingOptionsFrom(tx: Tx, value: unknown, currencyCode: string | null) {
  const out: Array<{ shipping_amount: number; shipping_rate: string }> = [];
  for (const [index, entry] of listOf(value, 'shipping_options').entries()) {
    const at = `shipping_options[${index}]`;
    const option = hash(entry, at, ['shipping_rate']);
    if (option.shipping_rate === undefined) missing(`${at}[shipping_rate]`);
    const id = string(option.shipping_rate, `${at}[shipping_rate]`);
    const rate = await findLive<ShippingRateObject>(tx.db, 'shipping_rates', id);
    if (!rate) throw resourceMissing('shipping_rate', id, `${at}[shipping_rate]`);
    if (currencyCode !== null && rate.fixed_amount.currency !== currencyCode) {
      throw invalidRequest(
        `The shipping rate ${id} is in ${rate.fixed_amount.currency}, not ${currencyCode}.`,
        {
          param: `${at}[shipping_rate]`,
        },
      );
    }
    out.push({ shipping_amount: rate.fixed_amount.amount, shipping_rate: id });
  }
  return out;
}

/**
 * Prices the session: each item's discount share and taxes, shipping from the first
 * option, `amount_total` and `total_details` as the hosted page would charge them.
 */
export async function priceSession(tx: Tx, session: CheckoutSessionObject): Promise<void> {
  const items = session._line_items;
  if (session.mode === 'setup') return;
  const subtotal = items.reduce((sum, item) => sum + item.amount_subtotal, 0);
  let discount = 0;
  for (const d of session.discounts ?? []) {
    const coupon = d.coupon ? await findLive<CouponObject>(tx.db, 'coupons', d.coupon) : null;
    if (!coupon) continue;
    discount +=
      coupon.percent_off !== null
        ? Math.round(((subtotal - discount) * coupon.percent_off) / 100)
        : Math.min(subtotal - discount, coupon.amount_off ?? 0);
  }
  const rates = (session._tax_rates as TaxRateObject[][] | undefined) ?? [];
  let exclusive = 0;
  let taxTotal = 0;
  items.forEach((item, index) => {
    item.amount_discount = subtotal > 0 ? Math.round((discount * item.amount_subtotal) / subtotal) : 0;
    const taxed = taxesOn(item.amount_subtotal - item.amount_discount, rates[index] ?? []);
    item.amount_tax = taxed.inclusive + taxed.exclusive;
    item.amount_total = item.amount_subtotal - item.amount_discount + taxed.exclusive;
    exclusive += taxed.exclusive;
    taxTotal += item.amount_tax;
  });
  const shipping = session.shipping_options[0];
  const shippingAmount = shipping?.shipping_amount ?? 0;
  session.amount_subtotal = subtotal;
  session.amount_total = subtotal - discount + exclusive + shippingAmount;
  session.total_details = {
    amount_discount: discount,
    amount_shipping: shippingAmount,
    amount_tax: taxTotal,
  };
  session.shipping_cost = shipping
    ? {
        amount_subtotal: shippingAmount,
        amount_tax: 0,
        amount_total: shippingAmount,
        shipping_rate: shipping.shipping_rate,
      }
    : null;
}

export interface NewSession {
  mode: CheckoutMode;
  params: Params;
  items: CheckoutItem[];
  taxRates: TaxRateObject[][];
  paymentLink: PaymentLinkObject | null;
}

/** Builds, prices and stores an open session, and emits nothing (Stripe sends no event for it). */
export async function createSession(tx: Tx, input: NewSession): Promise<CheckoutSessionObject> {
  const { params, items, mode } = input;
  let customer: CustomerRow | null = null;
  if (params.customer !== undefined) {
    customer = await liveCustomer(tx, string(params.customer, 'customer'));
    if (params.customer_email !== undefined) {
      throw invalidRequest('You may only specify one of these parameters: customer, customer_email.', {
        param: 'customer_email',
      });
    }
  }
  if (params.allow_promotion_codes !== undefined && params.discounts !== undefined) {
    throw invalidRequest('You may only specify one of these parameters: allow_promotion_codes, discounts.', {
      param: 'allow_promotion_codes',
    });
  }
  let sessionCurrency: string | null = null;
  if (mode === 'setup') {
    if (items.length > 0) {
      throw invalidRequest('You cannot pass `line_items` in `setup` mode.', { param: 'line_items' });
    }
    sessionCurrency = params.currency === undefined ? null : currency(params.currency);
  } else {
    if (items.length === 0) missing('line_items');
    sessionCurrency = (items[0] as CheckoutItem).currency;
    if (items.some((item) => item.currency !== sessionCurrency)) {
      throw invalidRequest('All line items must have the same currency.', { param: 'line_items' });
    }
    const recurring = items.filter((item) => item.price.type === 'recurring');
    if (mode === 'payment' && recurring.length > 0) {
      throw invalidRequest(
        'You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.',
        { param: 'mode' },
      );
    }
    if (mode === 'subscription' && recurring.length === 0) {
      throw invalidRequest(
        'You must provide at least one recurring price in `subscription` mode when using prices.',
        {
          param: 'mode',
        },
      );
    }
    if (mode === 'subscription' && recurring.length !== items.length) {
      throw invalidRequest(
        'The asymmetric Stripe clone takes only recurring prices in `subscription` mode (one-time items are not billed on the first invoice yet).',
        { param: 'line_items' },
      );
    }
  }
  const created = tx.now;
  const expiresAt =
    params.expires_at === undefined
      ? created + DAY
      : integer(params.expires_at, 'expires_at', { min: created + 30 * 60, max: created + DAY });
  const id = `cs_test_${tx.ids.secret(58)}`;
  const session = newCheckoutSession({
    id,
    created,
    mode,
    expires_at: expiresAt,
    currency: sessionCurrency,
    customer: customer?.id ?? null,
    customer_email:
      params.customer_email === undefined
        ? null
        : string(params.customer_email, 'customer_email', { max: 800 }),
    client_reference_id:
      params.client_reference_id === undefined
        ? null
        : string(params.client_reference_id, 'client_reference_id', { max: 200 }),
    metadata: metadata(params.metadata),
    success_url:
      params.success_url === undefined ? null : string(params.success_url, 'success_url', { max: 5000 }),
    cancel_url:
      params.cancel_url === undefined ? null : string(params.cancel_url, 'cancel_url', { max: 5000 }),
    allow_promotion_codes:
      params.allow_promotion_codes === undefined
        ? null
        : boolean(params.allow_promotion_codes, 'allow_promotion_codes'),
    customer_creation:
      params.customer_creation === undefined
        ? mode === 'payment'
          ? 'if_required'
          : null
        : oneOf(params.customer_creation, 'customer_creation', ['always', 'if_required'] as const),
    payment_link: input.paymentLink?.id ?? null,
    paymentMethodTypes: ['card'],
    shippingOptions:
      params.shipping_options === undefined
        ? []
        : await shippingOptionsFrom(tx, params.shipping_options, sessionCurrency),
  });
  if (mode === 'payment' && params.shipping_options === undefined && input.paymentLink) {
    session.shipping_options = input.paymentLink
      .shipping_options as CheckoutSessionObject['shipping_options'];
  }
  session.url = checkoutUrl(tx, id);
  session._line_items = items;
  session._tax_rates = input.taxRates;
  session.discounts = params.discounts === undefined ? [] : await sessionDiscountsFrom(tx, params.discounts);
  session._intent_data = intentData(params, mode);
  await priceSession(tx, session);
  await insertObject(tx.db, 'checkout_sessions', session);
  return session;
}

/** `payment_intent_data`, `subscription_data` and `setup_intent_data`: what completion creates with. */
function intentData(params: Params, mode: CheckoutMode): Record<string, unknown> {
  const key =
    mode === 'payment'
      ? 'payment_intent_data'
      : mode === 'subscription'
        ? 'subscription_data'
        : 'setup_intent_data';
  for (const other of ['payment_intent_data', 'subscription_data', 'setup_intent_data']) {
    if (other !== key && params[other] !== undefined) {
      throw invalidRequest(`You can not pass \`${other}\` in \`${mode}\` mode.`, { param: other });
    }
  }
  if (params[key] === undefined) return {};
  const allowed =
    mode === 'payment'
      ? [
          'capture_method',
          'description',
          'metadata',
          'receipt_email',
          'setup_future_usage',
          'statement_descriptor',
          'statement_descriptor_suffix',
        ]
      : mode === 'subscription'
        ? ['default_tax_rates', 'description', 'metadata', 'trial_end', 'trial_period_days']
        : ['description', 'metadata'];
  const raw = hash(params[key], key, allowed);
  const out: Record<string, unknown> = {};
  if (raw.metadata !== undefined) out.metadata = metadata(raw.metadata, `${key}[metadata]`);
  if (raw.description !== undefined)
    out.description = string(raw.description, `${key}[description]`, { max: 1000 });
  if (raw.capture_method !== undefined) {
    out.capture_method = oneOf(raw.capture_method, `${key}[capture_method]`, [
      'automatic',
      'automatic_async',
      'manual',
    ] as const);
  }
  if (raw.setup_future_usage !== undefined) {
    out.setup_future_usage = oneOf(raw.setup_future_usage, `${key}[setup_future_usage]`, [
      'off_session',
      'on_session',
    ] as const);
  }
  if (raw.receipt_email !== undefined) out.receipt_email = string(raw.receipt_email, `${key}[receipt_email]`);
  if (raw.statement_descriptor !== undefined) {
    out.statement_descriptor = string(raw.statement_descriptor, `${key}[statement_descriptor]`, { max: 22 });
  }
  if (raw.trial_period_days !== undefined) {
    out.trial_period_days = integer(raw.trial_period_days, `${key}[trial_period_days]`, { min: 1, max: 730 });
  }
  if (raw.trial_end !== undefined) out.trial_end = integer(raw.trial_end, `${key}[trial_end]`);
  if (raw.default_tax_rates !== undefined) out.default_tax_rates = raw.default_tax_rates;
  return out;
}

export function assertOpen(tx: Tx, session: CheckoutSessionObject): void {
  if (session.status === 'open' && session.expires_at <= tx.now) {
    throw invalidRequest('This Checkout Session has expired.', { code: 'checkout_session_expired' });
  }
  if (session.status !== 'open') {
    throw invalidRequest(`This Checkout Session is no longer active (its status is ${session.status}).`, {
      code: 'checkout_session_unexpected_state',
    });
  }
}

export async function expireSession(tx: Tx, session: CheckoutSessionObject): Promise<CheckoutSessionObject> {
  if (session.status !== 'open') {
    throw invalidRequest('Only Checkout Sessions with a status in ["open"] can be expired.', {
      code: 'checkout_session_unexpected_state',
    });
  }
  const before = structuredClone(session);
  session.status = 'expired';
  session.url = null;
  await saveObject(tx.db, 'checkout_sessions', session);
  await tx.emit('checkout.session.expired', session, previousAttributes(before, session));
  return session;
}

export interface Completion {
  /** A test payment method (`pm_card_visa`, a test card token) or a stored one. */
  paymentMethod: string;
  email: string | null;
  name: string | null;
  /** A promotion code the customer typed (sessions with `allow_promotion_codes`). */
  promotionCode: string | null;
}

async function newCustomer(tx: Tx, email: string | null, name: string | null): Promise<CustomerRow> {
  const row = await insertCustomer(tx.db, {
    id: tx.ids.customer(),
    created: tx.now,
    ...emptyCustomerFields(tx.ids.invoicePrefix()),
    email,
    name,
  });
  await tx.emit('customer.created', customerView(row) as StripeObject);
  return row;
}

/**
 * What the customer's "Pay" on the hosted page does: a declined card answers Stripe's
 * card error and leaves the session open; otherwise the session completes in its mode.
 */
export async function completeSession(
  tx: Tx,
  session: CheckoutSessionObject,
  input: Completion,
): Promise<CheckoutSessionObject> {
  assertOpen(tx, session);
  const before = structuredClone(session);
  if (input.promotionCode !== null && input.promotionCode !== '') {
    if (!session.allow_promotion_codes) {
      throw invalidRequest('This Checkout Session does not accept promotion codes.', {
        param: 'promotion_code',
      });
    }
    const promo = await promotionCodeByCode(tx, input.promotionCode);
    if (!promo) {
      throw invalidRequest(`The promotion code ${input.promotionCode} is invalid.`, {
        code: 'promotion_code_invalid',
        param: 'promotion_code',
      });
    }
    session.discounts = [{ coupon: promo.promotion.coupon, promotion_code: promo.id }];
    await priceSession(tx, session);
  }
  const email = input.email ?? session.customer_email;
  let customer = session.customer ? await findCustomer(tx.db, session.customer) : null;
  if (!customer && (session.mode !== 'payment' || session.customer_creation === 'always')) {
    customer = await newCustomer(tx, email, input.name);
    session.customer = customer.id;
  }
  if (customer) tx.now = await customerNow(tx, customer);
  const pm = customer
    ? await attachForCustomer(tx, input.paymentMethod, customer.id)
    : await resolvePaymentMethod(tx, input.paymentMethod, 'payment_method');
  session.customer_details = {
    address: pm.billing_details?.address ?? null,
    business_name: null,
    email: email ?? customer?.email ?? null,
    individual_name: null,
    name: input.name ?? customer?.name ?? null,
    phone: null,
    tax_exempt: customer?.tax_exempt ?? 'none',
    tax_ids: [],
  };
  const data = session._intent_data;
  const owner = (subscription: string | null) => ({ customer: customer?.id ?? null, subscription });
  const purchase = { amount: session.amount_subtotal ?? 0, currency: session.currency ?? 'usd' };
  const redeem = async (subscription: string | null): Promise<DiscountObject[]> => {
    const out: DiscountObject[] = [];
    for (const d of session.discounts ?? []) {
      out.push(
        d.promotion_code
          ? await redeemPromotionCode(tx, d.promotion_code, owner(subscription), 'discounts', purchase)
          : await redeemCoupon(tx, d.coupon as string, owner(subscription), 'discounts'),
      );
    }
    return out.map((discount) => ({ ...discount, checkout_session: session.id }));
  };

  if (session.mode === 'payment') {
    await redeem(null);
    const pi = newPaymentIntent({
      id: tx.ids.object('pi'),
      created: tx.now,
      amount: session.amount_total ?? 0,
      currency: session.currency ?? 'usd',
      client_secret: '',
      customer: customer?.id ?? null,
      payment_method: pm.id,
      description: (data.description as string | undefined) ?? null,
      metadata: (data.metadata as Record<string, string> | undefined) ?? {},
      capture_method: (data.capture_method as 'automatic' | 'manual' | undefined) ?? 'automatic',
      receipt_email: (data.receipt_email as string | undefined) ?? email ?? null,
      setup_future_usage: (data.setup_future_usage as 'off_session' | undefined) ?? null,
      statement_descriptor: (data.statement_descriptor as string | undefined) ?? null,
    });
    pi.client_secret = `${pi.id}_secret_${tx.ids.secret(25)}`;
    pi.status = 'requires_confirmation';
    await insertObject(tx.db, 'payment_intents', pi);
    await tx.emit('payment_intent.created', pi);
    // The hosted page runs 3-D Secure itself: a card that asks for it passes.
    const result = await confirmIntent(tx, pi, { offSession: false, authenticated: true });
    if (result.declined) throw declinedError(result.intent);
    session.payment_intent = pi.id;
    session.payment_status = 'paid';
  } else if (session.mode === 'subscription') {
    if (!customer) throw new Error('subscription mode always has a customer');
    const trialDays = data.trial_period_days as number | undefined;
    const trialEnd = (data.trial_end as number | undefined) ?? (trialDays ? tx.now + trialDays * DAY : null);
    const rates =
      data.default_tax_rates === undefined
        ? []
        : await taxRatesFrom(tx, data.default_tax_rates, 'subscription_data[default_tax_rates]');
    const { sub, pay } = await startSubscription(tx, {
      customer: await liveCustomer(tx, customer.id),
      items: session._line_items.map((item) => ({
        price: item.price,
        quantity: item.quantity,
        metadata: {},
      })),
      collectionMethod: 'charge_automatically',
      daysUntilDue: null,
      defaultPaymentMethod: pm.id,
      description: (data.description as string | undefined) ?? null,
      metadata: (data.metadata as Record<string, string> | undefined) ?? {},
      trialEnd,
      defaultTaxRates: rates,
      discounts: (subscription) => redeem(subscription),
    });
    if (pay.error) throw pay.error;
    session.subscription = sub.id;
    session.invoice = pay.invoice.id;
    session.payment_status = pay.invoice.amount_paid > 0 ? 'paid' : 'no_payment_required';
    session.amount_total = (pay.invoice as InvoiceObject).total;
  } else {
    const siId = tx.ids.object('seti');
    const si = newSetupIntent({
      id: siId,
      created: tx.now,
      client_secret: `${siId}_secret_${tx.ids.secret(32)}`,
      customer: customer?.id ?? null,
      payment_method: pm.id,
      description: (data.description as string | undefined) ?? null,
      metadata: (data.metadata as Record<string, string> | undefined) ?? {},
      usage: 'off_session',
    });
    si.status = 'requires_confirmation';
    await insertObject(tx.db, 'setup_intents', si);
    await tx.emit('setup_intent.created', si);
    const result = await confirmSetup(tx, si);
    if (result.error) throw result.error;
    session.setup_intent = si.id;
  }
  session.status = 'complete';
  session.url = null;
  await saveObject(tx.db, 'checkout_sessions', session);
  await tx.emit('checkout.session.completed', session, previousAttributes(before, session));
  if (session.payment_link) await countLinkCompletion(tx, session.payment_link);
  return session;
}

/** A payment link with `restrictions[completed_sessions][limit]` deactivates once reached. */
async function countLinkCompletion(tx: Tx, id: string) {
  const link = await findLive<PaymentLinkObject>(tx.db, 'payment_links', id, { forUpdate: true });
  if (!link?.restrictions) return;
  const before = structuredClone(link);
  link.restrictions.completed_sessions.count += 1;
  if (link.restrictions.completed_sessions.count >= link.restrictions.completed_sessions.limit)
    link.active = false;
  await saveObject(tx.db, 'payment_links', link);
  await tx.emit('payment_link.updated', link, previousAttributes(before, link));
}
