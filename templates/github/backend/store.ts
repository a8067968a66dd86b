import type { Queryable } from '../../_shared/db.js';
import { notFound } from './github-error.js';

export interface AccountRow {
  id: number;
  login: string;
  type: 'User' | 'Organization' | 'Bot';
  name: string | null;
  email: string | null;
  company: string | null;
  location: string | null;
  bio: string | null;
  blog: string;
  created_at: Date;
  updated_at: Date;
}

export interface RepoRow {
  id: number;
  owner_id: number;
  name: string;
  description: string | null;
  homepage: string | null;
  private: boolean;
  default_branch: string;
  topics: string[];
  has_issues: boolean;
  has_projects: boolean;
  has_wiki: boolean;
  archived: boolean;
  allow_merge_commit: boolean;
  allow_squash_merge: boolean;
  allow_rebase_merge: boolean;
  delete_branch_on_merge: boolean;
  seed: string | null;
  next_number: number;
  created_at: Date;
  updated_at: Date;
  pushed_at: Date | null;
  owner: AccountRow;
  open_issues_count: number;
  /** The viewer's permission: admin, maintain, push, triage, pull, or null (cannot see it). */
  permission: Permission | null;
}

export type Permission = 'admin' | 'maintain' | 'push' | 'triage' | 'pull';
const RANK: Record<Permission, number> = { pull: 1, triage: 2, push: 3, maintain: 4, admin: 5 };
export const atLeast = (have: Permission | null, need: Permission) =>
  have !== null && RANK[have] >= RANK[need];

/**
 * A repository with its owner, open issue count and the viewer's permission: the owner and
 * an organisation's admins administer it, members and push collaborators write, anyone reads
 * a public one.
 */
export const REPO_SELECT = `
  SELECT r.*, to_jsonb(o) AS owner,
    (SELECT count(*)::int FROM issues i WHERE i.repo_id = r.id AND i.state = 'open') AS open_issues_count,
    CASE
      WHEN r.owner_id = $1 THEN 'admin'
      WHEN EXISTS (SELECT 1 FROM org_members m WHERE m.org_id = r.owner_id AND m.user_id = $1 AND m.role = 'admin') THEN 'admin'
      ELSE COALESCE(
        (SELECT c.permission FROM collaborators c WHERE c.repo_id = r.id AND c.user_id = $1),
        CASE WHEN EXISTS (SELECT 1 FROM org_members m WHERE m.org_id = r.owner_id AND m.user_id = $1) THEN 'push' END,
        CASE WHEN NOT r.private THEN 'pull' END)
    END AS permission
  FROM repositories r JOIN accounts o ON o.id = r.owner_id`;

export async function findAccount(db: Queryable, login: string): Promise<AccountRow | null> {
  const { rows } = await db.query<AccountRow>('SELECT * FROM accounts WHERE lower(login) = lower($1)', [
    login,
  ]);
  return rows[0] ?? null;
}

/** The repository `owner/name` as the viewer sees it; 404 when it does not exist or they cannot see it. */
export async function findRepo(
  db: Queryable,
  viewerId: number,
  owner: string,
  name: string,
): Promise<RepoRow> {
  const { rows } = await db.query<RepoRow>(
    `${REPO_SELECT} WHERE lower(o.login) = lower($2) AND lower(r.name) = lower($3)`,
    [viewerId, owner, name.replace(/\.git$/, '')],
  );
  const repo = rows[0];
  if (!repo || repo.permission === null) throw notFound();
  return repo;
}

export async function repoById(db: Queryable, viewerId: number, id: number): Promise<RepoRow | null> {
  const { rows } = await db.query<RepoRow>(`${REPO_SELECT} WHERE r.id = $2`, [viewerId, id]);
  return rows[0] ?? null;
}

export interface LabelRow {
  id: number;
  name: string;
  color: string;
  description: string | null;
  is_default: boolean;
}

export interface MilestoneRow {
  id: number;
  number: number;
  title: string;
  description: string | null;
  state: 'open' | 'closed';
  due_on: string | null;
  creator: AccountRow | null;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  open_issues: number;
  closed_issues: number;
}

export const MILESTONE_SELECT = `
  SELECT m.*, to_jsonb(c) AS creator,
    (SELECT count(*)::int FROM issues i WHERE i.milestone_id = m.id AND i.state = 'open') AS open_issues,
    (SELECT count(*)::int FROM issues i WHERE i.milestone_id = m.id AND i.state = 'closed') AS closed_issues
  FROM milestones m LEFT JOIN accounts c ON c.id = m.creator_id`;

export interface IssueRow {
  id: number;
  repo_id: number;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  state_reason: string | null;
  locked: boolean;
  active_lock_reason: string | null;
  is_pull: boolean;
  created_at: Date;
  updated_at: Date;
  closed_at: Date | null;
  user: AccountRow;
  closed_by: AccountRow | null;
  labels: LabelRow[];
  assignees: AccountRow[];
  milestone: MilestoneRow | null;
  comments: number;
  author_association: string;
  // The pull request's own row, when it is one.
  pull_id: number | null;
  head_ref: string | null;
  head_sha: string | null;
  base_ref: string | null;
  draft: boolean | null;
  maintainer_can_modify: boolean | null;
  merged_at: Date | null;
  merge_commit_sha: string | null;
  merged_by: AccountRow | null;
  requested_reviewers: AccountRow[] | null;
  review_comments: number | null;
}

/** Issues (and pull requests, which are issues) with everything the API renders of them. */
export const ISSUE_SELECT = `
  SELECT i.*, to_jsonb(u) AS user, to_jsonb(cb) AS closed_by,
    (SELECT COALESCE(jsonb_agg(to_jsonb(l) ORDER BY l.name), '[]') FROM issue_labels il
       JOIN labels l ON l.id = il.label_id WHERE il.issue_id = i.id) AS labels,
    (SELECT COALESCE(jsonb_agg(to_jsonb(a) ORDER BY a.login), '[]') FROM issue_assignees ia
       JOIN accounts a ON a.id = ia.user_id WHERE ia.issue_id = i.id) AS assignees,
    (SELECT to_jsonb(ms) FROM (${MILESTONE_SELECT} WHERE m.id = i.milestone_id) ms) AS milestone,
    (SELECT count(*)::int FROM comments c WHERE c.issue_id = i.id) AS comments,
    author_association(i.repo_id, i.user_id) AS author_association,
    p.id AS pull_id, p.head_ref, p.head_sha, p.base_ref, p.draft, p.maintainer_can_modify,
    p.merged_at, p.merge_commit_sha, to_jsonb(mb) AS merged_by,
    (SELECT COALESCE(jsonb_agg(to_jsonb(a) ORDER BY a.login), '[]') FROM requested_reviewers rr
       JOIN accounts a ON a.id = rr.user_id WHERE rr.pull_id = p.id) AS requested_reviewers,
    (SELECT count(*)::int FROM review_comments rc WHERE rc.pull_id = p.id) AS review_comments
  FROM issues i
  JOIN accounts u ON u.id = i.user_id
  LEFT JOIN accounts cb ON cb.id = i.closed_by_id
  LEFT JOIN pulls p ON p.issue_id = i.id
  LEFT JOIN accounts mb ON mb.id = p.merged_by_id`;

export async function findIssue(db: Queryable, repoId: number, number: number): Promise<IssueRow> {
  if (!Number.isSafeInteger(number)) throw notFound();
  const { rows } = await db.query<IssueRow>(`${ISSUE_SELECT} WHERE i.repo_id = $1 AND i.number = $2`, [
    repoId,
    number,
  ]);
  const issue = rows[0];
  if (!issue) throw notFound();
  return issue;
}

export async function findPull(
  db: Queryable,
  repoId: number,
  number: number,
): Promise<IssueRow & { pull_id: number }> {
  const issue = await findIssue(db, repoId, number);
  if (issue.pull_id === null) throw notFound();
  return issue as IssueRow & { pull_id: number };
}

export interface CommentRow {
  id: number;
  issue_id: number;
  body: string;
  created_at: Date;
  updated_at: Date;
  user: AccountRow;
  number: number;
  author_association: string;
}

export const COMMENT_SELECT = `
  SELECT c.*, to_jsonb(u) AS user, i.number, author_association(i.repo_id, c.user_id) AS author_association
  FROM comments c JOIN accounts u ON u.id = c.user_id JOIN issues i ON i.id = c.issue_id`;

/** The next issue/pull request number of a repository (they share one sequence). */
export async function nextNumber(db: Queryable, repoId: number): Promise<number> {
  const { rows } = await db.query<{ number: number }>(
    'UPDATE repositories SET next_number = next_number + 1 WHERE id = $1 RETURNING next_number - 1 AS number',
    [repoId],
  );
  return rows[0]?.number ?? 1;
}

export async function refSha(db: Queryable, repoId: number, ref: string): Promise<string | null> {
  const { rows } = await db.query<{ sha: string }>(
    'SELECT sha FROM git_refs WHERE repo_id = $1 AND name = $2',
    [repoId, ref],
  );
  return rows[0]?.sha ?? null;
}
