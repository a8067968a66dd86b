import { Hono } from 'hono';
import { z } from 'zod';
import { DEFAULT_LABELS } from '../../fixtures/acme-corp.js';
import type { GithubDeps } from '../deps.js';
import { forbidden, GithubError, notFound, validationFailed } from '../github-error.js';
import { pageOf, setLink } from '../pagination.js';
import { fullUser, organization, repository, simpleUser } from '../render.js';
import type { GithubEnv } from '../route-env.js';
import { type AccountRow, findAccount, REPO_SELECT, type RepoRow, repoById } from '../store.js';
import { bodyOf, type Ctx, nowDate, urls } from './common.js';

const SORTS: Record<string, string> = {
  created: 'r.created_at',
  updated: 'r.updated_at',
  pushed: 'r.pushed_at',
  full_name: 'lower(r.name)',
};

/** Repositories the viewer can see matching `where` (parameters from $2), one page. */
async function listRepos(c: Ctx, deps: GithubDeps, where: string, params: unknown[]): Promise<RepoRow[]> {
  const page = pageOf(c);
  const sort = SORTS[c.req.query('sort') ?? 'full_name'] ?? 'lower(r.name)';
  const direction =
    (c.req.query('direction') ??
      (c.req.query('sort') && c.req.query('sort') !== 'full_name' ? 'desc' : 'asc')) === 'desc'
      ? 'DESC'
      : 'ASC';
  const type = c.req.query('type') ?? c.req.query('visibility') ?? 'all';
  const visibility = type === 'public' ? 'AND NOT r.private' : type === 'private' ? 'AND r.private' : '';
  const { rows } = await deps.pool.query<RepoRow>(
    `SELECT * FROM (${REPO_SELECT} WHERE ${where} ${visibility}) r WHERE r.permission IS NOT NULL
     ORDER BY ${sort} ${direction} NULLS LAST, r.id`,
    [c.get('viewer').id, ...params],
  );
  setLink(c, page, rows.length, c.get('api'));
  return rows.slice(page.offset, page.offset + page.perPage);
}

async function repoCounts(deps: GithubDeps, ownerId: number) {
  const { rows } = await deps.pool.query<{ public: number; private: number }>(
    `SELECT count(*) FILTER (WHERE NOT private)::int AS public, count(*) FILTER (WHERE private)::int AS private
     FROM repositories WHERE owner_id = $1`,
    [ownerId],
  );
  return { publicRepos: rows[0]?.public ?? 0, privateRepos: rows[0]?.private ?? 0 };
}

const createRepoBody = z.object({
  name: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9._-]+$/),
  description: z.string().nullish(),
  homepage: z.string().nullish(),
  private: z.boolean().optional(),
  visibility: z.enum(['public', 'private', 'internal']).optional(),
  has_issues: z.boolean().optional(),
  has_projects: z.boolean().optional(),
  has_wiki: z.boolean().optional(),
  auto_init: z.boolean().optional(),
  allow_merge_commit: z.boolean().optional(),
  allow_squash_merge: z.boolean().optional(),
  allow_rebase_merge: z.boolean().optional(),
  delete_branch_on_merge: z.boolean().optional(),
});

async function createRepo(c: Ctx, deps: GithubDeps, owner: AccountRow) {
  const body = bodyOf(c, 'Repository', createRepoBody);
  const viewer = c.get('viewer');
  const now = nowDate(deps);
  const { rows: taken } = await deps.pool.query(
    'SELECT 1 FROM repositories WHERE owner_id = $1 AND lower(name) = lower($2)',
    [owner.id, body.name],
  );
  if (taken.length > 0)
    throw validationFailed({
      resource: 'Repository',
      code: 'custom',
      field: 'name',
      message: 'name already exists on this account',
    });
  const { rows } = await deps.pool.query<{ id: number }>(
    `INSERT INTO repositories (owner_id, name, description, homepage, private, has_issues, has_projects, has_wiki,
       allow_merge_commit, allow_squash_merge, allow_rebase_merge, delete_branch_on_merge, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id`,
    [
      owner.id,
      body.name,
      body.description ?? null,
      body.homepage ?? null,
      body.private ?? (body.visibility !== undefined && body.visibility !== 'public'),
      body.has_issues ?? true,
      body.has_projects ?? true,
      body.has_wiki ?? true,
      body.allow_merge_commit ?? true,
      body.allow_squash_merge ?? true,
      body.allow_rebase_merge ?? true,
      body.delete_branch_on_merge ?? false,
      now,
    ],
  );
  const id = rows[0]?.id as number;
  for (const [name, color, description] of DEFAULT_LABELS)
    await deps.pool.query(
      'INSERT INTO labels (repo_id, name, color, description, is_default) VALUES ($1, $2, $3, $4, true)',
      [id, name, color, description],
    );
  const repo = (await repoById(deps.pool, viewer.id, id)) as RepoRow;
  if (body.auto_init) {
    const { commitFiles } = await import('../write-commits.js');
    await commitFiles(deps, repo, viewer, urls(c), {
      branch: 'main',
      message: 'Initial commit',
      files: [
        {
          path: 'README.md',
          content: Buffer.from(`# ${body.name}\n${body.description ? `\n${body.description}\n` : ''}`),
        },
      ],
    });
  }
  return c.json(repository(urls(c), (await repoById(deps.pool, viewer.id, id)) as RepoRow), 201);
}

export function userRoutes(deps: GithubDeps) {
  const app = new Hono<GithubEnv>();

  app.get('/user', async (c) => {
    const viewer = c.get('viewer');
    return c.json(fullUser(urls(c), viewer, await repoCounts(deps, viewer.id), true));
  });

  app.get('/users/:username', async (c) => {
    const account = await findAccount(deps.pool, c.req.param('username'));
    if (!account) throw notFound();
    if (account.type === 'Organization')
      return c.json(organization(urls(c), account, await repoCounts(deps, account.id)));
    return c.json(fullUser(urls(c), account, await repoCounts(deps, account.id), false));
  });

  app.get('/user/repos', async (c) => {
    const viewer = c.get('viewer');
    const repos = await listRepos(
      c,
      deps,
      `(r.owner_id = $1 OR EXISTS (SELECT 1 FROM org_members m WHERE m.org_id = r.owner_id AND m.user_id = $1)
        OR EXISTS (SELECT 1 FROM collaborators k WHERE k.repo_id = r.id AND k.user_id = $1))`,
      [],
    );
    void viewer;
    return c.json(repos.map((r) => repository(urls(c), r)));
  });
  app.post('/user/repos', (c) => createRepo(c, deps, c.get('viewer')));

  app.get('/users/:username/repos', async (c) => {
    const account = await findAccount(deps.pool, c.req.param('username'));
    if (!account) throw notFound();
    const repos = await listRepos(c, deps, 'r.owner_id = $2', [account.id]);
    return c.json(repos.map((r) => repository(urls(c), r)));
  });

  app.get('/user/orgs', async (c) => {
    const { rows } = await deps.pool.query<AccountRow>(
      'SELECT a.* FROM accounts a JOIN org_members m ON m.org_id = a.id WHERE m.user_id = $1 ORDER BY a.login',
      [c.get('viewer').id],
    );
    return c.json(rows.map((org) => orgSimple(c, org)));
  });

  const org = async (c: Ctx) => {
    const account = await findAccount(deps.pool, c.req.param('org') ?? '');
    if (account?.type !== 'Organization') throw notFound();
    return account;
  };

  app.get('/orgs/:org', async (c) => {
    const account = await org(c);
    return c.json(organization(urls(c), account, await repoCounts(deps, account.id)));
  });

  app.get('/orgs/:org/repos', async (c) => {
    const account = await org(c);
    const repos = await listRepos(c, deps, 'r.owner_id = $2', [account.id]);
    return c.json(repos.map((r) => repository(urls(c), r)));
  });

  app.post('/orgs/:org/repos', async (c) => {
    const account = await org(c);
    const { rows } = await deps.pool.query('SELECT 1 FROM org_members WHERE org_id = $1 AND user_id = $2', [
      account.id,
      c.get('viewer').id,
    ]);
    if (rows.length === 0)
      throw forbidden('You need admin access to the organization before adding a repository to it.');
    return createRepo(c, deps, account);
  });

  app.get('/orgs/:org/members', async (c) => {
    const account = await org(c);
    const role = c.req.query('role');
    const { rows } = await deps.pool.query<AccountRow>(
      `SELECT a.* FROM accounts a JOIN org_members m ON m.user_id = a.id
       WHERE m.org_id = $1 AND ($2::text IS NULL OR $2 = 'all' OR m.role = $2) ORDER BY lower(a.login)`,
      [account.id, role ?? null],
    );
    const page = pageOf(c);
    setLink(c, page, rows.length, c.get('api'));
    return c.json(rows.slice(page.offset, page.offset + page.perPage).map((a) => simpleUser(urls(c), a)));
  });

  app.get('/orgs/:org/members/:username', async (c) => {
    const account = await org(c);
    const { rows } = await deps.pool.query(
      'SELECT 1 FROM org_members m JOIN accounts a ON a.id = m.user_id WHERE m.org_id = $1 AND lower(a.login) = lower($2)',
      [account.id, c.req.param('username')],
    );
    if (rows.length === 0)
      throw new GithubError(404, 'User does not exist or is not a member of the organization');
    return c.body(null, 204);
  });

  return app;
}

function orgSimple(c: Ctx, org: AccountRow) {
  const full = organization(urls(c), org, { publicRepos: 0, privateRepos: 0 });
  const keys = [
    'login',
    'id',
    'node_id',
    'url',
    'repos_url',
    'events_url',
    'hooks_url',
    'issues_url',
    'members_url',
    'public_members_url',
    'avatar_url',
    'description',
  ] as const;
  return Object.fromEntries(keys.map((k) => [k, full[k]]));
}
