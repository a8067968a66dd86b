import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { GithubDeps } from './deps.js';
import { logCommits } from './git/commits.js';
import { runGit } from './git/git-process.js';
import { GithubError } from './github-error.js';
import { recordEvent, sendIssueHook } from './issue-writes.js';
import { type RefChange, recordRefChanges } from './refs.js';
import type { Urls } from './render.js';
import { type AccountRow, atLeast, findIssue, type IssueRow, type RepoRow, refSha } from './store.js';
import { identityOf, writeCommit } from './write-commits.js';

export type MergeMethod = 'merge' | 'squash' | 'rebase';

const notMergeable = (message = 'Pull Request is not mergeable') => new GithubError(405, message);

/** What branch protection asks before a non-admin may merge into the base. */
async function checkProtection(deps: GithubDeps, repo: RepoRow, pull: IssueRow): Promise<void> {
  if (atLeast(repo.permission, 'admin')) return;
  const { rows } = await deps.pool.query<{
    required_approving_review_count: number | null;
    required_status_checks: string[] | null;
  }>('SELECT * FROM branch_protections WHERE repo_id = $1 AND branch = $2', [repo.id, pull.base_ref]);
  const rule = rows[0];
  if (!rule) return;
  if (rule.required_approving_review_count) {
    const { rows: approvals } = await deps.pool.query<{ n: number }>(
      `SELECT count(DISTINCT user_id)::int AS n FROM reviews r WHERE r.pull_id = $1 AND r.state = 'APPROVED'
       AND NOT EXISTS (SELECT 1 FROM reviews l WHERE l.pull_id = r.pull_id AND l.user_id = r.user_id AND l.id > r.id AND l.state = 'CHANGES_REQUESTED')`,
      [pull.pull_id],
    );
    if ((approvals[0]?.n ?? 0) < rule.required_approving_review_count)
      throw notMergeable(
        `At least ${rule.required_approving_review_count} approving review${rule.required_approving_review_count === 1 ? ' is' : 's are'} required by reviewers with write access.`,
      );
  }
  for (const context of rule.required_status_checks ?? []) {
    const { rows: statuses } = await deps.pool.query<{ state: string }>(
      'SELECT state FROM statuses WHERE repo_id = $1 AND sha = $2 AND context = $3 ORDER BY id DESC LIMIT 1',
      [repo.id, pull.head_sha, context],
    );
    const { rows: checks } = await deps.pool.query<{ conclusion: string | null }>(
      'SELECT conclusion FROM check_runs WHERE repo_id = $1 AND head_sha = $2 AND name = $3 ORDER BY id DESC LIMIT 1',
      [repo.id, pull.head_sha, context],
    );
    if (statuses[0]?.state !== 'success' && checks[0]?.conclusion !== 'success')
      throw notMergeable(`Required status check "${context}" is expected.`);
  }
}

/** A three-way merge of two commits' trees (git merge-tree); null on conflicts. */
async function mergedTree(dir: string, base: string, head: string): Promise<string | null> {
  const { stdout, code } = await runGit(['--git-dir', dir, 'merge-tree', '--write-tree', base, head], {
    okCodes: [1],
  });
  return code === 0 ? (stdout.toString('utf8').split('\n')[0] ?? '').trim() : null;
}

/** One commit's change replayed onto `onto` (read-tree's three-way merge in a scratch index). */
async function replayedTree(
  dir: string,
  parent: string,
  onto: string,
  commit: string,
): Promise<string | null> {
  const index = `${dir}/index-${randomBytes(6).toString('hex')}`;
  const env = { GIT_INDEX_FILE: index };
  try {
    await runGit(['--git-dir', dir, 'read-tree', '-i', '-m', '--aggressive', parent, onto, commit], { env });
    const { stdout, code } = await runGit(['--git-dir', dir, 'write-tree'], { env, okCodes: [128] });
    return code === 0 ? stdout.toString('utf8').trim() : null;
  } catch {
    return null;
  } finally {
    await rm(index, { force: true });
  }
}

/**
 * Merges a pull request the way GitHub does, with real commits: a merge commit (two
 * parents), a squash (one commit with the combined change) or a rebase (each commit
 * replayed onto the base). The base branch moves, the pull request closes as merged, and
 * issues its body closes ("Fixes #1") close.
 */
export async function mergePull(
  deps: GithubDeps,
  repo: RepoRow,
  pull: IssueRow,
  viewer: AccountRow,
  urls: Urls,
  options: { method?: MergeMethod; sha?: string; title?: string; message?: string },
): Promise<{ sha: string }> {
  if (!atLeast(repo.permission, 'push'))
    throw new GithubError(403, 'Resource not accessible by personal access token');
  if (pull.merged_at) throw notMergeable('Pull Request is already merged');
  if (pull.state !== 'open') throw notMergeable();
  if (pull.draft) throw notMergeable('Pull Request is still a draft');
  if (options.sha && options.sha !== pull.head_sha)
    throw new GithubError(409, 'Head branch was modified. Review and try the merge again.');
  const method = options.method ?? 'merge';
  const allowed = {
    merge: repo.allow_merge_commit,
    squash: repo.allow_squash_merge,
    rebase: repo.allow_rebase_merge,
  }[method];
  if (!allowed)
    throw notMergeable(
      `${method === 'merge' ? 'Merge commits are' : method === 'squash' ? 'Squash merges are' : 'Rebase merges are'} not allowed on this repository.`,
    );
  await checkProtection(deps, repo, pull);
  const baseRef = `refs/heads/${pull.base_ref}`;
  const base = await refSha(deps.pool, repo.id, baseRef);
  const head = pull.head_sha as string;
  if (!base) throw notMergeable('Base branch was deleted');
  const dir = await deps.git.ensure(repo);
  const me = identityOf(viewer);
  const commits = (await logCommits(deps.git, repo, [`${base}..${head}`])).reverse();
  if (commits.length === 0) throw new GithubError(422, 'No commits between the base and the head');
  let sha: string;
  if (method === 'rebase') {
    sha = base;
    for (const commit of commits) {
      const tree = await replayedTree(dir, commit.parents[0] ?? base, sha, commit.sha);
      if (!tree) throw notMergeable('This branch cannot be rebased due to conflicts');
      sha = await writeCommit(deps, repo, {
        tree,
        parents: [sha],
        message: commit.message,
        author: commit.author,
        committer: me,
      });
    }
  } else {
    const tree = await mergedTree(dir, base, head);
    if (!tree) throw notMergeable('Merge conflict');
    if (method === 'merge') {
      const title =
        options.title ?? `Merge pull request #${pull.number} from ${repo.owner.login}/${pull.head_ref}`;
      sha = await writeCommit(deps, repo, {
        tree,
        parents: [base, head],
        message: `${title}\n\n${options.message ?? pull.title}\n`,
        author: me,
        committer: me,
      });
    } else {
      const title = options.title ?? `${pull.title} (#${pull.number})`;
      const body =
        options.message ?? commits.map((commit) => `* ${commit.message.split('\n')[0]}`).join('\n');
      sha = await writeCommit(deps, repo, {
        tree,
        parents: [base],
        message: `${title}\n\n${body}\n`,
        author: commits[0]?.author ?? me,
        committer: me,
      });
    }
  }
  const now = new Date(deps.now());
  await deps.pool.query(
    'UPDATE pulls SET merged_at = $2, merge_commit_sha = $3, merged_by_id = $4 WHERE id = $1',
    [pull.pull_id, now, sha, viewer.id],
  );
  await deps.pool.query(
    "UPDATE issues SET state = 'closed', closed_at = $2, closed_by_id = $3, updated_at = $2 WHERE id = $1",
    [pull.id, now, viewer.id],
  );
  await recordEvent(deps.pool, pull.id, viewer.id, 'merged', now, { commit_id: sha });
  await recordEvent(deps.pool, pull.id, viewer.id, 'closed', now);
  const changes: RefChange[] = [{ name: baseRef, before: base, after: sha }];
  if (repo.delete_branch_on_merge)
    changes.push({ name: `refs/heads/${pull.head_ref}`, before: head, after: null });
  await recordRefChanges(deps, repo, changes, viewer, urls, { onDisk: false });
  await sendIssueHook(deps, repo, pull.number, 'closed', viewer, urls);
  // Keywords in the body close issues of the same repository, as on GitHub.
  for (const match of (pull.body ?? '').matchAll(/\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s+#(\d+)/gi)) {
    const number = Number(match[1]);
    const target = await findIssue(deps.pool, repo.id, number).catch(() => null);
    if (!target || target.is_pull || target.state === 'closed') continue;
    await deps.pool.query(
      "UPDATE issues SET state = 'closed', state_reason = 'completed', closed_at = $2, closed_by_id = $3, updated_at = $2 WHERE id = $1",
      [target.id, now, viewer.id],
    );
    await recordEvent(deps.pool, target.id, viewer.id, 'closed', now, { commit_id: sha });
    await sendIssueHook(deps, repo, number, 'closed', viewer, urls);
  }
  return { sha };
}
