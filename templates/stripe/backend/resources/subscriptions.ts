import { Hono } from 'hono';
import {
  customerNow,
  endSubscription,
  invoicePendingNow,
  invoiceSubscription,
  liveCustomer,
  type PauseBehavior,
  type PayResult,
  periodEnd,
  prorate,
  resumeSubscription,
  startSubscription,
} from '../billing.js';
import { pageOf } from '../list.js';
import {
  boolean,
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
import { expansionPlans } from '../render.js';
import type { Params } from '../request-params.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { findLive, saveObject } from '../store/objects.js';
import { invalidRequest, resourceMissing } from '../stripe-error.js';
import { taxRatesFrom } from '../taxes.js';
import { previousAttributes, type Tx, transact } from '../tx.js';
import {
  newSubscriptionItem,
  planOf,
  type SubscriptionItemObject,
  type SubscriptionObject,
} from '../views/billing.js';
import type { PaymentMethodObject } from '../views/payment-method.js';
import type { PriceObject } from '../views/price.js';
import { answer, listAnswer, mustFind, retrieveRoute, searchRoute, stringFilter } from './common.js';
import { discountsFrom, redeemCoupon } from './invoices.js';

const STATUSES = [
  'active',
  'all',
  'canceled',
  'ended',
  'incomplete',
  'incomplete_expired',
  'past_due',
  'paused',
  'trialing',
  'unpaid',
] as const;

const itemList = (value: unknown, param = 'items'): unknown[] => {
  const items = Array.isArray(value) ? value : isHash(value) ? Object.values(value) : null;
  if (items === null) throw invalidRequest('Invalid array', { param });
  return items;
};

async function recurringPrice(tx: Tx, id: string, param: string): Promise<PriceObject> {
  const price = await mustFind<PriceObject>(tx.db, 'prices', 'price', id, { param });
  if (price.recurring === null) {
    throw invalidRequest(
      `The price specified is set to \`type=one_time\` but this field only accepts prices with \`type=recurring\`.`,
      { param },
    );
  }
  if (!price.active)
    throw invalidRequest(`The price specified is inactive. This field only accepts active prices.`, {
      param,
    });
  return price;
}

/** The period an item's price starts at `start`. */
const periodFrom = (price: PriceObject, start: number) => ({
  start,
  end: periodEnd(start, price.recurring?.interval ?? 'month', price.recurring?.interval_count ?? 1),
});

async function defaultPaymentMethod(tx: Tx, value: unknown, customer: string): Promise<string | null> {
  const id = nullableString(value, 'default_payment_method');
  if (id === null) return null;
  const pm = await findLive<PaymentMethodObject>(tx.db, 'payment_methods', id);
  if (!pm) throw resourceMissing('PaymentMethod', id, 'default_payment_method');
  if (pm.customer !== customer) {
    throw invalidRequest(
      `The customer does not have a payment method with the ID ${id}. The payment method must be attached to the customer.`,
      { param: 'default_payment_method' },
    );
  }
  return id;
}

function trialEndFrom(params: Params, prices: PriceObject[], now: number): number | null {
  if (params.trial_end !== undefined) {
    if (params.trial_end === 'now') return null;
    const end = integer(params.trial_end, 'trial_end');
    if (end <= now)
      throw invalidRequest('Invalid timestamp: must be an integer Unix timestamp in the future.', {
        param: 'trial_end',
      });
    return end;
  }
  if (params.trial_period_days !== undefined) {
    const days = integer(params.trial_period_days, 'trial_period_days', { min: 0 });
    return days === 0 ? null : now + days * 86_400;
  }
  if (params.trial_from_plan !== undefined && boolean(params.trial_from_plan, 'trial_from_plan')) {
    const days = prices[0]?.recurring?.trial_period_days ?? null;
    return days ? now + days * 86_400 : null;
  }
  return null;
}

function trialEndBehavior(value: unknown): 'cancel' | 'create_invoice' | 'pause' | undefined {
  if (value === undefined) return undefined;
  const settings = hash(value, 'trial_settings', ['end_behavior']);
  if (settings.end_behavior === undefined) missing('trial_settings[end_behavior]');
  const end = hash(settings.end_behavior, 'trial_settings[end_behavior]', ['missing_payment_method']);
  if (end.missing_payment_method === undefined)
    missing('trial_settings[end_behavior][missing_payment_method]');
  return oneOf(end.missing_payment_method, 'trial_settings[end_behavior][missing_payment_method]', [
    'cancel',
    'create_invoice',
    'pause',
  ] as const);
}

/** `pause_collection`: how renewals are invoiced while paused, until `resumes_at`; `''` resumes. */
function pauseCollection(value: unknown): { behavior: PauseBehavior; resumes_at: number | null } | null {
  if (value === '') return null;
  const pause = hash(value, 'pause_collection', ['behavior', 'resumes_at']);
  if (pause.behavior === undefined) missing('pause_collection[behavior]');
  return {
    behavior: oneOf(pause.behavior, 'pause_collection[behavior]', [
      'keep_as_draft',
      'mark_uncollectible',
      'void',
    ] as const),
    resumes_at:
      pause.resumes_at === undefined || pause.resumes_at === ''
        ? null
        : integer(pause.resumes_at, 'pause_collection[resumes_at]'),
  };
}

async function reload(tx: Tx, sub: SubscriptionObject): Promise<SubscriptionObject> {
  return (await findLive<SubscriptionObject>(tx.db, 'subscriptions', sub.id)) ?? sub;
}

/**
 * Applies `items` changes (`{ price, quantity, metadata }` to add, `{ id, ... }` to change,
 * `{ id, deleted: true }` to remove) to `next`, a copy of a subscription being updated.
 */
export async function applyItemChanges(
  tx: Tx,
  next: SubscriptionObject,
  changes: unknown[],
  param = 'items',
): Promise<void> {
  const items: SubscriptionItemObject[] = [...next.items.data];
  for (const [index, raw] of changes.entries()) {
    const at = `${param}[${index}]`;
    const change = hash(raw, at, [
      'clear_usage',
      'deleted',
      'discounts',
      'id',
      'metadata',
      'price',
      'quantity',
      'tax_rates',
    ]);
    const existing = change.id === undefined ? null : items.find((item) => item.id === change.id);
    if (change.id !== undefined && !existing)
      throw resourceMissing('subscription_item', String(change.id), `${at}[id]`);
    if (existing && change.deleted !== undefined && boolean(change.deleted, `${at}[deleted]`)) {
      items.splice(items.indexOf(existing), 1);
      continue;
    }
    const price =
      change.price === undefined
        ? null
        : await recurringPrice(tx, string(change.price, `${at}[price]`), `${at}[price]`);
    if (existing) {
      if (price) {
        existing.price = price;
        existing.plan = planOf(price);
      }
      if (change.quantity !== undefined)
        existing.quantity = integer(change.quantity, `${at}[quantity]`, { min: 0 });
      if (change.metadata !== undefined)
        existing.metadata = mergeMetadata(existing.metadata, change.metadata, `${at}[metadata]`);
    } else {
      if (!price) missing(`${at}[price]`);
      if (items.some((item) => item.price.id === price.id)) {
        throw invalidRequest(
          `Cannot add multiple subscription items with the same price: ${price.id}. Update the existing item's quantity instead.`,
          { param: `${at}[price]` },
        );
      }
      const period = {
        start: items[0]?.current_period_start ?? tx.now,
        end: items[0]?.current_period_end ?? periodFrom(price, tx.now).end,
      };
      items.push(
        newSubscriptionItem({
          id: tx.ids.object('si', 14),
          created: tx.now,
          price,
          quantity:
            change.quantity === undefined ? 1 : integer(change.quantity, `${at}[quantity]`, { min: 0 }),
          subscription: next.id,
          period,
          metadata: metadata(change.metadata, `${at}[metadata]`),
        }),
      );
    }
  }
  if (items.length === 0) throw invalidRequest('A subscription must have at least one item.', { param });
  if (items.some((item) => item.price.currency !== next.currency)) {
    throw invalidRequest('All prices on a subscription must have the same `currency`.', { param });
  }
  next.items = { ...next.items, data: items, total_count: items.length };
}

const PRORATION_BEHAVIORS = ['always_invoice', 'create_prorations', 'none'] as const;

/** `proration_behavior` (default `create_prorations`). */
export const prorationBehavior = (value: unknown, param = 'proration_behavior') =>
  value === undefined ? 'create_prorations' : oneOf(value, param, PRORATION_BEHAVIORS);

/**
 * The money side of an item change already saved: prorations for the rest of the period
 * (at `proration_date` if given), invoiced at once for `always_invoice`. True when an
 * invoice was made (the stored subscription then moved on: reload it).
 */
export async function settleItemChange(
  tx: Tx,
  before: SubscriptionObject,
  after: SubscriptionObject,
  params: Params,
  prefix = '',
): Promise<boolean> {
  const name = (key: string) => (prefix ? `${prefix}[${key}]` : key);
  const behavior = prorationBehavior(params.proration_behavior, name('proration_behavior'));
  if (behavior === 'none' || !['active', 'past_due'].includes(after.status)) return false;
  const requestNow = tx.now;
  if (params.proration_date !== undefined) {
    const at = integer(params.proration_date, name('proration_date'));
    const first = before.items.data[0];
    if (first && (at < first.current_period_start || at > first.current_period_end)) {
      throw invalidRequest('The proration date must be within the current billing period.', {
        param: name('proration_date'),
      });
    }
    tx.now = at;
  }
  const items = await prorate(tx, after, before.items.data, after.items.data);
  tx.now = requestNow;
  if (behavior !== 'always_invoice' || items.length === 0) return false;
  const paid = await invoicePendingNow(tx, after);
  if (paid.error && params.payment_behavior === 'error_if_incomplete') throw paid.error;
  return true;
}

const SEARCH_FIELDS = {
  created: (o: Record<string, unknown>) => o.created,
  status: (o: Record<string, unknown>) => o.status,
  customer: (o: Record<string, unknown>) => o.customer,
};

/** /v1/subscriptions: create, retrieve, update (price, quantity, trial, cancellation), cancel, list, search. */
export function subscriptionRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'add_invoice_items',
      'billing_cycle_anchor',
      'cancel_at',
      'cancel_at_period_end',
      'collection_method',
      'coupon',
      'currency',
      'customer',
      'days_until_due',
      'default_payment_method',
      'default_tax_rates',
      'description',
      'discounts',
      'expand',
      'items',
      'metadata',
      'off_session',
      'payment_behavior',
      'payment_settings',
      'proration_behavior',
      'trial_end',
      'trial_from_plan',
      'trial_period_days',
      'trial_settings',
    ]);
    expansionPlans(params, 'subscription');
    if (params.customer === undefined) missing('customer');
    if (params.items === undefined) missing('items');
    const behavior =
      params.payment_behavior === undefined
        ? 'allow_incomplete'
        : oneOf(params.payment_behavior, 'payment_behavior', [
            'allow_incomplete',
            'default_incomplete',
            'error_if_incomplete',
            'pending_if_incomplete',
          ] as const);
    const result = await transact(
      deps,
      c,
      async (tx): Promise<{ sub: SubscriptionObject; pay: PayResult | null }> => {
        const customer = await liveCustomer(tx, string(params.customer, 'customer'));
        tx.now = await customerNow(tx, customer);
        const rawItems = itemList(params.items);
        if (rawItems.length === 0)
          throw invalidRequest('You must specify at least one item.', { param: 'items' });
        const prices: PriceObject[] = [];
        const quantities: number[] = [];
        const itemMetadata: Array<Record<string, string>> = [];
        for (const [index, raw] of rawItems.entries()) {
          const at = `items[${index}]`;
          const item = hash(raw, at, ['discounts', 'metadata', 'price', 'quantity', 'tax_rates']);
          if (item.price === undefined) missing(`${at}[price]`);
          prices.push(await recurringPrice(tx, string(item.price, `${at}[price]`), `${at}[price]`));
          quantities.push(
            item.quantity === undefined ? 1 : integer(item.quantity, `${at}[quantity]`, { min: 0 }),
          );
          itemMetadata.push(metadata(item.metadata, `${at}[metadata]`));
        }
        const first = prices[0] as PriceObject;
        for (const price of prices) {
          if (price.currency !== first.currency) {
            throw invalidRequest('All prices on a subscription must have the same `currency`.', {
              param: 'items',
            });
          }
          if (
            price.recurring?.interval !== first.recurring?.interval ||
            price.recurring?.interval_count !== first.recurring?.interval_count
          ) {
            throw invalidRequest(
              'All prices on a subscription must have the same `recurring.interval` and `recurring.interval_count`.',
              {
                param: 'items',
              },
            );
          }
        }
        const collectionMethod =
          params.collection_method === undefined
            ? 'charge_automatically'
            : oneOf(params.collection_method, 'collection_method', [
                'charge_automatically',
                'send_invoice',
              ] as const);
        const trialEnd = trialEndFrom(params, prices, tx.now);
        const owner = (subscription: string) => ({ customer: customer.id, subscription });
        const { sub, pay } = await startSubscription(tx, {
          customer,
          items: prices.map((price, index) => ({
            price,
            quantity: quantities[index] as number,
            metadata: itemMetadata[index] ?? {},
          })),
          collectionMethod,
          daysUntilDue:
            collectionMethod === 'send_invoice'
              ? params.days_until_due === undefined
                ? 30
                : integer(params.days_until_due, 'days_until_due', { min: 0 })
              : null,
          defaultPaymentMethod:
            params.default_payment_method === undefined
              ? null
              : await defaultPaymentMethod(tx, params.default_payment_method, customer.id),
          description:
            params.description === undefined
              ? null
              : nullableString(params.description, 'description', { max: 500 }),
          metadata: metadata(params.metadata),
          trialEnd,
          trialEndBehavior: trialEndBehavior(params.trial_settings),
          cancelAtPeriodEnd:
            params.cancel_at_period_end !== undefined &&
            boolean(params.cancel_at_period_end, 'cancel_at_period_end'),
          cancelAt: params.cancel_at === undefined ? null : integer(params.cancel_at, 'cancel_at'),
          discounts: async (subscription) =>
            params.discounts !== undefined
              ? discountsFrom(tx, params.discounts, owner(subscription))
              : params.coupon !== undefined
                ? [await redeemCoupon(tx, string(params.coupon, 'coupon'), owner(subscription), 'coupon')]
                : [],
          defaultTaxRates:
            params.default_tax_rates === undefined
              ? []
              : await taxRatesFrom(tx, params.default_tax_rates, 'default_tax_rates'),
          attemptPayment: behavior !== 'default_incomplete',
        });
        if (pay.error && behavior === 'error_if_incomplete') throw pay.error;
        return { sub, pay };
      },
    );
    return c.json(await answer(deps, params, result.sub));
  });

  routes.get('/', async (c) => {
    const params = c.get('params');
    const status = params.status === undefined ? null : oneOf(params.status, 'status', STATUSES);
    const price = params.price === undefined ? null : string(params.price, 'price');
    return c.json(
      await listAnswer(deps, c, {
        table: 'subscriptions',
        type: 'subscription',
        noun: 'subscription',
        url: '/v1/subscriptions',
        params: [
          'collection_method',
          'current_period_end',
          'current_period_start',
          'customer',
          'price',
          'status',
          'test_clock',
        ],
        filters: (p) => [
          ...stringFilter(p, 'customer'),
          ...stringFilter(p, 'test_clock'),
          ...stringFilter(p, 'collection_method'),
          ...(status && !['all', 'ended'].includes(status) ? [{ path: ['status'], values: [status] }] : []),
        ],
        keep: (sub) => {
          // Test clock subscriptions are listed only when their clock is asked for.
          if (c.get('params').test_clock === undefined && sub.test_clock !== null) return false;
          // By default Stripe lists every subscription that has not been canceled.
          if (status === null && ['canceled', 'incomplete_expired'].includes(sub.status as string))
            return false;
          if (status === 'ended' && !['canceled', 'incomplete_expired'].includes(sub.status as string))
            return false;
          if (price && !(sub as SubscriptionObject).items.data.some((item) => item.price.id === price))
            return false;
          return true;
        },
      }),
    );
  });

  routes.get(
    '/search',
    searchRoute(deps, {
      type: 'subscription',
      table: 'subscriptions',
      fields: SEARCH_FIELDS,
      url: '/v1/subscriptions/search',
    }),
  );

  routes.get('/:id', retrieveRoute(deps, 'subscriptions', 'subscription'));

  routes.post('/:id', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'cancel_at',
      'cancel_at_period_end',
      'cancellation_details',
      'collection_method',
      'coupon',
      'days_until_due',
      'default_payment_method',
      'description',
      'discounts',
      'expand',
      'items',
      'metadata',
      'off_session',
      'pause_collection',
      'payment_behavior',
      'proration_behavior',
      'proration_date',
      'trial_end',
    ]);
    expansionPlans(params, 'subscription');
    const sub = await transact(deps, c, async (tx) => {
      const current = await mustFind<SubscriptionObject>(
        tx.db,
        'subscriptions',
        'subscription',
        c.req.param('id'),
        {
          forUpdate: true,
        },
      );
      if (current.status === 'canceled') {
        throw invalidRequest(
          `A canceled subscription can only update its cancellation_details and metadata.`,
          {
            code: 'resource_missing',
          },
        );
      }
      const customer = await liveCustomer(tx, current.customer);
      tx.now = await customerNow(tx, customer);
      const next = structuredClone(current);
      if (params.items !== undefined) await applyItemChanges(tx, next, itemList(params.items));
      if (params.cancel_at_period_end !== undefined) {
        next.cancel_at_period_end = boolean(params.cancel_at_period_end, 'cancel_at_period_end');
        next.canceled_at = next.cancel_at_period_end ? tx.now : null;
      }
      if (params.cancel_at !== undefined) {
        next.cancel_at = params.cancel_at === '' ? null : integer(params.cancel_at, 'cancel_at');
        next.canceled_at = next.cancel_at === null && !next.cancel_at_period_end ? null : tx.now;
      }
      if (params.cancellation_details !== undefined) {
        const details = hash(params.cancellation_details, 'cancellation_details', ['comment', 'feedback']);
        next.cancellation_details = {
          ...next.cancellation_details,
          ...(details.comment === undefined
            ? {}
            : { comment: nullableString(details.comment, 'cancellation_details[comment]') }),
          ...(details.feedback === undefined
            ? {}
            : { feedback: nullableString(details.feedback, 'cancellation_details[feedback]') }),
        };
      }
      if (params.collection_method !== undefined) {
        next.collection_method = oneOf(params.collection_method, 'collection_method', [
          'charge_automatically',
          'send_invoice',
        ] as const);
        next.days_until_due = next.collection_method === 'send_invoice' ? (next.days_until_due ?? 30) : null;
      }
      if (params.days_until_due !== undefined)
        next.days_until_due = integer(params.days_until_due, 'days_until_due', { min: 0 });
      if (params.default_payment_method !== undefined) {
        next.default_payment_method = await defaultPaymentMethod(
          tx,
          params.default_payment_method,
          next.customer,
        );
      }
      if (params.pause_collection !== undefined)
        next.pause_collection = pauseCollection(params.pause_collection);
      if (params.description !== undefined)
        next.description = nullableString(params.description, 'description', { max: 500 });
      if (params.metadata !== undefined) next.metadata = mergeMetadata(next.metadata, params.metadata);
      const owner = { customer: next.customer, subscription: next.id };
      if (params.discounts !== undefined) next._discounts = await discountsFrom(tx, params.discounts, owner);
      else if (params.coupon !== undefined) {
        next._discounts =
          params.coupon === ''
            ? []
            : [await redeemCoupon(tx, string(params.coupon, 'coupon'), owner, 'coupon')];
      }
      next.discounts = (next._discounts ?? []).map((d) => d.id);
      let endTrialNow = false;
      if (params.trial_end !== undefined) {
        if (params.trial_end === 'now') endTrialNow = next.status === 'trialing';
        else {
          const end = integer(params.trial_end, 'trial_end');
          if (end <= tx.now)
            throw invalidRequest('Invalid timestamp: must be an integer Unix timestamp in the future.', {
              param: 'trial_end',
            });
          next.trial_end = end;
          next.trial_start = next.trial_start ?? tx.now;
          next.status = 'trialing';
          for (const item of next.items.data) item.current_period_end = end;
        }
      }
      if (endTrialNow) {
        next.trial_end = tx.now;
        next.status = 'active';
        const period = periodFrom(next.items.data[0]?.price as PriceObject, tx.now);
        for (const item of next.items.data) {
          item.current_period_start = period.start;
          item.current_period_end = period.end;
        }
        next.billing_cycle_anchor = tx.now;
      }
      const previous = previousAttributes(current, next);
      if (Object.keys(previous).length === 0) return current;
      await saveObject(tx.db, 'subscriptions', next);
      await tx.emit('customer.subscription.updated', next, previous);
      if (params.items !== undefined && !endTrialNow) {
        const settled = await settleItemChange(tx, current, next, params);
        if (settled) return reload(tx, next);
      }
      if (endTrialNow) {
        const first = next.items.data[0] as SubscriptionItemObject;
        await invoiceSubscription(
          tx,
          next,
          { start: first.current_period_start, end: first.current_period_end },
          'subscription_update',
        );
        return reload(tx, next);
      }
      return next;
    });
    return c.json(await answer(deps, params, sub));
  });

  routes.post('/:id/resume', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['billing_cycle_anchor', 'expand', 'proration_behavior', 'proration_date']);
    expansionPlans(params, 'subscription');
    const anchor =
      params.billing_cycle_anchor === undefined
        ? 'now'
        : oneOf(params.billing_cycle_anchor, 'billing_cycle_anchor', ['now', 'unchanged'] as const);
    prorationBehavior(params.proration_behavior);
    const result = await transact(deps, c, async (tx) => {
      const current = await mustFind<SubscriptionObject>(
        tx.db,
        'subscriptions',
        'subscription',
        c.req.param('id'),
        {
          forUpdate: true,
        },
      );
      if (current.status !== 'paused') {
        throw invalidRequest(`Only a paused subscription can be resumed; this one is ${current.status}.`, {
          code: 'subscription_not_paused',
        });
      }
      const customer = await liveCustomer(tx, current.customer);
      tx.now = await customerNow(tx, customer);
      const pay = await resumeSubscription(tx, current, anchor);
      return { sub: await reload(tx, current), pay };
    });
    return c.json(await answer(deps, params, result.sub));
  });

  routes.delete('/:id', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['cancellation_details', 'expand', 'invoice_now', 'prorate']);
    expansionPlans(params, 'subscription');
    const sub = await transact(deps, c, async (tx) => {
      const current = await mustFind<SubscriptionObject>(
        tx.db,
        'subscriptions',
        'subscription',
        c.req.param('id'),
        {
          forUpdate: true,
        },
      );
      if (current.status === 'canceled') {
        throw invalidRequest(`No such subscription: '${current.id}'`, {
          code: 'resource_missing',
          param: 'id',
        });
      }
      const customer = await liveCustomer(tx, current.customer);
      tx.now = await customerNow(tx, customer);
      if (params.cancellation_details !== undefined) {
        const details = hash(params.cancellation_details, 'cancellation_details', ['comment', 'feedback']);
        current.cancellation_details = {
          ...current.cancellation_details,
          comment:
            details.comment === undefined
              ? null
              : nullableString(details.comment, 'cancellation_details[comment]'),
          feedback:
            details.feedback === undefined
              ? null
              : nullableString(details.feedback, 'cancellation_details[feedback]'),
        };
      }
      await endSubscription(tx, current, tx.now, 'cancellation_requested');
      return current;
    });
    return c.json(await answer(deps, params, sub));
  });

  return routes;
}

/** The subscription holding item `id` (locked), or Stripe's 404 for the item. */
async function subscriptionOfItem(tx: Tx, id: string): Promise<SubscriptionObject> {
  const { rows } = await tx.db.query<{ id: string }>(
    `SELECT id FROM subscriptions WHERE NOT deleted AND data->'items'->'data' @> $1::jsonb`,
    [JSON.stringify([{ id }])],
  );
  const sub = rows[0]
    ? await findLive<SubscriptionObject>(tx.db, 'subscriptions', rows[0].id, { forUpdate: true })
    : null;
  if (!sub) throw resourceMissing('subscription_item', id);
  return sub;
}

const ITEM_CHANGE_PARAMS = ['payment_behavior', 'proration_behavior', 'proration_date'];

/**
 * One item change through the subscription: applied, saved with
 * `customer.subscription.updated`, then prorated as the parameters say.
 */
async function changeItem(tx: Tx, current: SubscriptionObject, change: Params, params: Params) {
  if (['canceled', 'incomplete_expired'].includes(current.status)) {
    throw invalidRequest(`This subscription is ${current.status}; its items can no longer change.`, {
      param: 'subscription',
    });
  }
  const customer = await liveCustomer(tx, current.customer);
  tx.now = await customerNow(tx, customer);
  prorationBehavior(params.proration_behavior);
  const next = structuredClone(current);
  await applyItemChanges(tx, next, [change]);
  const previous = previousAttributes(current, next);
  if (Object.keys(previous).length > 0) {
    await saveObject(tx.db, 'subscriptions', next);
    await tx.emit('customer.subscription.updated', next, previous);
    await settleItemChange(tx, current, next, params);
  }
  return next;
}

/** /v1/subscription_items: create, update, delete (prorated like a subscription update), list, retrieve. */
export function subscriptionItemRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'discounts',
      'expand',
      'metadata',
      'price',
      'quantity',
      'subscription',
      'tax_rates',
      ...ITEM_CHANGE_PARAMS,
    ]);
    if (params.subscription === undefined) missing('subscription');
    if (params.price === undefined) missing('price');
    const item = await transact(deps, c, async (tx) => {
      const current = await mustFind<SubscriptionObject>(
        tx.db,
        'subscriptions',
        'subscription',
        string(params.subscription, 'subscription'),
        { param: 'subscription', forUpdate: true },
      );
      const change = { price: params.price, quantity: params.quantity, metadata: params.metadata };
      for (const key of Object.keys(change) as Array<keyof typeof change>) {
        if (change[key] === undefined) delete change[key];
      }
      const next = await changeItem(tx, current, change, params);
      const known = new Set(current.items.data.map((each) => each.id));
      return next.items.data.find((each) => !known.has(each.id)) as SubscriptionItemObject;
    });
    return c.json(item);
  });

  routes.get('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['ending_before', 'expand', 'limit', 'starting_after', 'subscription']);
    if (params.subscription === undefined) missing('subscription');
    const sub = await mustFind<SubscriptionObject>(
      deps.pool,
      'subscriptions',
      'subscription',
      string(params.subscription, 'subscription'),
      { param: 'subscription' },
    );
    return c.json(
      pageOf(sub.items.data, params, { url: '/v1/subscription_items', noun: 'subscription_item' }),
    );
  });

  routes.get('/:id', async (c) => {
    rejectUnknown(c.get('params'), ['expand']);
    const id = c.req.param('id');
    const { rows } = await deps.pool.query<{ data: SubscriptionObject }>(
      `SELECT data FROM subscriptions WHERE data->'items'->'data' @> $1::jsonb`,
      [JSON.stringify([{ id }])],
    );
    const item = rows[0]?.data.items.data.find((each) => each.id === id);
    if (!item) throw resourceMissing('subscription_item', id);
    return c.json(item);
  });

  routes.post('/:id', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'discounts',
      'expand',
      'metadata',
      'off_session',
      'price',
      'quantity',
      'tax_rates',
      ...ITEM_CHANGE_PARAMS,
    ]);
    const id = c.req.param('id');
    const item = await transact(deps, c, async (tx) => {
      const current = await subscriptionOfItem(tx, id);
      const change: Params = { id };
      for (const key of ['price', 'quantity', 'metadata'])
        if (params[key] !== undefined) change[key] = params[key];
      const next = await changeItem(tx, current, change, params);
      return next.items.data.find((each) => each.id === id) as SubscriptionItemObject;
    });
    return c.json(item);
  });

  routes.delete('/:id', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['clear_usage', ...ITEM_CHANGE_PARAMS]);
    const id = c.req.param('id');
    await transact(deps, c, async (tx) => {
      const current = await subscriptionOfItem(tx, id);
      await changeItem(tx, current, { id, deleted: 'true' }, params);
    });
    return c.json({ id, object: 'subscription_item', deleted: true });
  });

  return routes;
}
