import { Hono } from 'hono';
import { z } from 'zod';
import type { GithubDeps } from '../deps.js';
import { resolveRevision } from '../git/commits.js';
import { GithubError, notFound, validationFailed } from '../github-error.js';
import { recordRefChanges } from '../refs.js';
import { iso, nodeId, simpleUser } from '../render.js';
import type { GithubEnv } from '../route-env.js';
import { type AccountRow, findIssue, type RepoRow } from '../store.js';
import { HOOK_EVENTS, type HookRow, hookView } from '../webhooks.js';
import { bodyOf, type Ctx, nowDate, numberParam, repoFor, urls } from './common.js';

interface ReleaseRow {
  id: number;
  tag_name: string;
  target_commitish: string;
  name: string | null;
  body: string | null;
  draft: boolean;
  prerelease: boolean;
  created_at: Date;
  published_at: Date | null;
  author: AccountRow;
}

function releaseView(c: Ctx, repo: RepoRow, r: ReleaseRow) {
  const full = `${repo.owner.login}/${repo.name}`;
  const url = `${c.get('api')}/repos/${full}/releases/${r.id}`;
  return {
    url,
    html_url: `${c.get('web')}/${full}/releases/tag/${r.tag_name}`,
    assets_url: `${url}/assets`,
    upload_url: `${c.get('web')}/api/uploads/repos/${full}/releases/${r.id}/assets{?name,label}`,
    tarball_url: `${c.get('api')}/repos/${full}/tarball/${r.tag_name}`,
    zipball_url: `${c.get('api')}/repos/${full}/zipball/${r.tag_name}`,
    id: r.id,
    node_id: nodeId('Release', r.id),
    tag_name: r.tag_name,
    target_commitish: r.target_commitish,
    name: r.name,
    body: r.body,
    draft: r.draft,
    prerelease: r.prerelease,
    immutable: false,
    created_at: iso(r.created_at),
    published_at: iso(r.published_at),
    author: simpleUser(urls(c), r.author),
    assets: [],
  };
}

const REACTIONS = ['+1', '-1', 'laugh', 'confused', 'heart', 'hooray', 'rocket', 'eyes'] as const;

export function extraRoutes(deps: GithubDeps) {
  const app = new Hono<GithubEnv>();

  // Releases.
  const releases = async (repo: RepoRow, where = '', params: unknown[] = []) =>
    (
      await deps.pool.query<ReleaseRow>(
        `SELECT r.*, to_jsonb(a) AS author FROM releases r JOIN accounts a ON a.id = r.author_id
         WHERE r.repo_id = $1 ${where} ORDER BY r.created_at DESC, r.id DESC`,
        [repo.id, ...params],
      )
    ).rows;
  app.get('/repos/:owner/:repo/releases', async (c) => {
    const repo = await repoFor(c, deps);
    const { pageList } = await import('../pagination.js');
    return c.json(
      pageList(
        c,
        (await releases(repo)).map((r) => releaseView(c, repo, r)),
        c.get('api'),
      ),
    );
  });
  app.get('/repos/:owner/:repo/releases/latest', async (c) => {
    const repo = await repoFor(c, deps);
    const latest = (await releases(repo, 'AND NOT r.draft AND NOT r.prerelease'))[0];
    if (!latest) throw notFound();
    return c.json(releaseView(c, repo, latest));
  });
  app.get('/repos/:owner/:repo/releases/tags/:tag', async (c) => {
    const repo = await repoFor(c, deps);
    const found = (await releases(repo, 'AND r.tag_name = $2', [c.req.param('tag')]))[0];
    if (!found) throw notFound();
    return c.json(releaseView(c, repo, found));
  });
  app.get('/repos/:owner/:repo/releases/:id', async (c) => {
    const repo = await repoFor(c, deps);
    const found = (await releases(repo, 'AND r.id = $2', [Number(c.req.param('id')) || 0]))[0];
    if (!found) throw notFound();
    return c.json(releaseView(c, repo, found));
  });
  const releaseBody = z.object({
    tag_name: z.string(),
    target_commitish: z.string().optional(),
    name: z.string().nullish(),
    body: z.string().nullish(),
    draft: z.boolean().optional(),
    prerelease: z.boolean().optional(),
  });
  app.post('/repos/:owner/:repo/releases', async (c) => {
    const repo = await repoFor(c, deps, 'push');
    const body = bodyOf(c, 'Release', releaseBody);
    if ((await releases(repo, 'AND r.tag_name = $2', [body.tag_name])).length > 0)
      throw validationFailed({ resource: 'Release', code: 'already_exists', field: 'tag_name' });
    const target = body.target_commitish ?? repo.default_branch;
    // A release of a new tag makes the tag, at the target's head (not for drafts, as on GitHub).
    const tagRef = `refs/tags/${body.tag_name}`;
    const existingTag = await resolveRevision(deps.git, repo, tagRef);
    if (!existingTag && !body.draft) {
      const sha = await resolveRevision(deps.git, repo, target);
      if (!sha) throw validationFailed({ resource: 'Release', code: 'invalid', field: 'target_commitish' });
      await recordRefChanges(
        deps,
        repo,
        [{ name: tagRef, before: null, after: sha }],
        c.get('viewer'),
        urls(c),
        { onDisk: false },
      );
    }
    const now = nowDate(deps);
    const { rows } = await deps.pool.query<{ id: number }>(
      `INSERT INTO releases (repo_id, tag_name, target_commitish, name, body, draft, prerelease, author_id, created_at, published_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
      [
        repo.id,
        body.tag_name,
        target,
        body.name ?? null,
        body.body ?? null,
        body.draft === true,
        body.prerelease === true,
        c.get('viewer').id,
        now,
        body.draft ? null : now,
      ],
    );
    return c.json(
      releaseView(c, repo, (await releases(repo, 'AND r.id = $2', [rows[0]?.id]))[0] as ReleaseRow),
      201,
    );
  });
  app.patch('/repos/:owner/:repo/releases/:id', async (c) => {
    const repo = await repoFor(c, deps, 'push');
    const found = (await releases(repo, 'AND r.id = $2', [Number(c.req.param('id')) || 0]))[0];
    if (!found) throw notFound();
    const body = bodyOf(c, 'Release', releaseBody.partial());
    const draft = body.draft ?? found.draft;
    await deps.pool.query(
      'UPDATE releases SET tag_name = $2, name = $3, body = $4, draft = $5, prerelease = $6, published_at = $7 WHERE id = $1',
      [
        found.id,
        body.tag_name ?? found.tag_name,
        body.name === undefined ? found.name : body.name,
        body.body === undefined ? found.body : body.body,
        draft,
        body.prerelease ?? found.prerelease,
        draft ? null : (found.published_at ?? nowDate(deps)),
      ],
    );
    return c.json(releaseView(c, repo, (await releases(repo, 'AND r.id = $2', [found.id]))[0] as ReleaseRow));
  });
  app.delete('/repos/:owner/:repo/releases/:id', async (c) => {
    const repo = await repoFor(c, deps, 'push');
    const { rowCount } = await deps.pool.query('DELETE FROM releases WHERE repo_id = $1 AND id = $2', [
      repo.id,
      Number(c.req.param('id')) || 0,
    ]);
    if (!rowCount) throw notFound();
    return c.body(null, 204);
  });

  // Reactions on issues, issue comments and review comments.
  interface ReactionRow {
    id: number;
    content: string;
    created_at: Date;
    user: AccountRow;
  }
  const reactionView = (c: Ctx, r: ReactionRow) => ({
    id: r.id,
    node_id: nodeId('Reaction', r.id),
    user: simpleUser(urls(c), r.user),
    content: r.content,
    created_at: iso(r.created_at),
  });
  const subjectOf = async (c: Ctx, repo: RepoRow, kind: 'issue' | 'comment' | 'review_comment') => {
    if (kind === 'issue') return (await findIssue(deps.pool, repo.id, numberParam(c))).id;
    const id = Number(c.req.param('id')) || 0;
    const sql =
      kind === 'comment'
        ? 'SELECT c.id FROM comments c JOIN issues i ON i.id = c.issue_id WHERE c.id = $1 AND i.repo_id = $2'
        : 'SELECT rc.id FROM review_comments rc JOIN pulls p ON p.id = rc.pull_id JOIN issues i ON i.id = p.issue_id WHERE rc.id = $1 AND i.repo_id = $2';
    const { rows } = await deps.pool.query<{ id: number }>(sql, [id, repo.id]);
    if (!rows[0]) throw notFound();
    return rows[0].id;
  };
  const reactionsOf = async (kind: string, subject: number) =>
    (
      await deps.pool.query<ReactionRow>(
        'SELECT r.*, to_jsonb(a) AS user FROM reactions r JOIN accounts a ON a.id = r.user_id WHERE r.subject_type = $1 AND r.subject_id = $2 ORDER BY r.id',
        [kind, subject],
      )
    ).rows;
  for (const [path, kind] of [
    ['/repos/:owner/:repo/issues/:number/reactions', 'issue'],
    ['/repos/:owner/:repo/issues/comments/:id/reactions', 'comment'],
    ['/repos/:owner/:repo/pulls/comments/:id/reactions', 'review_comment'],
  ] as const) {
    app.get(path, async (c) => {
      const repo = await repoFor(c, deps);
      const content = c.req.query('content');
      const list = (await reactionsOf(kind, await subjectOf(c, repo, kind))).filter(
        (r) => !content || r.content === content,
      );
      return c.json(list.map((r) => reactionView(c, r)));
    });
    app.post(path, async (c) => {
      const repo = await repoFor(c, deps);
      const subject = await subjectOf(c, repo, kind);
      const { content } = bodyOf(c, 'Reaction', z.object({ content: z.enum(REACTIONS) }));
      const viewer = c.get('viewer');
      const existing = (await reactionsOf(kind, subject)).find(
        (r) => r.user.id === viewer.id && r.content === content,
      );
      if (existing) return c.json(reactionView(c, existing), 200);
      await deps.pool.query(
        'INSERT INTO reactions (subject_type, subject_id, user_id, content, created_at) VALUES ($1, $2, $3, $4, $5)',
        [kind, subject, viewer.id, content, nowDate(deps)],
      );
      const made = (await reactionsOf(kind, subject)).find(
        (r) => r.user.id === viewer.id && r.content === content,
      ) as ReactionRow;
      return c.json(reactionView(c, made), 201);
    });
    app.delete(`${path}/:reaction`, async (c) => {
      const repo = await repoFor(c, deps);
      const subject = await subjectOf(c, repo, kind);
      await deps.pool.query(
        'DELETE FROM reactions WHERE subject_type = $1 AND subject_id = $2 AND id = $3 AND user_id = $4',
        [kind, subject, Number(c.req.param('reaction')) || 0, c.get('viewer').id],
      );
      return c.body(null, 204);
    });
  }

  // Repository webhooks.
  const hookBody = z.object({
    name: z.string().optional(),
    config: z.object({
      url: z.string().url(),
      content_type: z.enum(['json', 'form']).optional(),
      secret: z.string().optional(),
      insecure_ssl: z.union([z.string(), z.number()]).transform(String).optional(),
    }),
    events: z.array(z.enum([...HOOK_EVENTS, '*'])).optional(),
    active: z.boolean().optional(),
  });
  const hooksOf = async (repo: RepoRow) =>
    (await deps.pool.query<HookRow>('SELECT * FROM hooks WHERE repo_id = $1 ORDER BY id', [repo.id])).rows;
  const hookOf = async (repo: RepoRow, id: string) => {
    const found = (await hooksOf(repo)).find((h) => String(h.id) === id);
    if (!found) throw notFound();
    return found;
  };
  app.get('/repos/:owner/:repo/hooks', async (c) => {
    const repo = await repoFor(c, deps, 'admin');
    return c.json((await hooksOf(repo)).map((h) => hookView(urls(c), repo.owner.login, repo.name, h)));
  });
  app.post('/repos/:owner/:repo/hooks', async (c) => {
    const repo = await repoFor(c, deps, 'admin');
    const body = bodyOf(c, 'Hook', hookBody);
    const now = nowDate(deps);
    const { rows } = await deps.pool.query<HookRow>(
      'INSERT INTO hooks (repo_id, events, active, config, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING *',
      [repo.id, body.events ?? ['push'], body.active ?? true, body.config, now],
    );
    return c.json(hookView(urls(c), repo.owner.login, repo.name, rows[0] as HookRow), 201);
  });
  app.get('/repos/:owner/:repo/hooks/:id', async (c) => {
    const repo = await repoFor(c, deps, 'admin');
    return c.json(hookView(urls(c), repo.owner.login, repo.name, await hookOf(repo, c.req.param('id'))));
  });
  app.patch('/repos/:owner/:repo/hooks/:id', async (c) => {
    const repo = await repoFor(c, deps, 'admin');
    const hook = await hookOf(repo, c.req.param('id'));
    const body = bodyOf(
      c,
      'Hook',
      hookBody.partial().extend({
        add_events: z.array(z.string()).optional(),
        remove_events: z.array(z.string()).optional(),
      }),
    );
    let events = body.events ?? hook.events;
    if (body.add_events) events = [...new Set([...events, ...body.add_events])];
    if (body.remove_events) events = events.filter((e) => !body.remove_events?.includes(e));
    const { rows } = await deps.pool.query<HookRow>(
      'UPDATE hooks SET events = $2, active = $3, config = $4, updated_at = $5 WHERE id = $1 RETURNING *',
      [
        hook.id,
        events,
        body.active ?? hook.active,
        body.config ? { ...hook.config, ...body.config } : hook.config,
        nowDate(deps),
      ],
    );
    deps.hooks.forget(hook.id);
    return c.json(hookView(urls(c), repo.owner.login, repo.name, rows[0] as HookRow));
  });
  app.delete('/repos/:owner/:repo/hooks/:id', async (c) => {
    const repo = await repoFor(c, deps, 'admin');
    const hook = await hookOf(repo, c.req.param('id'));
    await deps.pool.query('DELETE FROM hooks WHERE id = $1', [hook.id]);
    deps.hooks.forget(hook.id);
    return c.body(null, 204);
  });
  app.post('/repos/:owner/:repo/hooks/:id/pings', async (c) => {
    const repo = await repoFor(c, deps, 'admin');
    await hookOf(repo, c.req.param('id'));
    return c.body(null, 204);
  });

  void GithubError;
  return app;
}
