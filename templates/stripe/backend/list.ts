import { integer, isHash, rejectUnknown } from './params.js';
import type { Params } from './request-params.js';
import { invalidRequest } from './stripe-error.js';

/** The cursor parameters every Stripe list endpoint takes. */
export interface ListWindow {
  limit: number;
  startingAfter: string | null;
  endingBefore: string | null;
}

export function listWindow(params: Params): ListWindow {
  const limit = params.limit === undefined ? 10 : integer(params.limit, 'limit');
  if (limit < 1 || limit > 100) {
    throw invalidRequest('This value must be between 1 and 100 (inclusive).', { param: 'limit' });
  }
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
