import type { Context } from 'hono';
import { linkHeader } from '../../_shared/pagination.js';
import { invalidField } from './github-error.js';

export interface Page {
  perPage: number;
  page: number;
  offset: number;
}

/** `per_page` (default 30, at most 100) and `page` (from 1), as GitHub reads them. */
export function pageOf(c: Context, defaultPerPage = 30): Page {
  const perPage = clampInt(c.req.query('per_page'), defaultPerPage, 1, 100);
  const page = clampInt(c.req.query('page'), 1, 1, 100_000);
  return { perPage, page, offset: (page - 1) * perPage };
}

function clampInt(value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw invalidField('pagination', 'per_page');
  return Math.min(max, Math.max(min, Math.trunc(n)));
}

/** GitHub's `Link` header (the kit's linkHeader): the request's own URL with another `page`. */
export function setLink(c: Context, page: Page, total: number, _api?: string): void {
  const link = linkHeader(c.req.url, { page: page.page, perPage: page.perPage }, { total });
  if (link) c.header('Link', link);
}

/** One page of an in-memory list, with its Link header. */
export function pageList<T>(c: Context, items: readonly T[], api: string, defaultPerPage = 30): T[] {
  const page = pageOf(c, defaultPerPage);
  setLink(c, page, items.length, api);
  return items.slice(page.offset, page.offset + page.perPage);
}
