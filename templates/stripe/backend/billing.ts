import { adjustCustomerBalance } from './customer-balance.js';
import { meterUsage } from './meters.js';
import { confirmIntent, declinedError } from './payments.js';
import { advanceSchedules } from './schedules.js';
import { type CustomerRow, findCustomer, setCustomerBilling } from './store/customers.js';
import { findLive, insertObject, listObjects, type StripeObject, saveObject } from './store/objects.js';
import { invalidRequest, type StripeError } from './stripe-error.js';
import { applyInvoiceTaxes } from './taxes.js';
import { previousAttributes, type Tx } from './tx.js';
import {
  type CouponObject,
  type DiscountObject,
  type InvoiceItemObject,
  type InvoiceObject,
  newInvoice,
  newInvoiceItem,
  newLineItem,
  newSubscription,
  newSubscriptionItem,
  type Period,
  type SubscriptionItemObject,
  type SubscriptionObject,
  type TestClockObject,
} from './views/billing.js';
import type { TaxRateObject } from './views/catalogue.js';
import type { MeterObject } from './views/meter.js';
import { newPaymentIntent, type PaymentIntentObject } from './views/payment-intent.js';
import type { PaymentMethodObject } from './views/payment-method.js';
import type { PriceObject } from './views/price.js';
import type { ProductObject } from './views/product.js';

/**
 * The billing engine: invoices (totals, discounts, customer balance, numbering,
 * finalize, pay, void), subscriptions' invoices and renewals, and test clocks that
 * move subscriptions through time.
 */

const DAY = 86_400;
const RETRY_AFTER_SECONDS = 3 * DAY;

/** The end of a billing period that starts at `start`, calendar-aware for months and years. */
export function periodEnd(start: number, interval: string, count: number): number {
  if (interval === 'day') return start + count * DAY;
  if (interval === 'week') return start + count * 7 * DAY;
  const date = new Date(start * 1000);
  const months = interval === 'year' ? 12 * count : count;
  const day = date.getUTCDate();
  const target = new Date(
    Date.UTC(
      date.getUTCFullYear(),
      date.getUTCMonth() + months,
      1,
      date.getUTCHours(),
      date.getUTCMinutes(),
      date.getUTCSeconds(),
    ),
  );
  // Anchor on the 31st: a month without one ends on its last day.
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, last));
  return Math.floor(target.getTime() / 1000);
}

/** Now for a customer: its test clock's frozen time if it has one. */
export async function customerNow(tx: Tx, customer: CustomerRow): Promise<number> {
  if (!customer.test_clock) return tx.now;
  const clock = await findLive<TestClockObject>(tx.db, 'test_clocks', customer.test_clock);
  return clock ? clock.frozen_time : tx.now;
}

export async function liveCustomer(tx: Tx, id: string, param = 'customer'): Promise<CustomerRow> {
  const row = await findCustomer(tx.db, id);
  if (!row || row.deleted) {
    throw invalidRequest(`No such customer: '${id}'`, { code: 'resource_missing', param });
  }
  return row;
}

async function accountName(tx: Tx): Promise<string> {
  const { rows } = await tx.db.query<{ business_name: string }>('SELECT business_name FROM account LIMIT 1');
  return rows[0]?.business_name ?? 'Asymmetric';
}

export async function draftInvoice(
  tx: Tx,
  customer: CustomerRow,
  fields: {
    currency: string;
    billingReason: string;
    collectionMethod: 'charge_automatically' | 'send_invoice';
    daysUntilDue: number | null;
    autoAdvance: boolean;
    subscription: SubscriptionObject | null;
    description?: string | null;
    metadata?: Record<string, string>;
    defaultPaymentMethod?: string | null;
    period?: Period;
  },
): Promise<InvoiceObject> {
  const invoice = newInvoice({
    id: tx.ids.object('in'),
    created: tx.now,
    customer,
    currency: fields.currency,
    billingReason: fields.billingReason,
    collectionMethod: fields.collectionMethod,
    daysUntilDue: fields.daysUntilDue,
    autoAdvance: fields.autoAdvance,
    subscription: fields.subscription?.id ?? null,
    description: fields.description ?? null,
    metadata: fields.metadata,
    defaultPaymentMethod: fields.defaultPaymentMethod ?? null,
    testClock: customer.test_clock,
    period: fields.period,
    accountName: await accountName(tx),
  });
  invoice._payment_intents = [];
  invoice._discounts = [];
  return invoice;
}

/** Recomputes an invoice's amounts from its lines, discounts and payments. */
export async function computeTotals(tx: Tx, invoice: InvoiceObject): Promise<void> {
  const lines = invoice.lines.data;
  const subtotal = lines.reduce((sum, line) => sum + line.amount, 0);
  let discountable = lines.filter((line) => line.discountable).reduce((sum, line) => sum + line.amount, 0);
  const amounts: Array<{ amount: number; discount: string }> = [];
  for (const discount of invoice._discounts ?? []) {
    const coupon = await findLive<CouponObject>(tx.db, 'coupons', discount.source.coupon);
    if (!coupon) continue;
    const off =
      coupon.percent_off !== null
        ? Math.round((discountable * coupon.percent_off) / 100)
        : Math.min(discountable, coupon.amount_off ?? 0);
    discountable -= off;
    amounts.push({ amount: off, discount: discount.id });
  }
  const discountTotal = amounts.reduce((sum, a) => sum + a.amount, 0);
  invoice.subtotal = subtotal;
  invoice.subtotal_excluding_tax = subtotal;
  invoice.total_discount_amounts = amounts;
  invoice.discounts = (invoice._discounts ?? []).map((d) => d.id);
  invoice.total = subtotal - discountTotal;
  invoice.total_excluding_tax = invoice.total;
  applyInvoiceTaxes(invoice, discountTotal);
  if (invoice.status === 'draft') {
    invoice.amount_due = Math.max(0, invoice.total);
    invoice.amount_remaining = invoice.amount_due;
  }
  invoice.lines.total_count = lines.length;
}

/** Moves a customer's pending invoice items onto `invoice` as lines. */
export async function pullPendingItems(tx: Tx, invoice: InvoiceObject): Promise<void> {
  const pending = await listObjects<InvoiceItemObject>(tx.db, 'invoiceitems', {
    filters: [{ path: ['customer'], values: [invoice.customer] }],
  });
  for (const { data: item } of pending.reverse()) {
    if (item.invoice !== null || item.currency !== invoice.currency) continue;
    item.invoice = invoice.id;
    await saveObject(tx.db, 'invoiceitems', item);
    invoice.lines.data.push(lineForItem(tx, invoice, item));
  }
}

export function lineForItem(tx: Tx, invoice: InvoiceObject, item: InvoiceItemObject) {
  const line = newLineItem({
    id: tx.ids.object('il'),
    invoice: invoice.id,
    amount: item.amount,
    currency: item.currency,
    description: item.description,
    period: item.period,
    quantity: item.quantity,
    price: null,
    subscription: invoice.subscription,
    subscriptionItem: null,
    invoiceItem: item.id,
    metadata: item.metadata,
    discountable: item.discountable,
  });
  line.pricing = item.pricing;
  return line;
}

/** Adds the subscription's items for `period` as lines. */
export async function addSubscriptionLines(
  tx: Tx,
  invoice: InvoiceObject,
  sub: SubscriptionObject,
  period: Period,
  trial: boolean,
  usagePeriod: Period | null,
) {
  for (const item of sub.items.data) {
    const product = await findLive<ProductObject>(tx.db, 'products', item.price.product);
    const unit = item.price.unit_amount ?? 0;
    const interval = item.price.recurring?.interval ?? 'month';
    const money = `$${(unit / 100).toFixed(2)}`;
    // A metered price is billed in arrears: what its meter summed over the period just
    // ended (nothing on the first invoice, which has no past period).
    const meterId = item.price.recurring?.usage_type === 'metered' ? item.price.recurring.meter : null;
    let quantity = item.quantity;
    if (meterId !== null) {
      const meter = await findLive<MeterObject>(tx.db, 'billing_meters', meterId);
      quantity =
        meter && usagePeriod && !trial
          ? Math.round(await meterUsage(tx.db, meter, sub.customer, usagePeriod.start, usagePeriod.end))
          : 0;
    }
    invoice.lines.data.push(
      newLineItem({
        id: tx.ids.object('il'),
        invoice: invoice.id,
        amount: trial ? 0 : unit * quantity,
        currency: item.price.currency,
        description: trial
          ? `Trial period for ${product?.name ?? 'product'}`
          : `${quantity} × ${product?.name ?? 'product'} (at ${money} / ${meterId ? 'unit' : interval})`,
        period: meterId !== null && usagePeriod ? usagePeriod : period,
        quantity,
        price: item.price,
        subscription: sub.id,
        subscriptionItem: item.id,
        invoiceItem: null,
      }),
    );
  }
}

/** Discounts that still apply to a subscription's invoice at `at`. */
function liveDiscounts(sub: SubscriptionObject, at: number, first: boolean) {
  return (sub._discounts ?? []).filter((discount) => {
    if (discount.end !== null && discount.end <= at) return false;
    // A `once` coupon (no end, recorded as such) applies to the first invoice only.
    if ((discount as StripeObject)._once === true && !first) return false;
    return true;
  });
}

/** Finalizes a draft: number, customer balance, status open (or paid at zero). */
export async function finalizeInvoice(tx: Tx, invoice: InvoiceObject): Promise<InvoiceObject> {
  if (invoice.status !== 'draft') {
    throw invalidRequest(`This invoice is already finalized, you can't re-finalize a non-draft invoice.`, {
      code: 'invoice_not_editable',
    });
  }
  const before = structuredClone(invoice);
  await computeTotals(tx, invoice);
  const customer = await findCustomer(tx.db, invoice.customer);
  if (customer) {
    invoice.number = `${customer.invoice_prefix}-${String(customer.next_invoice_sequence).padStart(4, '0')}`;
    await tx.db.query(
      'UPDATE customers SET next_invoice_sequence = next_invoice_sequence + 1 WHERE id = $1',
      [customer.id],
    );
    // A negative balance is credit: it pays what it can; a positive one is owed and added.
    // The balance is kept in the customer's currency: an invoice in another leaves it be.
    const balance =
      customer.currency === null || customer.currency === invoice.currency ? customer.balance : 0;
    invoice.starting_balance = balance;
    const due = invoice.total + balance;
    invoice.amount_due = Math.max(0, due);
    invoice.ending_balance = Math.min(0, due);
    if (invoice.ending_balance !== balance) {
      await adjustCustomerBalance(tx, customer, {
        amount: invoice.ending_balance - balance,
        type: 'applied_to_invoice',
        currency: invoice.currency,
        invoice: invoice.id,
      });
    }
    await setCustomerBilling(tx.db, customer.id, { currency: invoice.currency });
  }
  invoice.amount_remaining = invoice.amount_due;
  invoice.status = 'open';
  invoice.status_transitions.finalized_at = tx.now;
  invoice.effective_at = tx.now;
  invoice.hosted_invoice_url = `https://invoice.stripe.com/i/asym_${invoice.id}`;
  invoice.invoice_pdf = `https://pay.stripe.com/invoice/asym_${invoice.id}/pdf`;
  if (invoice.collection_method === 'charge_automatically' && invoice.amount_due > 0) {
    invoice.next_payment_attempt = tx.now;
  }
  await saveObject(tx.db, 'invoices', invoice);
  await tx.emit('invoice.finalized', invoice, previousAttributes(before, invoice));
  if (invoice.amount_due === 0) await markPaid(tx, invoice);
  return invoice;
}

/** Marks an open invoice paid: what is due counts as paid, its subscription recovers. */
export async function markPaid(tx: Tx, invoice: InvoiceObject) {
  const before = structuredClone(invoice);
  invoice.status = 'paid';
  invoice.amount_paid = invoice.amount_due;
  invoice.amount_remaining = 0;
  invoice.status_transitions.paid_at = tx.now;
  invoice.next_payment_attempt = null;
  invoice.auto_advance = false;
  await saveObject(tx.db, 'invoices', invoice);
  await tx.emit('invoice.paid', invoice, previousAttributes(before, invoice));
  await tx.emit('invoice.payment_succeeded', invoice);
  await setCustomerBilling(tx.db, invoice.customer, { delinquent: false });
  if (invoice.subscription) {
    const sub = await findLive<SubscriptionObject>(tx.db, 'subscriptions', invoice.subscription);
    if (sub && ['incomplete', 'past_due', 'unpaid'].includes(sub.status)) {
      await setSubscriptionStatus(
        tx,
        sub,
        sub.trial_end !== null && sub.trial_end > tx.now ? 'trialing' : 'active',
      );
    }
  }
}

export async function setSubscriptionStatus(
  tx: Tx,
  sub: SubscriptionObject,
  status: SubscriptionObject['status'],
) {
  if (sub.status === status) return;
  const before = structuredClone(sub);
  sub.status = status;
  await saveObject(tx.db, 'subscriptions', sub);
  await tx.emit('customer.subscription.updated', sub, previousAttributes(before, sub));
}

/** The payment method an invoice is charged to, most specific first. */
async function paymentMethodFor(
  tx: Tx,
  invoice: InvoiceObject,
  explicit: string | null,
): Promise<string | null> {
  if (explicit) return explicit;
  if (invoice.default_payment_method) return invoice.default_payment_method;
  if (invoice.subscription) {
    const sub = await findLive<SubscriptionObject>(tx.db, 'subscriptions', invoice.subscription);
    if (sub?.default_payment_method) return sub.default_payment_method;
  }
  const customer = await findCustomer(tx.db, invoice.customer);
  return customer?.invoice_settings.default_payment_method ?? null;
}

export type PayResult = { invoice: InvoiceObject; error: StripeError | null };

/**
 * Charges an open invoice off session. A decline is recorded (attempt count, next
 * attempt, `invoice.payment_failed`, the subscription past due) and returned, not thrown,
 * so the caller's transaction keeps it.
 */
export async function payInvoice(
  tx: Tx,
  invoice: InvoiceObject,
  options: { paymentMethod?: string | null; paidOutOfBand?: boolean } = {},
): Promise<PayResult> {
  if (invoice.status === 'paid')
    throw invalidRequest('Invoice is already paid', { code: 'invoice_already_paid' });
  if (invoice.status === 'draft') await finalizeInvoice(tx, invoice);
  if ((invoice.status as string) === 'paid') return { invoice, error: null };
  if (invoice.status !== 'open' && invoice.status !== 'uncollectible') {
    throw invalidRequest(`You cannot pay an invoice with a status of ${invoice.status}.`, {
      code: 'invoice_not_payable',
    });
  }
  if (options.paidOutOfBand) {
    await markPaid(tx, invoice);
    return { invoice, error: null };
  }
  const pmId = await paymentMethodFor(tx, invoice, options.paymentMethod ?? null);
  if (!pmId) {
    throw invalidRequest(
      'This customer has no attached payment source or default payment method. Please consider adding a default payment method. For more information, visit https://stripe.com/docs/billing/subscriptions/payment-methods-setting#payment-method-priority.',
      { code: 'invoice_payment_intent_requires_action' },
    );
  }
  const pm = await findLive<PaymentMethodObject>(tx.db, 'payment_methods', pmId);
  if (!pm)
    throw invalidRequest(`No such PaymentMethod: '${pmId}'`, {
      code: 'resource_missing',
      param: 'payment_method',
    });
  const pi = await intentForInvoice(tx, invoice, pm.id);
  const before = structuredClone(invoice);
  invoice.attempted = true;
  invoice.attempt_count += 1;
  const result = await confirmIntent(tx, pi, { offSession: true });
  if (result.declined) {
    invoice.next_payment_attempt =
      invoice.subscription && invoice.attempt_count < 4 ? tx.now + RETRY_AFTER_SECONDS : null;
    await saveObject(tx.db, 'invoices', invoice);
    await tx.emit('invoice.payment_failed', invoice, previousAttributes(before, invoice));
    await setCustomerBilling(tx.db, invoice.customer, { delinquent: true });
    if (invoice.subscription) {
      const sub = await findLive<SubscriptionObject>(tx.db, 'subscriptions', invoice.subscription);
      if (sub && sub.status !== 'canceled') {
        await setSubscriptionStatus(
          tx,
          sub,
          invoice.billing_reason === 'subscription_create' ? 'incomplete' : 'past_due',
        );
      }
    }
    return { invoice, error: declinedError(result.intent as PaymentIntentObject) };
  }
  await saveObject(tx.db, 'invoices', invoice);
  await markPaid(tx, invoice);
  return { invoice, error: null };
}

/**
 * Invoices a subscription for `period` (`trial` lines are free), finalizes it and, when
 * it is charged automatically, tries to pay it.
 */
export async function invoiceSubscription(
  tx: Tx,
  sub: SubscriptionObject,
  period: Period,
  billingReason: 'subscription_create' | 'subscription_cycle' | 'subscription_update',
  options: { trial?: boolean; attemptPayment?: boolean; usagePeriod?: Period } = {},
): Promise<PayResult> {
  const customer = await liveCustomer(tx, sub.customer);
  const invoice = await draftInvoice(tx, customer, {
    currency: sub.currency,
    billingReason,
    collectionMethod: sub.collection_method,
    daysUntilDue: sub.days_until_due,
    autoAdvance: true,
    subscription: sub,
    period,
  });
  invoice.default_tax_rates = structuredClone(sub.default_tax_rates ?? []);
  await addSubscriptionLines(tx, invoice, sub, period, options.trial === true, options.usagePeriod ?? null);
  if (!options.trial) await pullPendingItems(tx, invoice);
  invoice._discounts = liveDiscounts(sub, period.start, billingReason === 'subscription_create');
  if (customer.discount && invoice._discounts.length === 0) {
    invoice._discounts = [customer.discount as unknown as NonNullable<InvoiceObject['_discounts']>[number]];
  }
  await computeTotals(tx, invoice);
  await insertObject(tx.db, 'invoices', invoice);
  await tx.emit('invoice.created', invoice);
  const before = structuredClone(sub);
  sub.latest_invoice = invoice.id;
  await saveObject(tx.db, 'subscriptions', sub);
  if (Object.keys(previousAttributes(before, sub)).length > 0 && billingReason !== 'subscription_create') {
    await tx.emit('customer.subscription.updated', sub, previousAttributes(before, sub));
  }
  const paused = billingReason === 'subscription_cycle' ? pausedCollection(sub, period.start) : null;
  if (paused === 'keep_as_draft') {
    // Collection is paused: the renewal waits as a draft that does not advance itself.
    invoice.auto_advance = false;
    await saveObject(tx.db, 'invoices', invoice);
    return { invoice, error: null };
  }
  await finalizeInvoice(tx, invoice);
  if (paused && invoice.status === 'open') {
    await closeInvoice(tx, invoice, paused === 'void' ? 'void' : 'uncollectible');
    return { invoice, error: null };
  }
  if (
    invoice.status === 'open' &&
    sub.collection_method === 'charge_automatically' &&
    options.attemptPayment === false
  ) {
    // `default_incomplete`: the customer pays through the invoice's payment intent, whose
    // client secret is the invoice's `confirmation_secret`.
    await intentForInvoice(tx, invoice, null);
    await saveObject(tx.db, 'invoices', invoice);
  }
  if (
    invoice.status !== 'open' ||
    sub.collection_method !== 'charge_automatically' ||
    options.attemptPayment === false
  ) {
    return { invoice, error: null };
  }
  try {
    return await payInvoice(tx, invoice);
  } catch (error) {
    // No payment method: the invoice stays open and the subscription is not paid for.
    if (billingReason === 'subscription_create') throw error;
    await setSubscriptionStatus(tx, sub, 'past_due');
    return { invoice, error: null };
  }
}

/** A payment intent for what an open invoice asks for, recorded as one of its payments. */
async function intentForInvoice(
  tx: Tx,
  invoice: InvoiceObject,
  paymentMethod: string | null,
): Promise<PaymentIntentObject> {
  const pi = newPaymentIntent({
    id: tx.ids.object('pi'),
    created: tx.now,
    amount: invoice.amount_remaining,
    currency: invoice.currency,
    client_secret: '',
    customer: invoice.customer,
    description: invoice.billing_reason.startsWith('subscription')
      ? invoice.billing_reason === 'subscription_create'
        ? 'Subscription creation'
        : 'Subscription update'
      : `Payment for Invoice`,
    payment_method: paymentMethod,
    payment_method_types: ['card'],
    status: paymentMethod ? 'requires_confirmation' : 'requires_payment_method',
  });
  pi.client_secret = `${pi.id}_secret_${tx.ids.secret(25)}`;
  await insertObject(tx.db, 'payment_intents', pi);
  await tx.emit('payment_intent.created', pi);
  invoice._payment_intents = [...(invoice._payment_intents ?? []), pi.id];
  return pi;
}

/**
 * After a payment intent succeeded: the open invoice it was made for (its
 * `confirmation_secret`, confirmed by the customer) is paid.
 */
export async function settleInvoiceOf(tx: Tx, pi: PaymentIntentObject): Promise<void> {
  if (pi.status !== 'succeeded') return;
  const { rows } = await tx.db.query<{ id: string }>(
    `SELECT id FROM invoices WHERE data->'_payment_intents' @> $1::jsonb AND data->>'status' = 'open'`,
    [JSON.stringify([pi.id])],
  );
  for (const { id } of rows) {
    const invoice = await findLive<InvoiceObject>(tx.db, 'invoices', id, { forUpdate: true });
    if (!invoice) continue;
    invoice.attempted = true;
    invoice.attempt_count += 1;
    await markPaid(tx, invoice);
  }
}

/** Closes an open invoice without payment: `void` (any balance it used goes back) or `uncollectible`. */
export async function closeInvoice(
  tx: Tx,
  current: InvoiceObject,
  status: 'void' | 'uncollectible',
): Promise<InvoiceObject> {
  const before = structuredClone(current);
  current.status = status;
  current.next_payment_attempt = null;
  current.auto_advance = false;
  if (status === 'void') {
    current.status_transitions.voided_at = tx.now;
    current.amount_remaining = 0;
    const used = current.ending_balance === null ? 0 : current.starting_balance - current.ending_balance;
    const customer = used === 0 ? null : await findCustomer(tx.db, current.customer);
    if (customer && !customer.deleted) {
      await adjustCustomerBalance(tx, customer, {
        amount: used,
        type: 'unapplied_from_invoice',
        currency: current.currency,
        invoice: current.id,
      });
    }
  } else {
    current.status_transitions.marked_uncollectible_at = tx.now;
  }
  await saveObject(tx.db, 'invoices', current);
  await tx.emit(
    status === 'void' ? 'invoice.voided' : 'invoice.marked_uncollectible',
    current,
    previousAttributes(before, current),
  );
  return current;
}

/** How a renewal starting at `at` is collected while collection is paused; null when it is not. */
function pausedCollection(sub: SubscriptionObject, at: number): PauseBehavior | null {
  const pause = sub.pause_collection as { behavior: PauseBehavior; resumes_at: number | null } | null;
  if (!pause || (pause.resumes_at !== null && pause.resumes_at <= at)) return null;
  return pause.behavior;
}

export type PauseBehavior = 'keep_as_draft' | 'mark_uncollectible' | 'void';

/** Whether a subscription has a card to charge (its own default, else its customer's). */
async function hasPaymentMethod(tx: Tx, sub: SubscriptionObject): Promise<boolean> {
  if (sub.default_payment_method) return true;
  const customer = await findCustomer(tx.db, sub.customer);
  return Boolean(customer?.invoice_settings.default_payment_method);
}

/**
 * A trial that ends without a payment method, per `trial_settings.end_behavior`:
 * paused or canceled (true), or invoiced as usual (false).
 */
async function endTrialWithoutCard(tx: Tx, sub: SubscriptionObject): Promise<boolean> {
  const settings = sub.trial_settings as { end_behavior: { missing_payment_method: string } } | null;
  const behavior = settings?.end_behavior.missing_payment_method ?? 'create_invoice';
  if (behavior === 'create_invoice' || (await hasPaymentMethod(tx, sub))) return false;
  if (behavior === 'cancel') {
    await endSubscription(tx, sub, tx.now, 'cancellation_requested');
    return true;
  }
  const before = structuredClone(sub);
  sub.status = 'paused';
  await saveObject(tx.db, 'subscriptions', sub);
  await tx.emit('customer.subscription.paused', sub);
  await tx.emit('customer.subscription.updated', sub, previousAttributes(before, sub));
  return true;
}

/**
 * Resumes a paused subscription at `tx.now`: active again, and with
 * `billing_cycle_anchor=now` a new period from now, invoiced and charged.
 */
export async function resumeSubscription(
  tx: Tx,
  sub: SubscriptionObject,
  anchor: 'now' | 'unchanged',
): Promise<PayResult | null> {
  const before = structuredClone(sub);
  sub.status = 'active';
  const first = sub.items.data[0];
  // `unchanged` keeps the cycle (and bills at its next renewal); `now` starts one today.
  const period =
    anchor === 'now' && first
      ? {
          start: tx.now,
          end: periodEnd(
            tx.now,
            first.price.recurring?.interval ?? 'month',
            first.price.recurring?.interval_count ?? 1,
          ),
        }
      : null;
  if (period) {
    sub.billing_cycle_anchor = tx.now;
    for (const item of sub.items.data) {
      item.current_period_start = period.start;
      item.current_period_end = period.end;
    }
  }
  await saveObject(tx.db, 'subscriptions', sub);
  await tx.emit('customer.subscription.resumed', sub);
  await tx.emit('customer.subscription.updated', sub, previousAttributes(before, sub));
  if (!period) return null;
  return invoiceSubscription(tx, sub, period, 'subscription_cycle');
}

/** Cancels a subscription at `at` (its open invoices stay as they are). */
export async function endSubscription(tx: Tx, sub: SubscriptionObject, at: number, reason: string) {
  const before = structuredClone(sub);
  sub.status = 'canceled';
  sub.canceled_at = sub.canceled_at ?? at;
  sub.ended_at = at;
  sub.cancellation_details = { ...sub.cancellation_details, reason };
  await saveObject(tx.db, 'subscriptions', sub);
  await tx.emit('customer.subscription.deleted', sub, previousAttributes(before, sub));
}

/** Moves one subscription forward to `to`: trial ends, renewals, scheduled cancellation. */
export async function advanceSubscription(tx: Tx, sub: SubscriptionObject, to: number): Promise<void> {
  for (let guard = 0; guard < 1000; guard++) {
    if (['canceled', 'incomplete', 'incomplete_expired', 'paused'].includes(sub.status)) return;
    const item = sub.items.data[0];
    if (!item) return;
    const boundary =
      sub.status === 'trialing' && sub.trial_end !== null ? sub.trial_end : item.current_period_end;
    if (sub.cancel_at !== null && sub.cancel_at <= to && sub.cancel_at <= boundary) {
      tx.now = sub.cancel_at;
      await endSubscription(tx, sub, sub.cancel_at, 'cancellation_requested');
      return;
    }
    if (boundary > to) return;
    tx.now = boundary;
    if (sub.cancel_at_period_end) {
      await endSubscription(tx, sub, boundary, 'cancellation_requested');
      return;
    }
    if (sub.status === 'trialing' && (await endTrialWithoutCard(tx, sub))) return;
    if (pausedCollection(sub, boundary) === null && sub.pause_collection !== null) {
      // The pause ran out (`resumes_at`): collection goes on from this renewal.
      const paused = structuredClone(sub);
      sub.pause_collection = null;
      await saveObject(tx.db, 'subscriptions', sub);
      await tx.emit('customer.subscription.updated', sub, previousAttributes(paused, sub));
    }
    const price = item.price;
    const period = {
      start: boundary,
      end: periodEnd(boundary, price.recurring?.interval ?? 'month', price.recurring?.interval_count ?? 1),
    };
    const before = structuredClone(sub);
    const usagePeriod = { start: item.current_period_start, end: boundary };
    for (const each of sub.items.data) {
      each.current_period_start = period.start;
      each.current_period_end = period.end;
    }
    if (sub.status === 'trialing') sub.status = 'active';
    await saveObject(tx.db, 'subscriptions', sub);
    await tx.emit('customer.subscription.updated', sub, previousAttributes(before, sub));
    await invoiceSubscription(tx, sub, period, 'subscription_cycle', {
      usagePeriod: before.status === 'trialing' ? undefined : usagePeriod,
    });
    // Paying may have changed the stored subscription (status): continue from it.
    Object.assign(sub, await findLive<SubscriptionObject>(tx.db, 'subscriptions', sub.id));
  }
}

/** Advances a test clock: every subscription of its customers moves to `to`. */
export async function advanceClock(tx: Tx, clock: TestClockObject, to: number): Promise<TestClockObject> {
  const requestNow = tx.now;
  // Schedules first: a phase that ends changes what its subscription renews with.
  await advanceSchedules(tx, clock.id, to);
  const subs = await listObjects<SubscriptionObject>(tx.db, 'subscriptions', {
    filters: [{ path: ['test_clock'], values: [clock.id] }],
  });
  for (const { data: sub } of subs.reverse()) await advanceSubscription(tx, sub, to);
  tx.now = requestNow;
  clock.frozen_time = to;
  clock.status = 'ready';
  clock.status_details = {};
  await saveObject(tx.db, 'test_clocks', clock);
  await tx.emit('test_helpers.test_clock.ready', clock);
  return clock;
}

export interface NewSubscription {
  customer: CustomerRow;
  items: Array<{ price: PriceObject; quantity: number; metadata: Record<string, string> }>;
  collectionMethod: 'charge_automatically' | 'send_invoice';
  daysUntilDue: number | null;
  defaultPaymentMethod: string | null;
  description: string | null;
  metadata: Record<string, string>;
  trialEnd: number | null;
  /** `trial_settings.end_behavior.missing_payment_method`. */
  trialEndBehavior?: 'cancel' | 'create_invoice' | 'pause';
  cancelAtPeriodEnd?: boolean;
  cancelAt?: number | null;
  /** Redeems the coupons once the subscription's id is known. */
  discounts?: (subscriptionId: string) => Promise<DiscountObject[]>;
  /** Tax rates for every invoice the subscription makes. */
  defaultTaxRates?: TaxRateObject[];
  /** False for `payment_behavior=default_incomplete`: the first invoice is left open. */
  attemptPayment?: boolean;
  /** The subscription schedule that starts it. */
  schedule?: string | null;
}

/**
 * Creates a subscription at `tx.now` and its first invoice (free through a trial),
 * paying it unless told not to. A declined first payment leaves it `incomplete`.
 */
export async function startSubscription(
  tx: Tx,
  input: NewSubscription,
): Promise<{ sub: SubscriptionObject; pay: PayResult }> {
  const first = input.items[0];
  if (!first) throw invalidRequest('You must specify at least one item.', { param: 'items' });
  const sub = newSubscription({
    id: tx.ids.object('sub'),
    created: tx.now,
    customer: input.customer.id,
    currency: first.price.currency,
    collectionMethod: input.collectionMethod,
    daysUntilDue: input.daysUntilDue,
    defaultPaymentMethod: input.defaultPaymentMethod,
    description: input.description,
    metadata: input.metadata,
    testClock: input.customer.test_clock,
    trialEnd: input.trialEnd,
  });
  const recurring = first.price.recurring;
  const period = input.trialEnd
    ? { start: tx.now, end: input.trialEnd }
    : {
        start: tx.now,
        end: periodEnd(tx.now, recurring?.interval ?? 'month', recurring?.interval_count ?? 1),
      };
  sub.items.data = input.items.map((item) =>
    newSubscriptionItem({
      id: tx.ids.object('si', 14),
      created: tx.now,
      price: item.price,
      quantity: item.quantity,
      subscription: sub.id,
      period,
      metadata: item.metadata,
    }),
  );
  sub.items.total_count = sub.items.data.length;
  sub.default_tax_rates = input.defaultTaxRates ?? [];
  sub.trial_settings = {
    end_behavior: { missing_payment_method: input.trialEndBehavior ?? 'create_invoice' },
  };
  sub.cancel_at_period_end = input.cancelAtPeriodEnd ?? false;
  sub.cancel_at = input.cancelAt ?? null;
  if (sub.cancel_at_period_end || sub.cancel_at !== null) sub.canceled_at = tx.now;
  sub._discounts = input.discounts ? await input.discounts(sub.id) : [];
  sub.discounts = sub._discounts.map((d) => d.id);
  if (input.collectionMethod === 'send_invoice' && !input.trialEnd) sub.status = 'active';
  sub.schedule = input.schedule ?? null;
  await insertObject(tx.db, 'subscriptions', sub);
  await tx.emit('customer.subscription.created', sub);
  const pay = await invoiceSubscription(tx, sub, period, 'subscription_create', {
    trial: input.trialEnd !== null,
    attemptPayment: input.attemptPayment ?? true,
  });
  const fresh = (await findLive<SubscriptionObject>(tx.db, 'subscriptions', sub.id)) ?? sub;
  return { sub: fresh, pay };
}

const shortDate = (seconds: number) =>
  new Date(seconds * 1000).toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  });

/**
 * Prorates an item change made at `tx.now`: a credit for the unused time on what the
 * subscription had and a charge for the rest of the period on what it has now, as
 * pending invoice items (the next invoice picks them up).
 */
export async function prorate(
  tx: Tx,
  sub: SubscriptionObject,
  before: SubscriptionItemObject[],
  after: SubscriptionItemObject[],
): Promise<InvoiceItemObject[]> {
  const created: InvoiceItemObject[] = [];
  const customer = await liveCustomer(tx, sub.customer);
  const add = async (item: SubscriptionItemObject, sign: 1 | -1) => {
    const { current_period_start: start, current_period_end: end } = item;
    if (end <= tx.now || end <= start) return;
    const fraction = (end - tx.now) / (end - start);
    const amount = sign * Math.round((item.price.unit_amount ?? 0) * item.quantity * fraction);
    if (amount === 0) return;
    const product = await findLive<ProductObject>(tx.db, 'products', item.price.product);
    const what = `${item.quantity > 1 ? `${item.quantity} × ` : ''}${product?.name ?? 'product'}`;
    const invoiceItem = newInvoiceItem({
      id: tx.ids.object('ii'),
      date: tx.now,
      customer: customer.id,
      amount,
      currency: item.price.currency,
      description: `${sign < 0 ? 'Unused' : 'Remaining'} time on ${what} after ${shortDate(tx.now)}`,
      invoice: null,
      price: item.price,
      quantity: item.quantity,
      metadata: {},
      period: { start: tx.now, end },
      testClock: customer.test_clock,
      subscription: sub.id,
      subscriptionItem: item.id,
      proration: true,
    });
    await insertObject(tx.db, 'invoiceitems', invoiceItem);
    await tx.emit('invoiceitem.created', invoiceItem);
    created.push(invoiceItem);
  };
  const same = (a: SubscriptionItemObject, b: SubscriptionItemObject | undefined) =>
    b !== undefined && a.price.id === b.price.id && a.quantity === b.quantity;
  for (const old of before) {
    const now = after.find((item) => item.id === old.id);
    if (!same(old, now)) await add(old, -1);
  }
  for (const item of after) {
    const old = before.find((each) => each.id === item.id);
    if (!same(item, old)) await add(item, 1);
  }
  return created;
}

/** Invoices a subscription's pending items now (`proration_behavior=always_invoice`). */
export async function invoicePendingNow(tx: Tx, sub: SubscriptionObject): Promise<PayResult> {
  const customer = await liveCustomer(tx, sub.customer);
  const invoice = await draftInvoice(tx, customer, {
    currency: sub.currency,
    billingReason: 'subscription_update',
    collectionMethod: sub.collection_method,
    daysUntilDue: sub.days_until_due,
    autoAdvance: true,
    subscription: sub,
  });
  await pullPendingItems(tx, invoice);
  await computeTotals(tx, invoice);
  await insertObject(tx.db, 'invoices', invoice);
  await tx.emit('invoice.created', invoice);
  sub.latest_invoice = invoice.id;
  await saveObject(tx.db, 'subscriptions', sub);
  await finalizeInvoice(tx, invoice);
  if (invoice.status !== 'open' || sub.collection_method !== 'charge_automatically')
    return { invoice, error: null };
  return payInvoice(tx, invoice);
}
