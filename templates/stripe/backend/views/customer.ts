import type { CustomerRow } from '../store/customers.js';

/** Customer fields that name another object: `expand` may replace them (all null for now). */
export const CUSTOMER_EXPANDABLE = [
  'default_source',
  'invoice_settings.default_payment_method',
  'test_clock',
  'sources',
  'subscriptions',
  'tax_ids',
] as const;

/** Lists Stripe includes on a customer only when expanded. */
const INCLUDABLE_LISTS = ['sources', 'subscriptions', 'tax_ids'] as const;

/**
 * A customer exactly as Stripe shapes it: the keys of `resources.customer` in Stripe's
 * fixtures3.json, id and object first, the rest in Stripe's alphabetical order.
 */
export function customerView(
  row: CustomerRow,
  expand: ReadonlySet<string> = new Set(),
): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: row.id,
    object: 'customer',
    address: row.address,
    balance: row.balance,
    created: row.created,
    currency: row.currency,
    default_source: null,
    delinquent: row.delinquent,
    description: row.description,
    discount: null,
    email: row.email,
    invoice_prefix: row.invoice_prefix,
    invoice_settings: row.invoice_settings,
    livemode: false,
    metadata: row.metadata,
    name: row.name,
    next_invoice_sequence: row.next_invoice_sequence,
    phone: row.phone,
    preferred_locales: row.preferred_locales,
    shipping: row.shipping,
    tax_exempt: row.tax_exempt,
    test_clock: null,
  };
  for (const list of INCLUDABLE_LISTS) {
    if (expand.has(list))
      view[list] = {
        object: 'list',
        data: [],
        has_more: false,
        total_count: 0,
        url: `/v1/customers/${row.id}/${list}`,
      };
  }
  return view;
}

export const deletedCustomerView = (id: string) => ({ id, object: 'customer', deleted: true });
