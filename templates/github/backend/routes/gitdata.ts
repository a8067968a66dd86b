import { Hono } from 'hono';
import { z } from 'zod';
import type { GithubDeps } from '../deps.js';
import { readCommit } from '../git/commits.js';
import { runGit } from '../git/git-process.js';
import { GithubError, notFound } from '../github-error.js';
import { recordRefChanges } from '../refs.js';
import { nodeId } from '../render.js';
import { gitCommit } from '../render-git.js';
import type { GithubEnv } from '../route-env.js';
import type { RepoRow } from '../store.js';
import { identityOf, removeFromIndex, writeBlob, writeCommit } from '../write-commits.js';
import { bodyOf, type Ctx, repoFor, urls } from './common.js';
import { lsTree } from './contents.js';

const SHA = /^[0-9a-f]{40}$/;

function refView(c: Ctx, repo: RepoRow, name: string, sha: string, type = 'commit') {
  const base = `${c.get('api')}/repos/${repo.owner.login}/${repo.name}`;
  return {
    ref: name,
    node_id: nodeId('Ref', `${repo.id}:${name}`),
    url: `${base}/git/${name}`,
    object: { sha, type, url: `${base}/git/${type === 'tag' ? 'tags' : 'commits'}/${sha}` },
  };
}

export function gitDataRoutes(deps: GithubDeps) {
  const app = new Hono<GithubEnv>();

  const refsMatching = async (repo: RepoRow, prefix: string) => {
    const { rows } = await deps.pool.query<{ name: string; sha: string }>(
      "SELECT name, sha FROM git_refs WHERE repo_id = $1 AND name LIKE $2 || '%' AND name NOT LIKE 'refs/pull/%' ORDER BY name COLLATE \"C\"",
      [repo.id, prefix],
    );
    return rows;
  };

  app.get('/repos/:owner/:repo/git/ref/:ref{.+}', async (c) => {
    const repo = await repoFor(c, deps);
    const name = `refs/${c.req.param('ref')}`;
    const found = (await refsMatching(repo, name)).find((r) => r.name === name);
    if (!found) throw notFound();
    return c.json(refView(c, repo, found.name, found.sha));
  });
  app.get('/repos/:owner/:repo/git/matching-refs/:ref{.*}', async (c) => {
    const repo = await repoFor(c, deps);
    return c.json(
      (await refsMatching(repo, `refs/${c.req.param('ref')}`)).map((r) => refView(c, repo, r.name, r.sha)),
    );
  });
  app.get('/repos/:owner/:repo/git/refs', async (c) => {
    const repo = await repoFor(c, deps);
    return c.json((await refsMatching(repo, 'refs/')).map((r) => refView(c, repo, r.name, r.sha)));
  });
  app.get('/repos/:owner/:repo/git/refs/:ref{.+}', async (c) => {
    const repo = await repoFor(c, deps);
    const name = `refs/${c.req.param('ref')}`;
    const list = await refsMatching(repo, name);
    const exact = list.find((r) => r.name === name);
    if (exact) return c.json(refView(c, repo, exact.name, exact.sha));
    if (list.length === 0) throw notFound();
    return c.json(list.map((r) => refView(c, repo, r.name, r.sha)));
  });

  const isCommit = async (repo: RepoRow, sha: string) => (await readCommit(deps.git, repo, sha)) !== null;

  app.post('/repos/:owner/:repo/git/refs', async (c) => {
    const repo = await repoFor(c, deps, 'push');
    const body = bodyOf(c, 'Reference', z.object({ ref: z.string(), sha: z.string() }));
    if (!/^refs\/[^\s~^:?*[\\]+$/.test(body.ref) || body.ref.split('/').length < 3 || body.ref.endsWith('/'))
      throw new GithubError(422, 'Reference name is not valid');
    if (!SHA.test(body.sha) || !(await isCommit(repo, body.sha)))
      throw new GithubError(422, 'Object does not exist');
    if ((await refsMatching(repo, body.ref)).some((r) => r.name === body.ref))
      throw new GithubError(422, 'Reference already exists');
    await recordRefChanges(
      deps,
      repo,
      [{ name: body.ref, before: null, after: body.sha }],
      c.get('viewer'),
      urls(c),
      { onDisk: false },
    );
    return c.json(refView(c, repo, body.ref, body.sha), 201);
  });

  app.patch('/repos/:owner/:repo/git/refs/:ref{.+}', async (c) => {
    const repo = await repoFor(c, deps, 'push');
    const name = `refs/${c.req.param('ref')}`;
    const body = bodyOf(c, 'Reference', z.object({ sha: z.string(), force: z.boolean().optional() }));
    const current = (await refsMatching(repo, name)).find((r) => r.name === name);
    if (!current) throw new GithubError(422, 'Reference does not exist');
    if (!SHA.test(body.sha) || !(await isCommit(repo, body.sha)))
      throw new GithubError(422, 'Object does not exist');
    if (!body.force) {
      const dir = await deps.git.ensure(repo);
      const { code } = await runGit(
        ['--git-dir', dir, 'merge-base', '--is-ancestor', current.sha, body.sha],
        { okCodes: [1] },
      );
      if (code !== 0) throw new GithubError(422, 'Update is not a fast forward');
    }
    await recordRefChanges(
      deps,
      repo,
      [{ name, before: current.sha, after: body.sha }],
      c.get('viewer'),
      urls(c),
      { onDisk: false },
    );
    return c.json(refView(c, repo, name, body.sha));
  });

  app.delete('/repos/:owner/:repo/git/refs/:ref{.+}', async (c) => {
    const repo = await repoFor(c, deps, 'push');
    const name = `refs/${c.req.param('ref')}`;
    const current = (await refsMatching(repo, name)).find((r) => r.name === name);
    if (!current) throw new GithubError(422, 'Reference does not exist');
    await recordRefChanges(
      deps,
      repo,
      [{ name, before: current.sha, after: null }],
      c.get('viewer'),
      urls(c),
      { onDisk: false },
    );
    return c.body(null, 204);
  });

  app.get('/repos/:owner/:repo/git/commits/:sha', async (c) => {
    const repo = await repoFor(c, deps);
    const commit = await readCommit(deps.git, repo, c.req.param('sha'));
    if (!commit) throw notFound();
    return c.json(gitCommit(urls(c), repo, commit));
  });

  const person = z.object({ name: z.string(), email: z.string(), date: z.string().optional() });
  app.post('/repos/:owner/:repo/git/commits', async (c) => {
    const repo = await repoFor(c, deps, 'push');
    const body = bodyOf(
      c,
      'Commit',
      z.object({
        message: z.string(),
        tree: z.string(),
        parents: z.array(z.string()).optional(),
        author: person.optional(),
        committer: person.optional(),
      }),
    );
    const [tree] = await deps.git.readObjects(repo, [body.tree]);
    if (tree?.type !== 'tree') throw new GithubError(422, 'Tree SHA does not exist');
    for (const parent of body.parents ?? [])
      if (!(await isCommit(repo, parent)))
        throw new GithubError(422, 'Parent SHA does not exist or is not a commit object');
    const who = identityOf(c.get('viewer'));
    const author = body.author ?? who;
    const date = body.author?.date ? `${Math.floor(Date.parse(body.author.date) / 1000)} +0000` : undefined;
    const sha = await writeCommit(deps, repo, {
      tree: body.tree,
      parents: body.parents ?? [],
      message: body.message,
      author,
      committer: body.committer ?? author,
      ...(date ? { date } : {}),
    });
    // Kept now: a ref may point at it later, from anywhere.
    await deps.git.keep(repo, [sha], []);
    const commit = await readCommit(deps.git, repo, sha);
    return c.json(gitCommit(urls(c), repo, commit as NonNullable<typeof commit>), 201);
  });

  app.get('/repos/:owner/:repo/git/trees/:sha', async (c) => {
    const repo = await repoFor(c, deps);
    const recursive =
      c.req.query('recursive') !== undefined &&
      c.req.query('recursive') !== '0' &&
      c.req.query('recursive') !== 'false';
    const sha = c.req.param('sha');
    const [object] = await deps.git.readObjects(repo, [sha]);
    if (!object || object.type === 'missing' || object.type === 'blob') throw notFound();
    const treeSha =
      object.type === 'commit'
        ? (/^tree ([0-9a-f]{40})/.exec(object.body.toString('utf8'))?.[1] ?? sha)
        : object.sha;
    const items = await lsTree(deps, repo, treeSha, recursive ? ['-r', '-t'] : []);
    const base = `${c.get('api')}/repos/${repo.owner.login}/${repo.name}/git`;
    return c.json({
      sha: treeSha,
      url: `${base}/trees/${treeSha}`,
      tree: items.map((item) => ({
        path: item.path,
        mode: item.mode,
        type: item.type,
        sha: item.sha,
        ...(item.type === 'blob' ? { size: item.size ?? 0 } : {}),
        url: `${base}/${item.type === 'tree' ? 'trees' : 'blobs'}/${item.sha}`,
      })),
      truncated: false,
    });
  });

  app.post('/repos/:owner/:repo/git/trees', async (c) => {
    const repo = await repoFor(c, deps, 'push');
    const body = bodyOf(
      c,
      'Tree',
      z.object({
        base_tree: z.string().optional(),
        tree: z.array(
          z.object({
            path: z.string(),
            mode: z.enum(['100644', '100755', '040000', '160000', '120000']),
            type: z.enum(['blob', 'tree', 'commit']),
            sha: z.string().nullish(),
            content: z.string().optional(),
          }),
        ),
      }),
    );
    const dir = await deps.git.ensure(repo);
    const { randomBytes } = await import('node:crypto');
    const { rm } = await import('node:fs/promises');
    const index = `${dir}/index-${randomBytes(6).toString('hex')}`;
    const env = { GIT_INDEX_FILE: index };
    try {
      if (body.base_tree)
        await deps.git.git(repo, ['read-tree', body.base_tree], { env }).catch(() => {
          throw new GithubError(422, 'base_tree is not a valid tree oid');
        });
      for (const entry of body.tree) {
        if (entry.sha === null) {
          await removeFromIndex(deps, repo, entry.path, env);
          continue;
        }
        if (entry.type === 'tree') {
          await deps.git.git(repo, ['read-tree', `--prefix=${entry.path}/`, entry.sha ?? ''], { env });
          continue;
        }
        const sha =
          entry.content !== undefined
            ? await writeBlob(deps, repo, Buffer.from(entry.content, 'utf8'))
            : entry.sha;
        if (!sha) throw new GithubError(422, 'Must supply either tree.sha or tree.content');
        await deps.git.git(
          repo,
          ['update-index', '--add', '--cacheinfo', `${entry.mode},${sha},${entry.path}`],
          { env },
        );
      }
      const tree = (await deps.git.git(repo, ['write-tree'], { env })).toString('utf8').trim();
      const items = await lsTree(deps, repo, tree);
      const base = `${c.get('api')}/repos/${repo.owner.login}/${repo.name}/git`;
      return c.json(
        {
          sha: tree,
          url: `${base}/trees/${tree}`,
          tree: items.map((item) => ({
            path: item.path,
            mode: item.mode,
            type: item.type,
            sha: item.sha,
            ...(item.type === 'blob' ? { size: item.size ?? 0 } : {}),
            url: `${base}/${item.type === 'tree' ? 'trees' : 'blobs'}/${item.sha}`,
          })),
          truncated: false,
        },
        201,
      );
    } finally {
      await rm(index, { force: true });
    }
  });

  app.get('/repos/:owner/:repo/git/blobs/:sha', async (c) => {
    const repo = await repoFor(c, deps);
    const [blob] = await deps.git.readObjects(repo, [c.req.param('sha')]);
    if (blob?.type !== 'blob') throw notFound();
    return c.json({
      content: (blob.body.toString('base64').match(/.{1,60}/g) ?? []).join('\n'),
      encoding: 'base64',
      url: `${c.get('api')}/repos/${repo.owner.login}/${repo.name}/git/blobs/${blob.sha}`,
      sha: blob.sha,
      size: blob.body.length,
      node_id: nodeId('Blob', blob.sha),
    });
  });

  app.post('/repos/:owner/:repo/git/blobs', async (c) => {
    const repo = await repoFor(c, deps, 'push');
    const body = bodyOf(
      c,
      'Blob',
      z.object({ content: z.string(), encoding: z.enum(['utf-8', 'base64']).optional() }),
    );
    const sha = await writeBlob(
      deps,
      repo,
      Buffer.from(body.content, body.encoding === 'base64' ? 'base64' : 'utf8'),
    );
    return c.json(
      { url: `${c.get('api')}/repos/${repo.owner.login}/${repo.name}/git/blobs/${sha}`, sha },
      201,
    );
  });

  return app;
}
