import type { Context } from 'hono';
import type { z } from 'zod';
import type { GithubDeps } from '../deps.js';
import { forbidden, GithubError, notFound, type ValidationIssue } from '../github-error.js';
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
 * The JSON body checked against `schema`; problems become GitHub's 422 with one
 * `errors[]` entry per field (missing_field / invalid), as its REST API answers.
 */
export function bodyOf<S extends z.ZodType>(c: Ctx, resource: string, schema: S): z.infer<S> {
  const parsed = schema.safeParse(c.get('body'));
  if (parsed.success) return parsed.data;
  const errors: ValidationIssue[] = parsed.error.issues.map((issue) => {
    const field = issue.path.map(String).join('.') || undefined;
    const missing = issue.code === 'invalid_type' && issue.input === undefined;
    return {
      resource,
      ...(field ? { field } : {}),
      code: missing ? 'missing_field' : 'invalid',
      ...(missing ? {} : { message: issue.message }),
    };
  });
  throw new GithubError(422, 'Validation Failed', { errors });
}

/** `:number` as an integer, or 404 (GitHub's answer to `/issues/abc`). */
export function numberParam(c: Ctx, name = 'number'): number {
  const value = c.req.param(name) ?? '';
  if (!/^\d{1,9}$/.test(value)) throw notFound();
  return Number(value);
}

export const nowDate = (deps: GithubDeps) => new Date(deps.now());
