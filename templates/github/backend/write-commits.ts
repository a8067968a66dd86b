import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { GithubDeps } from './deps.js';
import { GithubError } from './github-error.js';
import { recordRefChanges } from './refs.js';
import type { Urls } from './render.js';
import { type AccountRow, type RepoRow, refSha } from './store.js';

export interface FileWrite {
  path: string;
  /** The new content, or null to delete the file. */
  content: Buffer | null;
}

export interface Identity {
  name: string;
  email: string;
}

/** Git's date form for the clone's clock: `<epoch seconds> +0000`. */
export const gitDate = (ms: number) => `${Math.floor(ms / 1000)} +0000`;

export const identityOf = (account: AccountRow): Identity => ({
  name: account.name ?? account.login,
  email: account.email ?? `${account.id}+${account.login}@users.noreply.github.com`,
});

/** Drops a path from a scratch index (`--index-info` with mode 0: no work tree needed). */
export async function removeFromIndex(
  deps: GithubDeps,
  repo: RepoRow,
  path: string,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  await deps.git.git(repo, ['update-index', '--index-info'], {
    env,
    input: `0 ${'0'.repeat(40)}\t${path}\n`,
  });
}

/** Writes a blob; returns its SHA. */
export async function writeBlob(deps: GithubDeps, repo: RepoRow, content: Buffer): Promise<string> {
  return (await deps.git.git(repo, ['hash-object', '-w', '--stdin'], { input: content }))
    .toString('utf8')
    .trim();
}

/** A commit object made with git's own plumbing (`commit-tree`), dated by the clone's clock. */
export async function writeCommit(
  deps: GithubDeps,
  repo: RepoRow,
  commit: {
    tree: string;
    parents: readonly string[];
    message: string;
    author: Identity;
    committer: Identity;
    date?: string;
  },
): Promise<string> {
  const date = commit.date ?? gitDate(deps.now());
  const out = await deps.git.git(
    repo,
    ['commit-tree', commit.tree, ...commit.parents.flatMap((p) => ['-p', p])],
    {
      input: commit.message,
      env: {
        GIT_AUTHOR_NAME: commit.author.name,
        GIT_AUTHOR_EMAIL: commit.author.email,
        GIT_AUTHOR_DATE: date,
        GIT_COMMITTER_NAME: commit.committer.name,
        GIT_COMMITTER_EMAIL: commit.committer.email,
        GIT_COMMITTER_DATE: date,
      },
    },
  );
  return out.toString('utf8').trim();
}

/**
 * One commit on `branch` changing `files` (the contents API, MCP's push_files): blobs, a
 * tree built in a scratch index from the branch's tree, the commit, and the branch moved
 * (compare-and-swap on `expectedHead` when given). A new branch starts from `from`.
 */
export async function commitFiles(
  deps: GithubDeps,
  repo: RepoRow,
  actor: AccountRow,
  urls: Urls,
  change: {
    branch: string;
    message: string;
    files: readonly FileWrite[];
    from?: string | null;
    author?: Identity;
    committer?: Identity;
  },
): Promise<{ commit: string; tree: string; blobs: Map<string, string> }> {
  const ref = `refs/heads/${change.branch}`;
  const head = (await refSha(deps.pool, repo.id, ref)) ?? change.from ?? null;
  const dir = await deps.git.ensure(repo);
  const index = join(dir, `index-${randomBytes(6).toString('hex')}`);
  const env = { GIT_INDEX_FILE: index };
  const blobs = new Map<string, string>();
  try {
    if (head) await deps.git.git(repo, ['read-tree', head], { env });
    for (const file of change.files) {
      if (file.content === null) {
        await removeFromIndex(deps, repo, file.path, env);
        continue;
      }
      const blob = await writeBlob(deps, repo, file.content);
      blobs.set(file.path, blob);
      await deps.git.git(repo, ['update-index', '--add', '--cacheinfo', `100644,${blob},${file.path}`], {
        env,
      });
    }
    const tree = (await deps.git.git(repo, ['write-tree'], { env })).toString('utf8').trim();
    const who = identityOf(actor);
    const commit = await writeCommit(deps, repo, {
      tree,
      parents: head ? [head] : [],
      message: change.message,
      author: change.author ?? who,
      committer: change.committer ?? change.author ?? who,
    });
    const current = await refSha(deps.pool, repo.id, ref);
    if (current !== null && head !== null && current !== head)
      throw new GithubError(409, `${change.branch} has moved; fetch it and try again`);
    await recordRefChanges(deps, repo, [{ name: ref, before: current, after: commit }], actor, urls, {
      onDisk: false,
    });
    return { commit, tree, blobs };
  } finally {
    await rm(index, { force: true });
  }
}
