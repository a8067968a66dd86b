import type { Queryable } from '../../../_shared/db.js';
import type { Fixture } from '../../../_shared/template.js';

export async function insertAccount(
  db: Queryable,
  account: { id: string; businessName: string; created: number },
) {
  await db.query('INSERT INTO account (id, business_name, created) VALUES ($1, $2, $3)', [
    account.id,
    account.businessName,
    account.created,
  ]);
}

/** Seeded when no fixture is named: the account alone, no customers. */
export const emptyAccount: Fixture = (db) =>
  insertAccount(db, { id: 'acct_1AsymTestAcct00', businessName: 'Asymmetric', created: 1_700_000_000 });
