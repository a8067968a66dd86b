import type { Queryable } from '../../_shared/db.js';
import { payoutStatus } from './connect.js';
import { expandPaths } from './expand.js';
import type { Params } from './request-params.js';
import { findCustomer } from './store/customers.js';
import {
  copyVisible,
  findObject,
  listObjects,
  type ObjectTable,
  type StripeObject,
  stripHidden,
} from './store/objects.js';
import { invalidRequest } from './stripe-error.js';
import { customerView, deletedCustomerView } from './views/customer.js';

/**
 * Expansion and presentation for every object type: which fields `expand` may replace
 * (with the type they expand to), and how a stored object becomes an answer.
 */
type Expander =
  | { kind: 'id'; type: string | null }
  | { kind: 'list'; load: (db: Queryable, owner: StripeObject) => Promise<unknown> }
  /** Replaces the field with what `load` builds from the stored object (hidden fields included). */
  | { kind: 'derived'; type: string | null; load: (db: Queryable, source: StripeObject) => Promise<unknown> };

/** Stored objects behind presented ones, for derived expansions that read hidden fields. */
const SOURCES = new WeakMap<object, StripeObject>();

/** Discount objects behind a `discounts` list of ids. */
const discountObjects: Expander = {
  kind: 'derived',
  type: null,
  load: async (_db, source) =>
    ((source._discounts as StripeObject[] | undefined) ?? []).map((discount) => stripHidden(discount)),
};

const id = (type: string | null): Expander => ({ kind: 'id', type });

const emptyList = (suffix: string): Expander => ({
  kind: 'list',
  load: async (_db, owner) => ({
    object: 'list',
    data: [],
    has_more: false,
    total_count: 0,
    url: `/v1/customers/${owner.id}/${suffix}`,
  }),
});

const EXPANDABLE: Record<string, Record<string, Expander>> = {
  customer: {
    default_source: id(null),
    'invoice_settings.default_payment_method': id('payment_method'),
    test_clock: id('test_helpers.test_clock'),
    sources: emptyList('sources'),
    tax_ids: emptyList('tax_ids'),
    subscriptions: {
      kind: 'list',
      load: async (db, owner) => {
        const rows = await listObjects(db, 'subscriptions', {
          filters: [{ path: ['customer'], values: [owner.id] }],
        });
        const data = rows.map((row) => row.data).filter((sub) => sub.status !== 'canceled');
        return {
          object: 'list',
          data,
          has_more: false,
          total_count: data.length,
          url: `/v1/customers/${owner.id}/subscriptions`,
        };
      },
    },
  },
  product: { default_price: id('price') },
  price: { product: id('product') },
  payment_method: { customer: id('customer') },
  setup_intent: {
    customer: id('customer'),
    payment_method: id('payment_method'),
    application: id(null),
    latest_attempt: id(null),
    mandate: id(null),
    on_behalf_of: id(null),
    single_use_mandate: id(null),
  },
  payment_intent: {
    customer: id('customer'),
    payment_method: id('payment_method'),
    latest_charge: id('charge'),
    application: id(null),
    on_behalf_of: id(null),
    review: id('review'),
    source: id(null),
  },
  charge: {
    customer: id('customer'),
    payment_intent: id('payment_intent'),
    balance_transaction: id('balance_transaction'),
    application: id(null),
    application_fee: id(null),
    failure_balance_transaction: id('balance_transaction'),
    on_behalf_of: id(null),
    review: id('review'),
    source_transfer: id(null),
    refunds: {
      kind: 'list',
      load: async (db, owner) => owner.refunds ?? (await refundsOf(db, owner.id)),
    },
  },
  balance_transaction: { source: id(null) },
  refund: {
    charge: id('charge'),
    payment_intent: id('payment_intent'),
    balance_transaction: id('balance_transaction'),
    failure_balance_transaction: id('balance_transaction'),
    source_transfer_reversal: id(null),
    transfer_reversal: id(null),
  },
  invoice: {
    customer: id('customer'),
    subscription: id('subscription'),
    default_payment_method: id('payment_method'),
    default_source: id(null),
    discounts: discountObjects,
    payments: {
      kind: 'derived',
      type: null,
      load: async (db, source) => invoicePaymentsList(db, source),
    },
    latest_revision: id('invoice'),
    // Includable, not a stored field: the client secret of the payment intent that pays it.
    confirmation_secret: {
      kind: 'derived',
      type: null,
      load: async (db, source) => invoiceConfirmationSecret(db, source),
    },
    test_clock: id('test_helpers.test_clock'),
    on_behalf_of: id(null),
    application: id(null),
  },
  invoiceitem: {
    customer: id('customer'),
    invoice: id('invoice'),
    test_clock: id('test_helpers.test_clock'),
  },
  'checkout.session': {
    customer: id('customer'),
    invoice: id('invoice'),
    payment_intent: id('payment_intent'),
    payment_link: id('payment_link'),
    setup_intent: id('setup_intent'),
    subscription: id('subscription'),
    line_items: {
      kind: 'derived',
      type: null,
      load: async (_db, source) => {
        const data = (source._line_items as StripeObject[] | undefined) ?? [];
        return {
          object: 'list',
          data,
          has_more: false,
          url: `/v1/checkout/sessions/${source.id}/line_items`,
        };
      },
    },
  },
  payment_link: {
    line_items: {
      kind: 'derived',
      type: null,
      load: async (_db, source) => {
        const data = (source._line_items as StripeObject[] | undefined) ?? [];
        return { object: 'list', data, has_more: false, url: `/v1/payment_links/${source.id}/line_items` };
      },
    },
    on_behalf_of: id(null),
    application: id(null),
  },
  'billing_portal.session': { configuration: id('billing_portal.configuration') },
  promotion_code: { customer: id('customer') },
  dispute: { charge: id('charge'), payment_intent: id('payment_intent') },
  customer_balance_transaction: {
    customer: id('customer'),
    invoice: id('invoice'),
    credit_note: id('credit_note'),
    checkout_session: id(null),
    customer_account: id(null),
  },
  credit_note: {
    customer: id('customer'),
    invoice: id('invoice'),
    customer_balance_transaction: id('customer_balance_transaction'),
    customer_account: id(null),
  },
  file_link: { file: id('file') },
  review: { charge: id('charge') },
  subscription: {
    customer: id('customer'),
    default_payment_method: id('payment_method'),
    latest_invoice: id('invoice'),
    test_clock: id('test_helpers.test_clock'),
    discounts: discountObjects,
    pending_setup_intent: id('setup_intent'),
    default_source: id(null),
    schedule: id('subscription_schedule'),
    application: id(null),
    on_behalf_of: id(null),
  },
  quote: {
    customer: id('customer'),
    invoice: id('invoice'),
    subscription: id('subscription'),
    subscription_schedule: id('subscription_schedule'),
    test_clock: id('test_helpers.test_clock'),
    application: id(null),
    on_behalf_of: id(null),
    line_items: {
      kind: 'derived',
      type: null,
      load: async (_db, source) => {
        const data = (source._line_items as StripeObject[] | undefined) ?? [];
        return {
          object: 'list',
          data,
          has_more: false,
          total_count: data.length,
          url: `/v1/quotes/${source.id}/line_items`,
        };
      },
    },
  },
  subscription_schedule: {
    customer: id('customer'),
    subscription: id('subscription'),
    test_clock: id('test_helpers.test_clock'),
    application: id(null),
    released_subscription: id(null),
  },
  transfer: {
    balance_transaction: id('balance_transaction'),
    destination: id('account'),
    source_transaction: id('charge'),
    destination_payment: id(null),
  },
  payout: {
    balance_transaction: id('balance_transaction'),
    failure_balance_transaction: id('balance_transaction'),
    destination: id(null),
  },
  application_fee: {
    account: id('account'),
    charge: id('charge'),
    balance_transaction: id('balance_transaction'),
    application: id(null),
    originating_transaction: id(null),
  },
  account: {},
  'billing.meter': {},
};

/** Id prefix → the table holding that object. */
const TABLES: ReadonlyArray<readonly [string, ObjectTable]> = [
  ['prod_', 'products'],
  ['price_', 'prices'],
  ['pm_', 'payment_methods'],
  ['seti_', 'setup_intents'],
  ['pi_', 'payment_intents'],
  ['ch_', 'charges'],
  ['py_', 'charges'],
  ['txn_', 'balance_transactions'],
  ['re_', 'refunds'],
  ['evt_', 'events'],
  ['we_', 'webhook_endpoints'],
  ['ii_', 'invoiceitems'],
  ['in_', 'invoices'],
  ['sub_sched_', 'subscription_schedules'],
  ['sub_', 'subscriptions'],
  ['clock_', 'test_clocks'],
  ['qt_', 'quotes'],
  ['mtr_', 'billing_meters'],
  ['acct_', 'accounts'],
  ['tr_', 'transfers'],
  ['po_', 'payouts'],
  ['fee_', 'application_fees'],
  ['cs_', 'checkout_sessions'],
  ['plink_', 'payment_links'],
  ['bpc_', 'billing_portal_configurations'],
  ['bps_', 'billing_portal_sessions'],
  ['promo_', 'promotion_codes'],
  ['txr_', 'tax_rates'],
  ['shr_', 'shipping_rates'],
  ['dp_', 'disputes'],
  ['cn_', 'credit_notes'],
  ['cbtxn_', 'customer_balance_transactions'],
  ['file_', 'files'],
  ['link_', 'file_links'],
  ['prv_', 'reviews'],
];

/** Reads any object by id as the API would answer it (deleted ones as `{ id, object, deleted }`). */
export async function loadById(db: Queryable, objectId: string, now: number): Promise<StripeObject | null> {
  if (objectId.startsWith('cus_')) {
    const row = await findCustomer(db, objectId);
    if (!row) return null;
    return (row.deleted ? deletedCustomerView(row.id) : customerView(row)) as StripeObject;
  }
  const table = TABLES.find(([prefix]) => objectId.startsWith(prefix))?.[1];
  if (!table) return null;
  const row = await findObject(db, table, objectId);
  if (!row) return null;
  if (row.deleted) return { id: row.id, object: row.data.object, deleted: true };
  return present(row.data, now);
}

export async function refundsOf(db: Queryable, chargeId: string) {
  const rows = await listObjects(db, 'refunds', { filters: [{ path: ['charge'], values: [chargeId] }] });
  return {
    object: 'list',
    data: rows.map((row) => row.data),
    has_more: false,
    total_count: rows.length,
    url: `/v1/charges/${chargeId}/refunds`,
  };
}

/** What a stored object looks like in an answer: secrets hidden, time-dependent fields computed. */
export function present<T extends StripeObject>(
  object: T,
  now: number,
  options: { fresh?: boolean } = {},
): T {
  // A fresh object (built for this answer from rows just read) is only copied at its top
  // level: a deep copy of every listed object was a twentieth of a list's CPU (issue #17).
  const visible: Record<string, unknown> = {};
  const hadHidden = copyVisible(object, visible);
  const out = options.fresh ? visible : structuredClone(visible);
  if (out.object === 'webhook_endpoint') delete out.secret;
  if (out.object === 'file_link') {
    out.expired = out.expires_at !== null && (out.expires_at as number) <= now;
  }
  if (out.object === 'balance_transaction') {
    out.status = (out.available_on as number) <= now ? 'available' : 'pending';
  }
  if (out.object === 'payout') out.status = payoutStatus(out as StripeObject, now);
  // A checkout session past its expires_at reads as expired (it can no longer be paid).
  if (out.object === 'checkout.session' && out.status === 'open' && (out.expires_at as number) <= now) {
    out.status = 'expired';
    out.url = null;
  }
  // Only a stored object with hidden fields needs to be found again behind its answer: for
  // the others the answer itself holds every field a derived expansion reads.
  if (hadHidden) SOURCES.set(out, object);
  return out as T;
}

interface Step {
  path: string;
  expander: Expander;
}

/** Splits `a.b.c` into the steps `type` allows, validating the whole path up front. */
function plan(type: string, path: string, full: string): Step[] {
  const table = EXPANDABLE[type] ?? {};
  const match = Object.keys(table)
    .filter((key) => path === key || path.startsWith(`${key}.`))
    .sort((a, b) => b.length - a.length)[0];
  const expander = match === undefined ? undefined : table[match];
  if (match === undefined || expander === undefined) {
    throw invalidRequest(`This property cannot be expanded (${full}).`, { param: 'expand' });
  }
  const rest = path.slice(match.length + 1);
  if (rest === '') return [{ path: match, expander }];
  if (expander.kind === 'list' || expander.type === null) {
    throw invalidRequest(`This property cannot be expanded (${full}).`, { param: 'expand' });
  }
  return [{ path: match, expander }, ...plan(expander.type, rest, full)];
}

/**
 * The validated expansion plans for `params.expand` on an object of `type`; list
 * endpoints take `data.<path>`.
 */
export function expansionPlans(params: Params, type: string, options: { list?: boolean } = {}): Step[][] {
  return expandPaths(params.expand).map((path) => {
    if (options.list) {
      if (!path.startsWith('data.')) {
        throw invalidRequest(`This property cannot be expanded (${path}).`, { param: 'expand' });
      }
      return plan(type, path.slice(5), path);
    }
    return plan(type, path, path);
  });
}

async function applySteps(db: Queryable, object: Record<string, unknown>, steps: Step[], now: number) {
  const [step, ...rest] = steps;
  if (!step) return;
  const keys = step.path.split('.');
  let holder: Record<string, unknown> = object;
  for (const key of keys.slice(0, -1)) {
    const next = holder[key];
    if (typeof next !== 'object' || next === null) return;
    holder = next as Record<string, unknown>;
  }
  const last = keys.at(-1) as string;
  let value = holder[last];
  if (step.expander.kind === 'list') {
    if (typeof value !== 'object' || value === null)
      value = await step.expander.load(db, object as StripeObject);
  } else if (step.expander.kind === 'derived') {
    value = await step.expander.load(db, SOURCES.get(object) ?? (object as StripeObject));
  } else if (typeof value === 'string') {
    value = (await loadById(db, value, now)) ?? value;
  }
  holder[last] = value;
  if (rest.length > 0 && typeof value === 'object' && value !== null) {
    await applySteps(db, value as Record<string, unknown>, rest, now);
  }
}

/** The object as answered, with `plans` expanded. */
export async function render<T extends StripeObject>(
  db: Queryable,
  object: T,
  plans: Step[][],
  now: number,
  options: { fresh?: boolean } = {},
): Promise<T> {
  const out = present(object, now, options);
  for (const steps of plans) await applySteps(db, out, steps, now);
  return out;
}

/** An invoice's payments (the payment intents charged for it) as `invoice_payment` objects. */
export async function invoicePayments(db: Queryable, invoice: StripeObject): Promise<StripeObject[]> {
  const ids = (invoice._payment_intents as string[] | undefined) ?? [];
  const out: StripeObject[] = [];
  for (const [index, piId] of ids.entries()) {
    const row = await findObject(db, 'payment_intents', piId);
    if (!row) continue;
    const pi = row.data;
    const paid = pi.status === 'succeeded';
    const canceled = pi.status === 'canceled';
    out.push({
      id: `inpay_${piId.slice(3)}`,
      object: 'invoice_payment',
      amount_paid: paid ? (pi.amount_received as number) : null,
      amount_requested: pi.amount as number,
      created: pi.created as number,
      currency: pi.currency as string,
      invoice: invoice.id,
      is_default: index === ids.length - 1,
      livemode: false,
      payment: { payment_intent: piId, type: 'payment_intent' },
      status: paid ? 'paid' : canceled ? 'canceled' : 'open',
      status_transitions: {
        canceled_at: canceled ? (pi.canceled_at as number) : null,
        paid_at: paid ? (pi.created as number) : null,
      },
    });
  }
  return out.reverse();
}

async function invoicePaymentsList(db: Queryable, invoice: StripeObject) {
  const data = await invoicePayments(db, invoice);
  return {
    object: 'list',
    data,
    has_more: false,
    total_count: data.length,
    url: `/v1/invoice_payments?invoice=${invoice.id}`,
  };
}

/** An open invoice's `confirmation_secret`: its unpaid payment intent's client secret. */
async function invoiceConfirmationSecret(db: Queryable, invoice: StripeObject) {
  if (invoice.status !== 'open') return null;
  const ids = (invoice._payment_intents as string[] | undefined) ?? [];
  for (const piId of [...ids].reverse()) {
    const row = await findObject(db, 'payment_intents', piId);
    if (!row || ['succeeded', 'canceled'].includes(row.data.status as string)) continue;
    return { client_secret: row.data.client_secret, type: 'payment_intent' };
  }
  return null;
}
