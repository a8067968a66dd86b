import { Hono } from 'hono';
import { liveMeter } from '../meters.js';
import {
  amount,
  boolean,
  currency,
  decimal,
  hash,
  integer,
  MAX_AMOUNT,
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
import { insertObject, listObjects, saveObject } from '../store/objects.js';
import { invalidRequest } from '../stripe-error.js';
import { previousAttributes, type Tx, transact } from '../tx.js';
import { newPrice, type PriceObject, type Recurring } from '../views/price.js';
import { newProduct, type ProductObject } from '../views/product.js';
import {
  answer,
  booleanFilter,
  idsFilter,
  listAnswer,
  mustFind,
  retrieveRoute,
  searchRoute,
  stringFilter,
} from './common.js';

/** Keys of `default_price_data` (products) and of price data inline elsewhere. */
export const PRICE_DATA_KEYS = [
  'currency',
  'recurring',
  'tax_behavior',
  'unit_amount',
  'unit_amount_decimal',
];

const CREATE_KEYS = [
  ...PRICE_DATA_KEYS,
  'active',
  'billing_scheme',
  'expand',
  'lookup_key',
  'metadata',
  'nickname',
  'product',
  'product_data',
  'transfer_lookup_key',
];

function recurring(value: unknown, param: string): Recurring {
  const raw = hash(value, param, ['interval', 'interval_count', 'trial_period_days', 'usage_type', 'meter']);
  if (raw.interval === undefined) missing(`${param}[interval]`);
  const interval = oneOf(raw.interval, `${param}[interval]`, ['day', 'week', 'month', 'year'] as const);
  const count =
    raw.interval_count === undefined
      ? 1
      : integer(raw.interval_count, `${param}[interval_count]`, { min: 1 });
  const max = { day: 1095, week: 156, month: 36, year: 3 }[interval];
  if (count > max) {
    throw invalidRequest(`The maximum billing interval is 3 years (${max} ${interval}s).`, {
      param: `${param}[interval_count]`,
    });
  }
  const usageType =
    raw.usage_type === undefined
      ? 'licensed'
      : oneOf(raw.usage_type, `${param}[usage_type]`, ['licensed', 'metered'] as const);
  const meter = raw.meter === undefined ? null : string(raw.meter, `${param}[meter]`);
  if (usageType === 'metered' && meter === null) missing(`${param}[meter]`);
  if (usageType !== 'metered' && meter !== null) {
    throw invalidRequest('A meter can only be set on a price with `recurring[usage_type]=metered`.', {
      param: `${param}[meter]`,
    });
  }
  return {
    interval,
    interval_count: count,
    meter,
    trial_period_days:
      raw.trial_period_days === undefined
        ? null
        : integer(raw.trial_period_days, `${param}[trial_period_days]`, { min: 0 }),
    usage_type: usageType,
  };
}

function unitAmount(params: Params, prefix: string): number {
  if (params.unit_amount !== undefined) return amount(params.unit_amount, `${prefix}unit_amount`, { min: 0 });
  if (params.unit_amount_decimal !== undefined) {
    const param = `${prefix}unit_amount_decimal`;
    return Math.round(decimal(string(params.unit_amount_decimal, param), param, { min: 0, max: MAX_AMOUNT }));
  }
  throw invalidRequest('Missing required param: unit_amount.', {
    code: 'parameter_missing',
    param: `${prefix}unit_amount`,
  });
}

/** Creates a price for `productId` from price parameters (`prefix` names where they came from). */
export async function createPrice(
  tx: Tx,
  params: Params,
  productId: string,
  prefix: string | null = null,
  extra: Partial<PriceObject> = {},
): Promise<PriceObject> {
  const at = prefix ? `${prefix}[` : '';
  const close = prefix ? ']' : '';
  const name = (key: string) => `${at}${key}${close}`;
  if (params.currency === undefined) missing(name('currency'));
  const price = newPrice({
    id: tx.ids.object('price'),
    created: tx.now,
    currency: currency(params.currency, name('currency')),
    product: productId,
    unit_amount: unitAmount(params, prefix ? `${prefix}[` : ''),
    recurring: params.recurring === undefined ? null : recurring(params.recurring, name('recurring')),
    tax_behavior:
      params.tax_behavior === undefined
        ? 'unspecified'
        : oneOf(params.tax_behavior, name('tax_behavior'), [
            'exclusive',
            'inclusive',
            'unspecified',
          ] as const),
    ...extra,
  });
  if (price.recurring?.meter) await liveMeter(tx, price.recurring.meter, `${name('recurring')}[meter]`);
  await insertObject(tx.db, 'prices', price);
  await tx.emit('price.created', price);
  return price;
}

const SEARCH_FIELDS = {
  active: (o: Record<string, unknown>) => String(o.active),
  created: (o: Record<string, unknown>) => o.created,
  currency: (o: Record<string, unknown>) => o.currency,
  lookup_key: (o: Record<string, unknown>) => o.lookup_key,
  product: (o: Record<string, unknown>) => o.product,
  type: (o: Record<string, unknown>) => o.type,
};

async function claimLookupKey(tx: Tx, key: string, transfer: boolean, except: string | null) {
  const holders = await listObjects<PriceObject>(tx.db, 'prices', {
    filters: [{ path: ['lookup_key'], values: [key] }],
  });
  const holder = holders.find((row) => row.id !== except);
  if (!holder) return;
  if (!transfer) {
    throw invalidRequest(
      `A price (\`${holder.id}\`) already uses that lookup key. To transfer the lookup key, set \`transfer_lookup_key\` to true.`,
      { param: 'lookup_key' },
    );
  }
  const before = structuredClone(holder.data);
  holder.data.lookup_key = null;
  await saveObject(tx.db, 'prices', holder.data);
  await tx.emit('price.updated', holder.data, previousAttributes(before, holder.data));
}

/** /v1/prices: create, retrieve, update, list, search (Stripe has no price delete). */
export function priceRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, CREATE_KEYS);
    expansionPlans(params, 'price');
    if (params.billing_scheme !== undefined && params.billing_scheme !== 'per_unit') {
      throw invalidRequest('The asymmetric Stripe clone supports only billing_scheme=per_unit.', {
        param: 'billing_scheme',
      });
    }
    const price = await transact(deps, c, async (tx) => {
      let productId: string;
      if (params.product !== undefined) {
        if (params.product_data !== undefined) {
          throw invalidRequest('You may only specify one of these parameters: product, product_data.', {
            param: 'product',
          });
        }
        productId = string(params.product, 'product');
        await mustFind<ProductObject>(tx.db, 'products', 'product', productId, { param: 'product' });
      } else if (params.product_data !== undefined) {
        const data = hash(params.product_data, 'product_data', [
          'active',
          'id',
          'metadata',
          'name',
          'statement_descriptor',
          'tax_code',
          'unit_label',
        ]);
        if (data.name === undefined) missing('product_data[name]');
        const product = newProduct({
          id: data.id === undefined ? tx.ids.object('prod', 14) : string(data.id, 'product_data[id]'),
          created: tx.now,
          name: string(data.name, 'product_data[name]'),
          active: data.active === undefined ? true : boolean(data.active, 'product_data[active]'),
          metadata: metadata(data.metadata, 'product_data[metadata]'),
          statement_descriptor:
            data.statement_descriptor === undefined
              ? null
              : nullableString(data.statement_descriptor, 'product_data[statement_descriptor]', { max: 22 }),
          unit_label:
            data.unit_label === undefined
              ? null
              : nullableString(data.unit_label, 'product_data[unit_label]'),
        });
        await insertObject(tx.db, 'products', product);
        await tx.emit('product.created', product);
        productId = product.id;
      } else {
        missing('product');
      }
      const lookupKey =
        params.lookup_key === undefined ? null : string(params.lookup_key, 'lookup_key', { max: 200 });
      if (lookupKey !== null) {
        await claimLookupKey(
          tx,
          lookupKey,
          params.transfer_lookup_key !== undefined &&
            boolean(params.transfer_lookup_key, 'transfer_lookup_key'),
          null,
        );
      }
      return createPrice(tx, params, productId, null, {
        active: params.active === undefined ? true : boolean(params.active, 'active'),
        lookup_key: lookupKey,
        metadata: metadata(params.metadata),
        nickname:
          params.nickname === undefined ? null : nullableString(params.nickname, 'nickname', { max: 5000 }),
      });
    });
    return c.json(await answer(deps, params, price));
  });

  routes.get('/', async (c) =>
    c.json(
      await listAnswer(deps, c, {
        table: 'prices',
        type: 'price',
        noun: 'price',
        url: '/v1/prices',
        params: ['active', 'currency', 'lookup_keys', 'product', 'recurring', 'type'],
        filters: (params) => {
          const recurringFilters = [];
          if (params.recurring !== undefined) {
            const raw = hash(params.recurring, 'recurring', ['interval', 'usage_type', 'meter']);
            if (raw.interval !== undefined) {
              recurringFilters.push({
                path: ['recurring', 'interval'],
                values: [
                  oneOf(raw.interval, 'recurring[interval]', ['day', 'week', 'month', 'year'] as const),
                ],
              });
            }
            if (raw.usage_type !== undefined) {
              recurringFilters.push({
                path: ['recurring', 'usage_type'],
                values: [oneOf(raw.usage_type, 'recurring[usage_type]', ['licensed', 'metered'] as const)],
              });
            }
          }
          return [
            ...booleanFilter(params, 'active'),
            ...(params.currency === undefined
              ? []
              : [{ path: ['currency'], values: [currency(params.currency)] }]),
            ...stringFilter(params, 'product'),
            ...(params.type === undefined
              ? []
              : [
                  {
                    path: ['type'],
                    values: [oneOf(params.type, 'type', ['one_time', 'recurring'] as const)],
                  },
                ]),
            ...idsFilter(params, 'lookup_keys', ['lookup_key']),
            ...recurringFilters,
          ];
        },
      }),
    ),
  );

  routes.get(
    '/search',
    searchRoute(deps, { type: 'price', table: 'prices', fields: SEARCH_FIELDS, url: '/v1/prices/search' }),
  );

  routes.get('/:id', retrieveRoute(deps, 'prices', 'price'));

  routes.post('/:id', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'active',
      'expand',
      'lookup_key',
      'metadata',
      'nickname',
      'tax_behavior',
      'transfer_lookup_key',
    ]);
    expansionPlans(params, 'price');
    const price = await transact(deps, c, async (tx) => {
      const current = await mustFind<PriceObject>(tx.db, 'prices', 'price', c.req.param('id'), {
        forUpdate: true,
      });
      const next: PriceObject = structuredClone(current);
      if (params.active !== undefined) next.active = boolean(params.active, 'active');
      if (params.nickname !== undefined)
        next.nickname = nullableString(params.nickname, 'nickname', { max: 5000 });
      if (params.metadata !== undefined) next.metadata = mergeMetadata(current.metadata, params.metadata);
      if (params.tax_behavior !== undefined) {
        next.tax_behavior = oneOf(params.tax_behavior, 'tax_behavior', [
          'exclusive',
          'inclusive',
          'unspecified',
        ] as const);
      }
      if (params.lookup_key !== undefined) {
        next.lookup_key = nullableString(params.lookup_key, 'lookup_key', { max: 200 });
        if (next.lookup_key !== null && next.lookup_key !== current.lookup_key) {
          await claimLookupKey(
            tx,
            next.lookup_key,
            params.transfer_lookup_key !== undefined &&
              boolean(params.transfer_lookup_key, 'transfer_lookup_key'),
            current.id,
          );
        }
      }
      const previous = previousAttributes(current, next);
      if (Object.keys(previous).length === 0) return current;
      await saveObject(tx.db, 'prices', next);
      await tx.emit('price.updated', next, previous);
      return next;
    });
    return c.json(await answer(deps, params, price));
  });

  return routes;
}
