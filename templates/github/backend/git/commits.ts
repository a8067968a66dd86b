import type { GitStore, RepoHandle } from './store.js';

export interface GitPerson {
  name: string;
  email: string;
  date: string;
}

export interface ParsedCommit {
  sha: string;
  tree: string;
  parents: string[];
  author: GitPerson;
  committer: GitPerson;
  message: string;
}

const FORMAT = '%H%x1f%T%x1f%P%x1f%an%x1f%ae%x1f%aI%x1f%cn%x1f%ce%x1f%cI%x1f%B%x1e';

const utc = (date: string) => new Date(date).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** `git log` with `args` (revisions, `-n`, `--skip`, `-- path`), parsed. */
export async function logCommits(
  git: GitStore,
  repo: RepoHandle,
  args: readonly string[],
): Promise<ParsedCommit[]> {
  const out = await git.git(repo, ['log', `--format=${FORMAT}`, ...args]);
  return out
    .toString('utf8')
    .split('\x1e')
    .map((record) => record.replace(/^\n/, ''))
    .filter((record) => record.length > 0)
    .map((record) => {
      const [sha, tree, parents, an, ae, ad, cn, ce, cd, message] = record.split('\x1f');
      return {
        sha: sha ?? '',
        tree: tree ?? '',
        parents: parents ? parents.split(' ').filter(Boolean) : [],
        author: { name: an ?? '', email: ae ?? '', date: utc(ad ?? '') },
        committer: { name: cn ?? '', email: ce ?? '', date: utc(cd ?? '') },
        message: (message ?? '').replace(/\n+$/, ''),
      };
    });
}

export async function readCommit(git: GitStore, repo: RepoHandle, sha: string): Promise<ParsedCommit | null> {
  if (!/^[0-9a-f]{4,40}$/i.test(sha)) return null;
  try {
    const [commit] = await logCommits(git, repo, ['-n', '1', '--no-walk', sha]);
    return commit ?? null;
  } catch {
    return null;
  }
}

/** A revision (branch, tag, SHA, `HEAD`) resolved to a commit SHA, or null. */
export async function resolveRevision(
  git: GitStore,
  repo: RepoHandle,
  revision: string,
): Promise<string | null> {
  if (!/^[A-Za-z0-9._/\-^~]+$/.test(revision) || revision.startsWith('-')) return null;
  try {
    const out = await git.git(repo, ['rev-parse', '--verify', '--quiet', `${revision}^{commit}`]);
    const sha = out.toString('utf8').trim();
    return /^[0-9a-f]{40}$/.test(sha) ? sha : null;
  } catch {
    return null;
  }
}

export interface FileChange {
  filename: string;
  status: 'added' | 'removed' | 'modified' | 'renamed';
  additions: number;
  deletions: number;
  changes: number;
  patch: string;
  sha: string;
  previous_filename?: string;
}

/** What changed between two commits (`base` null: against the empty tree), with patches. */
export async function diffFiles(
  git: GitStore,
  repo: RepoHandle,
  base: string | null,
  head: string,
): Promise<FileChange[]> {
  const from = base ?? '4b825dc642cb6eb9a060e54bf8d69288fbee4904';
  const numstat = (await git.git(repo, ['diff', '--numstat', '-M', from, head])).toString('utf8');
  const status = (await git.git(repo, ['diff', '--name-status', '-M', from, head])).toString('utf8');
  const tree = (await git.git(repo, ['ls-tree', '-r', head])).toString('utf8');
  const blobs = new Map<string, string>();
  for (const line of tree.split('\n')) {
    const match = /^\d+ blob ([0-9a-f]{40})\t(.+)$/.exec(line);
    if (match?.[1] && match[2]) blobs.set(match[2], match[1]);
  }
  const statuses = status
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('\t'));
  const files: FileChange[] = [];
  for (const [index, line] of numstat.split('\n').filter(Boolean).entries()) {
    const [added, removed] = line.split('\t');
    const entry = statuses[index] ?? [];
    const code = entry[0]?.[0] ?? 'M';
    const filename = (code === 'R' ? entry[2] : entry[1]) ?? '';
    const patchOut = await git.git(repo, [
      'diff',
      '-M',
      '--format=',
      from,
      head,
      '--',
      ...(code === 'R' && entry[1] ? [entry[1]] : []),
      filename,
    ]);
    const text = patchOut.toString('utf8');
    const hunk = text.startsWith('@@') ? 0 : text.indexOf('\n@@') + 1;
    const patch = hunk > 0 || text.startsWith('@@') ? text.slice(hunk).replace(/\n$/, '') : '';
    const additions = Number(added) || 0;
    const deletions = Number(removed) || 0;
    files.push({
      filename,
      status: code === 'A' ? 'added' : code === 'D' ? 'removed' : code === 'R' ? 'renamed' : 'modified',
      additions,
      deletions,
      changes: additions + deletions,
      patch,
      sha: blobs.get(filename) ?? '0000000000000000000000000000000000000000',
      ...(code === 'R' && entry[1] ? { previous_filename: entry[1] } : {}),
    });
  }
  return files;
}
