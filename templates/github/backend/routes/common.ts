import type { Context } from 'hono';
import type { z } from 'zod';
import { validateParams } from '../../../_shared/parameters.js';
import type { GithubDeps } from '../deps.js';
import { forbidden, notFound } from '../github-error.js';
import type { Urls } from '../render.js';
import type { GithubEnv } from '../route-env.js';
import { atLeast, findRepo, type Permission, type RepoRow } from '../store.js';

export type Ctx = Context<GithubEnv>;

export const urls = (c: Ctx): Urls => ({ api: c.get('api'), web: c.get('web') });

/** The repository of `:owner/:repo`, which the viewer must be able to see and hold `need` on. */
export async function repoFor(c: Ctx, deps: GithubDeps, need: Permission = 'pull'): Promise<RepoRow> {
  const repo = await findRepo(
    deps.pool,
    c.get('viewer').id,
    c.req.param('owner') ?? '',
    c.req.param('repo') ?? '',
  );
  if (!atLeast(repo.permission, need)) {
    if (need === 'pull') throw notFound();
    throw forbidden(
      need === 'admin'
        ? 'Must have admin rights to Repository.'
        : 'Resource not accessible by personal access token',
    );
  }
  return repo;
}

/**
 * The JSON body checked against `schema` (the kit's validateParams); problems become
 * GitHub's 422 `Validation Failed` with one `errors[]` entry per field (app.ts, fromKit).
 */
export function bodyOf<S extends z.ZodType>(c: Ctx, resource: string, schema: S): z.output<S> {
  c.set('resource', resource);
  return validateParams(schema, c.get('body'));
}

/** `:number` as an integer, or 404 (GitHub's answer to `/issues/abc`). */
export function numberParam(c: Ctx, name = 'number'): number {
  const value = c.req.param(name) ?? '';
  if (!/^\d{1,9}$/.test(value)) throw notFound();
  return Number(value);
}

export const nowDate = (deps: GithubDeps) => new Date(deps.now());
