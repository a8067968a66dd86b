import { type Context, Hono } from 'hono';
import type { Queryable } from '../../../_shared/db.js';
import { hash, missing, oneOf, rejectUnknown, string } from '../params.js';
import type { Params } from '../request-params.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { findCustomer } from '../store/customers.js';
import { insertObject, markDeleted, type StripeObject } from '../store/objects.js';
import { invalidRequest, resourceMissing } from '../stripe-error.js';
import { transact } from '../tx.js';
import { answer, listAnswer, mustFind, stringFilter } from './common.js';

export interface TaxIdObject extends StripeObject {
  object: 'tax_id';
  country: string | null;
  customer: string | null;
  owner: {
    type: 'customer' | 'self' | 'account' | 'application';
    customer: string | null;
    customer_account: null;
  };
  type: string;
  value: string;
}

/**
 * The tax id types the clone checks, with the country each implies and the format Stripe
 * accepts; other types of Stripe's list are taken as given.
 */
const FORMATS: Record<string, { country: string | null; pattern: RegExp }> = {
  eu_vat: { country: null, pattern: /^[A-Z]{2}[0-9A-Z]{2,13}$/ },
  gb_vat: { country: 'GB', pattern: /^GB[0-9]{9}([0-9]{3})?$/ },
  us_ein: { country: 'US', pattern: /^[0-9]{2}-?[0-9]{7}$/ },
  au_abn: { country: 'AU', pattern: /^[0-9]{11}$/ },
  ca_bn: { country: 'CA', pattern: /^[0-9]{9}$/ },
  in_gst: { country: 'IN', pattern: /^[0-9]{2}[A-Z0-9]{13}$/ },
  ch_vat: { country: 'CH', pattern: /^CHE-?[0-9]{3}\.?[0-9]{3}\.?[0-9]{3} ?(MWST|TVA|IVA)$/ },
  jp_cn: { country: 'JP', pattern: /^[0-9]{13}$/ },
  br_cnpj: { country: 'BR', pattern: /^[0-9]{2}\.?[0-9]{3}\.?[0-9]{3}\/?[0-9]{4}-?[0-9]{2}$/ },
  mx_rfc: { country: 'MX', pattern: /^[A-Z&Ñ]{3,4}[0-9]{6}[A-Z0-9]{3}$/ },
  no_vat: { country: 'NO', pattern: /^[0-9]{9}MVA$/ },
  nz_gst: { country: 'NZ', pattern: /^[0-9]{8,9}$/ },
  sg_gst: { country: 'SG', pattern: /^[A-Z0-9]{9,10}$/ },
  za_vat: { country: 'ZA', pattern: /^4[0-9]{9}$/ },
};
const TYPES = Object.keys(FORMATS);

/** A new tax id for `owner`: Stripe's `tax_id_invalid` when the value does not fit the type. */
function newTaxId(params: Params, owner: TaxIdObject['owner']): Omit<TaxIdObject, 'id' | 'created'> {
  if (params.type === undefined) missing('type');
  if (params.value === undefined) missing('value');
  const type = oneOf(params.type, 'type', TYPES);
  const value = string(params.value, 'value', { max: 100 }).replace(/\s+/g, '').toUpperCase();
  const format = FORMATS[type] as { country: string | null; pattern: RegExp };
  if (!format.pattern.test(value)) {
    throw invalidRequest(`Invalid value for ${type}.`, { param: 'value', code: 'tax_id_invalid' });
  }
  const country = format.country ?? (value.slice(0, 2) === 'EL' ? 'GR' : value.slice(0, 2));
  return {
    object: 'tax_id',
    country,
    customer: owner.customer,
    livemode: false,
    owner,
    type,
    value,
    verification: { status: 'pending', verified_address: null, verified_name: null },
    customer_account: null,
  };
}

async function liveCustomer(db: Queryable, id: string, param: string) {
  const row = await findCustomer(db, id);
  if (!row || row.deleted) throw resourceMissing('customer', id, param);
  return row;
}

async function create(
  deps: ResourceDeps,
  c: Context<StripeEnv>,
  params: Params,
  owner: TaxIdObject['owner'],
) {
  const base = newTaxId(params, owner);
  const created = await transact(deps, c, async (tx) => {
    if (owner.customer)
      await liveCustomer(
        tx.db,
        owner.customer,
        owner.type === 'customer' && c.req.param('customer') ? 'customer' : 'owner[customer]',
      );
    const out = { ...base, id: tx.ids.object('txi'), created: tx.now } as TaxIdObject;
    await insertObject(tx.db, 'tax_ids', out);
    if (owner.customer) await tx.emit('customer.tax_id.created', out);
    return out;
  });
  return c.json(await answer(deps, params, created));
}

async function remove(deps: ResourceDeps, c: Context<StripeEnv>, id: string, customer: string | null) {
  await transact(deps, c, async (tx) => {
    const current = await mustFind<TaxIdObject>(tx.db, 'tax_ids', 'tax_id', id, { forUpdate: true });
    if (customer !== null && current.customer !== customer) throw resourceMissing('tax_id', id);
    await markDeleted(tx.db, 'tax_ids', id);
    if (current.customer) await tx.emit('customer.tax_id.deleted', current);
  });
  return c.json({ id, object: 'tax_id', deleted: true });
}

/** /v1/tax_ids: the account's own tax ids and its customers' (`owner[customer]`); one store with the next. */
export function taxIdRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();
  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['expand', 'owner', 'type', 'value']);
    const owner =
      params.owner === undefined
        ? { type: 'self' }
        : hash(params.owner, 'owner', ['account', 'customer', 'customer_account', 'type']);
    const ownerType = oneOf(owner.type ?? 'self', 'owner[type]', [
      'account',
      'application',
      'customer',
      'self',
    ] as const);
    if (ownerType === 'customer' && owner.customer === undefined) missing('owner[customer]');
    const customer = ownerType === 'customer' ? string(owner.customer, 'owner[customer]') : null;
    return create(deps, c, params, { type: ownerType, customer, customer_account: null });
  });
  routes.get('/', async (c) => {
    const params = c.get('params');
    const owner =
      params.owner === undefined
        ? null
        : hash(params.owner, 'owner', ['account', 'customer', 'customer_account', 'type']);
    const ownerType = owner
      ? oneOf(owner.type, 'owner[type]', ['account', 'application', 'customer', 'self'] as const)
      : null;
    return c.json(
      await listAnswer(deps, c, {
        table: 'tax_ids',
        type: 'tax_id',
        noun: 'tax_id',
        url: '/v1/tax_ids',
        params: ['owner'],
        noCreated: true,
        filters: () => [
          ...(ownerType ? [{ path: ['owner', 'type'], values: [ownerType] }] : []),
          ...(owner?.customer === undefined ? [] : stringFilter(owner, 'customer', ['customer'])),
        ],
      }),
    );
  });
  routes.get('/:id', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['expand']);
    return c.json(
      await answer(deps, params, await mustFind(deps.pool, 'tax_ids', 'tax_id', c.req.param('id'))),
    );
  });
  routes.delete('/:id', async (c) => remove(deps, c, c.req.param('id'), null));
  return routes;
}

/** /v1/customers/:customer/tax_ids: create, list, retrieve, delete a customer's tax ids. */
export function customerTaxIdRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();
  routes.post('/:customer/tax_ids', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['expand', 'type', 'value']);
    return create(deps, c, params, {
      type: 'customer',
      customer: c.req.param('customer'),
      customer_account: null,
    });
  });
  routes.get('/:customer/tax_ids', async (c) => {
    const customer = await liveCustomer(deps.pool, c.req.param('customer'), 'customer');
    return c.json(
      await listAnswer(deps, c, {
        table: 'tax_ids',
        type: 'tax_id',
        noun: 'tax_id',
        url: `/v1/customers/${customer.id}/tax_ids`,
        noCreated: true,
        filters: () => [{ path: ['customer'], values: [customer.id] }],
      }),
    );
  });
  routes.get('/:customer/tax_ids/:id', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['expand']);
    await liveCustomer(deps.pool, c.req.param('customer'), 'customer');
    const id = c.req.param('id');
    const taxId = await mustFind<TaxIdObject>(deps.pool, 'tax_ids', 'tax_id', id);
    if (taxId.customer !== c.req.param('customer')) throw resourceMissing('tax_id', id);
    return c.json(await answer(deps, params, taxId));
  });
  routes.delete('/:customer/tax_ids/:id', async (c) => {
    await liveCustomer(deps.pool, c.req.param('customer'), 'customer');
    return remove(deps, c, c.req.param('id'), c.req.param('customer'));
  });
  return routes;
}
