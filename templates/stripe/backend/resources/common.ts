import type { Context } from 'hono';
import type { Queryable } from '../../../_shared/db.js';
import { listEnvelope, listWindow, rangeFilter } from '../list.js';
import { isHash, rejectUnknown, string } from '../params.js';
import { expansionPlans, render } from '../render.js';
import type { Params } from '../request-params.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { type Field, searchAnswer } from '../search.js';
import {
  findLive,
  findObject,
  listObjects,
  type ObjectFilter,
  type ObjectTable,
  type StripeObject,
} from '../store/objects.js';
import { invalidRequest, resourceMissing } from '../stripe-error.js';

export const nowSeconds = (deps: ResourceDeps) => Math.floor(deps.now() / 1000);

/** A live object or Stripe's 404 (`No such <noun>: '<id>'`). */
export async function mustFind<T extends StripeObject = StripeObject>(
  db: Queryable,
  table: ObjectTable,
  noun: string,
  id: string,
  options: { param?: string; forUpdate?: boolean } = {},
): Promise<T> {
  const object = await findLive<T>(db, table, id, { forUpdate: options.forUpdate });
  if (!object) throw resourceMissing(noun, id, options.param ?? 'id');
  return object;
}

/** The answer for one object: `expand` applied. */
export async function answer(
  deps: ResourceDeps,
  params: Params,
  object: StripeObject,
  db: Queryable = deps.pool,
): Promise<StripeObject> {
  return render(db, object, expansionPlans(params, object.object), nowSeconds(deps));
}

/** A filter parameter given as a plain string. */
export function stringFilter(params: Params, name: string, path: readonly string[] = [name]): ObjectFilter[] {
  const value = params[name];
  if (value === undefined) return [];
  return [{ path, values: [string(value, name, { max: 5000 })] }];
}

export function booleanFilter(
  params: Params,
  name: string,
  path: readonly string[] = [name],
): ObjectFilter[] {
  const value = params[name];
  if (value === undefined) return [];
  if (value !== 'true' && value !== 'false') {
    throw invalidRequest(`Invalid boolean: ${JSON.stringify(value)}`, { param: name });
  }
  return [{ path, values: [value] }];
}

export interface ListSpec {
  table: ObjectTable;
  /** The object type, for `expand[]=data.x`. */
  type: string;
  noun: string;
  url: string;
  /** Parameters besides limit, cursors, created and expand. */
  params?: readonly string[];
  filters?: (params: Params) => ObjectFilter[];
  /** Extra row filtering that SQL filters cannot express. */
  keep?: (object: StripeObject) => boolean;
  /** Drops the `created` filter (for lists that do not take it). */
  noCreated?: boolean;
}

/** A Stripe list: newest first, cursors, `has_more`, `expand[]=data.x`. */
export async function listAnswer(deps: ResourceDeps, c: Context<StripeEnv>, spec: ListSpec) {
  const params = c.get('params');
  const allowed = ['ending_before', 'expand', 'limit', 'starting_after', ...(spec.params ?? [])];
  if (!spec.noCreated) allowed.push('created');
  rejectUnknown(params, allowed);
  const plans = expansionPlans(params, spec.type, { list: true });
  const window = listWindow(params);
  const cursorId = window.startingAfter ?? window.endingBefore;
  let cursor: { created: number; seq: number } | null = null;
  if (cursorId !== null) {
    const row = await findObject(deps.pool, spec.table, cursorId);
    if (!row) {
      throw resourceMissing(spec.noun, cursorId, window.startingAfter ? 'starting_after' : 'ending_before');
    }
    cursor = { created: row.created, seq: row.seq };
  }
  const filters = spec.filters?.(params) ?? [];
  const query = {
    filters,
    created: spec.noCreated ? null : rangeFilter(params.created, 'created'),
    after: window.startingAfter ? cursor : null,
    before: window.endingBefore ? cursor : null,
  };
  let rows: StripeObject[];
  let hasMore: boolean;
  if (spec.keep) {
    const all = (await listObjects(deps.pool, spec.table, query)).map((row) => row.data).filter(spec.keep);
    hasMore = all.length > window.limit;
    rows = all.slice(0, window.limit);
  } else {
    const found = await listObjects(deps.pool, spec.table, { ...query, limit: window.limit + 1 });
    hasMore = found.length > window.limit;
    rows = found.slice(0, window.limit).map((row) => row.data);
  }
  if (window.endingBefore) rows = rows.reverse();
  const now = nowSeconds(deps);
  const data = [];
  for (const row of rows) data.push(await render(deps.pool, row, plans, now));
  return listEnvelope(spec.url, data, hasMore);
}

/** `ids[]=a&ids[]=b` style lists in query strings. */
export function idsFilter(params: Params, name: string, path: readonly string[]): ObjectFilter[] {
  const value = params[name];
  if (value === undefined) return [];
  const items = Array.isArray(value) ? value : isHash(value) ? Object.values(value) : [value];
  return [{ path, values: items.map((item, i) => string(item, `${name}[${i}]`)) }];
}

/** `GET /v1/<resources>/:id`: one live object (Stripe's 404 otherwise), with `expand` applied. */
export function retrieveRoute(deps: ResourceDeps, table: ObjectTable, noun: string) {
  return async (c: Context<StripeEnv, '/:id'>) => {
    const params = c.get('params');
    rejectUnknown(params, ['expand']);
    const object = await mustFind(deps.pool, table, noun, c.req.param('id'));
    return c.json(await answer(deps, params, object));
  };
}

/**
 * `GET /v1/<resources>/search`: Stripe's query language over every live object of one
 * table, answered as a search result with `expand` applied to each match.
 */
export function searchRoute(
  deps: ResourceDeps,
  options: { type: string; table: ObjectTable; fields: Record<string, Field>; url: string },
) {
  return async (c: Context<StripeEnv>) => {
    const params = c.get('params');
    const plans = expansionPlans(params, options.type, { list: true });
    const rows = await listObjects(deps.pool, options.table, {});
    const result = searchAnswer(
      params,
      rows.map((row) => row.data),
      options.fields,
      options.url,
    );
    const now = nowSeconds(deps);
    result.data = await Promise.all(
      result.data.map((object) => render(deps.pool, object as StripeObject, plans, now)),
    );
    return c.json(result);
  };
}
