import { Hono } from 'hono';
import {
  amount,
  boolean,
  currency,
  hash,
  integer,
  mergeMetadata,
  metadata,
  missing,
  nullableString,
  oneOf,
  rejectUnknown,
  string,
} from '../params.js';
import type { Params } from '../request-params.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { insertObject } from '../store/objects.js';
import { invalidRequest } from '../stripe-error.js';
import { transact } from '../tx.js';
import { newShippingRate, type ShippingRateObject } from '../views/catalogue.js';
import { answer, booleanFilter, listAnswer, retrieveRoute, stringFilter } from './common.js';
import { updateRoute } from './updates.js';

const TAX_BEHAVIORS = ['exclusive', 'inclusive', 'unspecified'] as const;
const UNITS = ['business_day', 'day', 'hour', 'month', 'week'] as const;

function estimate(value: unknown, param: string) {
  const raw = hash(value, param, ['maximum', 'minimum']);
  const bound = (key: 'maximum' | 'minimum') => {
    if (raw[key] === undefined) return null;
    const at = `${param}[${key}]`;
    const b = hash(raw[key], at, ['unit', 'value']);
    if (b.unit === undefined) missing(`${at}[unit]`);
    if (b.value === undefined) missing(`${at}[value]`);
    return { unit: oneOf(b.unit, `${at}[unit]`, UNITS), value: integer(b.value, `${at}[value]`, { min: 1 }) };
  };
  return { maximum: bound('maximum'), minimum: bound('minimum') };
}

function fixedAmount(params: Params) {
  if (params.fixed_amount === undefined) missing('fixed_amount');
  const raw = hash(params.fixed_amount, 'fixed_amount', ['amount', 'currency', 'currency_options']);
  if (raw.amount === undefined) missing('fixed_amount[amount]');
  if (raw.currency === undefined) missing('fixed_amount[currency]');
  return {
    amount: amount(raw.amount, 'fixed_amount[amount]', { min: 0 }),
    currency: currency(raw.currency, 'fixed_amount[currency]'),
  };
}

/** /v1/shipping_rates: create, retrieve, update, list. */
export function shippingRateRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'delivery_estimate',
      'display_name',
      'expand',
      'fixed_amount',
      'metadata',
      'tax_behavior',
      'tax_code',
      'type',
    ]);
    if (params.display_name === undefined) missing('display_name');
    if (params.type !== undefined && params.type !== 'fixed_amount') {
      throw invalidRequest('Invalid type: must be fixed_amount', { param: 'type' });
    }
    const fields = {
      display_name: string(params.display_name, 'display_name', { max: 100 }),
      fixed_amount: fixedAmount(params),
      delivery_estimate:
        params.delivery_estimate === undefined
          ? null
          : estimate(params.delivery_estimate, 'delivery_estimate'),
      tax_behavior:
        params.tax_behavior === undefined
          ? 'unspecified'
          : oneOf(params.tax_behavior, 'tax_behavior', TAX_BEHAVIORS),
      tax_code: params.tax_code === undefined ? null : string(params.tax_code, 'tax_code'),
      metadata: metadata(params.metadata),
    };
    const rate = await transact(deps, c, async (tx) => {
      const out = newShippingRate({ id: tx.ids.object('shr'), created: tx.now, ...fields });
      await insertObject(tx.db, 'shipping_rates', out);
      return out;
    });
    return c.json(await answer(deps, params, rate));
  });

  routes.get('/', async (c) =>
    c.json(
      await listAnswer(deps, c, {
        table: 'shipping_rates',
        type: 'shipping_rate',
        noun: 'shipping_rate',
        url: '/v1/shipping_rates',
        params: ['active', 'currency'],
        filters: (params) => [
          ...booleanFilter(params, 'active'),
          ...stringFilter(params, 'currency', ['fixed_amount', 'currency']),
        ],
      }),
    ),
  );

  routes.get('/:id', retrieveRoute(deps, 'shipping_rates', 'shipping_rate'));

  // Stripe has no shipping_rate events.
  routes.post(
    '/:id',
    updateRoute<ShippingRateObject>(deps, {
      table: 'shipping_rates',
      noun: 'shipping_rate',
      event: null,
      allowed: ['active', 'fixed_amount', 'metadata', 'tax_behavior'],
      apply: (_tx, next, params) => {
        if (params.active !== undefined) next.active = boolean(params.active, 'active');
        if (params.tax_behavior !== undefined)
          next.tax_behavior = oneOf(params.tax_behavior, 'tax_behavior', TAX_BEHAVIORS);
        if (params.fixed_amount !== undefined)
          hash(params.fixed_amount, 'fixed_amount', ['currency_options']);
        if (params.metadata !== undefined) next.metadata = mergeMetadata(next.metadata, params.metadata);
        if (params.display_name !== undefined)
          next.display_name = nullableString(params.display_name, 'display_name');
      },
    }),
  );

  return routes;
}
