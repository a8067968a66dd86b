import { Hono } from 'hono';
import { z } from 'zod';
import type { GithubDeps } from '../deps.js';
import { readCommit, resolveRevision } from '../git/commits.js';
import { GithubError, notFound, validationFailed } from '../github-error.js';
import { gitCommit } from '../render-git.js';
import type { GithubEnv } from '../route-env.js';
import type { RepoRow } from '../store.js';
import { commitFiles, type Identity } from '../write-commits.js';
import { bodyOf, type Ctx, repoFor, urls } from './common.js';

interface TreeItem {
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  sha: string;
  size: number | null;
  path: string;
}

/** `git ls-tree -l` parsed: the entries of `treeish`, or the one entry at `path`. */
export async function lsTree(
  deps: GithubDeps,
  repo: RepoRow,
  treeish: string,
  args: string[] = [],
): Promise<TreeItem[]> {
  const split = args.indexOf('--');
  const flags = split < 0 ? args : args.slice(0, split);
  const paths = split < 0 ? [] : args.slice(split);
  const out = await deps.git.git(repo, ['ls-tree', '-l', '-z', ...flags, treeish, ...paths]);
  return out
    .toString('utf8')
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf('\t');
      const [mode, type, sha, size] = line.slice(0, tab).split(/\s+/);
      return {
        mode: mode ?? '100644',
        type: (type ?? 'blob') as TreeItem['type'],
        sha: sha ?? '',
        size: size === '-' || size === undefined ? null : Number(size),
        path: line.slice(tab + 1),
      };
    });
}

/** Base64 with a newline every 60 characters, as the contents API sends it. */
const wrapped = (data: Buffer) =>
  (data.toString('base64').match(/.{1,60}/g) ?? []).join('\n').concat(data.length ? '\n' : '');

function entryView(c: Ctx, repo: RepoRow, ref: string, item: TreeItem) {
  const full = `${repo.owner.login}/${repo.name}`;
  const type =
    item.type === 'tree'
      ? 'dir'
      : item.type === 'commit'
        ? 'submodule'
        : item.mode === '120000'
          ? 'symlink'
          : 'file';
  const self = `${c.get('api')}/repos/${full}/contents/${item.path}?ref=${ref}`;
  const git = `${c.get('api')}/repos/${full}/git/${item.type === 'tree' ? 'trees' : 'blobs'}/${item.sha}`;
  const html = `${c.get('web')}/${full}/${item.type === 'tree' ? 'tree' : 'blob'}/${ref}/${item.path}`;
  return {
    type,
    size: item.size ?? 0,
    name: item.path.split('/').pop() ?? item.path,
    path: item.path,
    sha: item.sha,
    url: self,
    git_url: git,
    html_url: html,
    download_url: type === 'file' ? `${c.get('web')}/${full}/raw/${ref}/${item.path}` : null,
    _links: { self, git, html },
  };
}

export async function fileAt(deps: GithubDeps, repo: RepoRow, commit: string, path: string) {
  const [item] = await lsTree(deps, repo, commit, ['--', path]);
  if (!item || item.path !== path) return null;
  return item;
}

const writeBody = z.object({
  message: z.string(),
  content: z.string().optional(),
  sha: z.string().optional(),
  branch: z.string().optional(),
  committer: z.object({ name: z.string(), email: z.string() }).optional(),
  author: z.object({ name: z.string(), email: z.string() }).optional(),
});

export function contentRoutes(deps: GithubDeps) {
  const app = new Hono<GithubEnv>();

  const refOf = async (c: Ctx, repo: RepoRow) => {
    const ref = c.req.query('ref') ?? repo.default_branch;
    const sha = await resolveRevision(deps.git, repo, ref);
    if (!sha) throw new GithubError(404, `No commit found for the ref ${ref}`);
    return { ref, sha };
  };

  const getContents = async (c: Ctx, path: string) => {
    const repo = await repoFor(c, deps);
    const { ref, sha } = await refOf(c, repo);
    const clean = path.replace(/^\/+|\/+$/g, '');
    if (clean === '') {
      const items = await lsTree(deps, repo, sha);
      return c.json(items.map((item) => entryView(c, repo, ref, item)));
    }
    const item = await fileAt(deps, repo, sha, clean);
    if (!item) throw notFound();
    if (item.type === 'tree') {
      const items = await lsTree(deps, repo, `${sha}:${clean}`);
      return c.json(
        items.map((child) => entryView(c, repo, ref, { ...child, path: `${clean}/${child.path}` })),
      );
    }
    const [blob] = await deps.git.readObjects(repo, [item.sha]);
    const data = blob?.body ?? Buffer.alloc(0);
    if ((c.req.header('accept') ?? '').includes('raw'))
      return c.body(new Uint8Array(data), 200, { 'Content-Type': 'application/vnd.github.raw' });
    return c.json({ ...entryView(c, repo, ref, item), content: wrapped(data), encoding: 'base64' });
  };

  app.get('/repos/:owner/:repo/readme', async (c) => {
    const repo = await repoFor(c, deps);
    const { sha } = await refOf(c, repo);
    const readme = (await lsTree(deps, repo, sha)).find((item) => /^readme(\.|$)/i.test(item.path));
    if (!readme) throw notFound();
    return getContents(c, readme.path);
  });
  app.get('/repos/:owner/:repo/contents', (c) => getContents(c, ''));
  app.get('/repos/:owner/:repo/contents/:path{.+}', (c) => getContents(c, c.req.param('path')));

  const write = async (c: Ctx, deleting: boolean) => {
    const repo = await repoFor(c, deps, 'push');
    const path = c.req.param('path')?.replace(/^\/+|\/+$/g, '') ?? '';
    const body = bodyOf(c, 'Content', writeBody);
    if (!deleting && body.content === undefined)
      throw new GithubError(422, 'Invalid request.\n\n"content" wasn\'t supplied.');
    const branch = body.branch ?? repo.default_branch;
    const head = await resolveRevision(deps.git, repo, `refs/heads/${branch}`);
    if (!head && branch !== repo.default_branch) throw new GithubError(404, `Branch ${branch} not found`);
    const existing = head ? await fileAt(deps, repo, head, path) : null;
    if (deleting && !existing) throw notFound();
    if (existing && body.sha === undefined)
      throw new GithubError(422, 'Invalid request.\n\n"sha" wasn\'t supplied.');
    if (existing && body.sha !== existing.sha)
      throw new GithubError(409, `${path} does not match ${body.sha}`);
    if (!existing && body.sha !== undefined && deleting) throw notFound();
    if (!deleting && !/^[A-Za-z0-9+/=\s]*$/.test(body.content ?? ''))
      throw validationFailed({ resource: 'Content', field: 'content', code: 'invalid' });
    const identity = (who: { name: string; email: string } | undefined): Identity | undefined => who;
    const { commit, blobs } = await commitFiles(deps, repo, c.get('viewer'), urls(c), {
      branch,
      message: body.message,
      files: [{ path, content: deleting ? null : Buffer.from(body.content ?? '', 'base64') }],
      ...(identity(body.author) ? { author: identity(body.author) } : {}),
      ...(identity(body.committer) ? { committer: identity(body.committer) } : {}),
    });
    const parsed = await readCommit(deps.git, repo, commit);
    const blob = blobs.get(path);
    const content = deleting
      ? null
      : entryView(c, repo, branch, {
          mode: '100644',
          type: 'blob',
          sha: blob ?? '',
          size: Buffer.from(body.content ?? '', 'base64').length,
          path,
        });
    return c.json(
      { content, commit: parsed ? gitCommit(urls(c), repo, parsed) : null },
      deleting ? 200 : existing ? 200 : 201,
    );
  };
  app.put('/repos/:owner/:repo/contents/:path{.+}', (c) => write(c, false));
  app.delete('/repos/:owner/:repo/contents/:path{.+}', (c) => write(c, true));

  return app;
}
