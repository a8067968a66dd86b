import { Hono } from 'hono';
import type { Queryable } from '../../../_shared/db.js';
import { endSubscription } from '../billing.js';
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
import { expansionPlans, render } from '../render.js';
import type { Params } from '../request-params.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { searchAnswer } from '../search.js';
import {
  type CustomerFields,
  type CustomerRow,
  findCustomer,
  type InvoiceSettings,
  insertCustomer,
  insertCustomerStatement,
  listCustomers,
  markCustomerDeleted,
  newCustomerRow,
  type Shipping,
  updateCustomer,
} from '../store/customers.js';
import { findLive, listObjects, type StripeObject } from '../store/objects.js';
import { invalidRequest, resourceMissing } from '../stripe-error.js';
import { answeredText, previousAttributes, type Tx, transact, writeWithEvent } from '../tx.js';
import type { SubscriptionObject } from '../views/billing.js';
import { customerView, deletedCustomerView } from '../views/customer.js';
import { nowSeconds } from './common.js';
import { attachForCustomer } from './payment-methods.js';

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
  'default_source',
  'promotion_code',
  'source',
  'tax',
  'tax_id_data',
  'validate',
];

export const EMPTY_INVOICE_SETTINGS: InvoiceSettings = {
  custom_fields: null,
  default_payment_method: null,
  footer: null,
  rendering_options: null,
};

/** What a customer holds before the fields its creator gave: Stripe's empty customer. */
export const emptyCustomerFields = (invoicePrefix: string): CustomerFields => ({
  email: null,
  name: null,
  description: null,
  phone: null,
  balance: 0,
  invoice_prefix: invoicePrefix,
  next_invoice_sequence: 1,
  address: null,
  shipping: null,
  invoice_settings: EMPTY_INVOICE_SETTINGS,
  metadata: {},
  preferred_locales: [],
  tax_exempt: 'none',
});

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
    // Checked against the customer's payment methods by the route (needs the database).
    next.default_payment_method = nullableString(
      value.default_payment_method,
      `${param}[default_payment_method]`,
    );
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

const expansions = (params: Params, list = false) => expansionPlans(params, 'customer', { list });

type Plans = ReturnType<typeof expansions>;

/** `fresh`: the row was just read or written and nothing else holds it (no copy needed). */
const show = (deps: ResourceDeps, row: CustomerRow, plans: Plans, options?: { fresh: boolean }) =>
  render(deps.pool, customerView(row) as StripeObject, plans, nowSeconds(deps), options);

/** The default payment method must be one attached to this customer. */
async function checkDefaultPaymentMethod(tx: Tx, customerId: string, fields: Partial<CustomerFields>) {
  const id = fields.invoice_settings?.default_payment_method;
  if (id === undefined || id === null) return;
  const pm = await findLive(tx.db, 'payment_methods', id);
  if (!pm) throw resourceMissing('PaymentMethod', id, 'invoice_settings[default_payment_method]');
  if (pm.customer !== customerId) {
    throw invalidRequest(
      `The customer does not have a payment method with the ID ${id}. The payment method must be attached to the customer.`,
      { param: 'invoice_settings[default_payment_method]' },
    );
  }
}

const SEARCH_FIELDS = {
  created: (o: Record<string, unknown>) => o.created,
  email: (o: Record<string, unknown>) => o.email,
  name: (o: Record<string, unknown>) => o.name,
  phone: (o: Record<string, unknown>) => o.phone,
};

async function liveCustomer(db: Queryable, id: string): Promise<CustomerRow> {
  const row = await findCustomer(db, id);
  if (!row || row.deleted) throw resourceMissing('customer', id);
  return row;
}

/** /v1/customers: create, retrieve, update, delete, list. */
export function customerRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectParams(params, [...WRITABLE, 'payment_method', 'test_clock']);
    const expand = expansions(params);
    const fields = fieldsFrom(params, null);
    const now = nowSeconds(deps);
    // The common create reads nothing first: the row and its event in one statement.
    if (
      params.test_clock === undefined &&
      params.payment_method === undefined &&
      fields.invoice_settings?.default_payment_method == null
    ) {
      const customer = {
        id: deps.ids.customer(),
        created: now,
        test_clock: null,
        ...emptyCustomerFields(deps.ids.invoicePrefix()),
        ...fields,
      };
      const row = await writeWithEvent<CustomerRow>(deps, c, {
        write: insertCustomerStatement(customer),
        now,
        type: 'customer.created',
        predicted: customerView(newCustomerRow(customer)) as StripeObject,
        view: (written) => customerView(written) as StripeObject,
        answer: (object) => render(deps.pool, object, expand, now),
      });
      return answeredText(c) ?? c.json(await show(deps, row, expand, { fresh: true }));
    }
    const row = await transact(deps, c, async (tx) => {
      let testClock: string | null = null;
      let created = tx.now;
      if (params.test_clock !== undefined) {
        testClock = string(params.test_clock, 'test_clock');
        const clock = await findLive(tx.db, 'test_clocks', testClock);
        if (!clock) throw resourceMissing('test_clock', testClock, 'test_clock');
        created = clock.frozen_time as number;
      }
      const id = deps.ids.customer();
      const paymentMethod =
        params.payment_method === undefined ? null : string(params.payment_method, 'payment_method');
      if (paymentMethod !== null) await attachForCustomer(tx, paymentMethod, id, 'payment_method');
      await checkDefaultPaymentMethod(tx, id, fields);
      const inserted = await insertCustomer(tx.db, {
        id,
        created,
        test_clock: testClock,
        ...emptyCustomerFields(deps.ids.invoicePrefix()),
        ...fields,
      });
      await tx.emit('customer.created', customerView(inserted) as StripeObject);
      return inserted;
    });
    return c.json(await show(deps, row, expand));
  });

  routes.get('/search', async (c) => {
    const params = c.get('params');
    const plans = expansions(params, true);
    const rows = await listCustomers(deps.pool, {
      email: null,
      created: null,
      after: null,
      before: null,
      limit: 100_000,
    });
    const result = searchAnswer(
      params,
      rows.map((row) => customerView(row)),
      SEARCH_FIELDS,
      '/v1/customers/search',
    );
    const now = nowSeconds(deps);
    result.data = await Promise.all(
      result.data.map((view) => render(deps.pool, view as StripeObject, plans, now)),
    );
    return c.json(result);
  });

  routes.get('/', async (c) => {
    const params = c.get('params');
    rejectParams(params, [
      'created',
      'email',
      'ending_before',
      'expand',
      'limit',
      'starting_after',
      'test_clock',
    ]);
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
      testClock: params.test_clock === undefined ? null : string(params.test_clock, 'test_clock'),
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
        await Promise.all(page.map((row) => show(deps, row, expand, { fresh: true }))),
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
    return c.json(row.deleted ? deletedCustomerView(row.id) : await show(deps, row, expand));
  });

  routes.post('/:id', async (c) => {
    const params = c.get('params');
    rejectParams(params, WRITABLE);
    const expand = expansions(params);
    const row = await transact(deps, c, async (tx) => {
      const current = await liveCustomer(tx.db, c.req.param('id'));
      const fields = fieldsFrom(params, current);
      await checkDefaultPaymentMethod(tx, current.id, fields);
      const updated = await updateCustomer(tx.db, current.id, fields);
      if (!updated) throw resourceMissing('customer', current.id);
      const before = customerView(current) as StripeObject;
      const after = customerView(updated) as StripeObject;
      const previous = previousAttributes(before, after);
      if (Object.keys(previous).length > 0) await tx.emit('customer.updated', after, previous);
      return updated;
    });
    return c.json(await show(deps, row, expand));
  });

  routes.delete('/:id', async (c) => {
    rejectParams(c.get('params'), []);
    const id = c.req.param('id');
    await transact(deps, c, async (tx) => {
      const current = await liveCustomer(tx.db, id);
      // Stripe cancels a deleted customer's subscriptions at once.
      const subs = await listObjects<SubscriptionObject>(tx.db, 'subscriptions', {
        filters: [{ path: ['customer'], values: [id] }],
      });
      for (const { data: sub } of subs) {
        if (sub.status !== 'canceled') await endSubscription(tx, sub, tx.now, 'cancellation_requested');
      }
      if (!(await markCustomerDeleted(tx.db, id))) throw resourceMissing('customer', id);
      await tx.emit('customer.deleted', customerView(current) as StripeObject);
    });
    return c.json(deletedCustomerView(id));
  });

  return routes;
}
