import type { GithubDeps } from './deps.js';
import { logCommits } from './git/commits.js';
import { sendIssueHook } from './issue-writes.js';
import { repository, simpleUser, type Urls } from './render.js';
import type { AccountRow, RepoRow } from './store.js';

export interface RefChange {
  name: string;
  before: string | null;
  after: string | null;
}

const ZERO = '0000000000000000000000000000000000000000';

/**
 * Records ref moves in the database (the truth resets restore), keeps their new objects,
 * moves the heads of open pull requests from a moved branch, and sends `push` webhooks.
 * A push has moved the refs on disk already; an API write (`onDisk: false`) has not, so the
 * repository's refs are rewritten from the database on its next use.
 */
export async function recordRefChanges(
  deps: GithubDeps,
  repo: RepoRow,
  changes: readonly RefChange[],
  pusher: AccountRow,
  urls: Urls,
  options: { onDisk: boolean },
): Promise<void> {
  if (changes.length === 0) return;
  const { pool, git } = deps;
  const now = new Date(deps.now());
  const synchronized: number[] = [];
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    for (const change of changes) {
      if (change.after === null)
        await client.query('DELETE FROM git_refs WHERE repo_id = $1 AND name = $2', [repo.id, change.name]);
      else
        await client.query(
          `INSERT INTO git_refs (repo_id, name, sha) VALUES ($1, $2, $3)
           ON CONFLICT (repo_id, name) DO UPDATE SET sha = EXCLUDED.sha`,
          [repo.id, change.name, change.after],
        );
      if (change.name.startsWith('refs/heads/') && change.after !== null) {
        const branch = change.name.slice('refs/heads/'.length);
        const { rows } = await client.query<{ number: number }>(
          `UPDATE pulls p SET head_sha = $3 FROM issues i
           WHERE i.id = p.issue_id AND i.repo_id = $1 AND p.head_ref = $2 AND i.state = 'open' RETURNING i.number`,
          [repo.id, branch, change.after],
        );
        for (const { number } of rows) {
          synchronized.push(number);
          await client.query(
            `INSERT INTO git_refs (repo_id, name, sha) VALUES ($1, $2, $3)
             ON CONFLICT (repo_id, name) DO UPDATE SET sha = EXCLUDED.sha`,
            [repo.id, `refs/pull/${number}/head`, change.after],
          );
        }
      }
    }
    await client.query('UPDATE repositories SET pushed_at = $2, updated_at = $2 WHERE id = $1', [
      repo.id,
      now,
    ]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  const tips = changes.flatMap((change) => (change.after ? [change.after] : []));
  const known = changes.flatMap((change) => (change.before ? [change.before] : []));
  if (!options.onDisk) git.invalidate(repo.id);
  // Everything the repository reached before the move is kept already.
  await git.keep(repo, tips, known);
  for (const change of changes) await sendPush(deps, repo, change, pusher, urls);
  // An open pull request whose head branch moved: `synchronize`, as GitHub sends it.
  for (const number of synchronized) await sendIssueHook(deps, repo, number, 'synchronize', pusher, urls);
}

async function sendPush(deps: GithubDeps, repo: RepoRow, change: RefChange, pusher: AccountRow, urls: Urls) {
  const full = `${repo.owner.login}/${repo.name}`;
  const range = change.after
    ? change.before
      ? [`${change.before}..${change.after}`]
      : ['-n', '20', change.after]
    : [];
  const commits =
    range.length > 0 ? (await logCommits(deps.git, repo, ['-n', '20', ...range])).reverse() : [];
  const rendered = commits.map((commit) => ({
    id: commit.sha,
    tree_id: commit.tree,
    distinct: true,
    message: commit.message,
    timestamp: commit.committer.date,
    url: `${urls.web}/${full}/commit/${commit.sha}`,
    author: { name: commit.author.name, email: commit.author.email },
    committer: { name: commit.committer.name, email: commit.committer.email },
    added: [],
    removed: [],
    modified: [],
  }));
  await deps.hooks.emit(repo.id, 'push', {
    ref: change.name,
    before: change.before ?? ZERO,
    after: change.after ?? ZERO,
    repository: repository(urls, repo),
    pusher: { name: pusher.login, email: pusher.email },
    sender: simpleUser(urls, pusher),
    created: change.before === null,
    deleted: change.after === null,
    forced: false,
    base_ref: null,
    compare: `${urls.web}/${full}/compare/${(change.before ?? ZERO).slice(0, 12)}...${(change.after ?? ZERO).slice(0, 12)}`,
    commits: rendered,
    head_commit: rendered[rendered.length - 1] ?? null,
  });
}
