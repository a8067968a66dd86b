import { Hono } from 'hono';
import {
  boolean,
  decimal,
  mergeMetadata,
  metadata,
  missing,
  nullableString,
  oneOf,
  rejectUnknown,
  string,
} from '../params.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { insertObject } from '../store/objects.js';
import { transact } from '../tx.js';
import { newTaxRate, type TaxRateObject } from '../views/catalogue.js';
import { answer, booleanFilter, listAnswer, retrieveRoute } from './common.js';
import { updateRoute } from './updates.js';

const TAX_TYPES = [
  'amusement_tax',
  'communications_tax',
  'gst',
  'hst',
  'igst',
  'jct',
  'lease_tax',
  'pst',
  'qst',
  'retail_delivery_fee',
  'rst',
  'sales_tax',
  'service_tax',
  'vat',
] as const;

const optional = (value: unknown, param: string, max = 5000) =>
  value === undefined ? null : nullableString(value, param, { max });

/** /v1/tax_rates: create, retrieve, update, list (Stripe has no delete: rates are archived). */
export function taxRateRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'active',
      'country',
      'description',
      'display_name',
      'expand',
      'inclusive',
      'jurisdiction',
      'metadata',
      'percentage',
      'state',
      'tax_type',
    ]);
    if (params.display_name === undefined) missing('display_name');
    if (params.inclusive === undefined) missing('inclusive');
    if (params.percentage === undefined) missing('percentage');
    const rate = newTaxRate({
      id: '',
      created: 0,
      display_name: string(params.display_name, 'display_name', { max: 50 }),
      inclusive: boolean(params.inclusive, 'inclusive'),
      percentage: decimal(params.percentage, 'percentage', { min: 0, max: 100 }),
      active: params.active === undefined ? true : boolean(params.active, 'active'),
      country: optional(params.country, 'country'),
      description: optional(params.description, 'description'),
      jurisdiction: optional(params.jurisdiction, 'jurisdiction', 50),
      state: optional(params.state, 'state'),
      tax_type: params.tax_type === undefined ? null : oneOf(params.tax_type, 'tax_type', TAX_TYPES),
      metadata: metadata(params.metadata),
    });
    const created = await transact(deps, c, async (tx) => {
      const out = { ...rate, id: tx.ids.object('txr'), created: tx.now };
      await insertObject(tx.db, 'tax_rates', out);
      await tx.emit('tax_rate.created', out);
      return out;
    });
    return c.json(await answer(deps, params, created));
  });

  routes.get('/', async (c) =>
    c.json(
      await listAnswer(deps, c, {
        table: 'tax_rates',
        type: 'tax_rate',
        noun: 'tax_rate',
        url: '/v1/tax_rates',
        params: ['active', 'inclusive'],
        filters: (params) => [...booleanFilter(params, 'active'), ...booleanFilter(params, 'inclusive')],
      }),
    ),
  );

  routes.get('/:id', retrieveRoute(deps, 'tax_rates', 'tax_rate'));

  routes.post(
    '/:id',
    updateRoute<TaxRateObject>(deps, {
      table: 'tax_rates',
      noun: 'tax_rate',
      event: 'tax_rate.updated',
      allowed: [
        'active',
        'country',
        'description',
        'display_name',
        'jurisdiction',
        'metadata',
        'state',
        'tax_type',
      ],
      apply: (_tx, next, params) => {
        if (params.active !== undefined) next.active = boolean(params.active, 'active');
        if (params.display_name !== undefined)
          next.display_name = string(params.display_name, 'display_name', { max: 50 });
        for (const key of ['country', 'description', 'jurisdiction', 'state'] as const) {
          if (params[key] !== undefined) next[key] = nullableString(params[key], key, { max: 5000 });
        }
        if (params.tax_type !== undefined) next.tax_type = oneOf(params.tax_type, 'tax_type', TAX_TYPES);
        if (params.metadata !== undefined) next.metadata = mergeMetadata(next.metadata, params.metadata);
      },
    }),
  );

  return routes;
}
