import type { Queryable } from '../../_shared/db.js';
import type { DiffSource } from '../../_shared/diff.js';
import { present } from './render.js';
import type { CustomerRow } from './store/customers.js';
import { OBJECT_TABLES, type StripeObject } from './store/objects.js';
import { customerView, deletedCustomerView } from './views/customer.js';

/**
 * Stripe's objects for `diff`: every resource table, its rows as the API answers them
 * (the stored document, secrets hidden). Events are left out: every change writes one, so
 * they would repeat each change as a second one; `trace` and webhooks show them.
 */
const DIFFED_TABLES = OBJECT_TABLES.filter((table) => table !== 'events');

export async function stripeDiffSources(_db: Queryable, now: () => number): Promise<DiffSource[]> {
  return [
    {
      table: 'customers',
      type: 'customer',
      ignore: ['seq'],
      isDeleted: (row) => row.deleted === true,
      id: (row) => String(row.id),
      render: (row) =>
        (row.deleted === true
          ? deletedCustomerView(String(row.id))
          : customerView(row as unknown as CustomerRow)) as Record<string, unknown>,
    },
    ...DIFFED_TABLES.map(
      (table): DiffSource => ({
        table,
        type: (row) => String((row.data as StripeObject).object),
        ignore: ['seq'],
        isDeleted: (row) => row.deleted === true,
        id: (row) => String(row.id),
        render: (row) => present(row.data as StripeObject, Math.floor(now() / 1000)),
      }),
    ),
  ];
}
