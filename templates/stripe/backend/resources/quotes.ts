import { Hono } from 'hono';
import { customerNow, liveCustomer } from '../billing.js';
import { pageOf } from '../list.js';
import {
  hash,
  integer,
  isHash,
  mergeMetadata,
  metadata,
  missing,
  nullableString,
  oneOf,
  rejectUnknown,
  string,
} from '../params.js';
import { textPdf } from '../pdf.js';
import { acceptQuote, cancelQuote, checkQuoteLines, finalizeQuote, quoteLine } from '../quotes.js';
import { expansionPlans } from '../render.js';
import type { Params } from '../request-params.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { findCustomer } from '../store/customers.js';
import { insertObject, saveObject } from '../store/objects.js';
import { invalidRequest } from '../stripe-error.js';
import { previousAttributes, type Tx, transact } from '../tx.js';
import type { PriceObject } from '../views/price.js';
import { newQuote, type QuoteLineItem, type QuoteObject } from '../views/quote.js';
import { answer, listAnswer, mustFind, retrieveRoute, stringFilter } from './common.js';
import { createPrice } from './prices.js';

const DAY = 86_400;

/** `line_items[n]`: a price (or price_data) and a quantity. */
async function lineItems(tx: Tx, value: unknown): Promise<QuoteLineItem[]> {
  const raw = Array.isArray(value) ? value : isHash(value) ? Object.values(value) : null;
  if (raw === null) throw invalidRequest('Invalid array', { param: 'line_items' });
  if (raw.length > 20) {
    throw invalidRequest('A quote can have at most 20 line items.', { param: 'line_items' });
  }
  const lines: QuoteLineItem[] = [];
  for (const [index, entry] of raw.entries()) {
    const at = `line_items[${index}]`;
    const item = hash(entry, at, ['discounts', 'price', 'price_data', 'quantity', 'tax_rates']);
    const quantity = item.quantity === undefined ? 1 : integer(item.quantity, `${at}[quantity]`, { min: 0 });
    let price: PriceObject;
    if (item.price !== undefined) {
      if (item.price_data !== undefined) {
        throw invalidRequest('You may only specify one of these parameters: price, price_data.', {
          param: `${at}[price]`,
        });
      }
      price = await mustFind<PriceObject>(tx.db, 'prices', 'price', string(item.price, `${at}[price]`), {
        param: `${at}[price]`,
      });
      if (!price.active) {
        throw invalidRequest('The price specified is inactive. This field only accepts active prices.', {
          param: `${at}[price]`,
        });
      }
    } else if (item.price_data !== undefined) {
      const data = hash(item.price_data, `${at}[price_data]`, [
        'currency',
        'product',
        'recurring',
        'tax_behavior',
        'unit_amount',
        'unit_amount_decimal',
      ]);
      if (data.product === undefined) missing(`${at}[price_data][product]`);
      const product = string(data.product, `${at}[price_data][product]`);
      await mustFind(tx.db, 'products', 'product', product, { param: `${at}[price_data][product]` });
      price = await createPrice(tx, data, product, `${at}[price_data]`, { active: false });
    } else {
      missing(`${at}[price]`);
    }
    lines.push(await quoteLine(tx, price, quantity));
  }
  return lines;
}

const QUOTE_FIELDS = [
  'collection_method',
  'customer',
  'description',
  'discounts',
  'expand',
  'expires_at',
  'footer',
  'header',
  'invoice_settings',
  'line_items',
  'metadata',
  'subscription_data',
] as const;

/** Applies create/update parameters to a draft quote. */
async function applyQuoteFields(tx: Tx, quote: QuoteObject, params: Params): Promise<void> {
  if (params.discounts !== undefined && params.discounts !== '') {
    throw invalidRequest('The asymmetric Stripe clone does not apply discounts to quotes yet.', {
      param: 'discounts',
    });
  }
  if (params.customer !== undefined) {
    const customer = await liveCustomer(tx, string(params.customer, 'customer'));
    quote.customer = customer.id;
    quote.test_clock = customer.test_clock;
  }
  if (params.collection_method !== undefined) {
    quote.collection_method = oneOf(params.collection_method, 'collection_method', [
      'charge_automatically',
      'send_invoice',
    ] as const);
  }
  if (params.invoice_settings !== undefined) {
    const settings = hash(params.invoice_settings, 'invoice_settings', ['days_until_due', 'issuer']);
    if (settings.days_until_due !== undefined) {
      quote.invoice_settings.days_until_due = integer(
        settings.days_until_due,
        'invoice_settings[days_until_due]',
        { min: 0, max: 730 },
      );
    }
  }
  if (quote.collection_method === 'send_invoice' && quote.invoice_settings.days_until_due === null) {
    quote.invoice_settings.days_until_due = 30;
  }
  if (params.description !== undefined)
    quote.description = nullableString(params.description, 'description', { max: 500 });
  if (params.header !== undefined) quote.header = nullableString(params.header, 'header', { max: 50 });
  if (params.footer !== undefined) quote.footer = nullableString(params.footer, 'footer', { max: 500 });
  if (params.expires_at !== undefined) {
    const at = integer(params.expires_at, 'expires_at');
    if (at <= tx.now) {
      throw invalidRequest('Invalid timestamp: must be an integer Unix timestamp in the future.', {
        param: 'expires_at',
      });
    }
    quote.expires_at = at;
  }
  if (params.metadata !== undefined) quote.metadata = mergeMetadata(quote.metadata, params.metadata);
  if (params.subscription_data !== undefined) {
    const data = hash(params.subscription_data, 'subscription_data', [
      'description',
      'effective_date',
      'metadata',
      'trial_period_days',
    ]);
    if (data.effective_date !== undefined && data.effective_date !== '') {
      throw invalidRequest('The asymmetric Stripe clone starts quote subscriptions when accepted.', {
        param: 'subscription_data[effective_date]',
      });
    }
    if (data.description !== undefined) {
      quote.subscription_data.description = nullableString(
        data.description,
        'subscription_data[description]',
        {
          max: 500,
        },
      );
    }
    if (data.metadata !== undefined) {
      quote.subscription_data.metadata = mergeMetadata(
        quote.subscription_data.metadata ?? {},
        data.metadata,
        'subscription_data[metadata]',
      );
    }
    if (data.trial_period_days !== undefined) {
      quote.subscription_data.trial_period_days =
        data.trial_period_days === ''
          ? null
          : integer(data.trial_period_days, 'subscription_data[trial_period_days]', { min: 1, max: 730 });
    }
  }
  if (params.line_items !== undefined) {
    quote._line_items = await lineItems(tx, params.line_items);
    const first = quote._line_items[0];
    if (first) quote.currency = first.currency;
  }
  checkQuoteLines(quote);
}

/** A finalized quote as a document: its number, customer, lines and totals. */
async function quoteDocument(deps: ResourceDeps, quote: QuoteObject): Promise<Buffer> {
  const customer = quote.customer ? await findCustomer(deps.pool, quote.customer) : null;
  const money = (amount: number) => `${(amount / 100).toFixed(2)} ${quote.currency.toUpperCase()}`;
  const date = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 10);
  const lines = [
    `Quote number: ${quote.number ?? quote.id}`,
    `Customer: ${customer?.name ?? customer?.email ?? quote.customer ?? ''}`,
    `Expires: ${date(quote.expires_at)}`,
    ...(quote.header ? [quote.header] : []),
    ...(quote.description ? [quote.description] : []),
    '',
    ...(quote._line_items ?? []).map((line) => {
      const recurring = line.price.recurring ? ` / ${line.price.recurring.interval}` : '';
      return `${line.quantity} x ${line.description}: ${money(line.amount_total)}${recurring}`;
    }),
    '',
    `Total due up front: ${money(quote.computed.upfront.amount_total)}`,
    ...(quote.computed.recurring
      ? [`Recurring: ${money(quote.computed.recurring.amount_total)} / ${quote.computed.recurring.interval}`]
      : []),
    ...(quote.footer ? ['', quote.footer] : []),
  ];
  return textPdf('Quote', lines);
}

/** /v1/quotes: create, retrieve, update, list, finalize, accept, cancel, lines, PDF. */
export function quoteRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'collection_method',
      'customer',
      'description',
      'discounts',
      'expand',
      'expires_at',
      'footer',
      'header',
      'invoice_settings',
      'line_items',
      'metadata',
      'subscription_data',
    ]);
    expansionPlans(params, 'quote');
    const quote = await transact(deps, c, async (tx) => {
      const customer =
        params.customer === undefined ? null : await liveCustomer(tx, string(params.customer, 'customer'));
      if (customer) tx.now = await customerNow(tx, customer);
      const created = newQuote({
        id: tx.ids.object('qt'),
        created: tx.now,
        customer: null,
        currency: 'usd',
        collectionMethod: 'charge_automatically',
        daysUntilDue: null,
        description: null,
        header: null,
        footer: null,
        expiresAt: tx.now + 30 * DAY,
        metadata: metadata(params.metadata),
        testClock: null,
      });
      created._line_items = [];
      await applyQuoteFields(tx, created, { ...params, metadata: undefined });
      await insertObject(tx.db, 'quotes', created);
      await tx.emit('quote.created', created);
      return created;
    });
    return c.json(await answer(deps, params, quote));
  });

  routes.get('/', async (c) => {
    const params = c.get('params');
    if (params.status !== undefined)
      oneOf(params.status, 'status', ['accepted', 'canceled', 'draft', 'open'] as const);
    return c.json(
      await listAnswer(deps, c, {
        table: 'quotes',
        type: 'quote',
        noun: 'quote',
        url: '/v1/quotes',
        params: ['customer', 'status', 'test_clock'],
        noCreated: true,
        filters: (p) => [
          ...stringFilter(p, 'customer'),
          ...stringFilter(p, 'status'),
          ...stringFilter(p, 'test_clock'),
        ],
      }),
    );
  });

  routes.get('/:id', retrieveRoute(deps, 'quotes', 'quote'));

  routes.post('/:id', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, QUOTE_FIELDS);
    expansionPlans(params, 'quote');
    const quote = await transact(deps, c, async (tx) => {
      const current = await mustFind<QuoteObject>(tx.db, 'quotes', 'quote', c.req.param('id'), {
        forUpdate: true,
      });
      if (current.status !== 'draft') {
        throw invalidRequest(
          `This quote cannot be updated because it has a status of ${current.status}. Only draft quotes can be updated.`,
        );
      }
      const next = structuredClone(current);
      await applyQuoteFields(tx, next, params);
      const previous = previousAttributes(current, next);
      await saveObject(tx.db, 'quotes', next);
      if (Object.keys(previous).length > 0) await tx.emit('quote.updated', next, previous);
      return next;
    });
    return c.json(await answer(deps, params, quote));
  });

  routes.post('/:id/finalize', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['expand', 'expires_at']);
    expansionPlans(params, 'quote');
    const quote = await transact(deps, c, async (tx) => {
      const current = await mustFind<QuoteObject>(tx.db, 'quotes', 'quote', c.req.param('id'), {
        forUpdate: true,
      });
      return finalizeQuote(
        tx,
        current,
        params.expires_at === undefined ? null : integer(params.expires_at, 'expires_at'),
      );
    });
    return c.json(await answer(deps, params, quote));
  });

  routes.post('/:id/accept', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['expand']);
    expansionPlans(params, 'quote');
    const quote = await transact(deps, c, async (tx) =>
      acceptQuote(
        tx,
        await mustFind<QuoteObject>(tx.db, 'quotes', 'quote', c.req.param('id'), { forUpdate: true }),
      ),
    );
    return c.json(await answer(deps, params, quote));
  });

  routes.post('/:id/cancel', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['expand']);
    expansionPlans(params, 'quote');
    const quote = await transact(deps, c, async (tx) =>
      cancelQuote(
        tx,
        await mustFind<QuoteObject>(tx.db, 'quotes', 'quote', c.req.param('id'), { forUpdate: true }),
      ),
    );
    return c.json(await answer(deps, params, quote));
  });

  // Up front every line is billed once (one-time lines and the first period of recurring
  // ones), so both lists are the quote's lines.
  for (const suffix of ['line_items', 'computed_upfront_line_items']) {
    routes.get(`/:id/${suffix}`, async (c) => {
      const params = c.get('params');
      rejectUnknown(params, ['ending_before', 'expand', 'limit', 'starting_after']);
      const quote = await mustFind<QuoteObject>(deps.pool, 'quotes', 'quote', c.req.param('id'));
      return c.json(
        pageOf(quote._line_items ?? [], params, { url: `/v1/quotes/${quote.id}/${suffix}`, noun: 'item' }),
      );
    });
  }

  routes.get('/:id/pdf', async (c) => {
    rejectUnknown(c.get('params'), ['expand']);
    const quote = await mustFind<QuoteObject>(deps.pool, 'quotes', 'quote', c.req.param('id'));
    if (quote.status === 'draft') {
      throw invalidRequest('Quotes in draft status cannot be downloaded. Finalize the quote first.');
    }
    const pdf = await quoteDocument(deps, quote);
    return c.body(new Uint8Array(pdf), 200, {
      'Content-Type': 'application/pdf',
      'Content-Disposition': `attachment; filename="${quote.number ?? quote.id}.pdf"`,
    });
  });

  return routes;
}
