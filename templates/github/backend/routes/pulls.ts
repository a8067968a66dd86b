import { Hono } from 'hono';
import { z } from 'zod';
import type { GithubDeps } from '../deps.js';
import { logCommits, resolveRevision } from '../git/commits.js';
import { runGit } from '../git/git-process.js';
import { GithubError, notFound, validationFailed } from '../github-error.js';
import { recordEvent, sendIssueHook } from '../issue-writes.js';
import { type MergeMethod, mergePull } from '../merge.js';
import { pageList, pageOf, setLink } from '../pagination.js';
import { peopleByEmail } from '../people.js';
import { iso, nodeId, repository, simpleUser, type Urls } from '../render.js';
import { fileEntry, repoCommit } from '../render-git.js';
import { pullFiles, pullRange, renderPull } from '../render-pull.js';
import type { GithubEnv } from '../route-env.js';
import {
  type AccountRow,
  atLeast,
  findPull,
  type IssueRow,
  nextNumber,
  type RepoRow,
  refSha,
} from '../store.js';
import { bodyOf, type Ctx, nowDate, numberParam, repoFor, urls } from './common.js';
import { listIssues, updateIssue } from './issues.js';

interface ReviewRow {
  id: number;
  pull_id: number;
  state: string;
  body: string;
  commit_id: string;
  submitted_at: Date | null;
  user: AccountRow;
  author_association: string;
}

interface ReviewCommentRow {
  id: number;
  pull_id: number;
  review_id: number | null;
  body: string;
  path: string;
  line: number | null;
  side: string;
  commit_id: string;
  in_reply_to_id: number | null;
  created_at: Date;
  updated_at: Date;
  user: AccountRow;
  author_association: string;
}

const REVIEW_SELECT = `SELECT r.*, to_jsonb(a) AS user, author_association(i.repo_id, r.user_id) AS author_association
  FROM reviews r JOIN accounts a ON a.id = r.user_id JOIN pulls p ON p.id = r.pull_id JOIN issues i ON i.id = p.issue_id`;
const REVIEW_COMMENT_SELECT = `SELECT rc.*, to_jsonb(a) AS user, author_association(i.repo_id, rc.user_id) AS author_association
  FROM review_comments rc JOIN accounts a ON a.id = rc.user_id JOIN pulls p ON p.id = rc.pull_id JOIN issues i ON i.id = p.issue_id`;

export function reviewView(u: Urls, repo: RepoRow, number: number, r: ReviewRow) {
  const full = `${repo.owner.login}/${repo.name}`;
  const html = `${u.web}/${full}/pull/${number}#pullrequestreview-${r.id}`;
  const pullUrl = `${u.api}/repos/${full}/pulls/${number}`;
  return {
    id: r.id,
    node_id: nodeId('PullRequestReview', r.id),
    user: simpleUser(u, r.user),
    body: r.body,
    state: r.state,
    html_url: html,
    pull_request_url: pullUrl,
    _links: { html: { href: html }, pull_request: { href: pullUrl } },
    submitted_at: iso(r.submitted_at),
    commit_id: r.commit_id,
    author_association: r.author_association,
  };
}

export function reviewCommentView(u: Urls, repo: RepoRow, number: number, rc: ReviewCommentRow) {
  const full = `${repo.owner.login}/${repo.name}`;
  const url = `${u.api}/repos/${full}/pulls/comments/${rc.id}`;
  const html = `${u.web}/${full}/pull/${number}#discussion_r${rc.id}`;
  const pullUrl = `${u.api}/repos/${full}/pulls/${number}`;
  return {
    url,
    pull_request_review_id: rc.review_id,
    id: rc.id,
    node_id: nodeId('PullRequestReviewComment', rc.id),
    diff_hunk: `@@ -${rc.line ?? 1} +${rc.line ?? 1} @@`,
    path: rc.path,
    position: rc.line,
    original_position: rc.line,
    commit_id: rc.commit_id,
    original_commit_id: rc.commit_id,
    in_reply_to_id: rc.in_reply_to_id,
    user: simpleUser(u, rc.user),
    body: rc.body,
    created_at: iso(rc.created_at),
    updated_at: iso(rc.updated_at),
    html_url: html,
    pull_request_url: pullUrl,
    author_association: rc.author_association,
    _links: { self: { href: url }, html: { href: html }, pull_request: { href: pullUrl } },
    start_line: null,
    original_start_line: null,
    start_side: null,
    line: rc.line,
    original_line: rc.line,
    side: rc.side,
    subject_type: 'line',
  };
}

const createPullBody = z.object({
  title: z.string().optional(),
  head: z.string(),
  base: z.string(),
  body: z.string().nullish(),
  draft: z.boolean().optional(),
  maintainer_can_modify: z.boolean().optional(),
  issue: z.number().int().optional(),
  head_repo: z.string().optional(),
});

/**
 * Opens a pull request from `head` (a branch of the repository, `owner:branch` allowed)
 * into `base`: a new issue number, a `refs/pull/<n>/head` ref, the `opened` webhook.
 */
export async function createPull(
  c: Ctx,
  deps: GithubDeps,
  repo: RepoRow,
  input: z.infer<typeof createPullBody>,
): Promise<IssueRow> {
  const viewer = c.get('viewer');
  const head = input.head.includes(':') ? input.head.slice(input.head.indexOf(':') + 1) : input.head;
  const headSha = await refSha(deps.pool, repo.id, `refs/heads/${head}`);
  const baseSha = await refSha(deps.pool, repo.id, `refs/heads/${input.base}`);
  if (!headSha) throw validationFailed({ resource: 'PullRequest', field: 'head', code: 'invalid' });
  if (!baseSha) throw validationFailed({ resource: 'PullRequest', field: 'base', code: 'invalid' });
  if (!input.title && !input.issue)
    throw validationFailed({ resource: 'PullRequest', field: 'title', code: 'missing_field' });
  const dir = await deps.git.ensure(repo);
  const ahead = Number(
    (await runGit(['--git-dir', dir, 'rev-list', '--count', `${baseSha}..${headSha}`])).stdout
      .toString('utf8')
      .trim(),
  );
  if (ahead === 0)
    throw validationFailed({
      resource: 'PullRequest',
      code: 'custom',
      message: `No commits between ${input.base} and ${head}`,
    });
  const { rows: existing } = await deps.pool.query(
    "SELECT 1 FROM pulls p JOIN issues i ON i.id = p.issue_id WHERE i.repo_id = $1 AND p.head_ref = $2 AND p.base_ref = $3 AND i.state = 'open'",
    [repo.id, head, input.base],
  );
  if (existing.length > 0)
    throw validationFailed({
      resource: 'PullRequest',
      code: 'custom',
      message: `A pull request already exists for ${repo.owner.login}:${head}.`,
    });
  const now = nowDate(deps);
  const client = await deps.pool.connect();
  let number: number;
  try {
    await client.query('BEGIN');
    number = await nextNumber(client, repo.id);
    const { rows } = await client.query<{ id: number }>(
      `INSERT INTO issues (repo_id, number, title, body, user_id, is_pull, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, true, $6, $6) RETURNING id`,
      [repo.id, number, input.title ?? head, input.body ?? null, viewer.id, now],
    );
    await client.query(
      'INSERT INTO pulls (issue_id, head_ref, head_sha, base_ref, draft, maintainer_can_modify) VALUES ($1, $2, $3, $4, $5, $6)',
      [rows[0]?.id, head, headSha, input.base, input.draft === true, input.maintainer_can_modify === true],
    );
    await client.query(
      'INSERT INTO git_refs (repo_id, name, sha) VALUES ($1, $2, $3) ON CONFLICT (repo_id, name) DO UPDATE SET sha = EXCLUDED.sha',
      [repo.id, `refs/pull/${number}/head`, headSha],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  deps.git.invalidate(repo.id);
  return sendIssueHook(deps, repo, number, 'opened', viewer, urls(c));
}

export function pullRoutes(deps: GithubDeps) {
  const app = new Hono<GithubEnv>();

  app.get('/repos/:owner/:repo/pulls', async (c) => {
    const repo = await repoFor(c, deps);
    const params: unknown[] = [repo.id];
    let scope = 'i.repo_id = $1 AND i.is_pull';
    const head = c.req.query('head');
    if (head) {
      params.push(head.includes(':') ? head.slice(head.indexOf(':') + 1) : head);
      scope += ` AND EXISTS (SELECT 1 FROM pulls p2 WHERE p2.issue_id = i.id AND p2.head_ref = $${params.length})`;
    }
    const base = c.req.query('base');
    if (base) {
      params.push(base);
      scope += ` AND EXISTS (SELECT 1 FROM pulls p2 WHERE p2.issue_id = i.id AND p2.base_ref = $${params.length})`;
    }
    const rows = await listIssues(c, deps, scope, params, true);
    const out = [];
    for (const row of rows) out.push(await renderPull(deps, urls(c), repo, row, false));
    return c.json(out);
  });

  app.post('/repos/:owner/:repo/pulls', async (c) => {
    const repo = await repoFor(c, deps, 'push');
    const row = await createPull(c, deps, repo, bodyOf(c, 'PullRequest', createPullBody));
    return c.json(await renderPull(deps, urls(c), repo, row, true), 201);
  });

  app.get('/repos/:owner/:repo/pulls/:number', async (c) => {
    const repo = await repoFor(c, deps);
    const row = await findPull(deps.pool, repo.id, numberParam(c));
    const accept = c.req.header('accept') ?? '';
    if (accept.includes('diff') || accept.includes('patch')) {
      const { base, head } = await pullRange(deps, repo, row);
      const out = await deps.git.git(repo, [
        'diff',
        base ?? '4b825dc642cb6eb9a060e54bf8d69288fbee4904',
        head,
      ]);
      return c.body(out.toString('utf8'), 200, { 'Content-Type': 'text/plain; charset=utf-8' });
    }
    return c.json(await renderPull(deps, urls(c), repo, row, true));
  });

  app.patch('/repos/:owner/:repo/pulls/:number', async (c) => {
    const repo = await repoFor(c, deps);
    const row = await findPull(deps.pool, repo.id, numberParam(c));
    if (!atLeast(repo.permission, 'push') && row.user.id !== c.get('viewer').id)
      throw new GithubError(403, 'Must have admin rights to Repository.');
    const body = bodyOf(
      c,
      'PullRequest',
      z.object({
        title: z.string().optional(),
        body: z.string().nullish(),
        state: z.enum(['open', 'closed']).optional(),
        base: z.string().optional(),
        maintainer_can_modify: z.boolean().optional(),
      }),
    );
    if (body.base !== undefined) {
      if (!(await refSha(deps.pool, repo.id, `refs/heads/${body.base}`)))
        throw validationFailed({ resource: 'PullRequest', field: 'base', code: 'invalid' });
      await deps.pool.query('UPDATE pulls SET base_ref = $2 WHERE id = $1', [row.pull_id, body.base]);
    }
    if (body.maintainer_can_modify !== undefined)
      await deps.pool.query('UPDATE pulls SET maintainer_can_modify = $2 WHERE id = $1', [
        row.pull_id,
        body.maintainer_can_modify,
      ]);
    const updated = await updateIssue(c, deps, repo, row, {
      title: body.title,
      body: body.body,
      state: body.state,
    });
    return c.json(await renderPull(deps, urls(c), repo, updated, true));
  });

  app.get('/repos/:owner/:repo/pulls/:number/commits', async (c) => {
    const repo = await repoFor(c, deps);
    const row = await findPull(deps.pool, repo.id, numberParam(c));
    const { base, head } = await pullRange(deps, repo, row);
    const commits = (
      await logCommits(deps.git, repo, ['-n', '250', base ? `${base}..${head}` : head])
    ).reverse();
    const people = await peopleByEmail(deps.pool);
    return c.json(
      pageList(
        c,
        commits.map((commit) => repoCommit(urls(c), repo, commit, people)),
        c.get('api'),
      ),
    );
  });

  app.get('/repos/:owner/:repo/pulls/:number/files', async (c) => {
    const repo = await repoFor(c, deps);
    const row = await findPull(deps.pool, repo.id, numberParam(c));
    const files = await pullFiles(deps, repo, row);
    return c.json(
      pageList(
        c,
        files.map((f) => fileEntry(urls(c), repo, row.head_sha as string, f)),
        c.get('api'),
      ),
    );
  });

  app.get('/repos/:owner/:repo/pulls/:number/merge', async (c) => {
    const repo = await repoFor(c, deps);
    const row = await findPull(deps.pool, repo.id, numberParam(c));
    if (!row.merged_at) throw notFound();
    return c.body(null, 204);
  });

  app.put('/repos/:owner/:repo/pulls/:number/merge', async (c) => {
    const repo = await repoFor(c, deps);
    const row = await findPull(deps.pool, repo.id, numberParam(c));
    const body = bodyOf(
      c,
      'PullRequest',
      z.object({
        commit_title: z.string().optional(),
        commit_message: z.string().optional(),
        sha: z.string().optional(),
        merge_method: z.enum(['merge', 'squash', 'rebase']).optional(),
      }),
    );
    const { sha } = await mergePull(deps, repo, row, c.get('viewer'), urls(c), {
      method: body.merge_method as MergeMethod | undefined,
      ...(body.sha ? { sha: body.sha } : {}),
      ...(body.commit_title ? { title: body.commit_title } : {}),
      ...(body.commit_message ? { message: body.commit_message } : {}),
    });
    return c.json({ sha, merged: true, message: 'Pull Request successfully merged' });
  });

  // Reviews.
  const reviewsOf = async (pullId: number) =>
    (await deps.pool.query<ReviewRow>(`${REVIEW_SELECT} WHERE r.pull_id = $1 ORDER BY r.id`, [pullId])).rows;

  app.get('/repos/:owner/:repo/pulls/:number/reviews', async (c) => {
    const repo = await repoFor(c, deps);
    const row = await findPull(deps.pool, repo.id, numberParam(c));
    const viewer = c.get('viewer');
    const list = (await reviewsOf(row.pull_id)).filter(
      (r) => r.state !== 'PENDING' || r.user.id === viewer.id,
    );
    return c.json(
      pageList(
        c,
        list.map((r) => reviewView(urls(c), repo, row.number, r)),
        c.get('api'),
      ),
    );
  });

  app.get('/repos/:owner/:repo/pulls/:number/reviews/:id', async (c) => {
    const repo = await repoFor(c, deps);
    const row = await findPull(deps.pool, repo.id, numberParam(c));
    const review = (await reviewsOf(row.pull_id)).find((r) => String(r.id) === c.req.param('id'));
    if (!review) throw notFound();
    return c.json(reviewView(urls(c), repo, row.number, review));
  });

  app.post('/repos/:owner/:repo/pulls/:number/reviews', async (c) => {
    const repo = await repoFor(c, deps);
    const row = await findPull(deps.pool, repo.id, numberParam(c));
    const viewer = c.get('viewer');
    const body = bodyOf(
      c,
      'PullRequestReview',
      z.object({
        commit_id: z.string().optional(),
        body: z.string().optional(),
        event: z.enum(['APPROVE', 'REQUEST_CHANGES', 'COMMENT']).optional(),
        comments: z
          .array(
            z.object({
              path: z.string(),
              body: z.string(),
              line: z.number().int().optional(),
              position: z.number().int().optional(),
              side: z.enum(['LEFT', 'RIGHT']).optional(),
            }),
          )
          .optional(),
      }),
    );
    if ((body.event === 'APPROVE' || body.event === 'REQUEST_CHANGES') && row.user.id === viewer.id)
      throw new GithubError(
        422,
        `Unprocessable Entity: "Can not ${body.event === 'APPROVE' ? 'approve' : 'request changes on'} your own pull request"`,
      );
    if (
      (body.event === 'REQUEST_CHANGES' || body.event === 'COMMENT') &&
      !body.body &&
      !body.comments?.length
    )
      throw new GithubError(422, 'Unprocessable Entity: "Review body is required"');
    const state =
      body.event === 'APPROVE'
        ? 'APPROVED'
        : body.event === 'REQUEST_CHANGES'
          ? 'CHANGES_REQUESTED'
          : body.event === 'COMMENT'
            ? 'COMMENTED'
            : 'PENDING';
    const now = nowDate(deps);
    const { rows } = await deps.pool.query<{ id: number }>(
      'INSERT INTO reviews (pull_id, user_id, state, body, commit_id, submitted_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
      [
        row.pull_id,
        viewer.id,
        state,
        body.body ?? '',
        body.commit_id ?? row.head_sha,
        state === 'PENDING' ? null : now,
      ],
    );
    const reviewId = rows[0]?.id as number;
    for (const comment of body.comments ?? [])
      await deps.pool.query(
        `INSERT INTO review_comments (pull_id, review_id, user_id, body, path, line, side, commit_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
        [
          row.pull_id,
          reviewId,
          viewer.id,
          comment.body,
          comment.path,
          comment.line ?? comment.position ?? null,
          comment.side ?? 'RIGHT',
          body.commit_id ?? row.head_sha,
          now,
        ],
      );
    if (state !== 'PENDING') {
      await deps.pool.query('DELETE FROM requested_reviewers WHERE pull_id = $1 AND user_id = $2', [
        row.pull_id,
        viewer.id,
      ]);
      await recordEvent(deps.pool, row.id, viewer.id, 'reviewed', now, { state });
    }
    const review = (await reviewsOf(row.pull_id)).find((r) => r.id === reviewId) as ReviewRow;
    if (state !== 'PENDING') {
      const fresh = await findPull(deps.pool, repo.id, row.number);
      await deps.hooks.emit(repo.id, 'pull_request_review', {
        action: 'submitted',
        review: reviewView(urls(c), repo, row.number, review),
        pull_request: await renderPull(deps, urls(c), repo, fresh, false),
        repository: repository(urls(c), repo),
        sender: simpleUser(urls(c), viewer),
      });
    }
    return c.json(reviewView(urls(c), repo, row.number, review));
  });

  // Review comments.
  app.get('/repos/:owner/:repo/pulls/:number/comments', async (c) => {
    const repo = await repoFor(c, deps);
    const row = await findPull(deps.pool, repo.id, numberParam(c));
    const { rows } = await deps.pool.query<ReviewCommentRow>(
      `${REVIEW_COMMENT_SELECT} WHERE rc.pull_id = $1 ORDER BY rc.id`,
      [row.pull_id],
    );
    return c.json(
      pageList(
        c,
        rows.map((rc) => reviewCommentView(urls(c), repo, row.number, rc)),
        c.get('api'),
      ),
    );
  });

  app.post('/repos/:owner/:repo/pulls/:number/comments', async (c) => {
    const repo = await repoFor(c, deps);
    const row = await findPull(deps.pool, repo.id, numberParam(c));
    const viewer = c.get('viewer');
    const body = bodyOf(
      c,
      'PullRequestReviewComment',
      z.object({
        body: z.string(),
        commit_id: z.string().optional(),
        path: z.string().optional(),
        line: z.number().int().optional(),
        position: z.number().int().optional(),
        side: z.enum(['LEFT', 'RIGHT']).optional(),
        in_reply_to: z.number().int().optional(),
      }),
    );
    let path = body.path;
    let line = body.line ?? body.position ?? null;
    if (body.in_reply_to) {
      const { rows } = await deps.pool.query<ReviewCommentRow>(
        `${REVIEW_COMMENT_SELECT} WHERE rc.id = $1 AND rc.pull_id = $2`,
        [body.in_reply_to, row.pull_id],
      );
      if (!rows[0]) throw notFound();
      path = rows[0].path;
      line = rows[0].line;
    }
    if (!path)
      throw validationFailed({ resource: 'PullRequestReviewComment', field: 'path', code: 'missing_field' });
    const now = nowDate(deps);
    const { rows } = await deps.pool.query<{ id: number }>(
      `INSERT INTO review_comments (pull_id, user_id, body, path, line, side, commit_id, in_reply_to_id, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
      [
        row.pull_id,
        viewer.id,
        body.body,
        path,
        line,
        body.side ?? 'RIGHT',
        body.commit_id ?? row.head_sha,
        body.in_reply_to ?? null,
        now,
      ],
    );
    const { rows: made } = await deps.pool.query<ReviewCommentRow>(
      `${REVIEW_COMMENT_SELECT} WHERE rc.id = $1`,
      [rows[0]?.id],
    );
    return c.json(reviewCommentView(urls(c), repo, row.number, made[0] as ReviewCommentRow), 201);
  });

  // Requested reviewers.
  const requested = async (c: Ctx, repo: RepoRow, number: number) => {
    const row = await findPull(deps.pool, repo.id, number);
    return { users: (row.requested_reviewers ?? []).map((a) => simpleUser(urls(c), a)), teams: [] };
  };
  app.get('/repos/:owner/:repo/pulls/:number/requested_reviewers', async (c) => {
    const repo = await repoFor(c, deps);
    return c.json(await requested(c, repo, numberParam(c)));
  });
  const reviewerChange = async (c: Ctx, adding: boolean) => {
    const repo = await repoFor(c, deps, 'push');
    const row = await findPull(deps.pool, repo.id, numberParam(c));
    const { reviewers } = bodyOf(
      c,
      'PullRequest',
      z.object({ reviewers: z.array(z.string()).optional(), team_reviewers: z.array(z.string()).optional() }),
    );
    const { assignable } = await import('../issue-writes.js');
    const people = await assignable(deps.pool, repo, reviewers ?? []);
    if (adding && people.length < (reviewers ?? []).length)
      throw new GithubError(
        422,
        'Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the repository.',
      );
    for (const person of people) {
      if (adding && person.id === row.user.id)
        throw new GithubError(422, 'Review cannot be requested from pull request author.');
      if (adding)
        await deps.pool.query('INSERT INTO requested_reviewers VALUES ($1, $2) ON CONFLICT DO NOTHING', [
          row.pull_id,
          person.id,
        ]);
      else
        await deps.pool.query('DELETE FROM requested_reviewers WHERE pull_id = $1 AND user_id = $2', [
          row.pull_id,
          person.id,
        ]);
    }
    if (adding) await sendIssueHook(deps, repo, row.number, 'review_requested', c.get('viewer'), urls(c));
    return c.json(
      await renderPull(deps, urls(c), repo, await findPull(deps.pool, repo.id, row.number), false),
      adding ? 201 : 200,
    );
  };
  app.post('/repos/:owner/:repo/pulls/:number/requested_reviewers', (c) => reviewerChange(c, true));
  app.delete('/repos/:owner/:repo/pulls/:number/requested_reviewers', (c) => reviewerChange(c, false));

  void pageOf;
  void setLink;
  void resolveRevision;
  return app;
}
