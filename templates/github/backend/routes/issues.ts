import { Hono } from 'hono';
import { z } from 'zod';
import type { GithubDeps } from '../deps.js';
import { GithubError, notFound, validationFailed } from '../github-error.js';
import {
  assignable,
  labelIds,
  milestoneId,
  recordEvent,
  sendCommentHook,
  sendIssueHook,
} from '../issue-writes.js';
import { pageOf, setLink } from '../pagination.js';
import { iso, issue, issueComment, label, milestone, nodeId, simpleUser } from '../render.js';
import type { GithubEnv } from '../route-env.js';
import {
  type AccountRow,
  atLeast,
  COMMENT_SELECT,
  type CommentRow,
  findIssue,
  ISSUE_SELECT,
  type IssueRow,
  type LabelRow,
  MILESTONE_SELECT,
  type MilestoneRow,
  nextNumber,
  type RepoRow,
} from '../store.js';
import { bodyOf, type Ctx, nowDate, numberParam, repoFor, urls } from './common.js';

const stringOrNumberList = z.array(
  z
    .union([z.string(), z.object({ name: z.string() })])
    .transform((v) => (typeof v === 'string' ? v : v.name)),
);

const issueBody = z.object({
  title: z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string()),
  body: z.string().nullish(),
  assignee: z.string().nullish(),
  assignees: z.array(z.string()).optional(),
  labels: stringOrNumberList.optional(),
  milestone: z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]).nullish(),
  type: z.string().nullish(),
});

const ISSUE_SORTS: Record<string, string> = {
  created: 'i.created_at',
  updated: 'i.updated_at',
  comments: 'comments',
};

/**
 * The issue filters GitHub's list endpoints take (state, labels, assignee, creator,
 * milestone, since, sort, direction), as SQL over ISSUE_SELECT; parameters from $3 on.
 */
function issueFilters(c: Ctx, params: unknown[]): { where: string[]; order: string } {
  const where: string[] = [];
  const add = (clause: (n: string) => string, value: unknown) => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  const state = c.req.query('state') ?? 'open';
  if (state !== 'all') add((n) => `i.state = ${n}`, state);
  const labels = c.req.query('labels');
  if (labels)
    for (const name of labels
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean))
      add(
        (n) =>
          `EXISTS (SELECT 1 FROM issue_labels il JOIN labels l ON l.id = il.label_id WHERE il.issue_id = i.id AND lower(l.name) = lower(${n}))`,
        name,
      );
  const assignee = c.req.query('assignee');
  if (assignee === 'none')
    where.push('NOT EXISTS (SELECT 1 FROM issue_assignees ia WHERE ia.issue_id = i.id)');
  else if (assignee === '*') where.push('EXISTS (SELECT 1 FROM issue_assignees ia WHERE ia.issue_id = i.id)');
  else if (assignee)
    add(
      (n) =>
        `EXISTS (SELECT 1 FROM issue_assignees ia JOIN accounts a ON a.id = ia.user_id WHERE ia.issue_id = i.id AND lower(a.login) = lower(${n}))`,
      assignee,
    );
  const creator = c.req.query('creator');
  if (creator) add((n) => `lower(u.login) = lower(${n})`, creator);
  const mentioned = c.req.query('mentioned');
  if (mentioned) add((n) => `i.body ILIKE '%@' || ${n} || '%'`, mentioned);
  const ms = c.req.query('milestone');
  if (ms === 'none') where.push('i.milestone_id IS NULL');
  else if (ms === '*') where.push('i.milestone_id IS NOT NULL');
  else if (ms)
    add(
      (n) => `i.milestone_id = (SELECT id FROM milestones WHERE repo_id = i.repo_id AND number::text = ${n})`,
      ms,
    );
  const since = c.req.query('since');
  if (since && !Number.isNaN(Date.parse(since))) add((n) => `i.updated_at >= ${n}`, new Date(since));
  const sort = ISSUE_SORTS[c.req.query('sort') ?? 'created'] ?? 'i.created_at';
  const direction = c.req.query('direction') === 'asc' ? 'ASC' : 'DESC';
  return { where, order: `${sort} ${direction}, i.id ${direction}` };
}

export async function listIssues(
  c: Ctx,
  deps: GithubDeps,
  scope: string,
  scopeParams: unknown[],
  pullsOnly = false,
) {
  const params: unknown[] = [...scopeParams];
  const { where, order } = issueFilters(c, params);
  if (pullsOnly) where.push('i.is_pull');
  const page = pageOf(c);
  const clause = [scope, ...where].join(' AND ');
  const { rows: counted } = await deps.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM issues i JOIN accounts u ON u.id = i.user_id WHERE ${clause}`,
    params,
  );
  params.push(page.perPage, page.offset);
  const { rows } = await deps.pool.query<IssueRow>(
    `SELECT * FROM (${ISSUE_SELECT} WHERE ${clause}) i ORDER BY ${order.replace(/\bi\./g, 'i.')} LIMIT $${params.length - 1} OFFSET $${params.length}`,
    params,
  );
  setLink(c, page, counted[0]?.n ?? 0, c.get('api'));
  return rows;
}

export function issueRoutes(deps: GithubDeps) {
  const app = new Hono<GithubEnv>();
  const reposById = new Map<number, RepoRow>();
  void reposById;

  app.get('/repos/:owner/:repo/issues', async (c) => {
    const repo = await repoFor(c, deps);
    const rows = await listIssues(c, deps, 'i.repo_id = $1', [repo.id]);
    return c.json(rows.map((row) => issue(urls(c), repo, row)));
  });

  // The viewer's issues across repositories (assigned by default).
  const mine = async (c: Ctx, orgId: number | null) => {
    const viewer = c.get('viewer');
    const filter = c.req.query('filter') ?? 'assigned';
    const who =
      filter === 'created'
        ? 'i.user_id = $1'
        : filter === 'mentioned'
          ? "i.body ILIKE '%@' || (SELECT login FROM accounts WHERE id = $1) || '%'"
          : filter === 'all' || filter === 'repos' || filter === 'subscribed'
            ? 'TRUE'
            : 'EXISTS (SELECT 1 FROM issue_assignees ia WHERE ia.issue_id = i.id AND ia.user_id = $1)';
    const visible = `i.repo_id IN (SELECT r.id FROM repositories r WHERE ($2::bigint IS NULL OR r.owner_id = $2) AND (
        r.owner_id = $1 OR EXISTS (SELECT 1 FROM org_members m WHERE m.org_id = r.owner_id AND m.user_id = $1)
        OR EXISTS (SELECT 1 FROM collaborators k WHERE k.repo_id = r.id AND k.user_id = $1)))`;
    const rows = await listIssues(c, deps, `${who} AND ${visible}`, [viewer.id, orgId]);
    const { repoById } = await import('../store.js');
    const out = [];
    for (const row of rows) {
      const repo = await repoById(deps.pool, viewer.id, row.repo_id);
      if (repo)
        out.push({
          ...issue(urls(c), repo, row),
          repository: (await import('../render.js')).repository(urls(c), repo),
        });
    }
    return c.json(out);
  };
  app.get('/issues', (c) => mine(c, null));
  app.get('/user/issues', (c) => mine(c, null));
  app.get('/orgs/:org/issues', async (c) => {
    const { findAccount } = await import('../store.js');
    const org = await findAccount(deps.pool, c.req.param('org'));
    if (!org) throw notFound();
    return mine(c, org.id);
  });

  app.post('/repos/:owner/:repo/issues', async (c) => {
    const repo = await repoFor(c, deps);
    if (!repo.has_issues) throw new GithubError(410, 'Issues are disabled for this repo');
    const body = bodyOf(c, 'Issue', issueBody);
    const viewer = c.get('viewer');
    const writer = atLeast(repo.permission, 'triage');
    const now = nowDate(deps);
    const client = await deps.pool.connect();
    let number: number;
    try {
      await client.query('BEGIN');
      number = await nextNumber(client, repo.id);
      // Only people with triage access set labels, assignees and milestones; others' are dropped.
      const milestone = writer ? await milestoneId(client, repo, body.milestone ?? null) : null;
      const { rows } = await client.query<{ id: number }>(
        `INSERT INTO issues (repo_id, number, title, body, user_id, milestone_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
        [repo.id, number, body.title, body.body ?? null, viewer.id, milestone, now],
      );
      const id = rows[0]?.id as number;
      if (writer) {
        for (const labelId of await labelIds(client, repo, body.labels ?? []))
          await client.query('INSERT INTO issue_labels VALUES ($1, $2) ON CONFLICT DO NOTHING', [
            id,
            labelId,
          ]);
        const logins = [...(body.assignees ?? []), ...(body.assignee ? [body.assignee] : [])];
        for (const a of await assignable(client, repo, logins))
          await client.query('INSERT INTO issue_assignees VALUES ($1, $2) ON CONFLICT DO NOTHING', [
            id,
            a.id,
          ]);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    const row = await sendIssueHook(deps, repo, number, 'opened', viewer, urls(c));
    c.header('Location', `${c.get('api')}/repos/${repo.owner.login}/${repo.name}/issues/${number}`);
    return c.json(issue(urls(c), repo, row), 201);
  });

  app.get('/repos/:owner/:repo/issues/:number', async (c) => {
    const repo = await repoFor(c, deps);
    return c.json(issue(urls(c), repo, await findIssue(deps.pool, repo.id, numberParam(c))));
  });

  const updateBody = issueBody.partial().extend({
    state: z.enum(['open', 'closed']).optional(),
    state_reason: z.enum(['completed', 'not_planned', 'reopened', 'duplicate']).nullish(),
  });

  app.patch('/repos/:owner/:repo/issues/:number', async (c) => {
    const repo = await repoFor(c, deps);
    const row = await findIssue(deps.pool, repo.id, numberParam(c));
    const viewer = c.get('viewer');
    if (!atLeast(repo.permission, 'triage') && row.user.id !== viewer.id)
      throw new GithubError(403, 'Must have admin rights to Repository.');
    const body = bodyOf(c, 'Issue', updateBody);
    const result = await updateIssue(c, deps, repo, row, body);
    return c.json(issue(urls(c), repo, result));
  });

  app.put('/repos/:owner/:repo/issues/:number/lock', async (c) => {
    const repo = await repoFor(c, deps, 'triage');
    const row = await findIssue(deps.pool, repo.id, numberParam(c));
    const { lock_reason } = bodyOf(
      c,
      'Issue',
      z.object({ lock_reason: z.enum(['off-topic', 'too heated', 'resolved', 'spam']).optional() }),
    );
    await deps.pool.query('UPDATE issues SET locked = true, active_lock_reason = $2 WHERE id = $1', [
      row.id,
      lock_reason ?? null,
    ]);
    await recordEvent(deps.pool, row.id, c.get('viewer').id, 'locked', nowDate(deps), {
      lock_reason: lock_reason ?? null,
    });
    return c.body(null, 204);
  });
  app.delete('/repos/:owner/:repo/issues/:number/lock', async (c) => {
    const repo = await repoFor(c, deps, 'triage');
    const row = await findIssue(deps.pool, repo.id, numberParam(c));
    await deps.pool.query('UPDATE issues SET locked = false, active_lock_reason = NULL WHERE id = $1', [
      row.id,
    ]);
    await recordEvent(deps.pool, row.id, c.get('viewer').id, 'unlocked', nowDate(deps));
    return c.body(null, 204);
  });

  // Comments.
  const commentsOf = async (c: Ctx, where: string, params: unknown[]) => {
    const page = pageOf(c);
    const since = c.req.query('since');
    const all = params.slice();
    let clause = where;
    if (since && !Number.isNaN(Date.parse(since))) {
      all.push(new Date(since));
      clause += ` AND c.updated_at >= $${all.length}`;
    }
    const { rows } = await deps.pool.query<CommentRow>(
      `${COMMENT_SELECT} WHERE ${clause} ORDER BY c.id`,
      all,
    );
    setLink(c, page, rows.length, c.get('api'));
    return rows.slice(page.offset, page.offset + page.perPage);
  };

  app.get('/repos/:owner/:repo/issues/comments', async (c) => {
    const repo = await repoFor(c, deps);
    return c.json(
      (await commentsOf(c, 'i.repo_id = $1', [repo.id])).map((cm) => issueComment(urls(c), repo, cm)),
    );
  });

  const comment = async (repo: RepoRow, id: string) => {
    if (!/^\d{1,15}$/.test(id)) throw notFound();
    const { rows } = await deps.pool.query<CommentRow>(
      `${COMMENT_SELECT} WHERE c.id = $1 AND i.repo_id = $2`,
      [Number(id), repo.id],
    );
    if (!rows[0]) throw notFound();
    return rows[0];
  };

  app.get('/repos/:owner/:repo/issues/comments/:id', async (c) => {
    const repo = await repoFor(c, deps);
    return c.json(issueComment(urls(c), repo, await comment(repo, c.req.param('id'))));
  });
  app.patch('/repos/:owner/:repo/issues/comments/:id', async (c) => {
    const repo = await repoFor(c, deps);
    const existing = await comment(repo, c.req.param('id'));
    if (existing.user.id !== c.get('viewer').id && !atLeast(repo.permission, 'triage'))
      throw new GithubError(403, 'Must have admin rights to Repository.');
    const { body } = bodyOf(c, 'IssueComment', z.object({ body: z.string() }));
    await deps.pool.query('UPDATE comments SET body = $2, updated_at = $3 WHERE id = $1', [
      existing.id,
      body,
      nowDate(deps),
    ]);
    await sendCommentHook(deps, repo, existing.id, 'edited', c.get('viewer'), urls(c));
    return c.json(issueComment(urls(c), repo, await comment(repo, String(existing.id))));
  });
  app.delete('/repos/:owner/:repo/issues/comments/:id', async (c) => {
    const repo = await repoFor(c, deps);
    const existing = await comment(repo, c.req.param('id'));
    if (existing.user.id !== c.get('viewer').id && !atLeast(repo.permission, 'triage'))
      throw new GithubError(403, 'Must have admin rights to Repository.');
    await deps.pool.query('DELETE FROM comments WHERE id = $1', [existing.id]);
    await sendCommentHook(deps, repo, existing.id, 'deleted', c.get('viewer'), urls(c), existing);
    return c.body(null, 204);
  });

  app.get('/repos/:owner/:repo/issues/:number/comments', async (c) => {
    const repo = await repoFor(c, deps);
    const row = await findIssue(deps.pool, repo.id, numberParam(c));
    return c.json(
      (await commentsOf(c, 'c.issue_id = $1', [row.id])).map((cm) => issueComment(urls(c), repo, cm)),
    );
  });

  app.post('/repos/:owner/:repo/issues/:number/comments', async (c) => {
    const repo = await repoFor(c, deps);
    const row = await findIssue(deps.pool, repo.id, numberParam(c));
    const viewer = c.get('viewer');
    if (row.locked && !atLeast(repo.permission, 'push'))
      throw new GithubError(403, 'Unable to create comment because issue is locked.');
    const { body } = bodyOf(c, 'IssueComment', z.object({ body: z.string() }));
    const now = nowDate(deps);
    const { rows } = await deps.pool.query<{ id: number }>(
      'INSERT INTO comments (issue_id, user_id, body, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING id',
      [row.id, viewer.id, body, now],
    );
    await deps.pool.query('UPDATE issues SET updated_at = $2 WHERE id = $1', [row.id, now]);
    const id = rows[0]?.id as number;
    await sendCommentHook(deps, repo, id, 'created', viewer, urls(c));
    return c.json(issueComment(urls(c), repo, await comment(repo, String(id))), 201);
  });

  // Labels.
  const labelsOf = async (repoId: number) =>
    (
      await deps.pool.query<LabelRow>('SELECT * FROM labels WHERE repo_id = $1 ORDER BY lower(name)', [
        repoId,
      ])
    ).rows;
  const labelNamed = async (repo: RepoRow, name: string) => {
    const found = (await labelsOf(repo.id)).find((l) => l.name.toLowerCase() === name.toLowerCase());
    if (!found) throw notFound();
    return found;
  };

  app.get('/repos/:owner/:repo/labels', async (c) => {
    const repo = await repoFor(c, deps);
    const all = (await labelsOf(repo.id)).map((l) => label(urls(c), repo, l));
    const page = pageOf(c);
    setLink(c, page, all.length, c.get('api'));
    return c.json(all.slice(page.offset, page.offset + page.perPage));
  });
  const labelBody = z.object({
    name: z.string().min(1),
    color: z
      .string()
      .regex(/^#?[0-9a-fA-F]{6}$/)
      .optional(),
    description: z.string().nullish(),
  });
  app.post('/repos/:owner/:repo/labels', async (c) => {
    const repo = await repoFor(c, deps, 'push');
    const body = bodyOf(c, 'Label', labelBody);
    if ((await labelsOf(repo.id)).some((l) => l.name.toLowerCase() === body.name.toLowerCase()))
      throw validationFailed({ resource: 'Label', code: 'already_exists', field: 'name' });
    await deps.pool.query('INSERT INTO labels (repo_id, name, color, description) VALUES ($1, $2, $3, $4)', [
      repo.id,
      body.name,
      (body.color ?? 'ededed').replace('#', '').toLowerCase(),
      body.description ?? null,
    ]);
    return c.json(label(urls(c), repo, await labelNamed(repo, body.name)), 201);
  });
  app.get('/repos/:owner/:repo/labels/:name', async (c) => {
    const repo = await repoFor(c, deps);
    return c.json(label(urls(c), repo, await labelNamed(repo, c.req.param('name'))));
  });
  app.patch('/repos/:owner/:repo/labels/:name', async (c) => {
    const repo = await repoFor(c, deps, 'push');
    const existing = await labelNamed(repo, c.req.param('name'));
    const body = bodyOf(c, 'Label', labelBody.partial().extend({ new_name: z.string().optional() }));
    const name = body.new_name ?? body.name ?? existing.name;
    await deps.pool.query('UPDATE labels SET name = $2, color = $3, description = $4 WHERE id = $1', [
      existing.id,
      name,
      (body.color ?? existing.color).replace('#', '').toLowerCase(),
      body.description === undefined ? existing.description : body.description,
    ]);
    return c.json(label(urls(c), repo, await labelNamed(repo, name)));
  });
  app.delete('/repos/:owner/:repo/labels/:name', async (c) => {
    const repo = await repoFor(c, deps, 'push');
    const existing = await labelNamed(repo, c.req.param('name'));
    await deps.pool.query('DELETE FROM labels WHERE id = $1', [existing.id]);
    return c.body(null, 204);
  });

  const issueLabels = async (c: Ctx, repo: RepoRow, number: number) =>
    c.json((await findIssue(deps.pool, repo.id, number)).labels.map((l) => label(urls(c), repo, l)));
  const labelNames = (c: Ctx) => {
    const body = c.get('body') as { labels?: unknown } | unknown[];
    const parsed = z
      .union([stringOrNumberList, z.object({ labels: stringOrNumberList })])
      .safeParse(Array.isArray(body) ? body : body);
    if (!parsed.success) throw validationFailed({ resource: 'Label', field: 'labels', code: 'invalid' });
    return Array.isArray(parsed.data) ? parsed.data : parsed.data.labels;
  };
  app.get('/repos/:owner/:repo/issues/:number/labels', async (c) =>
    issueLabels(c, await repoFor(c, deps), numberParam(c)),
  );
  const setLabels = async (c: Ctx, replace: boolean) => {
    const repo = await repoFor(c, deps, 'triage');
    const row = await findIssue(deps.pool, repo.id, numberParam(c));
    const ids = await labelIds(deps.pool, repo, labelNames(c));
    if (replace) await deps.pool.query('DELETE FROM issue_labels WHERE issue_id = $1', [row.id]);
    for (const id of ids) {
      const { rowCount } = await deps.pool.query(
        'INSERT INTO issue_labels VALUES ($1, $2) ON CONFLICT DO NOTHING',
        [row.id, id],
      );
      if (rowCount)
        await recordEvent(deps.pool, row.id, c.get('viewer').id, 'labeled', nowDate(deps), { label_id: id });
    }
    if (ids.length > 0) await sendIssueHook(deps, repo, row.number, 'labeled', c.get('viewer'), urls(c));
    return issueLabels(c, repo, row.number);
  };
  app.post('/repos/:owner/:repo/issues/:number/labels', (c) => setLabels(c, false));
  app.put('/repos/:owner/:repo/issues/:number/labels', (c) => setLabels(c, true));
  app.delete('/repos/:owner/:repo/issues/:number/labels', async (c) => {
    const repo = await repoFor(c, deps, 'triage');
    const row = await findIssue(deps.pool, repo.id, numberParam(c));
    await deps.pool.query('DELETE FROM issue_labels WHERE issue_id = $1', [row.id]);
    return c.body(null, 204);
  });
  app.delete('/repos/:owner/:repo/issues/:number/labels/:name', async (c) => {
    const repo = await repoFor(c, deps, 'triage');
    const row = await findIssue(deps.pool, repo.id, numberParam(c));
    const existing = row.labels.find((l) => l.name.toLowerCase() === c.req.param('name').toLowerCase());
    if (!existing) throw new GithubError(404, 'Label does not exist');
    await deps.pool.query('DELETE FROM issue_labels WHERE issue_id = $1 AND label_id = $2', [
      row.id,
      existing.id,
    ]);
    await recordEvent(deps.pool, row.id, c.get('viewer').id, 'unlabeled', nowDate(deps), {
      label_id: existing.id,
    });
    await sendIssueHook(deps, repo, row.number, 'unlabeled', c.get('viewer'), urls(c));
    return issueLabels(c, repo, row.number);
  });

  // Assignees.
  app.get('/repos/:owner/:repo/assignees', async (c) => {
    const repo = await repoFor(c, deps);
    const { rows } = await deps.pool.query<AccountRow>(
      `SELECT a.* FROM accounts a WHERE a.type <> 'Organization' AND (a.id = $2
         OR EXISTS (SELECT 1 FROM org_members m WHERE m.org_id = $2 AND m.user_id = a.id)
         OR EXISTS (SELECT 1 FROM collaborators k WHERE k.repo_id = $1 AND k.user_id = a.id)) ORDER BY lower(a.login)`,
      [repo.id, repo.owner_id],
    );
    const page = pageOf(c);
    setLink(c, page, rows.length, c.get('api'));
    return c.json(rows.slice(page.offset, page.offset + page.perPage).map((a) => simpleUser(urls(c), a)));
  });
  const assignees = async (c: Ctx, adding: boolean) => {
    const repo = await repoFor(c, deps, 'triage');
    const row = await findIssue(deps.pool, repo.id, numberParam(c));
    const { assignees: logins } = bodyOf(c, 'Issue', z.object({ assignees: z.array(z.string()) }));
    for (const a of await assignable(deps.pool, repo, logins)) {
      if (adding)
        await deps.pool.query('INSERT INTO issue_assignees VALUES ($1, $2) ON CONFLICT DO NOTHING', [
          row.id,
          a.id,
        ]);
      else
        await deps.pool.query('DELETE FROM issue_assignees WHERE issue_id = $1 AND user_id = $2', [
          row.id,
          a.id,
        ]);
      await recordEvent(
        deps.pool,
        row.id,
        c.get('viewer').id,
        adding ? 'assigned' : 'unassigned',
        nowDate(deps),
        { assignee_id: a.id },
      );
    }
    const updated = await sendIssueHook(
      deps,
      repo,
      row.number,
      adding ? 'assigned' : 'unassigned',
      c.get('viewer'),
      urls(c),
    );
    return c.json(issue(urls(c), repo, updated), adding ? 201 : 200);
  };
  app.post('/repos/:owner/:repo/issues/:number/assignees', (c) => assignees(c, true));
  app.delete('/repos/:owner/:repo/issues/:number/assignees', (c) => assignees(c, false));

  // Milestones.
  const milestonesOf = async (repoId: number, extra = '', params: unknown[] = []) =>
    (
      await deps.pool.query<MilestoneRow>(
        `${MILESTONE_SELECT} WHERE m.repo_id = $1 ${extra} ORDER BY m.due_on NULLS LAST, m.number`,
        [repoId, ...params],
      )
    ).rows;
  const milestoneNumbered = async (repo: RepoRow, number: number) => {
    const [found] = await milestonesOf(repo.id, 'AND m.number = $2', [number]);
    if (!found) throw notFound();
    return found;
  };
  app.get('/repos/:owner/:repo/milestones', async (c) => {
    const repo = await repoFor(c, deps);
    const state = c.req.query('state') ?? 'open';
    const list = (await milestonesOf(repo.id)).filter((m) => state === 'all' || m.state === state);
    const page = pageOf(c);
    setLink(c, page, list.length, c.get('api'));
    return c.json(
      list.slice(page.offset, page.offset + page.perPage).map((m) => milestone(urls(c), repo, m)),
    );
  });
  const milestoneBody = z.object({
    title: z.string().min(1),
    state: z.enum(['open', 'closed']).optional(),
    description: z.string().nullish(),
    due_on: z.string().nullish(),
  });
  app.post('/repos/:owner/:repo/milestones', async (c) => {
    const repo = await repoFor(c, deps, 'push');
    const body = bodyOf(c, 'Milestone', milestoneBody);
    if ((await milestonesOf(repo.id)).some((m) => m.title === body.title))
      throw validationFailed({ resource: 'Milestone', code: 'already_exists', field: 'title' });
    const now = nowDate(deps);
    const { rows } = await deps.pool.query<{ number: number }>(
      `INSERT INTO milestones (repo_id, number, title, description, state, due_on, creator_id, created_at, updated_at, closed_at)
       VALUES ($1, (SELECT COALESCE(max(number), 0) + 1 FROM milestones WHERE repo_id = $1), $2, $3, $4, $5, $6, $7, $7, $8) RETURNING number`,
      [
        repo.id,
        body.title,
        body.description ?? null,
        body.state ?? 'open',
        body.due_on ? new Date(body.due_on) : null,
        c.get('viewer').id,
        now,
        body.state === 'closed' ? now : null,
      ],
    );
    return c.json(milestone(urls(c), repo, await milestoneNumbered(repo, rows[0]?.number as number)), 201);
  });
  app.get('/repos/:owner/:repo/milestones/:number', async (c) => {
    const repo = await repoFor(c, deps);
    return c.json(milestone(urls(c), repo, await milestoneNumbered(repo, numberParam(c))));
  });
  app.patch('/repos/:owner/:repo/milestones/:number', async (c) => {
    const repo = await repoFor(c, deps, 'push');
    const existing = await milestoneNumbered(repo, numberParam(c));
    const body = bodyOf(c, 'Milestone', milestoneBody.partial());
    const now = nowDate(deps);
    const state = body.state ?? existing.state;
    await deps.pool.query(
      'UPDATE milestones SET title = $2, description = $3, state = $4, due_on = $5, updated_at = $6, closed_at = $7 WHERE id = $1',
      [
        existing.id,
        body.title ?? existing.title,
        body.description === undefined ? existing.description : body.description,
        state,
        body.due_on === undefined ? existing.due_on : body.due_on ? new Date(body.due_on) : null,
        now,
        state === 'closed' ? (existing.closed_at ?? now) : null,
      ],
    );
    return c.json(milestone(urls(c), repo, await milestoneNumbered(repo, existing.number)));
  });
  app.delete('/repos/:owner/:repo/milestones/:number', async (c) => {
    const repo = await repoFor(c, deps, 'push');
    const existing = await milestoneNumbered(repo, numberParam(c));
    await deps.pool.query('DELETE FROM milestones WHERE id = $1', [existing.id]);
    return c.body(null, 204);
  });

  // Events and the timeline (events and comments, oldest first).
  interface EventRow {
    id: number;
    event: string;
    data: Record<string, unknown>;
    created_at: Date;
    actor: AccountRow | null;
  }
  const eventsOf = async (issueId: number) =>
    (
      await deps.pool.query<EventRow>(
        'SELECT e.*, to_jsonb(a) AS actor FROM issue_events e LEFT JOIN accounts a ON a.id = e.actor_id WHERE e.issue_id = $1 ORDER BY e.created_at, e.id',
        [issueId],
      )
    ).rows;
  const eventView = (c: Ctx, repo: RepoRow, e: EventRow) => ({
    id: e.id,
    node_id: nodeId(`${e.event[0]?.toUpperCase()}${e.event.slice(1)}Event`, e.id),
    url: `${c.get('api')}/repos/${repo.owner.login}/${repo.name}/issues/events/${e.id}`,
    actor: e.actor ? simpleUser(urls(c), e.actor) : null,
    event: e.event,
    commit_id: (e.data.commit_id as string | undefined) ?? null,
    commit_url: e.data.commit_id
      ? `${c.get('api')}/repos/${repo.owner.login}/${repo.name}/commits/${e.data.commit_id}`
      : null,
    created_at: iso(e.created_at),
    performed_via_github_app: null,
  });
  app.get('/repos/:owner/:repo/issues/:number/events', async (c) => {
    const repo = await repoFor(c, deps);
    const row = await findIssue(deps.pool, repo.id, numberParam(c));
    return c.json((await eventsOf(row.id)).map((e) => eventView(c, repo, e)));
  });
  app.get('/repos/:owner/:repo/issues/:number/timeline', async (c) => {
    const repo = await repoFor(c, deps);
    const row = await findIssue(deps.pool, repo.id, numberParam(c));
    const events = (await eventsOf(row.id)).map((e) => ({
      at: e.created_at,
      item: eventView(c, repo, e) as Record<string, unknown>,
    }));
    const { rows: comments } = await deps.pool.query<CommentRow>(`${COMMENT_SELECT} WHERE c.issue_id = $1`, [
      row.id,
    ]);
    const items = [
      ...events,
      ...comments.map((cm) => ({
        at: cm.created_at,
        item: { event: 'commented', actor: simpleUser(urls(c), cm.user), ...issueComment(urls(c), repo, cm) },
      })),
    ].sort((a, b) => new Date(a.at).getTime() - new Date(b.at).getTime());
    const page = pageOf(c);
    setLink(c, page, items.length, c.get('api'));
    return c.json(items.slice(page.offset, page.offset + page.perPage).map((entry) => entry.item));
  });

  return app;
}

/** PATCH of an issue or pull request (shared with the pulls routes and GraphQL). */
export async function updateIssue(
  c: Ctx,
  deps: GithubDeps,
  repo: RepoRow,
  row: IssueRow,
  body: {
    title?: string | undefined;
    body?: string | null | undefined;
    state?: 'open' | 'closed' | undefined;
    state_reason?: string | null | undefined;
    assignees?: string[] | undefined;
    assignee?: string | null | undefined;
    labels?: string[] | undefined;
    milestone?: number | null | undefined;
  },
): Promise<IssueRow> {
  const viewer = c.get('viewer');
  const now = nowDate(deps);
  const writer = atLeast(repo.permission, 'triage');
  const actions: string[] = [];
  const client = await deps.pool.connect();
  try {
    await client.query('BEGIN');
    if (body.title !== undefined || body.body !== undefined) {
      await client.query('UPDATE issues SET title = $2, body = $3 WHERE id = $1', [
        row.id,
        body.title ?? row.title,
        body.body === undefined ? row.body : body.body,
      ]);
      actions.push('edited');
    }
    if (body.state !== undefined && body.state !== row.state) {
      if (body.state === 'closed') {
        if (row.merged_at) throw new GithubError(422, 'Pull request is already merged');
        await client.query(
          "UPDATE issues SET state = 'closed', closed_at = $2, closed_by_id = $3, state_reason = $4 WHERE id = $1",
          [row.id, now, viewer.id, row.is_pull ? null : (body.state_reason ?? 'completed')],
        );
        await recordEvent(client, row.id, viewer.id, 'closed', now);
        actions.push('closed');
      } else {
        if (row.merged_at)
          throw new GithubError(422, 'state cannot be changed. The pull request cannot be reopened.');
        await client.query(
          "UPDATE issues SET state = 'open', closed_at = NULL, closed_by_id = NULL, state_reason = $2 WHERE id = $1",
          [row.id, row.is_pull ? null : 'reopened'],
        );
        await recordEvent(client, row.id, viewer.id, 'reopened', now);
        actions.push('reopened');
      }
    } else if (body.state_reason !== undefined && row.state === 'closed' && !row.is_pull) {
      await client.query('UPDATE issues SET state_reason = $2 WHERE id = $1', [row.id, body.state_reason]);
    }
    if (writer && body.milestone !== undefined) {
      await client.query('UPDATE issues SET milestone_id = $2 WHERE id = $1', [
        row.id,
        await milestoneId(client, repo, body.milestone),
      ]);
      actions.push(body.milestone === null ? 'demilestoned' : 'milestoned');
    }
    if (writer && body.labels !== undefined) {
      await client.query('DELETE FROM issue_labels WHERE issue_id = $1', [row.id]);
      for (const id of await labelIds(client, repo, body.labels))
        await client.query('INSERT INTO issue_labels VALUES ($1, $2) ON CONFLICT DO NOTHING', [row.id, id]);
      actions.push('labeled');
    }
    const logins =
      body.assignees ??
      (body.assignee === undefined ? undefined : body.assignee === null ? [] : [body.assignee]);
    if (writer && logins !== undefined) {
      await client.query('DELETE FROM issue_assignees WHERE issue_id = $1', [row.id]);
      for (const a of await assignable(client, repo, logins))
        await client.query('INSERT INTO issue_assignees VALUES ($1, $2) ON CONFLICT DO NOTHING', [
          row.id,
          a.id,
        ]);
      actions.push('assigned');
    }
    await client.query('UPDATE issues SET updated_at = $2 WHERE id = $1', [row.id, now]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  let result = await findIssue(deps.pool, repo.id, row.number);
  for (const action of actions) result = await sendIssueHook(deps, repo, row.number, action, viewer, urls(c));
  return result;
}
