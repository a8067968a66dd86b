import type { Context } from 'hono';
import { Hono } from 'hono';
import type { Queryable } from '../../../_shared/db.js';
import { listEnvelope } from '../list.js';
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
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { findObject, insertObject, markDeleted, saveObject } from '../store/objects.js';
import { invalidRequest, resourceMissing } from '../stripe-error.js';
import { previousAttributes, transact } from '../tx.js';
import { planOf } from '../views/billing.js';
import type { PriceObject } from '../views/price.js';
import { newProduct } from '../views/product.js';
import { booleanFilter, listAnswer, mustFind, stringFilter } from './common.js';
import { createPrice } from './prices.js';

/**
 * /v1/plans, the legacy face of recurring prices: a plan is a price (same id, same row in
 * `prices`), so a plan created here is a price to `/v1/prices` and subscriptions, and every
 * recurring price is a plan here, as on Stripe.
 */
async function findPlan(db: Queryable, id: string, forUpdate = false): Promise<PriceObject> {
  const price = await mustFind<PriceObject>(db, 'prices', 'plan', id, { forUpdate });
  if (price.recurring === null) throw resourceMissing('plan', id);
  return price;
}

export function planRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'active',
      'amount',
      'amount_decimal',
      'billing_scheme',
      'currency',
      'expand',
      'id',
      'interval',
      'interval_count',
      'metadata',
      'nickname',
      'product',
      'trial_period_days',
      'usage_type',
    ]);
    if (params.expand !== undefined) {
      throw invalidRequest('This property cannot be expanded (expand).', { param: 'expand' });
    }
    if (params.currency === undefined) missing('currency');
    if (params.interval === undefined) missing('interval');
    if (params.product === undefined) missing('product');
    if (params.amount === undefined && params.amount_decimal === undefined) missing('amount');
    if (params.billing_scheme !== undefined && params.billing_scheme !== 'per_unit') {
      throw invalidRequest('The asymmetric Stripe clone supports only billing_scheme=per_unit.', {
        param: 'billing_scheme',
      });
    }
    const interval = oneOf(params.interval, 'interval', ['day', 'week', 'month', 'year'] as const);
    const plan = await transact(deps, c, async (tx) => {
      let productId: string;
      if (isHash(params.product)) {
        const data = hash(params.product, 'product', [
          'active',
          'id',
          'metadata',
          'name',
          'statement_descriptor',
          'unit_label',
        ]);
        if (data.name === undefined) missing('product[name]');
        const product = newProduct({
          id: data.id === undefined ? tx.ids.object('prod', 14) : string(data.id, 'product[id]'),
          created: tx.now,
          name: string(data.name, 'product[name]'),
          active: data.active === undefined ? true : boolean(data.active, 'product[active]'),
          metadata: metadata(data.metadata, 'product[metadata]'),
          statement_descriptor: null,
          unit_label:
            data.unit_label === undefined ? null : nullableString(data.unit_label, 'product[unit_label]'),
        });
        await insertObject(tx.db, 'products', product);
        await tx.emit('product.created', product);
        productId = product.id;
      } else {
        productId = string(params.product, 'product');
        await mustFind(tx.db, 'products', 'product', productId, { param: 'product' });
      }
      const id = params.id === undefined ? undefined : string(params.id, 'id', { max: 200 });
      if (id !== undefined && (await findObject(tx.db, 'prices', id))) {
        throw invalidRequest('Plan already exists.', { code: 'resource_already_exists', param: 'id' });
      }
      const price = await createPrice(
        tx,
        {
          currency: params.currency,
          ...(params.amount !== undefined
            ? { unit_amount: params.amount }
            : { unit_amount_decimal: params.amount_decimal }),
          recurring: {
            interval,
            ...(params.interval_count === undefined ? {} : { interval_count: params.interval_count }),
            ...(params.trial_period_days === undefined
              ? {}
              : { trial_period_days: params.trial_period_days }),
            ...(params.usage_type === undefined ? {} : { usage_type: params.usage_type }),
          },
        },
        productId,
        null,
        {
          ...(id === undefined ? {} : { id }),
          active: params.active === undefined ? true : boolean(params.active, 'active'),
          metadata: metadata(params.metadata),
          nickname:
            params.nickname === undefined ? null : nullableString(params.nickname, 'nickname', { max: 5000 }),
        },
      );
      const out = planOf(price);
      await tx.emit('plan.created', out);
      return out;
    });
    return c.json(plan);
  });

  routes.get('/', async (c) => {
    const list = await listAnswer(deps, c, {
      table: 'prices',
      type: 'price',
      noun: 'plan',
      url: '/v1/plans',
      params: ['active', 'product'],
      filters: (params) => [
        ...booleanFilter(params, 'active'),
        ...stringFilter(params, 'product'),
        { path: ['type'], values: ['recurring'] },
      ],
    });
    return c.json(
      listEnvelope(
        '/v1/plans',
        list.data.map((price) => planOf(price as PriceObject)),
        list.has_more,
      ),
    );
  });

  const retrieve = async (c: Context<StripeEnv, '/:id'>) => {
    rejectUnknown(c.get('params'), ['expand']);
    return c.json(planOf(await findPlan(deps.pool, c.req.param('id'))));
  };
  routes.get('/:id', retrieve);

  routes.post('/:id', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['active', 'expand', 'metadata', 'nickname', 'product', 'trial_period_days']);
    const plan = await transact(deps, c, async (tx) => {
      const current = await findPlan(tx.db, c.req.param('id'), true);
      const next = structuredClone(current);
      if (params.active !== undefined) next.active = boolean(params.active, 'active');
      if (params.metadata !== undefined) next.metadata = mergeMetadata(next.metadata, params.metadata);
      if (params.nickname !== undefined)
        next.nickname = nullableString(params.nickname, 'nickname', { max: 5000 });
      if (params.product !== undefined) {
        next.product = string(params.product, 'product');
        await mustFind(tx.db, 'products', 'product', next.product, { param: 'product' });
      }
      if (params.trial_period_days !== undefined && next.recurring) {
        next.recurring.trial_period_days = integer(params.trial_period_days, 'trial_period_days', {
          min: 0,
          max: 730,
        });
      }
      const previous = previousAttributes(planOf(current), planOf(next));
      if (Object.keys(previous).length === 0) return planOf(current);
      await saveObject(tx.db, 'prices', next);
      await tx.emit('price.updated', next, previousAttributes(current, next));
      await tx.emit('plan.updated', planOf(next), previous);
      return planOf(next);
    });
    return c.json(plan);
  });

  routes.delete('/:id', async (c) => {
    rejectUnknown(c.get('params'), []);
    const id = c.req.param('id');
    await transact(deps, c, async (tx) => {
      const price = await findPlan(tx.db, id, true);
      await markDeleted(tx.db, 'prices', id);
      await tx.emit('plan.deleted', planOf(price));
      await tx.emit('price.deleted', price);
    });
    return c.json({ id, object: 'plan', deleted: true });
  });

  return routes;
}
