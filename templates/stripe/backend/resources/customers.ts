import { Hono } from 'hono';
import { expandPaths, resolveExpansions } from '../expand.js';
import { listEnvelope, listWindow, rangeFilter } from '../list.js';
import {
  address,
  email,
  integer,
  isHash,
  mergeMetadata,
  missing,
  nullableString,
  oneOf,
  rejectUnknown,
  string,
  stringList,
} from '../params.js';
import type { Params } from '../request-params.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import {
  type CustomerFields,
  type CustomerRow,
  findCustomer,
  type InvoiceSettings,
  insertCustomer,
  listCustomers,
  markCustomerDeleted,
  type Shipping,
  updateCustomer,
} from '../store/customers.js';
import { invalidRequest, resourceMissing } from '../stripe-error.js';
import { CUSTOMER_EXPANDABLE, customerView, deletedCustomerView } from '../views/customer.js';

const WRITABLE = [
  'address',
  'balance',
  'description',
  'email',
  'expand',
  'invoice_prefix',
  'invoice_settings',
  'metadata',
  'name',
  'next_invoice_sequence',
  'phone',
  'preferred_locales',
  'shipping',
  'tax_exempt',
] as const;

/** Real Stripe parameters that need objects this clone does not have yet. */
const NOT_YET = [
  'cash_balance',
  'coupon',
  'default_source',
  'payment_method',
  'promotion_code',
  'source',
  'tax',
  'tax_id_data',
  'test_clock',
  'validate',
];

const EMPTY_INVOICE_SETTINGS: InvoiceSettings = {
  custom_fields: null,
  default_payment_method: null,
  footer: null,
  rendering_options: null,
};

function rejectParams(params: Params, allowed: readonly string[]): void {
  for (const key of Object.keys(params)) {
    if (NOT_YET.includes(key)) {
      throw invalidRequest(`The asymmetric Stripe clone does not support \`${key}\` on customers yet.`, {
        code: 'parameter_unknown',
        param: key,
      });
    }
  }
  rejectUnknown(params, allowed);
}

function shipping(value: unknown): Shipping | null {
  if (value === '') return null;
  if (!isHash(value)) throw invalidRequest('Invalid object', { param: 'shipping' });
  rejectUnknown(value, ['address', 'name', 'phone'], 'shipping');
  if (value.address === undefined) missing('shipping[address]');
  if (value.name === undefined) missing('shipping[name]');
  const shippingAddress = address(value.address, 'shipping[address]');
  if (shippingAddress === null) missing('shipping[address]');
  return {
    address: shippingAddress,
    name: string(value.name, 'shipping[name]', { max: 5000 }),
    phone: value.phone === undefined ? null : nullableString(value.phone, 'shipping[phone]', { max: 5000 }),
  };
}

function invoiceSettings(value: unknown, current: InvoiceSettings): InvoiceSettings {
  const param = 'invoice_settings';
  if (!isHash(value)) throw invalidRequest('Invalid object', { param });
  rejectUnknown(value, ['custom_fields', 'default_payment_method', 'footer', 'rendering_options'], param);
  const next = { ...current };
  if (value.custom_fields !== undefined) {
    const raw = value.custom_fields;
    if (raw === '') next.custom_fields = null;
    else {
      const items = Array.isArray(raw) ? raw : isHash(raw) ? Object.values(raw) : null;
      if (items === null) throw invalidRequest('Invalid array', { param: `${param}[custom_fields]` });
      if (items.length > 4)
        throw invalidRequest('You can specify at most 4 custom fields.', {
          param: `${param}[custom_fields]`,
        });
      next.custom_fields = items.map((item, i) => {
        const at = `${param}[custom_fields][${i}]`;
        if (!isHash(item)) throw invalidRequest('Invalid object', { param: at });
        rejectUnknown(item, ['name', 'value'], at);
        if (item.name === undefined) missing(`${at}[name]`);
        if (item.value === undefined) missing(`${at}[value]`);
        return {
          name: string(item.name, `${at}[name]`, { max: 40 }),
          value: string(item.value, `${at}[value]`, { max: 140 }),
        };
      });
    }
  }
  if (value.default_payment_method !== undefined) {
    const id = nullableString(value.default_payment_method, `${param}[default_payment_method]`);
    // No payment methods exist in this clone yet, so any id is unknown.
    if (id !== null) throw resourceMissing('PaymentMethod', id, `${param}[default_payment_method]`);
    next.default_payment_method = null;
  }
  if (value.footer !== undefined)
    next.footer = nullableString(value.footer, `${param}[footer]`, { max: 5000 });
  if (value.rendering_options !== undefined) {
    const raw = value.rendering_options;
    const at = `${param}[rendering_options]`;
    if (raw === '') next.rendering_options = null;
    else {
      if (!isHash(raw)) throw invalidRequest('Invalid object', { param: at });
      rejectUnknown(raw, ['amount_tax_display', 'template'], at);
      const display = raw.amount_tax_display;
      next.rendering_options = {
        amount_tax_display:
          display === undefined || display === ''
            ? null
            : oneOf(display, `${at}[amount_tax_display]`, ['exclude_tax', 'include_inclusive_tax']),
        template: raw.template === undefined ? null : nullableString(raw.template, `${at}[template]`),
      };
    }
  }
  return next;
}

/** The writable fields present in `params`, validated, merged onto `current` where Stripe merges. */
function fieldsFrom(params: Params, current: CustomerRow | null): Partial<CustomerFields> {
  const fields: Partial<CustomerFields> = {};
  const has = (key: string) => params[key] !== undefined;
  if (has('email')) fields.email = email(params.email, 'email');
  if (has('name')) fields.name = nullableString(params.name, 'name', { max: 256 });
  if (has('description'))
    fields.description = nullableString(params.description, 'description', { max: 5000 });
  if (has('phone')) fields.phone = nullableString(params.phone, 'phone', { max: 20 });
  if (has('balance')) fields.balance = integer(params.balance, 'balance');
  if (has('invoice_prefix')) {
    const prefix = string(params.invoice_prefix, 'invoice_prefix');
    if (!/^[A-Z0-9]{3,12}$/.test(prefix)) {
      throw invalidRequest('Invalid invoice_prefix: must be 3-12 uppercase letters or numbers', {
        param: 'invoice_prefix',
      });
    }
    fields.invoice_prefix = prefix;
  }
  if (has('next_invoice_sequence')) {
    fields.next_invoice_sequence = integer(params.next_invoice_sequence, 'next_invoice_sequence', { min: 1 });
  }
  if (has('address')) fields.address = address(params.address, 'address');
  if (has('shipping')) fields.shipping = shipping(params.shipping);
  if (has('invoice_settings')) {
    fields.invoice_settings = invoiceSettings(
      params.invoice_settings,
      current?.invoice_settings ?? EMPTY_INVOICE_SETTINGS,
    );
  }
  if (has('metadata')) fields.metadata = mergeMetadata(current?.metadata ?? {}, params.metadata);
  if (has('preferred_locales'))
    fields.preferred_locales = stringList(params.preferred_locales, 'preferred_locales');
  if (has('tax_exempt')) {
    fields.tax_exempt =
      params.tax_exempt === ''
        ? 'none'
        : oneOf(params.tax_exempt, 'tax_exempt', ['none', 'exempt', 'reverse'] as const);
  }
  return fields;
}

const expansions = (params: Params, list = false) =>
  resolveExpansions(expandPaths(params.expand), CUSTOMER_EXPANDABLE, { list });

async function liveCustomer(deps: ResourceDeps, id: string): Promise<CustomerRow> {
  const row = await findCustomer(deps.pool, id);
  if (!row || row.deleted) throw resourceMissing('customer', id);
  return row;
}

/** /v1/customers: create, retrieve, update, delete, list. */
export function customerRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectParams(params, WRITABLE);
    const expand = expansions(params);
    const fields = fieldsFrom(params, null);
    const row = await insertCustomer(deps.pool, {
      id: deps.ids.customer(),
      created: Math.floor(deps.now() / 1000),
      email: null,
      name: null,
      description: null,
      phone: null,
      balance: 0,
      invoice_prefix: deps.ids.invoicePrefix(),
      next_invoice_sequence: 1,
      address: null,
      shipping: null,
      invoice_settings: EMPTY_INVOICE_SETTINGS,
      metadata: {},
      preferred_locales: [],
      tax_exempt: 'none',
      ...fields,
    });
    return c.json(customerView(row, expand));
  });

  routes.get('/', async (c) => {
    const params = c.get('params');
    rejectParams(params, ['created', 'email', 'ending_before', 'expand', 'limit', 'starting_after']);
    const expand = expansions(params, true);
    const window = listWindow(params);
    const cursorId = window.startingAfter ?? window.endingBefore;
    let cursor: { created: number; seq: number } | null = null;
    if (cursorId !== null) {
      const row = await findCustomer(deps.pool, cursorId);
      if (!row)
        throw resourceMissing(
          'customer',
          cursorId,
          window.startingAfter ? 'starting_after' : 'ending_before',
        );
      cursor = { created: row.created, seq: row.seq };
    }
    const rows = await listCustomers(deps.pool, {
      email: params.email === undefined ? null : string(params.email, 'email', { max: 512 }),
      created: rangeFilter(params.created, 'created'),
      after: window.startingAfter ? cursor : null,
      before: window.endingBefore ? cursor : null,
      limit: window.limit + 1,
    });
    const hasMore = rows.length > window.limit;
    let page = rows.slice(0, window.limit);
    if (window.endingBefore) page = page.reverse();
    return c.json(
      listEnvelope(
        '/v1/customers',
        page.map((row) => customerView(row, expand)),
        hasMore,
      ),
    );
  });

  routes.get('/:id', async (c) => {
    const params = c.get('params');
    rejectParams(params, ['expand']);
    const expand = expansions(params);
    const id = c.req.param('id');
    const row = await findCustomer(deps.pool, id);
    if (!row) throw resourceMissing('customer', id);
    return c.json(row.deleted ? deletedCustomerView(row.id) : customerView(row, expand));
  });

  routes.post('/:id', async (c) => {
    const params = c.get('params');
    rejectParams(params, WRITABLE);
    const expand = expansions(params);
    const current = await liveCustomer(deps, c.req.param('id'));
    const row = await updateCustomer(deps.pool, current.id, fieldsFrom(params, current));
    if (!row) throw resourceMissing('customer', current.id);
    return c.json(customerView(row, expand));
  });

  routes.delete('/:id', async (c) => {
    rejectParams(c.get('params'), []);
    const id = c.req.param('id');
    if (!(await markCustomerDeleted(deps.pool, id))) throw resourceMissing('customer', id);
    return c.json(deletedCustomerView(id));
  });

  return routes;
}
