import {
  computeTotals,
  customerNow,
  draftInvoice,
  lineForItem,
  liveCustomer,
  startSubscription,
} from './billing.js';
import { findCustomer } from './store/customers.js';
import { findLive, insertObject, saveObject } from './store/objects.js';
import { invalidRequest } from './stripe-error.js';
import { previousAttributes, type Tx } from './tx.js';
import { newInvoiceItem } from './views/billing.js';
import type { PriceObject } from './views/price.js';
import type { ProductObject } from './views/product.js';
import { computeQuoteTotals, newQuoteLineItem, type QuoteObject } from './views/quote.js';

/**
 * The quote engine: draft → open (finalized, numbered) → accepted (a subscription for
 * recurring lines, a draft invoice for one-time ones) or canceled.
 */

/** A quote's line for `price` × `quantity`, described by its product's name. */
export async function quoteLine(tx: Tx, price: PriceObject, quantity: number) {
  const product = await findLive<ProductObject>(tx.db, 'products', price.product);
  return newQuoteLineItem({
    id: tx.ids.object('li'),
    price,
    quantity,
    description: product?.name ?? price.nickname ?? price.id,
  });
}

/** Checks the lines can be billed together: one currency, one recurring interval. */
export function checkQuoteLines(quote: QuoteObject): void {
  const lines = quote._line_items ?? [];
  const recurring = lines.filter((line) => line.price.recurring !== null);
  const first = recurring[0]?.price.recurring;
  for (const line of lines) {
    if (line.price.currency !== quote.currency) {
      throw invalidRequest('All prices on a quote must have the same `currency`.', { param: 'line_items' });
    }
  }
  for (const line of recurring) {
    const r = line.price.recurring;
    if (r?.interval !== first?.interval || r?.interval_count !== first?.interval_count) {
      throw invalidRequest(
        'All recurring prices on a quote must have the same `recurring.interval` and `recurring.interval_count`.',
        { param: 'line_items' },
      );
    }
  }
  computeQuoteTotals(quote);
}

const notStatus = (quote: QuoteObject, verb: string, allowed: string) =>
  invalidRequest(
    `This quote cannot be ${verb} because it has a status of ${quote.status}. Only quotes with a status of ${allowed} can be ${verb}.`,
  );

export async function finalizeQuote(
  tx: Tx,
  quote: QuoteObject,
  expiresAt: number | null = null,
): Promise<QuoteObject> {
  if (quote.status !== 'draft') throw notStatus(quote, 'finalized', 'draft');
  if (quote.customer === null) {
    throw invalidRequest('You must set a customer on the quote before finalizing it.', { param: 'customer' });
  }
  if ((quote._line_items ?? []).length === 0) {
    throw invalidRequest('A quote must have at least one line item to be finalized.', {
      param: 'line_items',
    });
  }
  const before = structuredClone(quote);
  if (expiresAt !== null) quote.expires_at = expiresAt;
  if (quote.expires_at <= tx.now) {
    throw invalidRequest('The quote’s `expires_at` must be in the future to finalize it.', {
      param: 'expires_at',
    });
  }
  const customer = await liveCustomer(tx, quote.customer);
  const { rows } = await tx.db.query<{ n: string }>(
    `SELECT count(*) AS n FROM quotes WHERE data->>'customer' = $1 AND data->>'number' IS NOT NULL`,
    [customer.id],
  );
  quote.number = `QT-${customer.invoice_prefix}-${String(Number(rows[0]?.n ?? 0) + 1).padStart(4, '0')}`;
  quote.status = 'open';
  quote.status_transitions.finalized_at = tx.now;
  await saveObject(tx.db, 'quotes', quote);
  await tx.emit('quote.finalized', quote, previousAttributes(before, quote));
  return quote;
}

/**
 * Accepts an open quote: recurring lines start a subscription (one-time lines join its
 * first invoice), a quote of one-time lines only becomes a draft invoice.
 */
export async function acceptQuote(tx: Tx, quote: QuoteObject): Promise<QuoteObject> {
  if (quote.status !== 'open') throw notStatus(quote, 'accepted', 'open');
  const customer = await liveCustomer(tx, quote.customer as string);
  tx.now = await customerNow(tx, customer);
  if (quote.expires_at <= tx.now) {
    throw invalidRequest('This quote has expired and can no longer be accepted.', { code: 'quote_expired' });
  }
  const lines = quote._line_items ?? [];
  const recurring = lines.filter((line) => line.price.recurring !== null);
  const oneTime = lines.filter((line) => line.price.recurring === null);
  const before = structuredClone(quote);
  const metadata = { ...(quote.subscription_data.metadata ?? {}) };
  const addItem = async (line: (typeof lines)[number], invoice: string | null) => {
    const item = newInvoiceItem({
      id: tx.ids.object('ii'),
      date: tx.now,
      customer: customer.id,
      amount: line.amount_total,
      currency: line.currency,
      description: line.description,
      invoice,
      price: line.price,
      quantity: line.quantity,
      metadata: {},
      testClock: customer.test_clock,
    });
    await insertObject(tx.db, 'invoiceitems', item);
    await tx.emit('invoiceitem.created', item);
    return item;
  };
  if (recurring.length > 0) {
    for (const line of oneTime) await addItem(line, null);
    const trialDays = quote.subscription_data.trial_period_days;
    const { sub } = await startSubscription(tx, {
      customer: (await findCustomer(tx.db, customer.id)) ?? customer,
      items: recurring.map((line) => ({ price: line.price, quantity: line.quantity, metadata: {} })),
      collectionMethod: quote.collection_method,
      daysUntilDue:
        quote.collection_method === 'send_invoice' ? (quote.invoice_settings.days_until_due ?? 30) : null,
      defaultPaymentMethod: null,
      description: quote.subscription_data.description,
      metadata,
      trialEnd: trialDays ? tx.now + trialDays * 86_400 : null,
    });
    quote.subscription = sub.id;
    quote.invoice = sub.latest_invoice;
  } else {
    const invoice = await draftInvoice(tx, customer, {
      currency: quote.currency,
      billingReason: 'quote_accept',
      collectionMethod: quote.collection_method,
      daysUntilDue:
        quote.collection_method === 'send_invoice' ? (quote.invoice_settings.days_until_due ?? 30) : null,
      autoAdvance: true,
      subscription: null,
      description: quote.description,
    });
    invoice.parent = {
      quote_details: { quote: quote.id },
      subscription_details: null,
      type: 'quote_details',
    };
    for (const line of oneTime)
      invoice.lines.data.push(lineForItem(tx, invoice, await addItem(line, invoice.id)));
    await computeTotals(tx, invoice);
    await insertObject(tx.db, 'invoices', invoice);
    await tx.emit('invoice.created', invoice);
    quote.invoice = invoice.id;
  }
  quote.status = 'accepted';
  quote.status_transitions.accepted_at = tx.now;
  await saveObject(tx.db, 'quotes', quote);
  await tx.emit('quote.accepted', quote, previousAttributes(before, quote));
  return quote;
}

export async function cancelQuote(tx: Tx, quote: QuoteObject): Promise<QuoteObject> {
  if (quote.status !== 'draft' && quote.status !== 'open')
    throw notStatus(quote, 'canceled', 'draft or open');
  const before = structuredClone(quote);
  quote.status = 'canceled';
  quote.status_transitions.canceled_at = tx.now;
  await saveObject(tx.db, 'quotes', quote);
  await tx.emit('quote.canceled', quote, previousAttributes(before, quote));
  return quote;
}
