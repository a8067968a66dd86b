import type { Queryable } from '../../_shared/db.js';
import type { AuthorLookup } from './render-git.js';
import type { AccountRow } from './store.js';

/** Every account by email (lower case), for linking commits to people. */
export async function peopleByEmail(db: Queryable): Promise<AuthorLookup> {
  const { rows } = await db.query<AccountRow>('SELECT * FROM accounts WHERE email IS NOT NULL');
  const byEmail = new Map(rows.map((row) => [String(row.email).toLowerCase(), row]));
  return (email) => byEmail.get(email.toLowerCase());
}
