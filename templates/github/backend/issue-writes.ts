import type { Queryable } from '../../_shared/db.js';
import type { GithubDeps } from './deps.js';
import { validationFailed } from './github-error.js';
import { issue, issueComment, repository, simpleUser, type Urls } from './render.js';
import { renderPull } from './render-pull.js';
import {
  type AccountRow,
  COMMENT_SELECT,
  type CommentRow,
  findIssue,
  type IssueRow,
  type RepoRow,
} from './store.js';

/** Accounts that may be assigned in a repository: its org's members and its collaborators. */
export async function assignable(
  db: Queryable,
  repo: RepoRow,
  logins: readonly string[],
): Promise<AccountRow[]> {
  if (logins.length === 0) return [];
  const { rows } = await db.query<AccountRow>(
    `SELECT a.* FROM accounts a WHERE lower(a.login) = ANY ($3) AND a.type <> 'Organization' AND (
       a.id = $2 OR EXISTS (SELECT 1 FROM org_members m WHERE m.org_id = $2 AND m.user_id = a.id)
       OR EXISTS (SELECT 1 FROM collaborators k WHERE k.repo_id = $1 AND k.user_id = a.id))`,
    [repo.id, repo.owner_id, logins.map((l) => l.toLowerCase())],
  );
  return rows;
}

/** Label ids by name, creating the missing ones (GitHub does, for writers) in grey. */
export async function labelIds(db: Queryable, repo: RepoRow, names: readonly string[]): Promise<number[]> {
  const ids: number[] = [];
  for (const name of names) {
    const { rows } = await db.query<{ id: number }>(
      `WITH found AS (SELECT id FROM labels WHERE repo_id = $1 AND lower(name) = lower($2)),
       made AS (INSERT INTO labels (repo_id, name, color) SELECT $1, $2, 'ededed' WHERE NOT EXISTS (SELECT 1 FROM found) RETURNING id)
       SELECT id FROM found UNION ALL SELECT id FROM made`,
      [repo.id, name],
    );
    if (rows[0]) ids.push(rows[0].id);
  }
  return ids;
}

export async function milestoneId(
  db: Queryable,
  repo: RepoRow,
  number: number | null,
): Promise<number | null> {
  if (number === null) return null;
  const { rows } = await db.query<{ id: number }>(
    'SELECT id FROM milestones WHERE repo_id = $1 AND number = $2',
    [repo.id, number],
  );
  if (!rows[0]) throw validationFailed({ resource: 'Issue', field: 'milestone', code: 'invalid' });
  return rows[0].id;
}

export async function recordEvent(
  db: Queryable,
  issueId: number,
  actor: number,
  event: string,
  at: Date,
  data: Record<string, unknown> = {},
): Promise<void> {
  await db.query(
    'INSERT INTO issue_events (issue_id, actor_id, event, data, created_at) VALUES ($1, $2, $3, $4, $5)',
    [issueId, actor, event, data, at],
  );
}

/** `issues` (or, for a pull request, `pull_request`) webhook with the issue as it is now. */
export async function sendIssueHook(
  deps: GithubDeps,
  repo: RepoRow,
  number: number,
  action: string,
  sender: AccountRow,
  urls: Urls,
  extra: Record<string, unknown> = {},
): Promise<IssueRow> {
  const row = await findIssue(deps.pool, repo.id, number);
  const base = { repository: repository(urls, repo), sender: simpleUser(urls, sender), ...extra };
  if (row.is_pull)
    await deps.hooks.emit(repo.id, 'pull_request', {
      action,
      number,
      pull_request: await renderPull(deps, urls, repo, row, true),
      ...base,
    });
  else await deps.hooks.emit(repo.id, 'issues', { action, issue: issue(urls, repo, row), ...base });
  return row;
}

export async function sendCommentHook(
  deps: GithubDeps,
  repo: RepoRow,
  commentId: number,
  action: 'created' | 'edited' | 'deleted',
  sender: AccountRow,
  urls: Urls,
  deleted?: CommentRow,
): Promise<void> {
  const { rows } = await deps.pool.query<CommentRow>(`${COMMENT_SELECT} WHERE c.id = $1`, [commentId]);
  const comment = rows[0] ?? deleted;
  if (!comment) return;
  const row = await findIssue(deps.pool, repo.id, comment.number);
  await deps.hooks.emit(repo.id, 'issue_comment', {
    action,
    issue: issue(urls, repo, row),
    comment: issueComment(urls, repo, comment),
    repository: repository(urls, repo),
    sender: simpleUser(urls, sender),
  });
}
