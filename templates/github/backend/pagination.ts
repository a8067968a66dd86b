import type { Context } from 'hono';
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

/**
 * GitHub's `Link` header (`next`, `last`, `first`, `prev`), each the request's own URL with
 * another `page`, so `octokit.paginate` and `gh` follow it back here.
 */
export function setLink(c: Context, page: Page, total: number, api: string): void {
  const last = Math.max(1, Math.ceil(total / page.perPage));
  const url = new URL(c.req.url);
  const base = `${api}${url.pathname.replace(/^\/api\/v3/, '')}`;
  const at = (n: number) => {
    const params = new URLSearchParams(url.search);
    params.set('per_page', String(page.perPage));
    params.set('page', String(n));
    return `<${base}?${params.toString()}>`;
  };
  const links: string[] = [];
  if (page.page > 1) links.push(`${at(page.page - 1)}; rel="prev"`);
  if (page.page < last) links.push(`${at(page.page + 1)}; rel="next"`, `${at(last)}; rel="last"`);
  if (page.page > 1) links.push(`${at(1)}; rel="first"`);
  if (links.length > 0) c.header('Link', links.join(', '));
}

/** One page of an in-memory list, with its Link header. */
export function pageList<T>(c: Context, items: readonly T[], api: string, defaultPerPage = 30): T[] {
  const page = pageOf(c, defaultPerPage);
  setLink(c, page, items.length, api);
  return items.slice(page.offset, page.offset + page.perPage);
}
