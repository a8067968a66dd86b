import type { Context } from 'hono';
import { Hono } from 'hono';
import {
  addSubscriptionLines,
  closeInvoice,
  computeTotals,
  customerNow,
  draftInvoice,
  finalizeInvoice,
  lineForItem,
  liveCustomer,
  payInvoice,
  periodEnd,
  pullPendingItems,
} from '../billing.js';
import { pageOf } from '../list.js';
import {
  amount,
  boolean,
  currency,
  decimal,
  hash,
  integer,
  isHash,
  MAX_AMOUNT,
  mergeMetadata,
  metadata,
  missing,
  nullableString,
  oneOf,
  rejectUnknown,
  string,
} from '../params.js';
import { expansionPlans, invoicePayments } from '../render.js';
import type { Params } from '../request-params.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { findLive, insertObject, markDeleted, saveObject } from '../store/objects.js';
import { invalidRequest, resourceMissing } from '../stripe-error.js';
import { taxRatesFrom } from '../taxes.js';
import { dryRun, previousAttributes, type Tx, transact } from '../tx.js';
import {
  type CouponObject,
  type DiscountObject,
  type InvoiceItemObject,
  type InvoiceObject,
  newDiscount,
  newInvoiceItem,
  type SubscriptionObject,
} from '../views/billing.js';
import type { PriceObject } from '../views/price.js';
import { answer, listAnswer, mustFind, retrieveRoute, searchRoute, stringFilter } from './common.js';
import { redeemPromotionCode } from './promotion-codes.js';
import { applyItemChanges, prorationBehavior, settleItemChange } from './subscriptions.js';

const notEditable = (invoice: InvoiceObject) =>
  invalidRequest(
    `You can only modify draft invoices. This invoice (${invoice.id}) has a status of ${invoice.status}.`,
    { code: 'invoice_not_editable' },
  );

/** `discounts[0][coupon]=x` (or `coupon=x`) as discount objects, redeeming each coupon. */
export async function discountsFrom(
  tx: Tx,
  value: unknown,
  owner: { customer: string | null; subscription: string | null; invoice?: string | null },
  param = 'discounts',
): Promise<DiscountObject[]> {
  if (value === '') return [];
  const items = Array.isArray(value) ? value : isHash(value) ? Object.values(value) : null;
  if (items === null) throw invalidRequest('Invalid array', { param });
  const out: DiscountObject[] = [];
  for (const [index, item] of items.entries()) {
    const at = `${param}[${index}]`;
    const raw = hash(item, at, ['coupon', 'discount', 'promotion_code']);
    if (raw.promotion_code !== undefined && raw.coupon === undefined) {
      const code = string(raw.promotion_code, `${at}[promotion_code]`);
      out.push(await redeemPromotionCode(tx, code, owner, `${at}[promotion_code]`));
      continue;
    }
    if (raw.coupon === undefined) missing(`${at}[coupon]`);
    out.push(await redeemCoupon(tx, string(raw.coupon, `${at}[coupon]`), owner, `${at}[coupon]`));
  }
  return out;
}

export async function redeemCoupon(
  tx: Tx,
  couponId: string,
  owner: { customer: string | null; subscription: string | null; invoice?: string | null },
  param: string,
): Promise<DiscountObject> {
  const coupon = await findLive<CouponObject>(tx.db, 'coupons', couponId, { forUpdate: true });
  if (!coupon) throw resourceMissing('coupon', couponId, param);
  if (!coupon.valid || (coupon.max_redemptions !== null && coupon.times_redeemed >= coupon.max_redemptions)) {
    throw invalidRequest(`Coupon ${couponId} is no longer valid.`, { param });
  }
  if (coupon.redeem_by !== null && coupon.redeem_by < tx.now) {
    throw invalidRequest(`Coupon ${couponId} is expired.`, { param });
  }
  coupon.times_redeemed += 1;
  if (coupon.max_redemptions !== null && coupon.times_redeemed >= coupon.max_redemptions)
    coupon.valid = false;
  await saveObject(tx.db, 'coupons', coupon);
  const discount = newDiscount({ id: tx.ids.object('di'), coupon, start: tx.now, ...owner });
  return coupon.duration === 'once' ? { ...discount, _once: true } : discount;
}

const SEARCH_FIELDS = {
  created: (o: Record<string, unknown>) => o.created,
  currency: (o: Record<string, unknown>) => o.currency,
  customer: (o: Record<string, unknown>) => o.customer,
  number: (o: Record<string, unknown>) => o.number,
  status: (o: Record<string, unknown>) => o.status,
  subscription: (o: Record<string, unknown>) => o.subscription,
  total: (o: Record<string, unknown>) => o.total,
};

async function applyInvoiceFields(tx: Tx, invoice: InvoiceObject, params: Params) {
  if (params.description !== undefined)
    invoice.description = nullableString(params.description, 'description', { max: 1500 });
  if (params.metadata !== undefined) invoice.metadata = mergeMetadata(invoice.metadata, params.metadata);
  if (params.auto_advance !== undefined) invoice.auto_advance = boolean(params.auto_advance, 'auto_advance');
  if (params.footer !== undefined) invoice.footer = nullableString(params.footer, 'footer', { max: 5000 });
  if (params.collection_method !== undefined) {
    invoice.collection_method = oneOf(params.collection_method, 'collection_method', [
      'charge_automatically',
      'send_invoice',
    ] as const);
  }
  if (params.days_until_due !== undefined || params.due_date !== undefined) {
    if (invoice.collection_method !== 'send_invoice') {
      throw invalidRequest('Invoices with `collection_method=charge_automatically` cannot have a due date.', {
        param: 'days_until_due',
      });
    }
    invoice.due_date =
      params.due_date !== undefined
        ? integer(params.due_date, 'due_date')
        : invoice.created + integer(params.days_until_due, 'days_until_due', { min: 0 }) * 86_400;
  } else if (invoice.collection_method === 'send_invoice' && invoice.due_date === null) {
    invoice.due_date = invoice.created + 30 * 86_400;
  }
  if (params.default_payment_method !== undefined) {
    const id = nullableString(params.default_payment_method, 'default_payment_method');
    if (id !== null && !(await findLive(tx.db, 'payment_methods', id))) {
      throw resourceMissing('PaymentMethod', id, 'default_payment_method');
    }
    invoice.default_payment_method = id;
  }
  if (params.default_tax_rates !== undefined) {
    invoice.default_tax_rates = await taxRatesFrom(tx, params.default_tax_rates, 'default_tax_rates');
  }
  if (params.discounts !== undefined) {
    invoice._discounts = await discountsFrom(tx, params.discounts, {
      customer: invoice.customer,
      subscription: null,
      invoice: invoice.id,
    });
  }
}

async function lockInvoice(tx: Tx, id: string): Promise<InvoiceObject> {
  return mustFind<InvoiceObject>(tx.db, 'invoices', 'invoice', id, { forUpdate: true });
}

const lineList = (value: unknown): unknown[] => {
  const items = Array.isArray(value) ? value : isHash(value) ? Object.values(value) : null;
  if (items === null || items.length === 0) throw invalidRequest('Invalid array', { param: 'lines' });
  return items;
};

/** A draft invoice's lines edited in one transaction: totals recomputed, `invoice.updated` emitted. */
async function editLines(
  deps: ResourceDeps,
  c: Context<StripeEnv>,
  params: Params,
  edit: (tx: Tx, invoice: InvoiceObject) => Promise<void>,
): Promise<InvoiceObject> {
  return transact(deps, c, async (tx) => {
    const invoice = await lockInvoice(tx, c.req.param('id') ?? '');
    if (invoice.status !== 'draft') throw notEditable(invoice);
    const before = structuredClone(invoice);
    await edit(tx, invoice);
    if (params.invoice_metadata !== undefined) {
      invoice.metadata = mergeMetadata(invoice.metadata, params.invoice_metadata, 'invoice_metadata');
    }
    await computeTotals(tx, invoice);
    await saveObject(tx.db, 'invoices', invoice);
    await tx.emit('invoice.updated', invoice, previousAttributes(before, invoice));
    return invoice;
  });
}

/** A line of `invoice` by id and the invoice item behind it (subscription lines have none). */
async function itemOfLine(tx: Tx, invoice: InvoiceObject, value: unknown, at: string) {
  if (value === undefined) missing(`${at}[id]`);
  const lineId = string(value, `${at}[id]`);
  const line = invoice.lines.data.find((each) => each.id === lineId);
  if (!line) throw resourceMissing('line item', lineId, `${at}[id]`);
  const parent = line.parent as { invoice_item_details: { invoice_item: string | null } | null };
  const itemId = parent.invoice_item_details?.invoice_item ?? null;
  const item = itemId
    ? await findLive<InvoiceItemObject>(tx.db, 'invoiceitems', itemId, { forUpdate: true })
    : null;
  if (!item) {
    throw invalidRequest(`The line ${lineId} comes from a subscription: change the subscription instead.`, {
      param: `${at}[id]`,
    });
  }
  return { line, item };
}

/** The invoice item an `add_lines` line makes: an amount, a price, or inline price data. */
async function newItemForLine(
  tx: Tx,
  invoice: InvoiceObject,
  customer: string,
  testClock: string | null,
  line: Params,
  at: string,
): Promise<InvoiceItemObject> {
  const quantity = line.quantity === undefined ? 1 : integer(line.quantity, `${at}[quantity]`, { min: 1 });
  let price: PriceObject | null = null;
  let total: number;
  if (line.pricing !== undefined) {
    const pricing = hash(line.pricing, `${at}[pricing]`, ['price']);
    if (pricing.price === undefined) missing(`${at}[pricing][price]`);
    price = await mustFind<PriceObject>(
      tx.db,
      'prices',
      'price',
      string(pricing.price, `${at}[pricing][price]`),
      {
        param: `${at}[pricing][price]`,
      },
    );
    total = (price.unit_amount ?? 0) * quantity;
  } else if (line.price_data !== undefined) {
    const data = hash(line.price_data, `${at}[price_data]`, [
      'currency',
      'product',
      'product_data',
      'tax_behavior',
      'unit_amount',
      'unit_amount_decimal',
    ]);
    if (data.unit_amount === undefined) missing(`${at}[price_data][unit_amount]`);
    if (
      data.currency !== undefined &&
      currency(data.currency, `${at}[price_data][currency]`) !== invoice.currency
    ) {
      throw invalidRequest(`The line's currency must be the invoice's (${invoice.currency}).`, {
        param: `${at}[price_data][currency]`,
      });
    }
    total = amount(data.unit_amount, `${at}[price_data][unit_amount]`, { min: 0 }) * quantity;
  } else {
    if (line.amount === undefined) missing(`${at}[amount]`);
    total = amount(line.amount, `${at}[amount]`);
  }
  if (price && price.currency !== invoice.currency) {
    throw invalidRequest(
      `The price's currency (${price.currency}) must be the invoice's (${invoice.currency}).`,
      {
        param: `${at}[pricing][price]`,
      },
    );
  }
  let period: { start: number; end: number } | undefined;
  if (line.period !== undefined) {
    const raw = hash(line.period, `${at}[period]`, ['end', 'start']);
    if (raw.start === undefined) missing(`${at}[period][start]`);
    if (raw.end === undefined) missing(`${at}[period][end]`);
    period = {
      start: integer(raw.start, `${at}[period][start]`),
      end: integer(raw.end, `${at}[period][end]`),
    };
  }
  return newInvoiceItem({
    id: tx.ids.object('ii'),
    date: tx.now,
    customer,
    amount: total,
    currency: invoice.currency,
    description:
      line.description === undefined
        ? null
        : nullableString(line.description, `${at}[description]`, { max: 5000 }),
    invoice: invoice.id,
    price,
    quantity,
    metadata: metadata(line.metadata, `${at}[metadata]`),
    period,
    discountable: line.discountable === undefined ? true : boolean(line.discountable, `${at}[discountable]`),
    testClock,
  });
}

/**
 * The invoice `create_preview` answers, built inside a dry run: the customer's pending
 * items (plus `invoice_items`), or a subscription's next invoice after the change in
 * `subscription_details` (its prorations, or only those for `always_invoice`).
 */
async function previewInvoice(tx: Tx, params: Params): Promise<InvoiceObject> {
  let sub: SubscriptionObject | null = null;
  let customerId: string;
  if (params.subscription !== undefined) {
    sub = await mustFind<SubscriptionObject>(
      tx.db,
      'subscriptions',
      'subscription',
      string(params.subscription, 'subscription'),
      {
        param: 'subscription',
        forUpdate: true,
      },
    );
    customerId = sub.customer;
    if (params.customer !== undefined && string(params.customer, 'customer') !== customerId) {
      throw invalidRequest('The subscription does not belong to this customer.', { param: 'customer' });
    }
  } else {
    customerId = string(params.customer, 'customer');
    if (params.subscription_details !== undefined) {
      // Not silently ignored: previewing a subscription yet to be created is not served.
      throw invalidRequest(
        'This clone previews changes to an existing subscription: pass `subscription` with `subscription_details`.',
        { param: 'subscription_details' },
      );
    }
  }
  const customer = await liveCustomer(tx, customerId);
  tx.now = await customerNow(tx, customer);
  const code =
    params.currency === undefined ? (sub?.currency ?? customer.currency ?? 'usd') : currency(params.currency);
  if (params.invoice_items !== undefined) {
    for (const [index, raw] of lineList(params.invoice_items).entries()) {
      const at = `invoice_items[${index}]`;
      const line = hash(raw, at, [
        'amount',
        'currency',
        'description',
        'discountable',
        'discounts',
        'invoiceitem',
        'metadata',
        'period',
        'price',
        'price_data',
        'pricing',
        'quantity',
        'tax_behavior',
        'tax_code',
        'tax_rates',
        'unit_amount_decimal',
      ]);
      const { currency: _currency, invoiceitem: _existing, price, ...rest } = line;
      const shaped: Params = price === undefined ? rest : { ...rest, pricing: { price } };
      const holder = { currency: code, id: 'upcoming' } as InvoiceObject;
      const item = await newItemForLine(tx, holder, customer.id, customer.test_clock, shaped, at);
      item.invoice = null;
      await insertObject(tx.db, 'invoiceitems', item);
    }
  }
  let billingReason = 'manual';
  let period: { start: number; end: number } | undefined;
  let lines: 'pending' | 'renewal' = 'pending';
  if (sub) {
    const details =
      params.subscription_details === undefined
        ? {}
        : hash(params.subscription_details, 'subscription_details', [
            'items',
            'proration_behavior',
            'proration_date',
          ]);
    const behavior = prorationBehavior(
      details.proration_behavior,
      'subscription_details[proration_behavior]',
    );
    if (details.items !== undefined) {
      const next = structuredClone(sub);
      const items = Array.isArray(details.items)
        ? details.items
        : isHash(details.items)
          ? Object.values(details.items)
          : null;
      if (items === null) throw invalidRequest('Invalid array', { param: 'subscription_details[items]' });
      await applyItemChanges(tx, next, items, 'subscription_details[items]');
      await saveObject(tx.db, 'subscriptions', next);
      // Only the prorations: `always_invoice` would invoice them at once, and that invoice is the preview.
      await settleItemChange(
        tx,
        sub,
        next,
        { ...details, proration_behavior: behavior === 'none' ? 'none' : 'create_prorations' },
        'subscription_details',
      );
      sub = next;
    }
    if (behavior !== 'always_invoice') {
      const first = sub.items.data[0];
      if (!first)
        throw invalidRequest('The subscription has no items to invoice.', { param: 'subscription' });
      const start =
        sub.status === 'trialing' && sub.trial_end !== null ? sub.trial_end : first.current_period_end;
      period = {
        start,
        end: periodEnd(
          start,
          first.price.recurring?.interval ?? 'month',
          first.price.recurring?.interval_count ?? 1,
        ),
      };
      billingReason = 'subscription_cycle';
      lines = 'renewal';
    } else billingReason = 'subscription_update';
  }
  const invoice = await draftInvoice(tx, customer, {
    currency: code,
    billingReason,
    collectionMethod: sub?.collection_method ?? 'charge_automatically',
    daysUntilDue: sub?.days_until_due ?? null,
    autoAdvance: false,
    subscription: sub,
    period,
  });
  invoice.id = `upcoming_${invoice.id}`;
  invoice.lines.url = `/v1/invoices/${invoice.id}/lines`;
  if (sub && lines === 'renewal' && period) await addSubscriptionLines(tx, invoice, sub, period, false, null);
  await pullPendingItems(tx, invoice);
  if (sub)
    invoice._discounts = (sub._discounts ?? []).filter(
      (d) => d.end === null || d.end > (period?.start ?? tx.now),
    );
  await computeTotals(tx, invoice);
  // What the customer's balance would do to it.
  const balance = customer.currency === null || customer.currency === invoice.currency ? customer.balance : 0;
  invoice.starting_balance = balance;
  invoice.amount_due = Math.max(0, invoice.total + balance);
  invoice.amount_remaining = invoice.amount_due;
  invoice.ending_balance = Math.min(0, invoice.total + balance);
  return invoice;
}

/** /v1/invoices: create (draft), retrieve, update, delete, finalize, pay, void, mark_uncollectible, list, search. */
export function invoiceRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'auto_advance',
      'collection_method',
      'currency',
      'customer',
      'days_until_due',
      'default_payment_method',
      'default_tax_rates',
      'description',
      'discounts',
      'due_date',
      'expand',
      'footer',
      'metadata',
      'pending_invoice_items_behavior',
      'subscription',
    ]);
    expansionPlans(params, 'invoice');
    if (params.customer === undefined) missing('customer');
    const invoice = await transact(deps, c, async (tx) => {
      const customer = await liveCustomer(tx, string(params.customer, 'customer'));
      tx.now = await customerNow(tx, customer);
      const draft = await draftInvoice(tx, customer, {
        currency: params.currency === undefined ? (customer.currency ?? 'usd') : currency(params.currency),
        billingReason: 'manual',
        collectionMethod: 'charge_automatically',
        daysUntilDue: null,
        autoAdvance: false,
        subscription: null,
        metadata: metadata(params.metadata),
      });
      await applyInvoiceFields(tx, draft, { ...params, metadata: undefined });
      const behavior =
        params.pending_invoice_items_behavior === undefined
          ? 'exclude'
          : oneOf(params.pending_invoice_items_behavior, 'pending_invoice_items_behavior', [
              'exclude',
              'include',
            ] as const);
      if (behavior === 'include') await pullPendingItems(tx, draft);
      await computeTotals(tx, draft);
      await insertObject(tx.db, 'invoices', draft);
      await tx.emit('invoice.created', draft);
      return draft;
    });
    return c.json(await answer(deps, params, invoice));
  });

  routes.get('/', async (c) =>
    c.json(
      await listAnswer(deps, c, {
        table: 'invoices',
        type: 'invoice',
        noun: 'invoice',
        url: '/v1/invoices',
        params: ['collection_method', 'customer', 'due_date', 'status', 'subscription'],
        filters: (params) => [
          ...stringFilter(params, 'customer'),
          ...stringFilter(params, 'subscription'),
          ...stringFilter(params, 'collection_method'),
          ...(params.status === undefined
            ? []
            : [
                {
                  path: ['status'],
                  values: [
                    oneOf(params.status, 'status', [
                      'draft',
                      'open',
                      'paid',
                      'uncollectible',
                      'void',
                    ] as const),
                  ],
                },
              ]),
        ],
      }),
    ),
  );

  routes.get(
    '/search',
    searchRoute(deps, {
      type: 'invoice',
      table: 'invoices',
      fields: SEARCH_FIELDS,
      url: '/v1/invoices/search',
    }),
  );

  routes.post('/create_preview', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'automatic_tax',
      'currency',
      'customer',
      'discounts',
      'expand',
      'invoice_items',
      'preview_mode',
      'subscription',
      'subscription_details',
    ]);
    expansionPlans(params, 'invoice');
    if (params.customer === undefined && params.subscription === undefined) missing('customer');
    const invoice = await dryRun(deps, c, (tx) => previewInvoice(tx, params));
    return c.json(await answer(deps, params, invoice));
  });

  routes.get('/:id', retrieveRoute(deps, 'invoices', 'invoice'));

  routes.get('/:id/lines', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['ending_before', 'expand', 'limit', 'starting_after']);
    const invoice = await mustFind<InvoiceObject>(deps.pool, 'invoices', 'invoice', c.req.param('id'));
    return c.json(pageOf(invoice.lines.data, params, { url: invoice.lines.url, noun: 'line item' }));
  });

  routes.post('/:id', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'auto_advance',
      'collection_method',
      'days_until_due',
      'default_payment_method',
      'default_tax_rates',
      'description',
      'discounts',
      'due_date',
      'expand',
      'footer',
      'metadata',
    ]);
    expansionPlans(params, 'invoice');
    const invoice = await transact(deps, c, async (tx) => {
      const current = await lockInvoice(tx, c.req.param('id'));
      const onlyNotes = Object.keys(params).every((key) =>
        ['metadata', 'expand', 'description', 'footer', 'auto_advance'].includes(key),
      );
      if (current.status !== 'draft' && !onlyNotes) throw notEditable(current);
      const next = structuredClone(current);
      await applyInvoiceFields(tx, next, params);
      await computeTotals(tx, next);
      const previous = previousAttributes(current, next);
      if (Object.keys(previous).length === 0) return current;
      await saveObject(tx.db, 'invoices', next);
      await tx.emit('invoice.updated', next, previous);
      return next;
    });
    return c.json(await answer(deps, params, invoice));
  });

  routes.delete('/:id', async (c) => {
    rejectUnknown(c.get('params'), []);
    const id = c.req.param('id');
    await transact(deps, c, async (tx) => {
      const invoice = await lockInvoice(tx, id);
      if (invoice.status !== 'draft') {
        throw invalidRequest('You can only delete draft invoices.', { code: 'invoice_not_editable' });
      }
      // Its items go back to pending.
      await tx.db.query(
        `UPDATE invoiceitems SET data = jsonb_set(data, '{invoice}', 'null') WHERE data->>'invoice' = $1`,
        [id],
      );
      await markDeleted(tx.db, 'invoices', id);
      await tx.emit('invoice.deleted', invoice);
    });
    return c.json({ id, object: 'invoice', deleted: true });
  });

  routes.post('/:id/finalize', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['auto_advance', 'expand']);
    expansionPlans(params, 'invoice');
    const invoice = await transact(deps, c, async (tx) => {
      const current = await lockInvoice(tx, c.req.param('id'));
      if (params.auto_advance !== undefined)
        current.auto_advance = boolean(params.auto_advance, 'auto_advance');
      return finalizeInvoice(tx, current);
    });
    return c.json(await answer(deps, params, invoice));
  });

  routes.post('/:id/pay', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'expand',
      'forgive',
      'mandate',
      'off_session',
      'paid_out_of_band',
      'payment_method',
      'source',
    ]);
    expansionPlans(params, 'invoice');
    const result = await transact(deps, c, async (tx) => {
      const current = await lockInvoice(tx, c.req.param('id'));
      return payInvoice(tx, current, {
        paymentMethod:
          params.payment_method === undefined ? null : string(params.payment_method, 'payment_method'),
        paidOutOfBand:
          params.paid_out_of_band !== undefined && boolean(params.paid_out_of_band, 'paid_out_of_band'),
      });
    });
    if (result.error) throw result.error;
    return c.json(await answer(deps, params, result.invoice));
  });

  routes.post('/:id/send', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['expand']);
    expansionPlans(params, 'invoice');
    const invoice = await transact(deps, c, async (tx) => {
      const current = await lockInvoice(tx, c.req.param('id'));
      if (current.status === 'void') {
        throw invalidRequest('You cannot send an invoice that has been voided.', {
          code: 'invoice_unexpected_state',
        });
      }
      const customer = await liveCustomer(tx, current.customer);
      if (!customer.email) {
        throw invalidRequest(
          `The customer (${customer.id}) has no email address to send the invoice to. Set the customer's email first.`,
          { code: 'customer_email_missing' },
        );
      }
      if (current.status === 'draft') await finalizeInvoice(tx, current);
      await tx.emit('invoice.sent', current);
      return current;
    });
    return c.json(await answer(deps, params, invoice));
  });

  routes.post('/:id/add_lines', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['expand', 'invoice_metadata', 'lines']);
    expansionPlans(params, 'invoice');
    if (params.lines === undefined) missing('lines');
    const invoice = await editLines(deps, c, params, async (tx, invoice) => {
      const customer = await liveCustomer(tx, invoice.customer);
      for (const [index, raw] of lineList(params.lines).entries()) {
        const at = `lines[${index}]`;
        const line = hash(raw, at, [
          'amount',
          'description',
          'discountable',
          'discounts',
          'invoice_item',
          'metadata',
          'period',
          'price_data',
          'pricing',
          'quantity',
          'tax_amounts',
          'tax_rates',
        ]);
        let item: InvoiceItemObject;
        if (line.invoice_item !== undefined) {
          const itemId = string(line.invoice_item, `${at}[invoice_item]`);
          item = await mustFind<InvoiceItemObject>(tx.db, 'invoiceitems', 'invoiceitem', itemId, {
            param: `${at}[invoice_item]`,
            forUpdate: true,
          });
          if (
            item.customer !== invoice.customer ||
            item.invoice !== null ||
            item.currency !== invoice.currency
          ) {
            throw invalidRequest(
              `The invoice item ${itemId} must be a pending item of this invoice's customer, in ${invoice.currency}.`,
              { param: `${at}[invoice_item]` },
            );
          }
          item.invoice = invoice.id;
          await saveObject(tx.db, 'invoiceitems', item);
          await tx.emit('invoiceitem.updated', item, { invoice: null });
        } else {
          item = await newItemForLine(tx, invoice, customer.id, customer.test_clock, line, at);
          await insertObject(tx.db, 'invoiceitems', item);
          await tx.emit('invoiceitem.created', item);
        }
        invoice.lines.data.push(lineForItem(tx, invoice, item));
      }
    });
    return c.json(await answer(deps, params, invoice));
  });

  routes.post('/:id/update_lines', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['expand', 'invoice_metadata', 'lines']);
    expansionPlans(params, 'invoice');
    if (params.lines === undefined) missing('lines');
    const invoice = await editLines(deps, c, params, async (tx, invoice) => {
      for (const [index, raw] of lineList(params.lines).entries()) {
        const at = `lines[${index}]`;
        const change = hash(raw, at, [
          'amount',
          'description',
          'discountable',
          'discounts',
          'id',
          'metadata',
          'period',
          'price_data',
          'pricing',
          'quantity',
          'tax_amounts',
          'tax_rates',
        ]);
        const { line, item } = await itemOfLine(tx, invoice, change.id, at);
        const before = structuredClone(item);
        if (change.description !== undefined)
          item.description = nullableString(change.description, `${at}[description]`, { max: 5000 });
        if (change.metadata !== undefined)
          item.metadata = mergeMetadata(item.metadata, change.metadata, `${at}[metadata]`);
        if (change.discountable !== undefined)
          item.discountable = boolean(change.discountable, `${at}[discountable]`);
        if (change.quantity !== undefined) {
          const unit = item.amount / Math.max(1, item.quantity);
          item.quantity = integer(change.quantity, `${at}[quantity]`, { min: 1 });
          item.amount = Math.round(unit * item.quantity);
        }
        if (change.amount !== undefined) item.amount = amount(change.amount, `${at}[amount]`);
        item.net_amount = item.amount;
        const previous = previousAttributes(before, item);
        if (Object.keys(previous).length === 0) continue;
        await saveObject(tx.db, 'invoiceitems', item);
        await tx.emit('invoiceitem.updated', item, previous);
        const updated = lineForItem(tx, invoice, item);
        updated.id = line.id;
        invoice.lines.data = invoice.lines.data.map((each) => (each.id === line.id ? updated : each));
      }
    });
    return c.json(await answer(deps, params, invoice));
  });

  routes.post('/:id/remove_lines', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['expand', 'invoice_metadata', 'lines']);
    expansionPlans(params, 'invoice');
    if (params.lines === undefined) missing('lines');
    const invoice = await editLines(deps, c, params, async (tx, invoice) => {
      for (const [index, raw] of lineList(params.lines).entries()) {
        const at = `lines[${index}]`;
        const change = hash(raw, at, ['behavior', 'id']);
        if (change.behavior === undefined) missing(`${at}[behavior]`);
        const behavior = oneOf(change.behavior, `${at}[behavior]`, ['delete', 'unassign'] as const);
        const { line, item } = await itemOfLine(tx, invoice, change.id, at);
        if (behavior === 'delete') {
          await markDeleted(tx.db, 'invoiceitems', item.id);
          await tx.emit('invoiceitem.deleted', item);
        } else {
          item.invoice = null;
          await saveObject(tx.db, 'invoiceitems', item);
          await tx.emit('invoiceitem.updated', item, { invoice: invoice.id });
        }
        invoice.lines.data = invoice.lines.data.filter((each) => each.id !== line.id);
      }
    });
    return c.json(await answer(deps, params, invoice));
  });

  for (const [action, status, from] of [
    ['void', 'void', ['open', 'uncollectible']],
    ['mark_uncollectible', 'uncollectible', ['open']],
  ] as const) {
    routes.post(`/:id/${action}`, async (c) => {
      const params = c.get('params');
      rejectUnknown(params, ['expand']);
      expansionPlans(params, 'invoice');
      const invoice = await transact(deps, c, async (tx) => {
        const current = await lockInvoice(tx, c.req.param('id'));
        if (!(from as readonly string[]).includes(current.status)) {
          throw invalidRequest(
            `You can only ${action === 'void' ? 'void' : 'mark as uncollectible'} invoices with a status of ${from.join(' or ')}; this one is ${current.status}.`,
            { code: 'invoice_unexpected_state' },
          );
        }
        return closeInvoice(tx, current, status);
      });
      return c.json(await answer(deps, params, invoice));
    });
  }

  return routes;
}

async function priceFor(tx: Tx, params: Params): Promise<PriceObject | null> {
  let id: unknown = params.price;
  if (params.pricing !== undefined) id = hash(params.pricing, 'pricing', ['price']).price;
  if (id === undefined) return null;
  const priceId = string(id, params.pricing !== undefined ? 'pricing[price]' : 'price');
  return mustFind<PriceObject>(tx.db, 'prices', 'price', priceId, { param: 'price' });
}

async function refreshInvoice(tx: Tx, invoiceId: string, change: (invoice: InvoiceObject) => void) {
  const invoice = await lockInvoice(tx, invoiceId);
  if (invoice.status !== 'draft') throw notEditable(invoice);
  const before = structuredClone(invoice);
  change(invoice);
  await computeTotals(tx, invoice);
  await saveObject(tx.db, 'invoices', invoice);
  await tx.emit('invoice.updated', invoice, previousAttributes(before, invoice));
}

/** /v1/invoiceitems: create (pending or onto a draft), retrieve, update, delete, list. */
export function invoiceItemRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'amount',
      'currency',
      'customer',
      'description',
      'discountable',
      'expand',
      'invoice',
      'metadata',
      'period',
      'price',
      'pricing',
      'quantity',
      'subscription',
      'unit_amount_decimal',
    ]);
    if (params.customer === undefined) missing('customer');
    const item = await transact(deps, c, async (tx) => {
      const customer = await liveCustomer(tx, string(params.customer, 'customer'));
      tx.now = await customerNow(tx, customer);
      const price = await priceFor(tx, params);
      const quantity = params.quantity === undefined ? 1 : integer(params.quantity, 'quantity', { min: 1 });
      let total: number;
      let code: string;
      if (price) {
        total = (price.unit_amount ?? 0) * quantity;
        code = price.currency;
      } else {
        if (params.amount === undefined && params.unit_amount_decimal === undefined) missing('amount');
        total =
          params.amount !== undefined
            ? amount(params.amount, 'amount')
            : Math.round(
                decimal(string(params.unit_amount_decimal, 'unit_amount_decimal'), 'unit_amount_decimal', {
                  min: -MAX_AMOUNT,
                  max: MAX_AMOUNT,
                }) * quantity,
              );
        if (!Number.isSafeInteger(total)) throw invalidRequest('Invalid amount', { param: 'amount' });
        code = params.currency === undefined ? (customer.currency ?? 'usd') : currency(params.currency);
      }
      let period: { start: number; end: number } | undefined;
      if (params.period !== undefined) {
        const raw = hash(params.period, 'period', ['end', 'start']);
        if (raw.start === undefined) missing('period[start]');
        if (raw.end === undefined) missing('period[end]');
        period = { start: integer(raw.start, 'period[start]'), end: integer(raw.end, 'period[end]') };
      }
      const invoiceId = params.invoice === undefined ? null : string(params.invoice, 'invoice');
      const created = newInvoiceItem({
        id: tx.ids.object('ii'),
        date: tx.now,
        customer: customer.id,
        amount: total,
        currency: code,
        description:
          params.description === undefined
            ? null
            : nullableString(params.description, 'description', { max: 5000 }),
        invoice: invoiceId,
        price,
        quantity,
        metadata: metadata(params.metadata),
        period,
        discountable: params.discountable === undefined ? true : boolean(params.discountable, 'discountable'),
        testClock: customer.test_clock,
      });
      if (invoiceId !== null) {
        const target = await lockInvoice(tx, invoiceId);
        if (target.customer !== customer.id) {
          throw invalidRequest('The invoice must belong to the same customer as the invoice item.', {
            param: 'invoice',
          });
        }
        if (target.currency !== code) {
          throw invalidRequest(
            `The currency of the invoice item (${code}) must match the invoice's (${target.currency}).`,
            {
              param: 'currency',
            },
          );
        }
      }
      await insertObject(tx.db, 'invoiceitems', created);
      await tx.emit('invoiceitem.created', created);
      if (invoiceId !== null) {
        await refreshInvoice(tx, invoiceId, (invoice) =>
          invoice.lines.data.push(lineForItem(tx, invoice, created)),
        );
      }
      return created;
    });
    return c.json(await answer(deps, params, item));
  });

  routes.get('/', async (c) =>
    c.json(
      await listAnswer(deps, c, {
        table: 'invoiceitems',
        type: 'invoiceitem',
        noun: 'invoiceitem',
        url: '/v1/invoiceitems',
        params: ['customer', 'invoice', 'pending'],
        filters: (params) => [...stringFilter(params, 'customer'), ...stringFilter(params, 'invoice')],
        keep:
          pendingFilter(c.get('params')) === null
            ? undefined
            : (item) => (item.invoice === null) === pendingFilter(c.get('params')),
      }),
    ),
  );

  routes.get('/:id', retrieveRoute(deps, 'invoiceitems', 'invoiceitem'));

  routes.post('/:id', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['amount', 'description', 'discountable', 'expand', 'metadata', 'quantity']);
    const item = await transact(deps, c, async (tx) => {
      const current = await mustFind<InvoiceItemObject>(
        tx.db,
        'invoiceitems',
        'invoiceitem',
        c.req.param('id'),
        {
          forUpdate: true,
        },
      );
      const next = structuredClone(current);
      if (params.description !== undefined)
        next.description = nullableString(params.description, 'description');
      if (params.metadata !== undefined) next.metadata = mergeMetadata(current.metadata, params.metadata);
      if (params.discountable !== undefined) next.discountable = boolean(params.discountable, 'discountable');
      if (params.quantity !== undefined) {
        const unit = current.amount / current.quantity;
        next.quantity = integer(params.quantity, 'quantity', { min: 1 });
        next.amount = Math.round(unit * next.quantity);
      }
      if (params.amount !== undefined) next.amount = amount(params.amount, 'amount');
      next.net_amount = next.amount;
      const previous = previousAttributes(current, next);
      if (Object.keys(previous).length === 0) return current;
      if (next.invoice !== null) {
        await refreshInvoice(tx, next.invoice, (invoice) => {
          invoice.lines.data = invoice.lines.data.map((line) => {
            const parent = line.parent as { invoice_item_details: { invoice_item: string } | null };
            return parent.invoice_item_details?.invoice_item === next.id
              ? lineForItem(tx, invoice, next)
              : line;
          });
        });
      }
      await saveObject(tx.db, 'invoiceitems', next);
      await tx.emit('invoiceitem.updated', next, previous);
      return next;
    });
    return c.json(await answer(deps, params, item));
  });

  routes.delete('/:id', async (c) => {
    rejectUnknown(c.get('params'), []);
    const id = c.req.param('id');
    await transact(deps, c, async (tx) => {
      const item = await mustFind<InvoiceItemObject>(tx.db, 'invoiceitems', 'invoiceitem', id, {
        forUpdate: true,
      });
      if (item.invoice !== null) {
        await refreshInvoice(tx, item.invoice, (invoice) => {
          invoice.lines.data = invoice.lines.data.filter((line) => {
            const parent = line.parent as { invoice_item_details: { invoice_item: string } | null };
            return parent.invoice_item_details?.invoice_item !== id;
          });
        });
      }
      await markDeleted(tx.db, 'invoiceitems', id);
      await tx.emit('invoiceitem.deleted', item);
    });
    return c.json({ id, object: 'invoiceitem', deleted: true });
  });

  return routes;
}

function pendingFilter(params: Params): boolean | null {
  return params.pending === undefined ? null : boolean(params.pending, 'pending');
}

/** /v1/invoice_payments: list (by invoice) and retrieve, derived from the payment intents that paid invoices. */
export function invoicePaymentRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();
  routes.get('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'ending_before',
      'expand',
      'invoice',
      'limit',
      'payment',
      'starting_after',
      'status',
    ]);
    if (params.invoice === undefined) missing('invoice');
    const invoice = await mustFind(deps.pool, 'invoices', 'invoice', string(params.invoice, 'invoice'), {
      param: 'invoice',
    });
    const data = await invoicePayments(deps.pool, invoice);
    return c.json(pageOf(data, params, { url: '/v1/invoice_payments', noun: 'invoice_payment' }));
  });
  routes.get('/:id', async (c) => {
    rejectUnknown(c.get('params'), ['expand']);
    const id = c.req.param('id');
    const piId = id.startsWith('inpay_') ? `pi_${id.slice(6)}` : null;
    const { rows } =
      piId === null
        ? { rows: [] }
        : await deps.pool.query<{ data: InvoiceObject }>(
            `SELECT data FROM invoices WHERE data->'_payment_intents' @> $1::jsonb`,
            [JSON.stringify([piId])],
          );
    const invoice = rows[0]?.data;
    const payment = invoice
      ? (await invoicePayments(deps.pool, invoice)).find((p) => p.id === id)
      : undefined;
    if (!payment) throw resourceMissing('invoice_payment', id);
    return c.json(payment);
  });
  return routes;
}
