import { Hono } from 'hono';
import { z } from 'zod';
import type { GithubDeps } from '../deps.js';
import { diffFiles, logCommits, readCommit, resolveRevision } from '../git/commits.js';
import { runGit } from '../git/git-process.js';
import { GithubError, notFound } from '../github-error.js';
import { pageOf, setLink } from '../pagination.js';
import { peopleByEmail } from '../people.js';
import { iso, nodeId, repository, simpleUser } from '../render.js';
import { fileEntry, repoCommit } from '../render-git.js';
import type { GithubEnv } from '../route-env.js';
import type { AccountRow, RepoRow } from '../store.js';
import { bodyOf, type Ctx, nowDate, repoFor, urls } from './common.js';

interface StatusRow {
  id: number;
  sha: string;
  state: string;
  context: string;
  description: string | null;
  target_url: string | null;
  created_at: Date;
  updated_at: Date;
  creator: AccountRow;
}

function statusView(c: Ctx, repo: RepoRow, s: StatusRow) {
  return {
    url: `${c.get('api')}/repos/${repo.owner.login}/${repo.name}/statuses/${s.sha}`,
    avatar_url: simpleUser(urls(c), s.creator).avatar_url,
    id: s.id,
    node_id: nodeId('StatusContext', s.id),
    state: s.state,
    description: s.description,
    target_url: s.target_url,
    context: s.context,
    created_at: iso(s.created_at),
    updated_at: iso(s.updated_at),
    creator: simpleUser(urls(c), s.creator),
  };
}

interface CheckRunRow {
  id: number;
  head_sha: string;
  name: string;
  status: string;
  conclusion: string | null;
  details_url: string | null;
  external_id: string | null;
  output: Record<string, unknown>;
  started_at: Date | null;
  completed_at: Date | null;
}

function checkRunView(c: Ctx, repo: RepoRow, r: CheckRunRow) {
  const full = `${repo.owner.login}/${repo.name}`;
  const url = `${c.get('api')}/repos/${full}/check-runs/${r.id}`;
  return {
    id: r.id,
    head_sha: r.head_sha,
    node_id: nodeId('CheckRun', r.id),
    external_id: r.external_id ?? '',
    url,
    html_url: `${c.get('web')}/${full}/runs/${r.id}`,
    details_url: r.details_url,
    status: r.status,
    conclusion: r.conclusion,
    started_at: iso(r.started_at),
    completed_at: iso(r.completed_at),
    output: {
      title: (r.output.title as string | undefined) ?? null,
      summary: (r.output.summary as string | undefined) ?? null,
      text: (r.output.text as string | undefined) ?? null,
      annotations_count: 0,
      annotations_url: `${url}/annotations`,
    },
    name: r.name,
    check_suite: { id: r.id },
    app: null,
    pull_requests: [],
  };
}

const combinedState = (states: string[]) =>
  states.length === 0
    ? 'pending'
    : states.some((s) => s === 'error' || s === 'failure')
      ? 'failure'
      : states.some((s) => s === 'pending')
        ? 'pending'
        : 'success';

export function commitRoutes(deps: GithubDeps) {
  const app = new Hono<GithubEnv>();

  const revisionOf = async (repo: RepoRow, ref: string) => {
    const sha = await resolveRevision(deps.git, repo, ref);
    if (!sha) throw new GithubError(422, `No commit found for SHA: ${ref}`);
    return sha;
  };

  app.get('/repos/:owner/:repo/commits', async (c) => {
    const repo = await repoFor(c, deps);
    const start = await resolveRevision(deps.git, repo, c.req.query('sha') ?? repo.default_branch);
    if (!start) {
      if (!c.req.query('sha')) throw new GithubError(409, 'Git Repository is empty.');
      throw notFound();
    }
    const page = pageOf(c);
    const filters: string[] = [];
    const since = c.req.query('since');
    const until = c.req.query('until');
    const author = c.req.query('author');
    if (since) filters.push(`--since=${since}`);
    if (until) filters.push(`--until=${until}`);
    if (author && /^[\w.@+-]+$/.test(author)) {
      const { rows } = await deps.pool.query<{ email: string }>(
        'SELECT email FROM accounts WHERE lower(login) = lower($1)',
        [author],
      );
      filters.push(`--author=${rows[0]?.email ?? author}`);
    }
    const path = c.req.query('path');
    const tail = path ? ['--', path] : [];
    const dir = await deps.git.ensure(repo);
    const counted = await runGit(['--git-dir', dir, 'rev-list', '--count', ...filters, start, ...tail]);
    const total = Number(counted.stdout.toString('utf8').trim()) || 0;
    const commits = await logCommits(deps.git, repo, [
      ...filters,
      `--skip=${page.offset}`,
      '-n',
      String(page.perPage),
      start,
      ...tail,
    ]);
    setLink(c, page, total, c.get('api'));
    const people = await peopleByEmail(deps.pool);
    return c.json(commits.map((commit) => repoCommit(urls(c), repo, commit, people)));
  });

  app.get('/repos/:owner/:repo/commits/:ref{.+}', async (c, next) => {
    const ref = c.req.param('ref');
    if (/\/(status|statuses|check-runs)$/.test(ref)) return next();
    const repo = await repoFor(c, deps);
    const sha = await revisionOf(repo, ref);
    const commit = await readCommit(deps.git, repo, sha);
    if (!commit) throw notFound();
    const files = await diffFiles(deps.git, repo, commit.parents[0] ?? null, sha);
    return c.json(repoCommit(urls(c), repo, commit, await peopleByEmail(deps.pool), files));
  });

  app.get('/repos/:owner/:repo/compare/:basehead{.+}', async (c) => {
    const repo = await repoFor(c, deps);
    const [baseRef, headRef] = c.req.param('basehead').split('...');
    if (!baseRef || !headRef) throw notFound();
    const base = await resolveRevision(deps.git, repo, baseRef);
    const head = await resolveRevision(deps.git, repo, headRef);
    if (!base || !head) throw notFound();
    const dir = await deps.git.ensure(repo);
    const mergeBase = (await runGit(['--git-dir', dir, 'merge-base', base, head], { okCodes: [1] })).stdout
      .toString('utf8')
      .trim();
    const count = async (range: string) =>
      Number(
        (await runGit(['--git-dir', dir, 'rev-list', '--count', range])).stdout.toString('utf8').trim(),
      ) || 0;
    const ahead = await count(`${base}..${head}`);
    const behind = await count(`${head}..${base}`);
    const people = await peopleByEmail(deps.pool);
    const commits =
      ahead > 0 ? (await logCommits(deps.git, repo, ['-n', '250', `${base}..${head}`])).reverse() : [];
    const files = mergeBase ? await diffFiles(deps.git, repo, mergeBase, head) : [];
    const baseCommit = await readCommit(deps.git, repo, base);
    const mergeBaseCommit = mergeBase ? await readCommit(deps.git, repo, mergeBase) : null;
    const full = `${repo.owner.login}/${repo.name}`;
    const u = urls(c);
    return c.json({
      url: `${u.api}/repos/${full}/compare/${baseRef}...${headRef}`,
      html_url: `${u.web}/${full}/compare/${baseRef}...${headRef}`,
      permalink_url: `${u.web}/${full}/compare/${repo.owner.login}:${base.slice(0, 7)}...${repo.owner.login}:${head.slice(0, 7)}`,
      diff_url: `${u.web}/${full}/compare/${baseRef}...${headRef}.diff`,
      patch_url: `${u.web}/${full}/compare/${baseRef}...${headRef}.patch`,
      base_commit: baseCommit ? repoCommit(u, repo, baseCommit, people) : null,
      merge_base_commit: mergeBaseCommit ? repoCommit(u, repo, mergeBaseCommit, people) : null,
      status:
        ahead === 0 && behind === 0
          ? 'identical'
          : behind === 0
            ? 'ahead'
            : ahead === 0
              ? 'behind'
              : 'diverged',
      ahead_by: ahead,
      behind_by: behind,
      total_commits: ahead,
      commits: commits.map((commit) => repoCommit(u, repo, commit, people)),
      files: files.map((f) => fileEntry(u, repo, head, f)),
    });
  });

  const statusesOf = async (repo: RepoRow, sha: string) => {
    const { rows } = await deps.pool.query<StatusRow>(
      `SELECT s.*, to_jsonb(a) AS creator FROM statuses s JOIN accounts a ON a.id = s.creator_id
       WHERE s.repo_id = $1 AND s.sha = $2 ORDER BY s.id DESC`,
      [repo.id, sha],
    );
    return rows;
  };

  app.post('/repos/:owner/:repo/statuses/:sha', async (c) => {
    const repo = await repoFor(c, deps, 'push');
    const body = bodyOf(
      c,
      'Status',
      z.object({
        state: z.enum(['error', 'failure', 'pending', 'success']),
        target_url: z.string().nullish(),
        description: z.string().nullish(),
        context: z.string().optional(),
      }),
    );
    const sha = c.req.param('sha');
    if (!(await readCommit(deps.git, repo, sha)))
      throw new GithubError(422, `No commit found for SHA: ${sha}`);
    const now = nowDate(deps);
    const { rows } = await deps.pool.query<{ id: number }>(
      `INSERT INTO statuses (repo_id, sha, state, context, description, target_url, creator_id, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
      [
        repo.id,
        sha,
        body.state,
        body.context ?? 'default',
        body.description ?? null,
        body.target_url ?? null,
        c.get('viewer').id,
        now,
      ],
    );
    const created = (await statusesOf(repo, sha)).find((s) => s.id === rows[0]?.id) as StatusRow;
    return c.json(statusView(c, repo, created), 201);
  });

  app.get('/repos/:owner/:repo/commits/:ref{.+}/statuses', async (c) => {
    const repo = await repoFor(c, deps);
    const sha = await revisionOf(repo, c.req.param('ref'));
    return c.json((await statusesOf(repo, sha)).map((s) => statusView(c, repo, s)));
  });

  app.get('/repos/:owner/:repo/commits/:ref{.+}/status', async (c) => {
    const repo = await repoFor(c, deps);
    const sha = await revisionOf(repo, c.req.param('ref'));
    const latest = new Map<string, StatusRow>();
    for (const s of await statusesOf(repo, sha)) if (!latest.has(s.context)) latest.set(s.context, s);
    const statuses = [...latest.values()];
    const full = `${repo.owner.login}/${repo.name}`;
    return c.json({
      state: combinedState(statuses.map((s) => s.state)),
      statuses: statuses.map((s) => statusView(c, repo, s)),
      sha,
      total_count: statuses.length,
      repository: repository(urls(c), repo),
      commit_url: `${c.get('api')}/repos/${full}/commits/${sha}`,
      url: `${c.get('api')}/repos/${full}/commits/${sha}/status`,
    });
  });

  const checkRunBody = z.object({
    name: z.string().optional(),
    head_sha: z.string().optional(),
    details_url: z.string().optional(),
    external_id: z.string().optional(),
    status: z.enum(['queued', 'in_progress', 'completed', 'waiting', 'requested', 'pending']).optional(),
    conclusion: z
      .enum([
        'action_required',
        'cancelled',
        'failure',
        'neutral',
        'success',
        'skipped',
        'stale',
        'timed_out',
      ])
      .optional(),
    started_at: z.string().optional(),
    completed_at: z.string().optional(),
    output: z
      .object({ title: z.string(), summary: z.string(), text: z.string().optional() })
      .passthrough()
      .optional(),
  });

  const checkRun = async (repo: RepoRow, id: number) => {
    const { rows } = await deps.pool.query<CheckRunRow>(
      'SELECT * FROM check_runs WHERE repo_id = $1 AND id = $2',
      [repo.id, id],
    );
    if (!rows[0]) throw notFound();
    return rows[0];
  };

  app.post('/repos/:owner/:repo/check-runs', async (c) => {
    const repo = await repoFor(c, deps, 'push');
    const body = bodyOf(c, 'CheckRun', checkRunBody.extend({ name: z.string(), head_sha: z.string() }));
    if (!(await readCommit(deps.git, repo, body.head_sha)))
      throw new GithubError(422, `No commit found for SHA: ${body.head_sha}`);
    const now = nowDate(deps);
    const status = body.conclusion ? 'completed' : (body.status ?? 'queued');
    const { rows } = await deps.pool.query<{ id: number }>(
      `INSERT INTO check_runs (repo_id, head_sha, name, status, conclusion, details_url, external_id, output, started_at, completed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
      [
        repo.id,
        body.head_sha,
        body.name,
        status,
        body.conclusion ?? null,
        body.details_url ?? null,
        body.external_id ?? null,
        body.output ?? {},
        body.started_at ? new Date(body.started_at) : now,
        status === 'completed' ? (body.completed_at ? new Date(body.completed_at) : now) : null,
      ],
    );
    return c.json(checkRunView(c, repo, await checkRun(repo, rows[0]?.id as number)), 201);
  });

  app.get('/repos/:owner/:repo/check-runs/:id', async (c) => {
    const repo = await repoFor(c, deps);
    return c.json(checkRunView(c, repo, await checkRun(repo, Number(c.req.param('id')) || 0)));
  });

  app.patch('/repos/:owner/:repo/check-runs/:id', async (c) => {
    const repo = await repoFor(c, deps, 'push');
    const run = await checkRun(repo, Number(c.req.param('id')) || 0);
    const body = bodyOf(c, 'CheckRun', checkRunBody);
    const status = body.conclusion ? 'completed' : (body.status ?? run.status);
    await deps.pool.query(
      `UPDATE check_runs SET name = $2, status = $3, conclusion = $4, details_url = $5, output = $6,
         completed_at = CASE WHEN $3 = 'completed' THEN COALESCE(completed_at, $7) END WHERE id = $1`,
      [
        run.id,
        body.name ?? run.name,
        status,
        body.conclusion ?? run.conclusion,
        body.details_url ?? run.details_url,
        body.output ?? run.output,
        nowDate(deps),
      ],
    );
    return c.json(checkRunView(c, repo, await checkRun(repo, run.id)));
  });

  app.get('/repos/:owner/:repo/commits/:ref{.+}/check-runs', async (c) => {
    const repo = await repoFor(c, deps);
    const sha = await revisionOf(repo, c.req.param('ref'));
    const { rows } = await deps.pool.query<CheckRunRow>(
      'SELECT * FROM check_runs WHERE repo_id = $1 AND head_sha = $2 ORDER BY id DESC',
      [repo.id, sha],
    );
    return c.json({ total_count: rows.length, check_runs: rows.map((r) => checkRunView(c, repo, r)) });
  });

  return app;
}
