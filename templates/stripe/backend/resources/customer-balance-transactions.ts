import type { Context } from 'hono';
import { Hono } from 'hono';
import type { Queryable } from '../../../_shared/db.js';
import { adjustCustomerBalance } from '../customer-balance.js';
import {
  amount,
  currency,
  mergeMetadata,
  metadata,
  missing,
  nullableString,
  rejectUnknown,
} from '../params.js';
import { expansionPlans } from '../render.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { type CustomerRow, findCustomer } from '../store/customers.js';
import { saveObject } from '../store/objects.js';
import { invalidRequest, resourceMissing } from '../stripe-error.js';
import { previousAttributes, transact } from '../tx.js';
import type { CustomerBalanceTransactionObject } from '../views/support.js';
import { answer, listAnswer, mustFind, stringFilter } from './common.js';

async function pathCustomer(db: Queryable, c: Context<StripeEnv>): Promise<CustomerRow> {
  const id = c.req.param('customer') ?? '';
  const row = await findCustomer(db, id);
  if (!row || row.deleted) throw resourceMissing('customer', id, 'customer');
  return row;
}

async function ownTransaction(
  db: Queryable,
  customer: CustomerRow,
  id: string,
  forUpdate = false,
): Promise<CustomerBalanceTransactionObject> {
  const txn = await mustFind<CustomerBalanceTransactionObject>(
    db,
    'customer_balance_transactions',
    'customer_balance_transaction',
    id,
    { forUpdate },
  );
  if (txn.customer !== customer.id) throw resourceMissing('customer_balance_transaction', id);
  return txn;
}

/** /v1/customers/:customer/balance_transactions: create (an adjustment), list, retrieve, update. */
export function customerBalanceTransactionRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.post('/:customer/balance_transactions', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['amount', 'currency', 'description', 'expand', 'metadata']);
    expansionPlans(params, 'customer_balance_transaction');
    if (params.amount === undefined) missing('amount');
    if (params.currency === undefined) missing('currency');
    const value = amount(params.amount, 'amount');
    if (value === 0) throw invalidRequest('The amount must not be zero.', { param: 'amount' });
    const code = currency(params.currency);
    const txn = await transact(deps, c, async (tx) => {
      const customer = await pathCustomer(tx.db, c);
      return adjustCustomerBalance(tx, customer, {
        amount: value,
        type: 'adjustment',
        currency: code,
        description:
          params.description === undefined
            ? null
            : nullableString(params.description, 'description', { max: 350 }),
        metadata: metadata(params.metadata),
      });
    });
    return c.json(await answer(deps, params, txn));
  });

  routes.get('/:customer/balance_transactions', async (c) => {
    const customer = await pathCustomer(deps.pool, c);
    return c.json(
      await listAnswer(deps, c, {
        table: 'customer_balance_transactions',
        type: 'customer_balance_transaction',
        noun: 'customer_balance_transaction',
        url: `/v1/customers/${customer.id}/balance_transactions`,
        params: ['invoice'],
        filters: (params) => [
          { path: ['customer'], values: [customer.id] },
          ...stringFilter(params, 'invoice'),
        ],
      }),
    );
  });

  routes.get('/:customer/balance_transactions/:id', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['expand']);
    const customer = await pathCustomer(deps.pool, c);
    return c.json(await answer(deps, params, await ownTransaction(deps.pool, customer, c.req.param('id'))));
  });

  routes.post('/:customer/balance_transactions/:id', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['description', 'expand', 'metadata']);
    expansionPlans(params, 'customer_balance_transaction');
    const txn = await transact(deps, c, async (tx) => {
      const customer = await pathCustomer(tx.db, c);
      const current = await ownTransaction(tx.db, customer, c.req.param('id'), true);
      const next = structuredClone(current);
      if (params.description !== undefined)
        next.description = nullableString(params.description, 'description', { max: 350 });
      if (params.metadata !== undefined) next.metadata = mergeMetadata(next.metadata ?? {}, params.metadata);
      if (Object.keys(previousAttributes(current, next)).length === 0) return current;
      return saveObject(tx.db, 'customer_balance_transactions', next);
    });
    return c.json(await answer(deps, params, txn));
  });

  return routes;
}
