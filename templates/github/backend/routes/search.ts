import { Hono } from 'hono';
import type { GithubDeps } from '../deps.js';
import { resolveRevision } from '../git/commits.js';
import { runGit } from '../git/git-process.js';
import { GithubError } from '../github-error.js';
import { pageOf } from '../pagination.js';
import { issue, repository } from '../render.js';
import type { GithubEnv } from '../route-env.js';
import { ISSUE_SELECT, type IssueRow, REPO_SELECT, type RepoRow } from '../store.js';
import { type Ctx, urls } from './common.js';

export interface ParsedQuery {
  text: string[];
  qualifiers: Array<{ key: string; value: string; negated: boolean }>;
}

/** GitHub's search syntax: words, "quoted phrases", and `key:value` qualifiers (`-key:` negates). */
export function parseQuery(q: string): ParsedQuery {
  const text: string[] = [];
  const qualifiers: ParsedQuery['qualifiers'] = [];
  for (const match of q.matchAll(/(-?)([a-z-]+):("[^"]*"|\S+)|"([^"]*)"|(\S+)/gi)) {
    if (match[2])
      qualifiers.push({
        key: match[2].toLowerCase(),
        value: (match[3] ?? '').replace(/^"|"$/g, ''),
        negated: match[1] === '-',
      });
    else {
      const word = match[4] ?? match[5] ?? '';
      if (word && !/^(AND|OR|NOT)$/.test(word)) text.push(word);
    }
  }
  return { text, qualifiers };
}

function searchPage(c: Ctx) {
  const q = c.req.query('q');
  if (!q?.trim())
    throw new GithubError(422, 'Validation Failed', {
      errors: [{ resource: 'Search', field: 'q', code: 'missing' }],
    });
  const page = pageOf(c);
  if (page.offset >= 1000) throw new GithubError(422, 'Only the first 1000 search results are available');
  return { q, page };
}

const VISIBLE = `(NOT r.private OR r.owner_id = $1
  OR EXISTS (SELECT 1 FROM org_members m WHERE m.org_id = r.owner_id AND m.user_id = $1)
  OR EXISTS (SELECT 1 FROM collaborators k WHERE k.repo_id = r.id AND k.user_id = $1))`;

export function searchRoutes(deps: GithubDeps) {
  const app = new Hono<GithubEnv>();

  const setSearchLink = async (c: Ctx, total: number) => {
    const { setLink } = await import('../pagination.js');
    setLink(c, pageOf(c), Math.min(total, 1000), c.get('api'));
  };

  app.get('/search/issues', async (c) => {
    const { q, page } = searchPage(c);
    const parsed = parseQuery(q);
    const params: unknown[] = [c.get('viewer').id];
    const where: string[] = [`i.repo_id IN (SELECT r.id FROM repositories r WHERE ${VISIBLE})`];
    const add = (clause: (n: string) => string, value: unknown, negated = false) => {
      params.push(value);
      const sql = clause(`$${params.length}`);
      where.push(negated ? `NOT (${sql})` : sql);
    };
    let inFields = ['i.title', "coalesce(i.body, '')"];
    for (const { key, value, negated } of parsed.qualifiers) {
      const v = value.toLowerCase();
      switch (key) {
        case 'repo':
          add(
            (n) =>
              `i.repo_id IN (SELECT r.id FROM repositories r JOIN accounts o ON o.id = r.owner_id WHERE lower(o.login || '/' || r.name) = ${n})`,
            v,
            negated,
          );
          break;
        case 'org':
        case 'user':
        case 'owner':
          add(
            (n) =>
              `i.repo_id IN (SELECT r.id FROM repositories r JOIN accounts o ON o.id = r.owner_id WHERE lower(o.login) = ${n})`,
            v,
            negated,
          );
          break;
        case 'is':
        case 'type':
          if (v === 'issue') where.push(negated ? 'i.is_pull' : 'NOT i.is_pull');
          else if (v === 'pr' || v === 'pull-request') where.push(negated ? 'NOT i.is_pull' : 'i.is_pull');
          else if (v === 'open' || v === 'closed') add((n) => `i.state = ${n}`, v, negated);
          else if (v === 'merged')
            where.push(
              `${negated ? 'NOT ' : ''}EXISTS (SELECT 1 FROM pulls p WHERE p.issue_id = i.id AND p.merged_at IS NOT NULL)`,
            );
          else if (v === 'unmerged')
            where.push(
              `${negated ? 'NOT ' : ''}EXISTS (SELECT 1 FROM pulls p WHERE p.issue_id = i.id AND p.merged_at IS NULL)`,
            );
          else if (v === 'draft')
            where.push(
              `${negated ? 'NOT ' : ''}EXISTS (SELECT 1 FROM pulls p WHERE p.issue_id = i.id AND p.draft)`,
            );
          else if (v === 'locked' || v === 'unlocked')
            where.push(`${negated !== (v === 'unlocked') ? 'NOT ' : ''}i.locked`);
          else if (v === 'public' || v === 'private')
            where.push(
              `${negated !== (v === 'public') ? '' : 'NOT '}(SELECT private FROM repositories WHERE id = i.repo_id)`,
            );
          break;
        case 'state':
          add((n) => `i.state = ${n}`, v, negated);
          break;
        case 'draft':
          where.push(
            `${negated !== (v === 'false') ? 'NOT ' : ''}EXISTS (SELECT 1 FROM pulls p WHERE p.issue_id = i.id AND p.draft)`,
          );
          break;
        case 'label':
          add(
            (n) =>
              `EXISTS (SELECT 1 FROM issue_labels il JOIN labels l ON l.id = il.label_id WHERE il.issue_id = i.id AND lower(l.name) = ANY (string_to_array(${n}, ',')))`,
            v,
            negated,
          );
          break;
        case 'no':
          if (v === 'label')
            where.push(
              `${negated ? '' : 'NOT '}EXISTS (SELECT 1 FROM issue_labels il WHERE il.issue_id = i.id)`,
            );
          else if (v === 'assignee')
            where.push(
              `${negated ? '' : 'NOT '}EXISTS (SELECT 1 FROM issue_assignees ia WHERE ia.issue_id = i.id)`,
            );
          else if (v === 'milestone') where.push(`i.milestone_id IS ${negated ? 'NOT ' : ''}NULL`);
          break;
        case 'author':
          add((n) => `lower(u.login) = ${n}`, v.replace(/^@/, ''), negated);
          break;
        case 'assignee':
          add(
            (n) =>
              `EXISTS (SELECT 1 FROM issue_assignees ia JOIN accounts a ON a.id = ia.user_id WHERE ia.issue_id = i.id AND lower(a.login) = ${n})`,
            v.replace(/^@/, ''),
            negated,
          );
          break;
        case 'mentions':
          add((n) => `coalesce(i.body, '') ILIKE '%@' || ${n} || '%'`, v, negated);
          break;
        case 'commenter':
          add(
            (n) =>
              `EXISTS (SELECT 1 FROM comments cm JOIN accounts a ON a.id = cm.user_id WHERE cm.issue_id = i.id AND lower(a.login) = ${n})`,
            v,
            negated,
          );
          break;
        case 'involves':
          add(
            (
              n,
            ) => `(lower(u.login) = ${n} OR EXISTS (SELECT 1 FROM issue_assignees ia JOIN accounts a ON a.id = ia.user_id WHERE ia.issue_id = i.id AND lower(a.login) = ${n})
              OR EXISTS (SELECT 1 FROM comments cm JOIN accounts a ON a.id = cm.user_id WHERE cm.issue_id = i.id AND lower(a.login) = ${n}))`,
            v,
            negated,
          );
          break;
        case 'review-requested':
          add(
            (n) =>
              `EXISTS (SELECT 1 FROM pulls p JOIN requested_reviewers rr ON rr.pull_id = p.id JOIN accounts a ON a.id = rr.user_id WHERE p.issue_id = i.id AND lower(a.login) = ${n})`,
            v.replace(/^@/, ''),
            negated,
          );
          break;
        case 'reviewed-by':
          add(
            (n) =>
              `EXISTS (SELECT 1 FROM pulls p JOIN reviews rv ON rv.pull_id = p.id JOIN accounts a ON a.id = rv.user_id WHERE p.issue_id = i.id AND lower(a.login) = ${n})`,
            v,
            negated,
          );
          break;
        case 'review':
          if (v === 'approved')
            where.push(
              "EXISTS (SELECT 1 FROM pulls p JOIN reviews rv ON rv.pull_id = p.id WHERE p.issue_id = i.id AND rv.state = 'APPROVED')",
            );
          else if (v === 'changes_requested')
            where.push(
              "EXISTS (SELECT 1 FROM pulls p JOIN reviews rv ON rv.pull_id = p.id WHERE p.issue_id = i.id AND rv.state = 'CHANGES_REQUESTED')",
            );
          else if (v === 'none')
            where.push(
              'NOT EXISTS (SELECT 1 FROM pulls p JOIN reviews rv ON rv.pull_id = p.id WHERE p.issue_id = i.id)',
            );
          break;
        case 'milestone':
          add((n) => `i.milestone_id IN (SELECT id FROM milestones WHERE lower(title) = ${n})`, v, negated);
          break;
        case 'head':
          add(
            (n) => `EXISTS (SELECT 1 FROM pulls p WHERE p.issue_id = i.id AND lower(p.head_ref) = ${n})`,
            v,
            negated,
          );
          break;
        case 'base':
          add(
            (n) => `EXISTS (SELECT 1 FROM pulls p WHERE p.issue_id = i.id AND lower(p.base_ref) = ${n})`,
            v,
            negated,
          );
          break;
        case 'in':
          inFields = v
            .split(',')
            .flatMap((f) =>
              f === 'title'
                ? ['i.title']
                : f === 'body'
                  ? ["coalesce(i.body, '')"]
                  : f === 'comments'
                    ? ["coalesce((SELECT string_agg(body, ' ') FROM comments WHERE issue_id = i.id), '')"]
                    : [],
            );
          break;
        case 'created':
        case 'updated':
        case 'closed': {
          const m = /^(>=|<=|>|<)?(\d{4}-\d{2}-\d{2}(?:T[\d:]+Z?)?)$/.exec(value);
          const range = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/.exec(value);
          const column = `i.${key}_at`;
          if (range) {
            add((n) => `${column} >= ${n}`, new Date(range[1] as string));
            add((n) => `${column} < ${n}::timestamptz + interval '1 day'`, new Date(range[2] as string));
          } else if (m) add((n) => `${column} ${m[1] ?? '>='} ${n}`, new Date(m[2] as string), negated);
          break;
        }
        case 'sort':
          break;
        default:
          break;
      }
    }
    for (const word of parsed.text)
      add((n) => `(${inFields.map((f) => `${f} ILIKE '%' || ${n} || '%'`).join(' OR ') || 'FALSE'})`, word);
    const sort = c.req.query('sort');
    const order = sort === 'comments' ? 'comments' : sort === 'updated' ? 'i.updated_at' : 'i.created_at';
    const direction = c.req.query('order') === 'asc' ? 'ASC' : 'DESC';
    const clause = where.join(' AND ');
    const { rows: counted } = await deps.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM issues i JOIN accounts u ON u.id = i.user_id WHERE ${clause}`,
      params,
    );
    params.push(page.perPage, page.offset);
    const { rows } = await deps.pool.query<IssueRow>(
      `SELECT * FROM (${ISSUE_SELECT} WHERE ${clause}) i ORDER BY ${order} ${direction}, i.id DESC LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    const repos = new Map<number, RepoRow>();
    const { repoById } = await import('../store.js');
    const items = [];
    for (const row of rows) {
      let repo = repos.get(row.repo_id);
      if (!repo) {
        repo = (await repoById(deps.pool, c.get('viewer').id, row.repo_id)) as RepoRow;
        repos.set(row.repo_id, repo);
      }
      items.push({ ...issue(urls(c), repo, row), score: 1 });
    }
    const total = counted[0]?.n ?? 0;
    await setSearchLink(c, total);
    return c.json({ total_count: total, incomplete_results: false, items });
  });

  const visibleRepos = async (c: Ctx, parsed: ParsedQuery) => {
    const params: unknown[] = [c.get('viewer').id];
    const where = [VISIBLE.replace(/\br\./g, 'r.')];
    for (const { key, value, negated } of parsed.qualifiers) {
      const v = value.toLowerCase();
      const add = (sql: (n: string) => string) => {
        params.push(v);
        where.push(`${negated ? 'NOT ' : ''}(${sql(`$${params.length}`)})`);
      };
      if (key === 'org' || key === 'user' || key === 'owner') add((n) => `lower(o.login) = ${n}`);
      else if (key === 'repo') add((n) => `lower(o.login || '/' || r.name) = ${n}`);
      else if (key === 'topic') add((n) => `${n} = ANY (r.topics)`);
      else if (key === 'is' && (v === 'public' || v === 'private'))
        where.push(`${v === 'private' ? '' : 'NOT '}r.private`);
      else if (key === 'archived') where.push(`${v === 'true' ? '' : 'NOT '}r.archived`);
    }
    return { where, params };
  };

  app.get('/search/repositories', async (c) => {
    const { q, page } = searchPage(c);
    const parsed = parseQuery(q);
    const { where, params } = await visibleRepos(c, parsed);
    for (const word of parsed.text) {
      params.push(word);
      where.push(
        `(r.name ILIKE '%' || $${params.length} || '%' OR coalesce(r.description, '') ILIKE '%' || $${params.length} || '%' OR $${params.length} ILIKE ANY (r.topics))`,
      );
    }
    const { rows } = await deps.pool.query<RepoRow>(
      `${REPO_SELECT} WHERE ${where.join(' AND ')} ORDER BY r.updated_at DESC, r.id`,
      params,
    );
    await setSearchLink(c, rows.length);
    return c.json({
      total_count: rows.length,
      incomplete_results: false,
      items: rows
        .slice(page.offset, page.offset + page.perPage)
        .map((r) => ({ ...repository(urls(c), r), score: 1 })),
    });
  });

  // Code search: a plain, case-insensitive text match over each repository's default branch.
  app.get('/search/code', async (c) => {
    const { q, page } = searchPage(c);
    const parsed = parseQuery(q);
    if (parsed.text.length === 0)
      throw new GithubError(422, 'Validation Failed', {
        errors: [
          { resource: 'Search', field: 'q', code: 'invalid', message: 'The search is missing text to match' },
        ],
      });
    const { where, params } = await visibleRepos(c, parsed);
    const { rows: repos } = await deps.pool.query<RepoRow>(
      `${REPO_SELECT} WHERE ${where.join(' AND ')} ORDER BY r.id`,
      params,
    );
    const path = parsed.qualifiers.find((x) => x.key === 'path')?.value;
    const extension = parsed.qualifiers.find((x) => x.key === 'extension')?.value;
    const filename = parsed.qualifiers.find((x) => x.key === 'filename')?.value;
    const items: Record<string, unknown>[] = [];
    for (const repo of repos) {
      const sha = await resolveRevision(deps.git, repo, repo.default_branch);
      if (!sha) continue;
      const dir = await deps.git.ensure(repo);
      const args = [
        '--git-dir',
        dir,
        'grep',
        '-l',
        '-I',
        '-i',
        '-F',
        '--all-match',
        ...parsed.text.flatMap((t) => ['-e', t]),
        sha,
      ];
      const { stdout } = await runGit(args, { okCodes: [1] });
      const { rows: blobsOut } = { rows: stdout.toString('utf8').split('\n').filter(Boolean) };
      for (const line of blobsOut) {
        const file = line.slice(sha.length + 1);
        if (path && !file.startsWith(path.replace(/^\//, ''))) continue;
        if (extension && !file.endsWith(`.${extension}`)) continue;
        if (filename && file.split('/').pop() !== filename) continue;
        const blob = (await runGit(['--git-dir', dir, 'rev-parse', `${sha}:${file}`])).stdout
          .toString('utf8')
          .trim();
        const full = `${repo.owner.login}/${repo.name}`;
        items.push({
          name: file.split('/').pop(),
          path: file,
          sha: blob,
          url: `${c.get('api')}/repos/${full}/contents/${file}?ref=${sha}`,
          git_url: `${c.get('api')}/repos/${full}/git/blobs/${blob}`,
          html_url: `${c.get('web')}/${full}/blob/${sha}/${file}`,
          repository: repository(urls(c), repo),
          score: 1,
        });
      }
    }
    await setSearchLink(c, items.length);
    return c.json({
      total_count: items.length,
      incomplete_results: false,
      items: items.slice(page.offset, page.offset + page.perPage),
    });
  });

  return app;
}
