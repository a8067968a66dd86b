import { listLimit } from './list.js';
import { rejectUnknown, string } from './params.js';
import type { Params } from './request-params.js';
import { invalidRequest } from './stripe-error.js';

/**
 * Stripe's Search query language, for the small data sets a clone holds: the query is
 * parsed into clauses joined by one of AND / OR and evaluated over objects in memory.
 * https://docs.stripe.com/search#search-query-language
 */
export type Field = (object: Record<string, unknown>) => unknown;

interface Clause {
  negate: boolean;
  field: string;
  metadataKey: string | null;
  op: ':' | '~' | '>' | '<' | '>=' | '<=';
  value: string | number | null;
}

const CLAUSE =
  /^\s*(-?)([a-z_.]+)(?:\[(?:'([^']*)'|"([^"]*)")\])?\s*(>=|<=|:|~|>|<)\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|(-?\d+(?:\.\d+)?)|(null))\s*/;

const invalidQuery = (detail: string) =>
  invalidRequest(
    `Invalid search query: ${detail}. See https://stripe.com/docs/search#search-query-language`,
    {
      param: 'query',
    },
  );

export function parseQuery(query: string): { join: 'AND' | 'OR'; clauses: Clause[] } {
  const clauses: Clause[] = [];
  let join: 'AND' | 'OR' | null = null;
  let rest = query;
  for (;;) {
    const match = CLAUSE.exec(rest);
    if (!match) throw invalidQuery(`could not parse \`${rest.trim() || query}\``);
    const [whole, negate, field, key1, key2, op, single, double, number, nul] = match;
    const text = single ?? double;
    clauses.push({
      negate: negate === '-',
      field: field as string,
      metadataKey: key1 ?? key2 ?? null,
      op: op as Clause['op'],
      value: nul ? null : number !== undefined ? Number(number) : (text ?? '').replace(/\\(.)/g, '$1'),
    });
    rest = rest.slice(whole.length);
    if (rest.trim() === '') break;
    const joiner = /^(AND|OR)\s+/.exec(rest);
    if (!joiner) throw invalidQuery(`expected AND or OR before \`${rest.trim()}\``);
    if (join !== null && join !== joiner[1]) throw invalidQuery('AND and OR cannot be combined in one query');
    join = joiner[1] as 'AND' | 'OR';
    rest = rest.slice(joiner[0].length);
  }
  if (clauses.length > 10) throw invalidQuery('a query takes at most 10 clauses');
  return { join: join ?? 'AND', clauses };
}

function matches(clause: Clause, object: Record<string, unknown>, fields: Record<string, Field>): boolean {
  let actual: unknown;
  if (clause.field === 'metadata') {
    if (clause.metadataKey === null) throw invalidQuery("metadata needs a key: metadata['key']");
    actual = (object.metadata as Record<string, string> | undefined)?.[clause.metadataKey] ?? null;
  } else {
    const field = fields[clause.field];
    if (!field) throw invalidQuery(`the field \`${clause.field}\` is not supported`);
    actual = field(object);
  }
  const { op, value } = clause;
  if (op === ':') {
    if (value === null) return actual === null || actual === undefined;
    if (actual === null || actual === undefined) return false;
    return String(actual).toLowerCase() === String(value).toLowerCase();
  }
  if (op === '~') {
    if (typeof value !== 'string' || value.length < 3) throw invalidQuery('`~` needs at least 3 characters');
    return typeof actual === 'string' && actual.toLowerCase().includes(value.toLowerCase());
  }
  if (typeof actual !== 'number' || typeof value !== 'number') return false;
  if (op === '>') return actual > value;
  if (op === '<') return actual < value;
  if (op === '>=') return actual >= value;
  return actual <= value;
}

/** A search endpoint's answer over `objects` (newest first). */
export function searchAnswer(
  params: Params,
  objects: readonly Record<string, unknown>[],
  fields: Record<string, Field>,
  url: string,
  render: (object: Record<string, unknown>) => unknown = (o) => o,
) {
  rejectUnknown(params, ['expand', 'limit', 'page', 'query']);
  if (params.query === undefined)
    throw invalidRequest('Missing required param: query.', { code: 'parameter_missing', param: 'query' });
  const { join, clauses } = parseQuery(string(params.query, 'query'));
  const limit = listLimit(params);
  let offset = 0;
  if (params.page !== undefined && params.page !== '') {
    const decoded = /^off_(\d+)$/.exec(Buffer.from(string(params.page, 'page'), 'base64url').toString());
    if (!decoded) throw invalidRequest('Invalid page token.', { param: 'page' });
    offset = Number(decoded[1]);
  }
  const test = (object: Record<string, unknown>) => {
    const results = clauses.map((clause) => matches(clause, object, fields) !== clause.negate);
    return join === 'AND' ? results.every(Boolean) : results.some(Boolean);
  };
  const hits = objects.filter(test);
  const page = hits.slice(offset, offset + limit);
  const hasMore = hits.length > offset + limit;
  return {
    object: 'search_result',
    data: page.map(render),
    has_more: hasMore,
    next_page: hasMore ? Buffer.from(`off_${offset + limit}`).toString('base64url') : null,
    url,
  };
}
