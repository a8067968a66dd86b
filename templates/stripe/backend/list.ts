import { cursorPage } from '../../_shared/pagination.js';
import { integer, isHash, rejectUnknown } from './params.js';
import type { Params } from './request-params.js';
import { invalidRequest, resourceMissing } from './stripe-error.js';

/** The cursor parameters every Stripe list endpoint takes. */
export interface ListWindow {
  limit: number;
  startingAfter: string | null;
  endingBefore: string | null;
}

/** `limit` on every list and search: 1 to 100, 10 when absent. */
export function listLimit(params: Params): number {
  const limit = params.limit === undefined ? 10 : integer(params.limit, 'limit');
  if (limit < 1 || limit > 100) {
    throw invalidRequest('This value must be between 1 and 100 (inclusive).', { param: 'limit' });
  }
  return limit;
}

export function listWindow(params: Params): ListWindow {
  const limit = listLimit(params);
  const cursor = (name: string) => {
    const value = params[name];
    if (value === undefined || value === '') return null;
    if (typeof value !== 'string')
      throw invalidRequest(`Invalid string: ${JSON.stringify(value)}`, { param: name });
    return value;
  };
  const startingAfter = cursor('starting_after');
  const endingBefore = cursor('ending_before');
  if (startingAfter !== null && endingBefore !== null) {
    throw invalidRequest('You may only specify one of these parameters: ending_before, starting_after.', {
      code: 'parameters_exclusive',
      param: 'ending_before',
    });
  }
  return { limit, startingAfter, endingBefore };
}

/** A `created` filter: an exact second or a range `{ gt, gte, lt, lte }`. */
export interface RangeFilter {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
}

export function rangeFilter(value: unknown, param: string): RangeFilter | null {
  if (value === undefined) return null;
  if (typeof value === 'string') {
    const exact = integer(value, param);
    return { gte: exact, lte: exact };
  }
  if (!isHash(value)) throw invalidRequest('Invalid object', { param });
  rejectUnknown(value, ['gt', 'gte', 'lt', 'lte'], param);
  const out: RangeFilter = {};
  for (const key of ['gt', 'gte', 'lt', 'lte'] as const) {
    if (value[key] !== undefined) out[key] = integer(value[key], `${param}[${key}]`);
  }
  return out;
}

export const listEnvelope = (url: string, data: unknown[], hasMore: boolean) => ({
  object: 'list',
  data,
  has_more: hasMore,
  url,
});

/**
 * A list a parent object embeds (an invoice's lines, a subscription's items), paged like
 * every other list: `limit`, `starting_after` / `ending_before` by id (Stripe's 404 for an
 * id not in it), in the parent's order.
 */
export function pageOf<T extends { id: string }>(
  items: readonly T[],
  params: Params,
  spec: { url: string; noun: string },
) {
  const window = listWindow(params);
  const page = cursorPage(items, (item) => item.id, {
    limit: window.limit,
    after: window.startingAfter,
    before: window.endingBefore,
  });
  if (!page.found) {
    const cursorId = (window.startingAfter ?? window.endingBefore) as string;
    throw resourceMissing(spec.noun, cursorId, window.startingAfter ? 'starting_after' : 'ending_before');
  }
  return listEnvelope(spec.url, page.items, page.hasMore);
}
