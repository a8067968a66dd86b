import { limitSql, type Queryable } from '../../../_shared/db.js';
import type { RangeFilter } from '../list.js';

/** A Stripe object as the API shows it (unexpanded). */
export type StripeObject = Record<string, unknown> & { id: string; object: string; created?: number };

/** The tables of migrations 0002 and up: one per resource, each `(seq, id, created, deleted, data)`. */
export const OBJECT_TABLES = [
  'products',
  'prices',
  'payment_methods',
  'setup_intents',
  'payment_intents',
  'charges',
  'balance_transactions',
  'refunds',
  'events',
  'webhook_endpoints',
  'coupons',
  'invoiceitems',
  'invoices',
  'subscriptions',
  'test_clocks',
  // 0005: quotes, schedules, meters, Connect.
  'quotes',
  'subscription_schedules',
  'billing_meters',
  'billing_meter_events',
  'accounts',
  'transfers',
  'payouts',
  'application_fees',
  'connected_balance_transactions',
  // 0003_checkout_catalogue
  'checkout_sessions',
  'payment_links',
  'billing_portal_sessions',
  'billing_portal_configurations',
  'promotion_codes',
  'tax_rates',
  'shipping_rates',
  // 0004_support.sql
  'disputes',
  'credit_notes',
  'customer_balance_transactions',
  'files',
  'file_links',
  'reviews',
  // 0006_more.sql
  'tax_ids',
  'ephemeral_keys',
  'tokens',
  'topups',
] as const;

export type ObjectTable = (typeof OBJECT_TABLES)[number];

export interface StoredObject<T extends StripeObject = StripeObject> {
  seq: number;
  id: string;
  created: number;
  deleted: boolean;
  data: T;
}

export async function insertObject<T extends StripeObject>(
  db: Queryable,
  table: ObjectTable,
  object: T,
  created = object.created ?? 0,
): Promise<T> {
  await db.query(`INSERT INTO ${table} (id, created, data) VALUES ($1, $2, $3)`, [
    object.id,
    created,
    JSON.stringify(object),
  ]);
  return object;
}

export async function findObject<T extends StripeObject = StripeObject>(
  db: Queryable,
  table: ObjectTable,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<StoredObject<T> | null> {
  const { rows } = await db.query<StoredObject<T>>(
    `SELECT * FROM ${table} WHERE id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return rows[0] ?? null;
}

/** The live object, or null when missing or deleted. */
export async function findLive<T extends StripeObject = StripeObject>(
  db: Queryable,
  table: ObjectTable,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<T | null> {
  const row = await findObject<T>(db, table, id, options);
  return row && !row.deleted ? row.data : null;
}

export async function saveObject<T extends StripeObject>(
  db: Queryable,
  table: ObjectTable,
  object: T,
): Promise<T> {
  await db.query(`UPDATE ${table} SET data = $2 WHERE id = $1`, [object.id, JSON.stringify(object)]);
  return object;
}

export async function markDeleted(db: Queryable, table: ObjectTable, id: string): Promise<boolean> {
  const { rowCount } = await db.query(`UPDATE ${table} SET deleted = true WHERE id = $1 AND NOT deleted`, [
    id,
  ]);
  return (rowCount ?? 0) > 0;
}

/** `data #>> path` equals one of `values` (compared as text; booleans are 'true'/'false'). */
export interface ObjectFilter {
  path: readonly string[];
  values: readonly string[];
}

export interface ObjectListQuery {
  filters?: readonly ObjectFilter[];
  created?: RangeFilter | null;
  /** Position of the cursor object: list strictly after (older) or before (newer) it. */
  after?: { created: number; seq: number } | null;
  before?: { created: number; seq: number } | null;
  limit?: number;
  /** Deleted objects are left out unless asked for. */
  includeDeleted?: boolean;
}

/** Newest first; with `before`, the `limit` objects just newer than it, in ascending order. */
export async function listObjects<T extends StripeObject = StripeObject>(
  db: Queryable,
  table: ObjectTable,
  q: ObjectListQuery,
): Promise<StoredObject<T>[]> {
  const where: string[] = q.includeDeleted ? [] : ['NOT deleted'];
  const params: unknown[] = [];
  const bind = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  for (const filter of q.filters ?? []) {
    where.push(`(data #>> ${bind(filter.path)}::text[]) = ANY(${bind(filter.values)}::text[])`);
  }
  const range = q.created ?? {};
  if (range.gt !== undefined) where.push(`created > ${bind(range.gt)}`);
  if (range.gte !== undefined) where.push(`created >= ${bind(range.gte)}`);
  if (range.lt !== undefined) where.push(`created < ${bind(range.lt)}`);
  if (range.lte !== undefined) where.push(`created <= ${bind(range.lte)}`);
  if (q.after) where.push(`(created, seq) < (${bind(q.after.created)}, ${bind(q.after.seq)})`);
  if (q.before) where.push(`(created, seq) > (${bind(q.before.created)}, ${bind(q.before.seq)})`);
  const order = q.before ? 'created ASC, seq ASC' : 'created DESC, seq DESC';
  const limit = q.limit === undefined ? '' : ` ${limitSql(q.limit)}`;
  const { rows } = await db.query<StoredObject<T>>(
    `SELECT * FROM ${table}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order}${limit}`,
    params,
  );
  return rows;
}

/**
 * Keys starting with `_` are the clone's own bookkeeping stored beside an object's
 * fields (an invoice's payment intents, say); answers and events never show them.
 */
export function stripHidden<T extends StripeObject>(object: T): T {
  const out: Record<string, unknown> = {};
  copyVisible(object, out);
  return out as T;
}

/**
 * Copies `object`'s fields but its hidden ones into `out`, and says whether it had any. A
 * `for ... in` over own keys, not `Object.entries`: every object a list answers passes here,
 * and the entries' arrays were garbage for each field (issue #17).
 */
export function copyVisible(object: StripeObject, out: Record<string, unknown>): boolean {
  let hidden = false;
  for (const key in object) {
    if (!Object.hasOwn(object, key)) continue;
    if (key.charCodeAt(0) === UNDERSCORE) hidden = true;
    else out[key] = object[key];
  }
  return hidden;
}

const UNDERSCORE = 0x5f;
