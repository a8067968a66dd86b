import { placeholders } from '../../../_shared/bulk-insert.js';
import { limitSql, type Queryable } from '../../../_shared/db.js';
import type { RangeFilter } from '../list.js';
import type { Address } from '../params.js';

export interface Shipping {
  address: Address;
  name: string;
  phone: string | null;
}

export interface InvoiceSettings {
  custom_fields: Array<{ name: string; value: string }> | null;
  default_payment_method: string | null;
  footer: string | null;
  rendering_options: { amount_tax_display: string | null; template: string | null } | null;
}

export interface CustomerRow {
  seq: number;
  id: string;
  created: number;
  email: string | null;
  name: string | null;
  description: string | null;
  phone: string | null;
  balance: number;
  currency: string | null;
  delinquent: boolean;
  invoice_prefix: string;
  next_invoice_sequence: number;
  address: Address | null;
  shipping: Shipping | null;
  invoice_settings: InvoiceSettings;
  metadata: Record<string, string>;
  preferred_locales: string[];
  tax_exempt: 'none' | 'exempt' | 'reverse';
  deleted: boolean;
  test_clock: string | null;
  discount: Record<string, unknown> | null;
}

/** The writable fields, as stored. */
export type CustomerFields = Omit<
  CustomerRow,
  'seq' | 'id' | 'created' | 'deleted' | 'currency' | 'delinquent' | 'test_clock' | 'discount'
>;

const FIELD_COLUMNS = [
  'email',
  'name',
  'description',
  'phone',
  'balance',
  'invoice_prefix',
  'next_invoice_sequence',
  'address',
  'shipping',
  'invoice_settings',
  'metadata',
  'preferred_locales',
  'tax_exempt',
] as const satisfies ReadonlyArray<keyof CustomerFields>;

const JSON_COLUMNS = new Set(['address', 'shipping', 'invoice_settings', 'metadata', 'preferred_locales']);

const columnValue = (column: string, value: unknown) =>
  JSON_COLUMNS.has(column) && value !== null ? JSON.stringify(value) : value;

type NewCustomer = { id: string; created: number; test_clock?: string | null } & CustomerFields;

/** The INSERT of a new customer, as its target (`table (columns)`) and values. */
export function insertCustomerStatement(customer: NewCustomer): { into: string; values: unknown[] } {
  const values = INSERT_COLUMNS.map((column) =>
    columnValue(
      column,
      customer[column as keyof typeof customer] ?? (column === 'test_clock' ? null : undefined),
    ),
  );
  return { into: INSERT_INTO, values };
}

const INSERT_COLUMNS = ['id', 'created', 'test_clock', ...FIELD_COLUMNS];
const INSERT_INTO = `customers (${INSERT_COLUMNS.join(', ')})`;
const INSERT_SQL = `INSERT INTO ${INSERT_INTO} VALUES ${placeholders(1, INSERT_COLUMNS.length)} RETURNING *`;

/**
 * The row `insertCustomerStatement(customer)` writes, as the table's defaults fill it in
 * (`seq` aside: the database hands it out).
 */
export function newCustomerRow(customer: NewCustomer): CustomerRow {
  return {
    seq: 0,
    currency: null,
    delinquent: false,
    deleted: false,
    discount: null,
    ...customer,
    test_clock: customer.test_clock ?? null,
  };
}

export async function insertCustomer(db: Queryable, customer: NewCustomer): Promise<CustomerRow> {
  const { values } = insertCustomerStatement(customer);
  const { rows } = await db.query<CustomerRow>(INSERT_SQL, values);
  return rows[0] as CustomerRow;
}

export async function findCustomer(db: Queryable, id: string): Promise<CustomerRow | null> {
  const { rows } = await db.query<CustomerRow>('SELECT * FROM customers WHERE id = $1', [id]);
  return rows[0] ?? null;
}

export async function updateCustomer(
  db: Queryable,
  id: string,
  fields: Partial<CustomerFields>,
): Promise<CustomerRow | null> {
  const entries = FIELD_COLUMNS.filter((column) => column in fields).map(
    (column) => [column, columnValue(column, fields[column])] as const,
  );
  if (entries.length === 0) return findCustomer(db, id);
  const { rows } = await db.query<CustomerRow>(
    `UPDATE customers SET ${entries.map(([column], i) => `${column} = $${i + 2}`).join(', ')}
     WHERE id = $1 AND NOT deleted RETURNING *`,
    [id, ...entries.map(([, value]) => value)],
  );
  return rows[0] ?? null;
}

export async function markCustomerDeleted(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query('UPDATE customers SET deleted = true WHERE id = $1 AND NOT deleted', [
    id,
  ]);
  return (rowCount ?? 0) > 0;
}

export interface CustomerListQuery {
  email: string | null;
  /** Stripe lists a test clock's customers only when asked for that clock. */
  testClock?: string | null;
  created: RangeFilter | null;
  /** Position of the cursor object: list strictly after (older) or before (newer) it. */
  after: { created: number; seq: number } | null;
  before: { created: number; seq: number } | null;
  limit: number;
}

/** Newest first; with `before`, the `limit` objects just newer than it, still newest first. */
export async function listCustomers(db: Queryable, q: CustomerListQuery): Promise<CustomerRow[]> {
  const where = ['NOT deleted'];
  const params: unknown[] = [];
  const add = (sql: (n: string) => string, ...values: unknown[]) => {
    const marks = values.map((value) => {
      params.push(value);
      return `$${params.length}`;
    });
    where.push(sql(marks.join(',')));
  };
  if (q.email !== null) add((m) => `email = ${m}`, q.email);
  if (q.testClock === null) where.push('test_clock IS NULL');
  else if (q.testClock !== undefined) add((m) => `test_clock = ${m}`, q.testClock);
  const range = q.created ?? {};
  if (range.gt !== undefined) add((m) => `created > ${m}`, range.gt);
  if (range.gte !== undefined) add((m) => `created >= ${m}`, range.gte);
  if (range.lt !== undefined) add((m) => `created < ${m}`, range.lt);
  if (range.lte !== undefined) add((m) => `created <= ${m}`, range.lte);
  if (q.after) add((m) => `(created, seq) < (${m})`, q.after.created, q.after.seq);
  if (q.before) add((m) => `(created, seq) > (${m})`, q.before.created, q.before.seq);
  const order = q.before ? 'created ASC, seq ASC' : 'created DESC, seq DESC';
  const { rows } = await db.query<CustomerRow>(
    `SELECT * FROM customers WHERE ${where.join(' AND ')} ORDER BY ${order} ${limitSql(q.limit)}`,
    params,
  );
  return rows;
}

/** Billing-owned columns: the currency a customer is billed in, delinquency, a discount. */
export async function setCustomerBilling(
  db: Queryable,
  id: string,
  fields: { currency?: string; delinquent?: boolean; discount?: Record<string, unknown> | null },
): Promise<void> {
  const sets: string[] = [];
  const values: unknown[] = [id];
  for (const [column, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    values.push(column === 'discount' && value !== null ? JSON.stringify(value) : value);
    sets.push(`${column} = $${values.length}`);
  }
  if (sets.length > 0) await db.query(`UPDATE customers SET ${sets.join(', ')} WHERE id = $1`, values);
}
