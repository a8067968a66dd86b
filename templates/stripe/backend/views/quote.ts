import type { StripeObject } from '../store/objects.js';
import type { PriceObject } from './price.js';

/** Quotes and their line items (`item`), with exactly the keys of fixtures3.json's examples. */

export interface QuoteLineItem extends StripeObject {
  object: 'item';
  amount_subtotal: number;
  amount_total: number;
  currency: string;
  description: string;
  price: PriceObject;
  quantity: number;
}

export function newQuoteLineItem(fields: {
  id: string;
  price: PriceObject;
  quantity: number;
  description: string;
}): QuoteLineItem {
  const amount = (fields.price.unit_amount ?? 0) * fields.quantity;
  return {
    id: fields.id,
    object: 'item',
    adjustable_quantity: null,
    amount_discount: 0,
    amount_subtotal: amount,
    amount_tax: 0,
    amount_total: amount,
    currency: fields.price.currency,
    description: fields.description,
    metadata: null,
    price: fields.price,
    quantity: fields.quantity,
  };
}

export type QuoteStatus = 'draft' | 'open' | 'accepted' | 'canceled';

export interface QuoteObject extends StripeObject {
  object: 'quote';
  amount_subtotal: number;
  amount_total: number;
  collection_method: 'charge_automatically' | 'send_invoice';
  computed: {
    recurring: {
      amount_subtotal: number;
      amount_total: number;
      interval: string;
      interval_count: number;
      total_details: { amount_discount: number; amount_shipping: number; amount_tax: number };
    } | null;
    upfront: {
      amount_subtotal: number;
      amount_total: number;
      total_details: { amount_discount: number; amount_shipping: number; amount_tax: number };
    };
  };
  created: number;
  currency: string;
  customer: string | null;
  description: string | null;
  expires_at: number;
  footer: string | null;
  header: string | null;
  invoice: string | null;
  invoice_settings: { days_until_due: number | null } & Record<string, unknown>;
  metadata: Record<string, string>;
  number: string | null;
  status: QuoteStatus;
  status_transitions: { accepted_at: number | null; canceled_at: number | null; finalized_at: number | null };
  subscription: string | null;
  subscription_data: {
    description: string | null;
    effective_date: number | null;
    metadata: Record<string, string> | null;
    trial_period_days: number | null;
    billing_mode: { type: 'classic' };
  };
  test_clock: string | null;
  /** The clone's own: the quote's lines (`GET /v1/quotes/:id/line_items`). */
  _line_items?: QuoteLineItem[];
}

const noTotals = () => ({ amount_discount: 0, amount_shipping: 0, amount_tax: 0 });

export function newQuote(fields: {
  id: string;
  created: number;
  customer: string | null;
  currency: string;
  collectionMethod: 'charge_automatically' | 'send_invoice';
  daysUntilDue: number | null;
  description: string | null;
  header: string | null;
  footer: string | null;
  expiresAt: number;
  metadata: Record<string, string>;
  testClock: string | null;
}): QuoteObject {
  return {
    id: fields.id,
    object: 'quote',
    amount_subtotal: 0,
    amount_total: 0,
    application: null,
    application_fee_amount: null,
    application_fee_percent: null,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    collection_method: fields.collectionMethod,
    computed: {
      recurring: null,
      upfront: { amount_subtotal: 0, amount_total: 0, total_details: noTotals() },
    },
    created: fields.created,
    currency: fields.currency,
    customer: fields.customer,
    customer_account: null,
    default_tax_rates: [],
    description: fields.description,
    discounts: [],
    expires_at: fields.expiresAt,
    footer: fields.footer,
    from_quote: null,
    header: fields.header,
    invoice: null,
    invoice_settings: {
      days_until_due: fields.daysUntilDue,
      issuer: { type: 'self' },
    },
    livemode: false,
    metadata: fields.metadata,
    number: null,
    on_behalf_of: null,
    status: 'draft',
    status_transitions: { accepted_at: null, canceled_at: null, finalized_at: null },
    subscription: null,
    subscription_data: {
      billing_mode: { type: 'classic' },
      description: null,
      effective_date: null,
      metadata: null,
      trial_period_days: null,
    },
    subscription_schedule: null,
    test_clock: fields.testClock,
    total_details: noTotals(),
    transfer_data: null,
  };
}

/** Sets a quote's totals from its lines: what is paid up front, and what recurs. */
export function computeQuoteTotals(quote: QuoteObject): void {
  const lines = quote._line_items ?? [];
  const upfront = lines.reduce((sum, line) => sum + line.amount_total, 0);
  const recurringLines = lines.filter((line) => line.price.recurring !== null);
  const first = recurringLines[0]?.price.recurring ?? null;
  const recurring = recurringLines.reduce((sum, line) => sum + line.amount_total, 0);
  quote.amount_subtotal = upfront;
  quote.amount_total = upfront;
  quote.computed = {
    recurring: first
      ? {
          amount_subtotal: recurring,
          amount_total: recurring,
          interval: first.interval,
          interval_count: first.interval_count,
          total_details: noTotals(),
        }
      : null,
    upfront: { amount_subtotal: upfront, amount_total: upfront, total_details: noTotals() },
  };
}
