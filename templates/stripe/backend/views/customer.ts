import type { CustomerRow } from '../store/customers.js';

/**
 * A customer exactly as Stripe shapes it: the keys of `resources.customer` in Stripe's
 * fixtures3.json, id and object first, the rest in Stripe's alphabetical order.
 */
export function customerView(row: CustomerRow): Record<string, unknown> & { id: string; object: string } {
  return {
    id: row.id,
    object: 'customer',
    address: row.address,
    balance: row.balance,
    created: row.created,
    currency: row.currency,
    default_source: null,
    delinquent: row.delinquent,
    description: row.description,
    discount: row.discount ?? null,
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
    test_clock: row.test_clock ?? null,
  };
}

export const deletedCustomerView = (id: string) => ({ id, object: 'customer', deleted: true });
