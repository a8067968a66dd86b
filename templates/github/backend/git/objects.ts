import { createHash } from 'node:crypto';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { deflateSync } from 'node:zlib';

/**
 * Git's object format, written from JavaScript: what the seed needs to build repositories
 * without running git (identical objects, so identical SHAs, on every machine and boot).
 */
export type GitObjectType = 'blob' | 'tree' | 'commit' | 'tag';

export interface GitObject {
  type: GitObjectType;
  sha: string;
  body: Buffer;
}

export function gitObject(type: GitObjectType, body: Buffer | string): GitObject {
  const data = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const header = Buffer.from(`${type} ${data.length}\0`, 'utf8');
  const sha = createHash('sha1').update(header).update(data).digest('hex');
  return { type, sha, body: data };
}

export interface TreeEntry {
  mode: '100644' | '100755' | '40000' | '120000';
  name: string;
  sha: string;
}

/** Git sorts tree entries by name, a subtree as if its name ended in "/". */
export function treeObject(entries: readonly TreeEntry[]): GitObject {
  const key = (e: TreeEntry) => (e.mode === '40000' ? `${e.name}/` : e.name);
  const sorted = [...entries].sort((a, b) => Buffer.compare(Buffer.from(key(a)), Buffer.from(key(b))));
  const parts = sorted.map((e) =>
    Buffer.concat([Buffer.from(`${e.mode} ${e.name}\0`, 'utf8'), Buffer.from(e.sha, 'hex')]),
  );
  return gitObject('tree', Buffer.concat(parts));
}

export interface Signature {
  name: string;
  email: string;
  /** Epoch seconds. */
  at: number;
}

const signature = (s: Signature) => `${s.name} <${s.email}> ${s.at} +0000`;

export function commitObject(commit: {
  tree: string;
  parents: readonly string[];
  author: Signature;
  committer: Signature;
  message: string;
}): GitObject {
  const lines = [`tree ${commit.tree}`, ...commit.parents.map((p) => `parent ${p}`)];
  lines.push(`author ${signature(commit.author)}`, `committer ${signature(commit.committer)}`);
  const message = commit.message.endsWith('\n') ? commit.message : `${commit.message}\n`;
  return gitObject('commit', `${lines.join('\n')}\n\n${message}`);
}

/**
 * Builds the trees of a file map (`path → content`) bottom up; every object made is
 * handed to `add`. Returns the root tree's SHA.
 */
export function writeTree(files: ReadonlyMap<string, string>, add: (object: GitObject) => void): string {
  interface Dir {
    files: Map<string, string>;
    dirs: Map<string, Dir>;
  }
  const root: Dir = { files: new Map(), dirs: new Map() };
  for (const [path, content] of files) {
    const parts = path.split('/');
    const name = parts.pop() as string;
    let dir = root;
    for (const part of parts) {
      let next = dir.dirs.get(part);
      if (!next) {
        next = { files: new Map(), dirs: new Map() };
        dir.dirs.set(part, next);
      }
      dir = next;
    }
    dir.files.set(name, content);
  }
  const build = (dir: Dir): string => {
    const entries: TreeEntry[] = [];
    for (const [name, content] of dir.files) {
      const blob = gitObject('blob', content);
      add(blob);
      entries.push({ mode: '100644', name, sha: blob.sha });
    }
    for (const [name, sub] of dir.dirs) entries.push({ mode: '40000', name, sha: build(sub) });
    const tree = treeObject(entries);
    add(tree);
    return tree.sha;
  };
  return build(root);
}

/** Writes a loose object into a bare repository unless it is there (objects never change). */
export async function writeLooseObject(gitDir: string, object: GitObject): Promise<void> {
  const path = join(gitDir, 'objects', object.sha.slice(0, 2), object.sha.slice(2));
  try {
    await stat(path);
    return;
  } catch {
    // not there yet
  }
  await mkdir(dirname(path), { recursive: true });
  const data = deflateSync(
    Buffer.concat([Buffer.from(`${object.type} ${object.body.length}\0`), object.body]),
  );
  // Written aside and renamed: a reader (git upload-pack) never sees half an object.
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, data);
  await rename(temp, path);
}
