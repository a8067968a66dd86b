import type { GithubDeps } from './deps.js';
import { diffFiles, type FileChange } from './git/commits.js';
import { runGit } from './git/git-process.js';
import { iso, label, maybeUser, milestone, nodeId, repository, simpleUser, type Urls } from './render.js';
import { type IssueRow, type RepoRow, refSha } from './store.js';

/** Where a pull request's changes start: the merge base of base and head (before the merge, once merged). */
export async function pullRange(
  deps: GithubDeps,
  repo: RepoRow,
  row: IssueRow,
): Promise<{ base: string | null; head: string }> {
  const head = row.head_sha as string;
  const dir = await deps.git.ensure(repo);
  const baseTip = row.merge_commit_sha
    ? `${row.merge_commit_sha}^1`
    : ((await refSha(deps.pool, repo.id, `refs/heads/${row.base_ref}`)) ?? head);
  const out = await runGit(['--git-dir', dir, 'merge-base', baseTip, head], { okCodes: [1, 128] });
  const base = out.stdout.toString('utf8').trim();
  return { base: /^[0-9a-f]{40}$/.test(base) ? base : null, head };
}

export async function pullFiles(deps: GithubDeps, repo: RepoRow, row: IssueRow): Promise<FileChange[]> {
  const { base, head } = await pullRange(deps, repo, row);
  return diffFiles(deps.git, repo, base, head);
}

/** Whether head merges into base without conflicts (`git merge-tree`), as GitHub computes `mergeable`. */
export async function mergeable(deps: GithubDeps, repo: RepoRow, row: IssueRow): Promise<boolean | null> {
  const baseSha = await refSha(deps.pool, repo.id, `refs/heads/${row.base_ref}`);
  if (!baseSha || !row.head_sha) return null;
  const dir = await deps.git.ensure(repo);
  const { code } = await runGit(['--git-dir', dir, 'merge-tree', '--write-tree', baseSha, row.head_sha], {
    okCodes: [1],
  });
  return code === 0;
}

/** A pull request as the REST API renders it; `full` adds what only a single GET shows. */
export async function renderPull(deps: GithubDeps, u: Urls, repo: RepoRow, row: IssueRow, full: boolean) {
  const full_name = `${repo.owner.login}/${repo.name}`;
  const api = `${u.api}/repos/${full_name}`;
  const web = `${u.web}/${full_name}`;
  const url = `${api}/pulls/${row.number}`;
  const baseSha = (await refSha(deps.pool, repo.id, `refs/heads/${row.base_ref}`)) ?? '';
  const side = (ref: string, sha: string) => ({
    label: `${repo.owner.login}:${ref}`,
    ref,
    sha,
    user: simpleUser(u, repo.owner),
    repo: repository(u, repo),
  });
  const view: Record<string, unknown> = {
    url,
    id: row.pull_id,
    node_id: nodeId('PullRequest', row.pull_id as number),
    html_url: `${web}/pull/${row.number}`,
    diff_url: `${web}/pull/${row.number}.diff`,
    patch_url: `${web}/pull/${row.number}.patch`,
    issue_url: `${api}/issues/${row.number}`,
    commits_url: `${url}/commits`,
    review_comments_url: `${url}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${api}/issues/${row.number}/comments`,
    statuses_url: `${api}/statuses/${row.head_sha}`,
    number: row.number,
    state: row.state,
    locked: row.locked,
    title: row.title,
    user: simpleUser(u, row.user),
    body: row.body,
    labels: row.labels.map((l) => label(u, repo, l)),
    milestone: row.milestone ? milestone(u, repo, row.milestone) : null,
    active_lock_reason: row.active_lock_reason,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    closed_at: iso(row.closed_at),
    merged_at: iso(row.merged_at),
    merge_commit_sha: row.merge_commit_sha,
    assignee: row.assignees[0] ? simpleUser(u, row.assignees[0]) : null,
    assignees: row.assignees.map((a) => simpleUser(u, a)),
    requested_reviewers: (row.requested_reviewers ?? []).map((a) => simpleUser(u, a)),
    requested_teams: [],
    head: side(row.head_ref as string, row.head_sha as string),
    base: side(row.base_ref as string, baseSha),
    _links: {
      self: { href: url },
      html: { href: `${web}/pull/${row.number}` },
      issue: { href: `${api}/issues/${row.number}` },
      comments: { href: `${api}/issues/${row.number}/comments` },
      review_comments: { href: `${url}/comments` },
      review_comment: { href: `${api}/pulls/comments{/number}` },
      commits: { href: `${url}/commits` },
      statuses: { href: `${api}/statuses/${row.head_sha}` },
    },
    author_association: row.author_association,
    auto_merge: null,
    draft: row.draft === true,
  };
  if (!full) return view;
  const open = row.state === 'open';
  const canMerge = open ? await mergeable(deps, repo, row) : null;
  const { base, head } = await pullRange(deps, repo, row);
  const dir = await deps.git.ensure(repo);
  const commits = Number(
    (await runGit(['--git-dir', dir, 'rev-list', '--count', base ? `${base}..${head}` : head])).stdout
      .toString('utf8')
      .trim(),
  );
  const files = await diffFiles(deps.git, repo, base, head);
  return {
    ...view,
    merged: row.merged_at !== null,
    mergeable: canMerge,
    rebaseable: canMerge,
    mergeable_state: !open
      ? 'unknown'
      : row.draft
        ? 'draft'
        : canMerge === false
          ? 'dirty'
          : canMerge
            ? 'clean'
            : 'unknown',
    merged_by: maybeUser(u, row.merged_by),
    comments: row.comments,
    review_comments: row.review_comments ?? 0,
    maintainer_can_modify: row.maintainer_can_modify === true,
    commits,
    additions: files.reduce((n, f) => n + f.additions, 0),
    deletions: files.reduce((n, f) => n + f.deletions, 0),
    changed_files: files.length,
  };
}
