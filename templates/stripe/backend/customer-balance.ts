import { type CustomerRow, findCustomer } from './store/customers.js';
import { insertObject, type StripeObject } from './store/objects.js';
import { invalidRequest } from './stripe-error.js';
import { previousAttributes, type Tx } from './tx.js';
import { customerView } from './views/customer.js';
import { type CustomerBalanceTransactionObject, newCustomerBalanceTransaction } from './views/support.js';

/**
 * A customer's credit balance, moved only through customer balance transactions: negative
 * is credit Stripe applies to the next invoice, positive is owed and added to it.
 */
export async function adjustCustomerBalance(
  tx: Tx,
  customer: CustomerRow,
  change: {
    amount: number;
    type: string;
    currency?: string;
    description?: string | null;
    invoice?: string | null;
    creditNote?: string | null;
    metadata?: Record<string, string>;
  },
): Promise<CustomerBalanceTransactionObject> {
  const currency = change.currency ?? customer.currency ?? 'usd';
  if (customer.currency !== null && customer.currency !== currency && customer.balance !== 0) {
    throw invalidRequest(
      `The currency (${currency}) must match the customer's currency (${customer.currency}) while it has a balance.`,
      { param: 'currency' },
    );
  }
  const ending = customer.balance + change.amount;
  const txn = newCustomerBalanceTransaction({
    id: tx.ids.object('cbtxn'),
    created: tx.now,
    amount: change.amount,
    currency,
    customer: customer.id,
    endingBalance: ending,
    type: change.type,
    description: change.description,
    invoice: change.invoice,
    creditNote: change.creditNote,
    metadata: change.metadata,
  });
  await insertObject(tx.db, 'customer_balance_transactions', txn);
  const { rows } = await tx.db.query<CustomerRow>(
    'UPDATE customers SET balance = $2, currency = COALESCE(currency, $3) WHERE id = $1 RETURNING *',
    [customer.id, ending, currency],
  );
  const after = rows[0] ?? (await findCustomer(tx.db, customer.id));
  if (after) {
    const beforeView = customerView(customer) as StripeObject;
    const afterView = customerView(after) as StripeObject;
    await tx.emit('customer.updated', afterView, previousAttributes(beforeView, afterView));
    Object.assign(customer, after);
  }
  return txn;
}
