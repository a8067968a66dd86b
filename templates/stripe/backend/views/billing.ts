import type { StripeObject } from '../store/objects.js';
import type { PriceObject } from './price.js';

/**
 * Billing objects (coupons, discounts, invoices and their lines, invoice items,
 * subscriptions and their items, test clocks), each with exactly the keys of the same
 * resource in fixtures3.json.
 */

export interface CouponObject extends StripeObject {
  object: 'coupon';
  amount_off: number | null;
  currency: string | null;
  duration: 'forever' | 'once' | 'repeating';
  duration_in_months: number | null;
  max_redemptions: number | null;
  metadata: Record<string, string>;
  name: string | null;
  percent_off: number | null;
  redeem_by: number | null;
  times_redeemed: number;
  valid: boolean;
}

export function newCoupon(
  fields: Pick<
    CouponObject,
    | 'id'
    | 'amount_off'
    | 'created'
    | 'currency'
    | 'duration'
    | 'duration_in_months'
    | 'max_redemptions'
    | 'metadata'
    | 'name'
    | 'percent_off'
    | 'redeem_by'
  > & { created: number },
): CouponObject {
  return {
    id: fields.id,
    object: 'coupon',
    amount_off: fields.amount_off,
    created: fields.created,
    currency: fields.currency,
    duration: fields.duration,
    duration_in_months: fields.duration_in_months,
    livemode: false,
    max_redemptions: fields.max_redemptions,
    metadata: fields.metadata,
    name: fields.name,
    percent_off: fields.percent_off,
    redeem_by: fields.redeem_by,
    times_redeemed: 0,
    valid: true,
  };
}

export interface DiscountObject extends StripeObject {
  object: 'discount';
  customer: string | null;
  end: number | null;
  start: number;
  subscription: string | null;
  source: { coupon: string; type: 'coupon' };
}

export function newDiscount(fields: {
  id: string;
  coupon: CouponObject;
  customer: string | null;
  subscription: string | null;
  invoice?: string | null;
  start: number;
}): DiscountObject {
  const { coupon } = fields;
  const months = coupon.duration === 'repeating' ? (coupon.duration_in_months ?? 1) : null;
  return {
    id: fields.id,
    object: 'discount',
    checkout_session: null,
    customer: fields.customer,
    customer_account: null,
    end: months === null ? null : fields.start + months * 30 * 86_400,
    invoice: fields.invoice ?? null,
    invoice_item: null,
    promotion_code: null,
    source: { coupon: coupon.id, type: 'coupon' },
    start: fields.start,
    subscription: fields.subscription,
    subscription_item: null,
  };
}

export interface Period {
  start: number;
  end: number;
}

export interface LineItem extends StripeObject {
  object: 'line_item';
  amount: number;
  currency: string;
  description: string | null;
  discount_amounts: Array<{ amount: number; discount: string }>;
  discountable: boolean;
  invoice: string;
  metadata: Record<string, string>;
  period: Period;
  quantity: number;
  subscription: string | null;
}

export function newLineItem(fields: {
  id: string;
  invoice: string;
  amount: number;
  currency: string;
  description: string | null;
  period: Period;
  quantity: number;
  price: PriceObject | null;
  subscription: string | null;
  subscriptionItem: string | null;
  invoiceItem: string | null;
  metadata?: Record<string, string>;
  discountable?: boolean;
}): LineItem {
  return {
    id: fields.id,
    object: 'line_item',
    amount: fields.amount,
    currency: fields.currency,
    description: fields.description,
    discount_amounts: [],
    discountable: fields.discountable ?? true,
    discounts: [],
    invoice: fields.invoice,
    livemode: false,
    metadata: fields.metadata ?? {},
    parent: fields.subscriptionItem
      ? {
          invoice_item_details: null,
          subscription_item_details: {
            invoice_item: null,
            proration: false,
            proration_details: { credited_items: null },
            subscription: fields.subscription,
            subscription_item: fields.subscriptionItem,
          },
          type: 'subscription_item_details',
        }
      : {
          invoice_item_details: {
            invoice_item: fields.invoiceItem,
            proration: false,
            proration_details: { credited_items: null },
            subscription: fields.subscription,
          },
          subscription_item_details: null,
          type: 'invoice_item_details',
        },
    period: fields.period,
    pretax_credit_amounts: [],
    pricing: fields.price
      ? {
          price_details: { price: fields.price.id, product: fields.price.product },
          type: 'price_details',
          unit_amount_decimal: fields.price.unit_amount_decimal,
        }
      : null,
    quantity: fields.quantity,
    quantity_decimal: String(fields.quantity),
    subscription: fields.subscription,
    subtotal: fields.amount,
    taxes: [],
  };
}

export type InvoiceStatus = 'draft' | 'open' | 'paid' | 'uncollectible' | 'void';

export interface InvoiceObject extends StripeObject {
  object: 'invoice';
  amount_due: number;
  amount_paid: number;
  amount_remaining: number;
  attempt_count: number;
  attempted: boolean;
  auto_advance: boolean;
  billing_reason: string;
  collection_method: 'charge_automatically' | 'send_invoice';
  created: number;
  currency: string;
  customer: string;
  default_payment_method: string | null;
  description: string | null;
  discounts: string[];
  due_date: number | null;
  ending_balance: number | null;
  lines: { object: 'list'; data: LineItem[]; has_more: boolean; total_count: number; url: string };
  metadata: Record<string, string>;
  next_payment_attempt: number | null;
  number: string | null;
  period_end: number;
  period_start: number;
  post_payment_credit_notes_amount: number;
  pre_payment_credit_notes_amount: number;
  starting_balance: number;
  status: InvoiceStatus;
  status_transitions: {
    finalized_at: number | null;
    marked_uncollectible_at: number | null;
    paid_at: number | null;
    voided_at: number | null;
  };
  subscription: string | null;
  subtotal: number;
  test_clock: string | null;
  total: number;
  total_discount_amounts: Array<{ amount: number; discount: string }>;
  /** The clone's own: payment intents made to pay this invoice, newest last. */
  _payment_intents?: string[];
  /** The clone's own: the discount objects applied (ids are in `discounts`). */
  _discounts?: DiscountObject[];
}

export function newInvoice(fields: {
  id: string;
  created: number;
  customer: {
    id: string;
    email: string | null;
    name: string | null;
    phone: string | null;
    address: unknown;
    shipping: unknown;
    tax_exempt: string;
  };
  currency: string;
  billingReason: string;
  collectionMethod: 'charge_automatically' | 'send_invoice';
  daysUntilDue: number | null;
  autoAdvance: boolean;
  subscription: string | null;
  description?: string | null;
  metadata?: Record<string, string>;
  defaultPaymentMethod?: string | null;
  testClock?: string | null;
  period?: Period;
  accountName: string;
}): InvoiceObject {
  const period = fields.period ?? { start: fields.created, end: fields.created };
  return {
    id: fields.id,
    object: 'invoice',
    account_country: 'US',
    account_name: fields.accountName,
    account_tax_ids: null,
    amount_due: 0,
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: 0,
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: fields.autoAdvance,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: fields.billingReason,
    collection_method: fields.collectionMethod,
    created: fields.created,
    currency: fields.currency,
    custom_fields: null,
    customer: fields.customer.id,
    customer_account: null,
    customer_address: fields.customer.address ?? null,
    customer_email: fields.customer.email,
    customer_name: fields.customer.name,
    customer_phone: fields.customer.phone,
    customer_shipping: fields.customer.shipping ?? null,
    customer_tax_exempt: fields.customer.tax_exempt,
    customer_tax_ids: [],
    default_payment_method: fields.defaultPaymentMethod ?? null,
    default_source: null,
    default_tax_rates: [],
    description: fields.description ?? null,
    discounts: [],
    due_date:
      fields.collectionMethod === 'send_invoice'
        ? fields.created + (fields.daysUntilDue ?? 30) * 86_400
        : null,
    effective_at: null,
    ending_balance: null,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: {
      object: 'list',
      data: [],
      has_more: false,
      total_count: 0,
      url: `/v1/invoices/${fields.id}/lines`,
    },
    livemode: false,
    metadata: fields.metadata ?? {},
    next_payment_attempt: null,
    number: null,
    on_behalf_of: null,
    parent: fields.subscription
      ? {
          quote_details: null,
          subscription_details: { metadata: {}, subscription: fields.subscription },
          type: 'subscription_details',
        }
      : null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: period.end,
    period_start: period.start,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: 'draft',
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subscription: fields.subscription,
    subtotal: 0,
    subtotal_excluding_tax: 0,
    test_clock: fields.testClock ?? null,
    total: 0,
    total_discount_amounts: [],
    total_excluding_tax: 0,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: null,
  };
}

export interface InvoiceItemObject extends StripeObject {
  object: 'invoiceitem';
  amount: number;
  currency: string;
  customer: string;
  date: number;
  description: string | null;
  discountable: boolean;
  invoice: string | null;
  metadata: Record<string, string>;
  period: Period;
  quantity: number;
  test_clock: string | null;
}

export function newInvoiceItem(fields: {
  id: string;
  date: number;
  customer: string;
  amount: number;
  currency: string;
  description: string | null;
  invoice: string | null;
  price: PriceObject | null;
  quantity: number;
  metadata: Record<string, string>;
  period?: Period;
  discountable?: boolean;
  testClock?: string | null;
  /** The subscription a proration belongs to. */
  subscription?: string | null;
  subscriptionItem?: string | null;
  proration?: boolean;
}): InvoiceItemObject {
  return {
    id: fields.id,
    object: 'invoiceitem',
    amount: fields.amount,
    currency: fields.currency,
    customer: fields.customer,
    customer_account: null,
    date: fields.date,
    description: fields.description,
    discountable: fields.discountable ?? true,
    discounts: [],
    invoice: fields.invoice,
    livemode: false,
    metadata: fields.metadata,
    net_amount: fields.amount,
    parent: fields.subscription
      ? {
          subscription_details: {
            subscription: fields.subscription,
            subscription_item: fields.subscriptionItem ?? null,
          },
          type: 'subscription_details',
        }
      : null,
    period: fields.period ?? { start: fields.date, end: fields.date },
    pricing: fields.price
      ? {
          price_details: { price: fields.price.id, product: fields.price.product },
          type: 'price_details',
          unit_amount_decimal: fields.price.unit_amount_decimal,
        }
      : {
          price_details: null,
          type: 'price_details',
          unit_amount_decimal: String(fields.amount / fields.quantity),
        },
    proration: fields.proration ?? false,
    quantity: fields.quantity,
    quantity_decimal: String(fields.quantity),
    tax_rates: [],
    test_clock: fields.testClock ?? null,
  };
}

/** The legacy `plan` view of a recurring price, as subscription items still carry it. */
export function planOf(price: PriceObject): StripeObject {
  return {
    id: price.id,
    object: 'plan',
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: 'per_unit',
    created: price.created,
    currency: price.currency,
    interval: price.recurring?.interval ?? 'month',
    interval_count: price.recurring?.interval_count ?? 1,
    livemode: false,
    metadata: price.metadata,
    meter: null,
    nickname: price.nickname,
    product: price.product,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: price.recurring?.trial_period_days ?? null,
    usage_type: price.recurring?.usage_type ?? 'licensed',
  };
}

export interface SubscriptionItemObject extends StripeObject {
  object: 'subscription_item';
  created: number;
  current_period_end: number;
  current_period_start: number;
  metadata: Record<string, string>;
  price: PriceObject;
  quantity: number;
  subscription: string;
}

export function newSubscriptionItem(fields: {
  id: string;
  created: number;
  price: PriceObject;
  quantity: number;
  subscription: string;
  period: Period;
  metadata?: Record<string, string>;
}): SubscriptionItemObject {
  return {
    id: fields.id,
    object: 'subscription_item',
    billing_thresholds: null,
    created: fields.created,
    current_period_end: fields.period.end,
    current_period_start: fields.period.start,
    discounts: [],
    metadata: fields.metadata ?? {},
    plan: planOf(fields.price),
    price: fields.price,
    quantity: fields.quantity,
    subscription: fields.subscription,
    tax_rates: [],
  };
}

export type SubscriptionStatus =
  | 'incomplete'
  | 'incomplete_expired'
  | 'trialing'
  | 'active'
  | 'past_due'
  | 'canceled'
  | 'unpaid'
  | 'paused';

export interface SubscriptionObject extends StripeObject {
  object: 'subscription';
  billing_cycle_anchor: number;
  cancel_at: number | null;
  cancel_at_period_end: boolean;
  canceled_at: number | null;
  cancellation_details: { comment: string | null; feedback: string | null; reason: string | null };
  collection_method: 'charge_automatically' | 'send_invoice';
  created: number;
  currency: string;
  customer: string;
  days_until_due: number | null;
  default_payment_method: string | null;
  description: string | null;
  discounts: string[];
  ended_at: number | null;
  items: {
    object: 'list';
    data: SubscriptionItemObject[];
    has_more: boolean;
    total_count: number;
    url: string;
  };
  latest_invoice: string | null;
  metadata: Record<string, string>;
  start_date: number;
  status: SubscriptionStatus;
  test_clock: string | null;
  trial_end: number | null;
  trial_start: number | null;
  /** The clone's own: the discount objects applied (ids are in `discounts`). */
  _discounts?: DiscountObject[];
}

export function newSubscription(fields: {
  id: string;
  created: number;
  customer: string;
  currency: string;
  collectionMethod: 'charge_automatically' | 'send_invoice';
  daysUntilDue: number | null;
  defaultPaymentMethod: string | null;
  description: string | null;
  metadata: Record<string, string>;
  testClock: string | null;
  trialEnd: number | null;
}): SubscriptionObject {
  return {
    id: fields.id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: fields.trialEnd ?? fields.created,
    billing_cycle_anchor_config: null,
    billing_mode: { flexible: null, type: 'classic' },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, reason: null },
    collection_method: fields.collectionMethod,
    created: fields.created,
    currency: fields.currency,
    customer: fields.customer,
    customer_account: null,
    days_until_due: fields.daysUntilDue,
    default_payment_method: fields.defaultPaymentMethod,
    default_source: null,
    default_tax_rates: [],
    description: fields.description,
    discounts: [],
    ended_at: null,
    invoice_settings: {
      account_tax_ids: null,
      custom_fields: null,
      description: null,
      footer: null,
      issuer: { type: 'self' },
    },
    items: {
      object: 'list',
      data: [],
      has_more: false,
      total_count: 0,
      url: `/v1/subscription_items?subscription=${fields.id}`,
    },
    latest_invoice: null,
    livemode: false,
    managed_payments: null,
    metadata: fields.metadata,
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: {
      payment_method_options: null,
      payment_method_types: null,
      save_default_payment_method: 'off',
    },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: fields.created,
    status: fields.trialEnd ? 'trialing' : 'incomplete',
    test_clock: fields.testClock,
    transfer_data: null,
    trial_end: fields.trialEnd,
    trial_settings: { end_behavior: { missing_payment_method: 'create_invoice' } },
    trial_start: fields.trialEnd ? fields.created : null,
  };
}

export interface TestClockObject extends StripeObject {
  object: 'test_helpers.test_clock';
  created: number;
  deletes_after: number;
  frozen_time: number;
  name: string | null;
  status: 'ready' | 'advancing' | 'internal_failure';
}

export function newTestClock(fields: {
  id: string;
  created: number;
  frozenTime: number;
  name: string | null;
}): TestClockObject {
  return {
    id: fields.id,
    object: 'test_helpers.test_clock',
    created: fields.created,
    deletes_after: fields.created + 30 * 86_400,
    frozen_time: fields.frozenTime,
    livemode: false,
    name: fields.name,
    status: 'ready',
    status_details: {},
  };
}
