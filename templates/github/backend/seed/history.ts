import { commitObject, type GitObject, type Signature, writeTree } from '../git/objects.js';

/**
 * A repository's seeded history, declared as commits on branches and built into git
 * objects in JavaScript: the same bytes, so the same SHAs, on every seed, reset and boot.
 * Commit dates are fixed (they are inside the hashed objects), so they do not move with the
 * timeline the way issue and pull request times do.
 */
export interface SeedCommit {
  /** The branch this commit lands on; a branch first named starts from `from` (default: main). */
  branch: string;
  from?: string;
  author: { name: string; email: string };
  at: number;
  message: string;
  /** Files written (content) or removed (null). */
  files?: Readonly<Record<string, string | null>>;
  /** A merge commit on `branch` bringing in this branch's head (its files too). */
  merge?: string;
}

export interface SeedTag {
  name: string;
  /** The index in the commit list of the commit it points at. */
  commit: number;
}

export interface BuiltHistory {
  objects: Map<string, GitObject>;
  /** Full ref name → SHA. */
  refs: Map<string, string>;
  /** Every commit SHA in the order made, with its declaration (the fixture links PRs to them). */
  commits: Array<{ sha: string; commit: SeedCommit; parents: string[] }>;
}

export function buildHistory(commits: readonly SeedCommit[], tags: readonly SeedTag[] = []): BuiltHistory {
  const objects = new Map<string, GitObject>();
  const add = (object: GitObject) => objects.set(object.sha, object);
  const heads = new Map<string, { sha: string; files: Map<string, string> }>();
  const built: BuiltHistory['commits'] = [];
  for (const commit of commits) {
    const base =
      heads.get(commit.branch) ?? (commit.branch === 'main' ? undefined : heads.get(commit.from ?? 'main'));
    const files = new Map(base?.files ?? []);
    const parents = base ? [base.sha] : [];
    if (commit.merge) {
      const other = heads.get(commit.merge);
      if (!other) throw new Error(`seed history: merge of unknown branch ${commit.merge}`);
      for (const [path, content] of other.files) files.set(path, content);
      parents.push(other.sha);
    }
    for (const [path, content] of Object.entries(commit.files ?? {})) {
      if (content === null) files.delete(path);
      else files.set(path, content);
    }
    const tree = writeTree(files, add);
    const who: Signature = { ...commit.author, at: commit.at };
    const object = commitObject({ tree, parents, author: who, committer: who, message: commit.message });
    add(object);
    heads.set(commit.branch, { sha: object.sha, files });
    built.push({ sha: object.sha, commit, parents });
  }
  const refs = new Map<string, string>();
  for (const [branch, head] of heads) refs.set(`refs/heads/${branch}`, head.sha);
  for (const tag of tags) {
    const target = built[tag.commit];
    if (!target) throw new Error(`seed history: tag ${tag.name} names no commit`);
    refs.set(`refs/tags/${tag.name}`, target.sha);
  }
  return { objects, refs, commits: built };
}
