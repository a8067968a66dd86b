import { Hono } from 'hono';
import { z } from 'zod';
import type { GithubDeps } from '../deps.js';
import { logCommits } from '../git/commits.js';
import { GithubError, notFound, validationFailed } from '../github-error.js';
import { pageList } from '../pagination.js';
import { peopleByEmail } from '../people.js';
import { nodeId, repository, simpleUser, type Urls } from '../render.js';
import { repoCommit } from '../render-git.js';
import type { GithubEnv } from '../route-env.js';
import { type AccountRow, findAccount, type RepoRow, repoById } from '../store.js';
import { bodyOf, type Ctx, nowDate, repoFor, urls } from './common.js';

const updateRepoBody = z.object({
  name: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9._-]+$/)
    .optional(),
  description: z.string().nullish(),
  homepage: z.string().nullish(),
  private: z.boolean().optional(),
  visibility: z.enum(['public', 'private']).optional(),
  has_issues: z.boolean().optional(),
  has_projects: z.boolean().optional(),
  has_wiki: z.boolean().optional(),
  default_branch: z.string().optional(),
  archived: z.boolean().optional(),
  allow_merge_commit: z.boolean().optional(),
  allow_squash_merge: z.boolean().optional(),
  allow_rebase_merge: z.boolean().optional(),
  delete_branch_on_merge: z.boolean().optional(),
});

interface ProtectionRow {
  branch: string;
  required_approving_review_count: number | null;
  required_status_checks: string[] | null;
  strict: boolean;
  enforce_admins: boolean;
  allow_force_pushes: boolean;
  allow_deletions: boolean;
}

function protectionView(u: Urls, repo: RepoRow, p: ProtectionRow) {
  const url = `${u.api}/repos/${repo.owner.login}/${repo.name}/branches/${p.branch}/protection`;
  return {
    url,
    required_status_checks: p.required_status_checks
      ? {
          url: `${url}/required_status_checks`,
          strict: p.strict,
          contexts: p.required_status_checks,
          checks: p.required_status_checks.map((context) => ({ context, app_id: null })),
          contexts_url: `${url}/required_status_checks/contexts`,
        }
      : undefined,
    required_pull_request_reviews:
      p.required_approving_review_count !== null
        ? {
            url: `${url}/required_pull_request_reviews`,
            dismiss_stale_reviews: false,
            require_code_owner_reviews: false,
            require_last_push_approval: false,
            required_approving_review_count: p.required_approving_review_count,
          }
        : undefined,
    enforce_admins: { url: `${url}/enforce_admins`, enabled: p.enforce_admins },
    required_linear_history: { enabled: false },
    allow_force_pushes: { enabled: p.allow_force_pushes },
    allow_deletions: { enabled: p.allow_deletions },
    required_conversation_resolution: { enabled: false },
    lock_branch: { enabled: false },
  };
}

export function repoRoutes(deps: GithubDeps) {
  const app = new Hono<GithubEnv>();
  const reload = async (c: Ctx, id: number) => (await repoById(deps.pool, c.get('viewer').id, id)) as RepoRow;

  app.get('/repos/:owner/:repo', async (c) => c.json(repository(urls(c), await repoFor(c, deps))));

  app.patch('/repos/:owner/:repo', async (c) => {
    const repo = await repoFor(c, deps, 'admin');
    const body = bodyOf(c, 'Repository', updateRepoBody);
    if (body.default_branch !== undefined) {
      const { rows } = await deps.pool.query('SELECT 1 FROM git_refs WHERE repo_id = $1 AND name = $2', [
        repo.id,
        `refs/heads/${body.default_branch}`,
      ]);
      if (rows.length === 0)
        throw validationFailed({ resource: 'Repository', field: 'default_branch', code: 'invalid' });
    }
    const sets: string[] = [];
    const values: unknown[] = [repo.id, nowDate(deps)];
    const set = (column: string, value: unknown) => {
      values.push(value);
      sets.push(`${column} = $${values.length}`);
    };
    for (const key of [
      'name',
      'description',
      'homepage',
      'has_issues',
      'has_projects',
      'has_wiki',
      'default_branch',
      'archived',
      'allow_merge_commit',
      'allow_squash_merge',
      'allow_rebase_merge',
      'delete_branch_on_merge',
    ] as const)
      if (body[key] !== undefined) set(key, body[key]);
    if (body.private !== undefined || body.visibility !== undefined)
      set('private', body.private ?? body.visibility === 'private');
    await deps.pool.query(
      `UPDATE repositories SET updated_at = $2${sets.map((s) => `, ${s}`).join('')} WHERE id = $1`,
      values,
    );
    if (body.default_branch !== undefined) deps.git.invalidate(repo.id);
    return c.json(repository(urls(c), await reload(c, repo.id)));
  });

  app.delete('/repos/:owner/:repo', async (c) => {
    const repo = await repoFor(c, deps, 'admin');
    await deps.pool.query('DELETE FROM repositories WHERE id = $1', [repo.id]);
    return c.body(null, 204);
  });

  app.get('/repos/:owner/:repo/topics', async (c) => c.json({ names: (await repoFor(c, deps)).topics }));
  app.put('/repos/:owner/:repo/topics', async (c) => {
    const repo = await repoFor(c, deps, 'admin');
    const { names } = bodyOf(
      c,
      'Repository',
      z.object({ names: z.array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,49}$/)) }),
    );
    await deps.pool.query('UPDATE repositories SET topics = $2, updated_at = $3 WHERE id = $1', [
      repo.id,
      [...new Set(names)],
      nowDate(deps),
    ]);
    return c.json({ names: [...new Set(names)] });
  });

  app.get('/repos/:owner/:repo/languages', async (c) => {
    await repoFor(c, deps);
    return c.json({});
  });

  // Collaborators: org members (write, or admin for owners), then outside collaborators.
  const collaborators = async (repo: RepoRow) => {
    const { rows } = await deps.pool.query<AccountRow & { permission: string }>(
      `SELECT a.*, CASE WHEN m.role = 'admin' THEN 'admin' ELSE COALESCE(k.permission, 'push') END AS permission
       FROM accounts a
       LEFT JOIN org_members m ON m.user_id = a.id AND m.org_id = $2
       LEFT JOIN collaborators k ON k.user_id = a.id AND k.repo_id = $1
       WHERE m.user_id IS NOT NULL OR k.user_id IS NOT NULL OR a.id = $2
       ORDER BY lower(a.login)`,
      [repo.id, repo.owner_id],
    );
    return rows.filter((row) => row.type !== 'Organization');
  };
  const permissionsOf = (permission: string) => {
    const order = ['pull', 'triage', 'push', 'maintain', 'admin'];
    const rank = order.indexOf(permission);
    return Object.fromEntries(order.map((p, index) => [p, index <= rank]));
  };
  const roleName = (permission: string) =>
    ({ pull: 'read', triage: 'triage', push: 'write', maintain: 'maintain', admin: 'admin' })[permission] ??
    'read';

  app.get('/repos/:owner/:repo/collaborators', async (c) => {
    const repo = await repoFor(c, deps, 'push');
    const list = (await collaborators(repo)).map((a) => ({
      ...simpleUser(urls(c), a),
      permissions: permissionsOf(a.permission),
      role_name: roleName(a.permission),
    }));
    return c.json(pageList(c, list, c.get('api')));
  });

  app.get('/repos/:owner/:repo/collaborators/:username', async (c) => {
    const repo = await repoFor(c, deps, 'push');
    const found = (await collaborators(repo)).some(
      (a) => a.login.toLowerCase() === c.req.param('username').toLowerCase(),
    );
    if (!found) throw notFound();
    return c.body(null, 204);
  });

  app.get('/repos/:owner/:repo/collaborators/:username/permission', async (c) => {
    const repo = await repoFor(c, deps);
    const account = await findAccount(deps.pool, c.req.param('username'));
    if (!account) throw notFound();
    const entry = (await collaborators(repo)).find((a) => a.id === account.id);
    const permission = entry?.permission ?? (repo.private ? 'none' : 'pull');
    const legacy = (
      {
        pull: 'read',
        triage: 'read',
        push: 'write',
        maintain: 'write',
        admin: 'admin',
        none: 'none',
      } as Record<string, string>
    )[permission];
    return c.json({
      permission: legacy,
      role_name: roleName(permission),
      user: {
        ...simpleUser(urls(c), account),
        permissions: permissionsOf(permission),
        role_name: roleName(permission),
      },
    });
  });

  app.put('/repos/:owner/:repo/collaborators/:username', async (c) => {
    const repo = await repoFor(c, deps, 'admin');
    const account = await findAccount(deps.pool, c.req.param('username'));
    if (!account || account.type === 'Organization') throw notFound();
    const body = bodyOf(
      c,
      'Collaborator',
      z.object({ permission: z.enum(['pull', 'triage', 'push', 'maintain', 'admin']).optional() }),
    );
    // GitHub sends an invitation; here the invitee accepts at once (there is no inbox to accept from).
    await deps.pool.query(
      `INSERT INTO collaborators (repo_id, user_id, permission) VALUES ($1, $2, $3)
       ON CONFLICT (repo_id, user_id) DO UPDATE SET permission = EXCLUDED.permission`,
      [repo.id, account.id, body.permission ?? 'push'],
    );
    return c.body(null, 204);
  });

  app.delete('/repos/:owner/:repo/collaborators/:username', async (c) => {
    const repo = await repoFor(c, deps, 'admin');
    const account = await findAccount(deps.pool, c.req.param('username'));
    if (!account) throw notFound();
    await deps.pool.query('DELETE FROM collaborators WHERE repo_id = $1 AND user_id = $2', [
      repo.id,
      account.id,
    ]);
    return c.body(null, 204);
  });

  // Branches and their protection.
  const branchRefs = async (repo: RepoRow) => {
    const { rows } = await deps.pool.query<{ name: string; sha: string; protected: boolean }>(
      `SELECT substr(g.name, 12) AS name, g.sha, (p.branch IS NOT NULL) AS protected FROM git_refs g
       LEFT JOIN branch_protections p ON p.repo_id = g.repo_id AND p.branch = substr(g.name, 12)
       WHERE g.repo_id = $1 AND g.name LIKE 'refs/heads/%' ORDER BY g.name COLLATE "C"`,
      [repo.id],
    );
    return rows;
  };

  app.get('/repos/:owner/:repo/branches', async (c) => {
    const repo = await repoFor(c, deps);
    const all = await branchRefs(repo);
    const wanted = c.req.query('protected');
    const list = all
      .filter((b) => wanted === undefined || String(b.protected) === wanted)
      .map((b) => ({
        name: b.name,
        commit: {
          sha: b.sha,
          url: `${c.get('api')}/repos/${repo.owner.login}/${repo.name}/commits/${b.sha}`,
        },
        protected: b.protected,
      }));
    return c.json(pageList(c, list, c.get('api')));
  });

  app.get('/repos/:owner/:repo/branches/:branch{.+}', async (c, next) => {
    const branch = c.req.param('branch');
    if (branch.endsWith('/protection')) return next();
    const repo = await repoFor(c, deps);
    const found = (await branchRefs(repo)).find((b) => b.name === branch);
    if (!found) throw new GithubError(404, 'Branch not found');
    const [commit] = await logCommits(deps.git, repo, ['-n', '1', found.sha]);
    const people = await peopleByEmail(deps.pool);
    const base = `${c.get('api')}/repos/${repo.owner.login}/${repo.name}`;
    const protection = await protectionOf(repo, branch);
    return c.json({
      name: found.name,
      commit: commit ? repoCommit(urls(c), repo, commit, people) : null,
      _links: {
        self: `${base}/branches/${found.name}`,
        html: `${c.get('web')}/${repo.owner.login}/${repo.name}/tree/${found.name}`,
      },
      protected: found.protected,
      protection: {
        enabled: found.protected,
        required_status_checks: {
          enforcement_level: protection?.required_status_checks ? 'non_admins' : 'off',
          contexts: protection?.required_status_checks ?? [],
          checks: (protection?.required_status_checks ?? []).map((context) => ({ context, app_id: null })),
        },
      },
      protection_url: `${base}/branches/${found.name}/protection`,
    });
  });

  const protectionOf = async (repo: RepoRow, branch: string) => {
    const { rows } = await deps.pool.query<ProtectionRow>(
      'SELECT * FROM branch_protections WHERE repo_id = $1 AND branch = $2',
      [repo.id, branch],
    );
    return rows[0] ?? null;
  };

  app.get('/repos/:owner/:repo/branches/:branch{.+}/protection', async (c) => {
    const repo = await repoFor(c, deps, 'admin');
    const protection = await protectionOf(repo, c.req.param('branch'));
    if (!protection) throw new GithubError(404, 'Branch not protected');
    return c.json(protectionView(urls(c), repo, protection));
  });

  app.put('/repos/:owner/:repo/branches/:branch{.+}/protection', async (c) => {
    const repo = await repoFor(c, deps, 'admin');
    const branch = c.req.param('branch');
    const body = bodyOf(
      c,
      'Protection',
      z.object({
        required_status_checks: z
          .object({
            strict: z.boolean(),
            contexts: z.array(z.string()).optional(),
            checks: z.array(z.object({ context: z.string() })).optional(),
          })
          .nullable(),
        enforce_admins: z.boolean().nullable(),
        required_pull_request_reviews: z
          .object({ required_approving_review_count: z.number().int().min(0).max(6).optional() })
          .passthrough()
          .nullable(),
        restrictions: z.unknown(),
        allow_force_pushes: z.boolean().nullish(),
        allow_deletions: z.boolean().nullish(),
      }),
    );
    const contexts = body.required_status_checks
      ? (body.required_status_checks.contexts ??
        body.required_status_checks.checks?.map((check) => check.context) ??
        [])
      : null;
    await deps.pool.query(
      `INSERT INTO branch_protections (repo_id, branch, required_approving_review_count, required_status_checks, strict,
         enforce_admins, allow_force_pushes, allow_deletions) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (repo_id, branch) DO UPDATE SET required_approving_review_count = EXCLUDED.required_approving_review_count,
         required_status_checks = EXCLUDED.required_status_checks, strict = EXCLUDED.strict, enforce_admins = EXCLUDED.enforce_admins,
         allow_force_pushes = EXCLUDED.allow_force_pushes, allow_deletions = EXCLUDED.allow_deletions`,
      [
        repo.id,
        branch,
        body.required_pull_request_reviews
          ? (body.required_pull_request_reviews.required_approving_review_count ?? 1)
          : null,
        contexts,
        body.required_status_checks?.strict ?? false,
        body.enforce_admins === true,
        body.allow_force_pushes === true,
        body.allow_deletions === true,
      ],
    );
    return c.json(protectionView(urls(c), repo, (await protectionOf(repo, branch)) as ProtectionRow));
  });

  app.delete('/repos/:owner/:repo/branches/:branch{.+}/protection', async (c) => {
    const repo = await repoFor(c, deps, 'admin');
    const { rowCount } = await deps.pool.query(
      'DELETE FROM branch_protections WHERE repo_id = $1 AND branch = $2',
      [repo.id, c.req.param('branch')],
    );
    if (!rowCount) throw new GithubError(404, 'Branch not protected');
    return c.body(null, 204);
  });

  app.get('/repos/:owner/:repo/tags', async (c) => {
    const repo = await repoFor(c, deps);
    const { rows } = await deps.pool.query<{ name: string; sha: string }>(
      "SELECT substr(name, 11) AS name, sha FROM git_refs WHERE repo_id = $1 AND name LIKE 'refs/tags/%' ORDER BY name DESC",
      [repo.id],
    );
    const full = `${repo.owner.login}/${repo.name}`;
    return c.json(
      pageList(
        c,
        rows.map((t) => ({
          name: t.name,
          commit: { sha: t.sha, url: `${c.get('api')}/repos/${full}/commits/${t.sha}` },
          zipball_url: `${c.get('api')}/repos/${full}/zipball/refs/tags/${t.name}`,
          tarball_url: `${c.get('api')}/repos/${full}/tarball/refs/tags/${t.name}`,
          node_id: nodeId('Ref', `${repo.id}:refs/tags/${t.name}`),
        })),
        c.get('api'),
      ),
    );
  });

  return app;
}
