import type { FileChange, ParsedCommit } from './git/commits.js';
import { maybeUser, nodeId, type Urls } from './render.js';
import type { AccountRow, RepoRow } from './store.js';

/** Accounts by email, so commits link to the people who made them. */
export type AuthorLookup = (email: string) => AccountRow | undefined;

const verification = {
  verified: false,
  reason: 'unsigned',
  signature: null,
  payload: null,
  verified_at: null,
};

export function gitCommit(u: Urls, repo: RepoRow, c: ParsedCommit) {
  const url = `${u.api}/repos/${repo.owner.login}/${repo.name}/git/commits/${c.sha}`;
  return {
    sha: c.sha,
    node_id: nodeId('Commit', c.sha),
    url,
    html_url: `${u.web}/${repo.owner.login}/${repo.name}/commit/${c.sha}`,
    author: c.author,
    committer: c.committer,
    message: c.message,
    tree: { sha: c.tree, url: `${u.api}/repos/${repo.owner.login}/${repo.name}/git/trees/${c.tree}` },
    parents: c.parents.map((sha) => ({
      sha,
      url: `${u.api}/repos/${repo.owner.login}/${repo.name}/git/commits/${sha}`,
      html_url: `${u.web}/${repo.owner.login}/${repo.name}/commit/${sha}`,
    })),
    verification,
  };
}

export function fileEntry(u: Urls, repo: RepoRow, ref: string, f: FileChange) {
  const full = `${repo.owner.login}/${repo.name}`;
  return {
    sha: f.sha,
    filename: f.filename,
    status: f.status,
    additions: f.additions,
    deletions: f.deletions,
    changes: f.changes,
    blob_url: `${u.web}/${full}/blob/${ref}/${f.filename}`,
    raw_url: `${u.web}/${full}/raw/${ref}/${f.filename}`,
    contents_url: `${u.api}/repos/${full}/contents/${f.filename}?ref=${ref}`,
    patch: f.patch,
    ...(f.previous_filename ? { previous_filename: f.previous_filename } : {}),
  };
}

/** A commit as `/repos/{o}/{r}/commits` renders it; `files` only for a single commit. */
export function repoCommit(
  u: Urls,
  repo: RepoRow,
  c: ParsedCommit,
  people: AuthorLookup,
  files?: FileChange[],
) {
  const full = `${repo.owner.login}/${repo.name}`;
  const url = `${u.api}/repos/${full}/commits/${c.sha}`;
  return {
    url,
    sha: c.sha,
    node_id: nodeId('Commit', c.sha),
    html_url: `${u.web}/${full}/commit/${c.sha}`,
    comments_url: `${url}/comments`,
    commit: {
      url: `${u.api}/repos/${full}/git/commits/${c.sha}`,
      author: c.author,
      committer: c.committer,
      message: c.message,
      tree: { sha: c.tree, url: `${u.api}/repos/${full}/git/trees/${c.tree}` },
      comment_count: 0,
      verification,
    },
    author: maybeUser(u, people(c.author.email)),
    committer: maybeUser(u, people(c.committer.email)),
    parents: c.parents.map((sha) => ({
      sha,
      url: `${u.api}/repos/${full}/commits/${sha}`,
      html_url: `${u.web}/${full}/commit/${sha}`,
    })),
    ...(files
      ? {
          stats: {
            additions: files.reduce((n, f) => n + f.additions, 0),
            deletions: files.reduce((n, f) => n + f.deletions, 0),
            total: files.reduce((n, f) => n + f.changes, 0),
          },
          files: files.map((f) => fileEntry(u, repo, c.sha, f)),
        }
      : {}),
  };
}
