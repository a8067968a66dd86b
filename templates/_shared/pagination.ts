/**
 * List helpers in the two styles vendors page by: an opaque cursor naming where the next
 * page starts (Slack's `next_cursor`, Stripe's `starting_after`/`ending_before` by id), or
 * numbered pages with a `Link` header (GitHub's `page`/`per_page`).
 */

/** An opaque cursor: base64 of `<kind>:<value>` ("dXNlcjpVMDYxTkZUVDI=" is "user:U061NFTT2"). */
export const encodeCursor = (kind: string, value: string): string =>
  Buffer.from(`${kind}:${value}`).toString('base64');

/** The value of a cursor of `kind`, or null when it is not one (the template names the error). */
export function decodeCursor(kind: string, cursor: string, valuePattern: RegExp): string | null {
  const decoded = Buffer.from(cursor, 'base64').toString('utf8');
  const value = decoded.startsWith(`${kind}:`) ? decoded.slice(kind.length + 1) : null;
  return value !== null && valuePattern.test(value) ? value : null;
}

export interface CursorWindow {
  limit: number;
  /** The page starts after the item with this key... */
  after?: string | null;
  /** ...or ends before it. */
  before?: string | null;
}

export interface CursorPage<T> {
  items: T[];
  hasMore: boolean;
  /** The key the next page starts after (null on the last page). */
  next: string | null;
  /** False when the cursor's item is not in the list (the template's 404 or invalid_cursor). */
  found: boolean;
}

/** One page of an ordered in-memory list, by the key of the item a cursor names. */
export function cursorPage<T>(
  items: readonly T[],
  key: (item: T) => string,
  window: CursorWindow,
): CursorPage<T> {
  const cursor = window.after ?? window.before ?? null;
  let start = 0;
  let end = items.length;
  if (cursor !== null) {
    const at = items.findIndex((item) => key(item) === cursor);
    if (at < 0) return { items: [], hasMore: false, next: null, found: false };
    if (window.after != null) start = at + 1;
    else end = at;
  }
  const backwards = window.after == null && window.before != null;
  const page = backwards
    ? items.slice(Math.max(start, end - window.limit), end)
    : items.slice(start, start + window.limit);
  const hasMore = backwards ? end - window.limit > start : start + window.limit < end;
  const last = page[page.length - 1];
  return { items: page, hasMore, next: hasMore && last !== undefined ? key(last) : null, found: true };
}

export interface PageRequest {
  page: number;
  perPage: number;
}

export interface PageWindow extends PageRequest {
  offset: number;
  /** Rows to read: one more than a page, so `hasNext` needs no count. */
  fetch: number;
}

/** `page` (1-based) and `per_page` as a SQL window. */
export function pageWindow(request: PageRequest): PageWindow {
  return { ...request, offset: (request.page - 1) * request.perPage, fetch: request.perPage + 1 };
}

/**
 * The `Link` header of a numbered page (RFC 8288, as GitHub sends it): `next` and `last`
 * after, `first` and `prev` before; `total` (items) gives `last`, without it `hasNext`
 * decides whether `next` exists. Every other query parameter of `url` is kept. Null when
 * there is only one page.
 */
export function linkHeader(
  url: string,
  request: PageRequest,
  extent: { total: number } | { hasNext: boolean },
): string | null {
  const lastPage = 'total' in extent ? Math.max(1, Math.ceil(extent.total / request.perPage)) : null;
  const hasNext = lastPage !== null ? request.page < lastPage : (extent as { hasNext: boolean }).hasNext;
  const at = (page: number) => {
    const link = new URL(url);
    link.searchParams.set('per_page', String(request.perPage));
    link.searchParams.set('page', String(page));
    return `<${link.toString()}>`;
  };
  const links: string[] = [];
  if (request.page > 1) links.push(`${at(request.page - 1)}; rel="prev"`);
  if (hasNext) links.push(`${at(request.page + 1)}; rel="next"`);
  if (hasNext && lastPage !== null) links.push(`${at(lastPage)}; rel="last"`);
  if (request.page > 1) links.push(`${at(1)}; rel="first"`);
  return links.length > 0 ? links.join(', ') : null;
}
