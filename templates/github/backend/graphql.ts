import {
  buildSchema,
  type ExecutionResult,
  execute,
  GraphQLError,
  OverlappingFieldsCanBeMergedRule,
  parse,
  specifiedRules,
  validate,
} from 'graphql';
import { Hono } from 'hono';
import type { GithubDeps } from './deps.js';
import { GithubError } from './github-error.js';
import { GITHUB_SDL } from './graphql-schema.js';
import { decodeNodeId } from './render.js';
import type { GithubEnv } from './route-env.js';

/**
 * GitHub's GraphQL API (graphql-js over GITHUB_SDL). Reads and writes go through the
 * clone's own REST API in-process with the caller's token, so permissions, webhooks, the
 * journal and faults are the REST routes' own; node ids are REST's `node_id`s.
 */
// biome-ignore lint/suspicious/noExplicitAny: REST JSON is GitHub's, read field by field
type Json = any;
type Args = Record<string, unknown>;

export type RestCall = (method: string, path: string, body?: unknown) => Promise<Json>;

const schema = buildSchema(GITHUB_SDL);
// GitHub's server lets `... on Issue { state }` and `... on PullRequest { state }` share a
// name although their enums differ (gh's issue view asks exactly that); graphql-js's
// overlap rule would refuse it, so it is the one rule left out.
const RULES = specifiedRules.filter((rule) => rule !== OverlappingFieldsCanBeMergedRule);

function run(
  source: string,
  variables: Record<string, unknown> | null,
  operationName: string | null,
  ctx: Ctx,
) {
  let document: ReturnType<typeof parse>;
  try {
    document = parse(source);
  } catch (error) {
    return { errors: [error as GraphQLError] } as ExecutionResult;
  }
  const errors = validate(schema, document, RULES);
  if (errors.length > 0) return { errors } as ExecutionResult;
  return execute({
    schema,
    document,
    rootValue: root,
    contextValue: ctx,
    variableValues: variables,
    operationName,
  });
}

class NotFound extends GraphQLError {
  constructor(message: string) {
    super(message, { extensions: { type: 'NOT_FOUND' } });
  }
}

interface Ctx {
  rest: RestCall;
  get(path: string): Promise<Json>;
  all(path: string): Promise<Json[]>;
  deps: GithubDeps;
  viewer: Json;
}

const upper = (value: string | null | undefined) => (value ? value.toUpperCase() : null);
const cursor = (index: number) => Buffer.from(`cursor:${index}`).toString('base64');
const indexOf = (value: unknown) => {
  if (typeof value !== 'string') return null;
  const match = /^cursor:(\d+)$/.exec(Buffer.from(value, 'base64').toString('utf8'));
  return match ? Number(match[1]) : null;
};

/** A connection over a whole list: first/after, last/before as GitHub pages them. */
function connection<T>(items: readonly T[], args: Args = {}) {
  let start = 0;
  let end = items.length;
  const after = indexOf(args.after);
  const before = indexOf(args.before);
  if (after !== null) start = after + 1;
  if (before !== null) end = Math.min(end, before);
  if (typeof args.first === 'number') end = Math.min(end, start + args.first);
  if (typeof args.last === 'number') start = Math.max(start, end - args.last);
  const nodes = items.slice(start, end);
  return {
    totalCount: items.length,
    nodes,
    edges: nodes.map((node, i) => ({ node, cursor: cursor(start + i) })),
    pageInfo: {
      hasNextPage: end < items.length,
      hasPreviousPage: start > 0,
      startCursor: nodes.length ? cursor(start) : null,
      endCursor: nodes.length ? cursor(end - 1) : null,
    },
  };
}
const empty = {
  totalCount: 0,
  nodes: [],
  edges: [],
  pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
};

function actor(ctx: Ctx, u: Json) {
  if (!u) return null;
  const typename = u.type === 'Organization' ? 'Organization' : u.type === 'Bot' ? 'Bot' : 'User';
  const full = () => ctx.get(`/users/${u.login}`);
  return {
    __typename: typename,
    id: u.node_id,
    databaseId: u.id,
    login: u.login,
    avatarUrl: u.avatar_url,
    url: u.html_url,
    resourcePath: `/${u.login}`,
    name: async () => (await full()).name,
    email: async () => (await full()).email ?? '',
    company: async () => (await full()).company,
    bio: async () => (await full()).bio,
    location: async () => (await full()).location,
    description: async () => (await full()).description ?? null,
    websiteUrl: null,
    isSiteAdmin: false,
    createdAt: async () => (await full()).created_at,
    repositories: async (args: Args) =>
      connection(
        (
          await ctx.all(typename === 'Organization' ? `/orgs/${u.login}/repos` : `/users/${u.login}/repos`)
        ).map((r) => repository(ctx, r)),
        args,
      ),
    organizations: async (args: Args) =>
      connection(
        (await ctx.all('/user/orgs')).map((o) => actor(ctx, { ...o, type: 'Organization', html_url: o.url })),
        args,
      ),
    membersWithRole: async (args: Args) =>
      connection(
        (await ctx.all(`/orgs/${u.login}/members`)).map((m) => actor(ctx, m)),
        args,
      ),
  };
}

const label = (l: Json) => ({
  __typename: 'Label',
  id: l.node_id,
  name: l.name,
  color: l.color,
  description: l.description,
  url: l.url,
  isDefault: l.default,
});
const milestone = (m: Json) =>
  m && {
    __typename: 'Milestone',
    id: m.node_id,
    number: m.number,
    title: m.title,
    description: m.description,
    state: upper(m.state),
    dueOn: m.due_on,
    url: m.html_url,
    closed: m.state === 'closed',
    progressPercentage:
      m.open_issues + m.closed_issues === 0 ? 0 : (100 * m.closed_issues) / (m.open_issues + m.closed_issues),
  };

const gitActor = (ctx: Ctx, who: Json, account: Json) => ({
  name: who?.name,
  email: who?.email,
  date: who?.date,
  user: account && account.type !== 'Bot' ? actor(ctx, account) : null,
  avatarUrl: account?.avatar_url ?? 'https://avatars.githubusercontent.com/u/0?v=4',
});

function commit(ctx: Ctx, repo: Json, c: Json) {
  const base = `/repos/${repo.full_name}`;
  const [headline = '', ...rest] = String(c.commit.message).split('\n');
  const full = () => ctx.get(`${base}/commits/${c.sha}`);
  return {
    __typename: 'Commit',
    id: c.node_id,
    oid: c.sha,
    abbreviatedOid: c.sha.slice(0, 7),
    commitUrl: c.html_url,
    url: c.html_url,
    repository: () => repository(ctx, repo),
    message: c.commit.message,
    messageHeadline: headline,
    messageBody: rest.join('\n').trim(),
    committedDate: c.commit.committer.date,
    authoredDate: c.commit.author.date,
    author: gitActor(ctx, c.commit.author, c.author),
    committer: gitActor(ctx, c.commit.committer, c.committer),
    authors: { totalCount: 1, nodes: [gitActor(ctx, c.commit.author, c.author)] },
    tree: {
      __typename: 'Tree',
      id: `tree:${c.commit.tree.sha}`,
      oid: c.commit.tree.sha,
      abbreviatedOid: c.commit.tree.sha.slice(0, 7),
      commitUrl: c.html_url,
      repository: () => repository(ctx, repo),
      entries: () => treeEntries(ctx, repo, c.commit.tree.sha, ''),
    },
    parents: async (args: Args) =>
      connection(
        await Promise.all(
          c.parents.map(async (p: Json) => commit(ctx, repo, await ctx.get(`${base}/commits/${p.sha}`))),
        ),
        args,
      ),
    history: async (args: Args) => {
      const path = typeof args.path === 'string' ? `&path=${encodeURIComponent(args.path)}` : '';
      return connection(
        (await ctx.all(`${base}/commits?sha=${c.sha}${path}`)).map((h) => commit(ctx, repo, h)),
        args,
      );
    },
    additions: async () => (await full()).stats?.additions ?? 0,
    deletions: async () => (await full()).stats?.deletions ?? 0,
    changedFilesIfAvailable: async () => (await full()).files?.length ?? 0,
    statusCheckRollup: () => rollup(ctx, repo, c.sha),
    status: async () => {
      const s = await ctx.get(`${base}/commits/${c.sha}/status`);
      return s.total_count === 0 ? null : { state: upper(s.state), contexts: s.statuses.map(statusContext) };
    },
  };
}

const statusContext = (s: Json) => ({
  __typename: 'StatusContext',
  id: s.node_id,
  context: s.context,
  state: upper(s.state),
  description: s.description,
  targetUrl: s.target_url,
  createdAt: s.created_at,
});

/** Statuses and check runs of a commit, as GitHub rolls them up. */
async function rollup(ctx: Ctx, repo: Json, sha: string) {
  const s = await ctx.get(`/repos/${repo.full_name}/commits/${sha}/status`);
  const checks = await ctx.get(`/repos/${repo.full_name}/commits/${sha}/check-runs`);
  if (s.total_count === 0 && checks.total_count === 0) return null;
  const runs = (checks.check_runs as Json[]).map((run) => ({
    __typename: 'CheckRun',
    id: run.node_id,
    databaseId: run.id,
    name: run.name,
    status: upper(run.status),
    conclusion: upper(run.conclusion),
    startedAt: run.started_at,
    completedAt: run.completed_at,
    detailsUrl: run.details_url,
    url: run.html_url,
    checkSuite: { id: `suite:${run.id}`, workflowRun: null },
  }));
  const failed = runs.some((run) =>
    ['FAILURE', 'TIMED_OUT', 'CANCELLED', 'ACTION_REQUIRED'].includes(String(run.conclusion)),
  );
  const pending = runs.some((run) => run.status !== 'COMPLETED');
  const state =
    failed || s.state === 'failure'
      ? 'FAILURE'
      : pending || (s.total_count > 0 && s.state === 'pending')
        ? 'PENDING'
        : 'SUCCESS';
  return { state, contexts: (args: Args) => connection([...s.statuses.map(statusContext), ...runs], args) };
}

async function treeEntries(ctx: Ctx, repo: Json, sha: string, prefix: string) {
  const tree = await ctx.get(`/repos/${repo.full_name}/git/trees/${sha}`);
  return tree.tree.map((e: Json) => ({
    name: e.path,
    path: `${prefix}${e.path}`,
    type: e.type,
    mode: Number.parseInt(e.mode, 8),
    oid: e.sha,
    object: () => gitObjectByOid(ctx, repo, e.sha, e.type),
  }));
}

async function gitObjectByOid(ctx: Ctx, repo: Json, oid: string, type?: string): Promise<Json> {
  const base = `/repos/${repo.full_name}`;
  const common = {
    id: `${type ?? 'object'}:${oid}`,
    oid,
    abbreviatedOid: oid.slice(0, 7),
    commitUrl: `${repo.html_url}/commit/${oid}`,
    repository: () => repository(ctx, repo),
  };
  if (type === 'blob') {
    const blob = await ctx.get(`${base}/git/blobs/${oid}`);
    const data = Buffer.from(blob.content, 'base64');
    return {
      __typename: 'Blob',
      ...common,
      text: data.toString('utf8'),
      byteSize: data.length,
      isBinary: data.includes(0),
      isTruncated: false,
    };
  }
  if (type === 'tree')
    return { __typename: 'Tree', ...common, entries: () => treeEntries(ctx, repo, oid, '') };
  try {
    return commit(ctx, repo, await ctx.get(`${base}/commits/${oid}`));
  } catch {
    return gitObjectByOid(ctx, repo, oid, 'blob').catch(() => null);
  }
}

/** `main:README.md`, `HEAD:src/`, `main`, or an object id. */
async function objectAt(ctx: Ctx, repo: Json, expression: string) {
  const base = `/repos/${repo.full_name}`;
  const colon = expression.indexOf(':');
  if (colon < 0) return gitObjectByOid(ctx, repo, expression === 'HEAD' ? repo.default_branch : expression);
  const ref = expression.slice(0, colon) || repo.default_branch;
  const path = expression.slice(colon + 1).replace(/^\/+|\/+$/g, '');
  const head = await ctx
    .get(`${base}/commits/${ref === 'HEAD' ? repo.default_branch : ref}`)
    .catch(() => null);
  if (!head) return null;
  if (path === '') return gitObjectByOid(ctx, repo, head.commit.tree.sha, 'tree');
  const contents = await ctx.get(`${base}/contents/${path}?ref=${head.sha}`).catch(() => null);
  if (!contents) return null;
  if (Array.isArray(contents)) {
    const tree = await ctx.get(`${base}/git/trees/${head.sha}?recursive=1`);
    const entry = tree.tree.find((e: Json) => e.path === path);
    return entry ? gitObjectByOid(ctx, repo, entry.sha, 'tree') : null;
  }
  return gitObjectByOid(ctx, repo, contents.sha, 'blob');
}

async function ref(ctx: Ctx, repo: Json, qualified: string) {
  const name = qualified.startsWith('refs/') ? qualified : `refs/heads/${qualified}`;
  const found = await ctx.get(`/repos/${repo.full_name}/git/ref/${name.slice(5)}`).catch(() => null);
  if (!found) return null;
  const parts = name.split('/');
  return {
    __typename: 'Ref',
    id: found.node_id,
    name: parts.slice(2).join('/'),
    prefix: `${parts.slice(0, 2).join('/')}/`,
    target: () => gitObjectByOid(ctx, repo, found.object.sha),
    repository: () => repository(ctx, repo),
  };
}

const ISSUE_SORT: Record<string, string> = {
  CREATED_AT: 'created',
  UPDATED_AT: 'updated',
  COMMENTS: 'comments',
};

/** The REST list query of a GraphQL issues/pullRequests call. */
function listQuery(args: Args, pulls: boolean): string {
  const params = new URLSearchParams({ per_page: '100' });
  const states = (args.states as string[] | undefined) ?? [];
  const filter = (args.filterBy as Record<string, unknown> | undefined) ?? {};
  const wanted = states.length ? states : ((filter.states as string[] | undefined) ?? []);
  params.set(
    'state',
    wanted.length === 1 && wanted[0] === 'OPEN'
      ? 'open'
      : wanted.length > 0 && !wanted.includes('OPEN')
        ? 'closed'
        : wanted.length === 0 || wanted.length > 1
          ? 'all'
          : 'all',
  );
  const order = args.orderBy as { field?: string; direction?: string } | undefined;
  params.set('sort', ISSUE_SORT[order?.field ?? 'CREATED_AT'] ?? 'created');
  params.set('direction', (order?.direction ?? 'ASC').toLowerCase());
  const labels = (args.labels as string[] | undefined) ?? (filter.labels as string[] | undefined);
  if (labels?.length) params.set('labels', labels.join(','));
  if (!pulls) {
    if (typeof filter.assignee === 'string') params.set('assignee', filter.assignee);
    if (typeof filter.createdBy === 'string') params.set('creator', filter.createdBy);
    if (typeof filter.mentioned === 'string') params.set('mentioned', filter.mentioned);
    if (typeof filter.milestoneNumber === 'string') params.set('milestone', filter.milestoneNumber);
    if (typeof filter.since === 'string') params.set('since', filter.since);
  } else {
    if (typeof args.headRefName === 'string') params.set('head', args.headRefName);
    if (typeof args.baseRefName === 'string') params.set('base', args.baseRefName);
  }
  return params.toString();
}

function repository(ctx: Ctx, r: Json) {
  const base = `/repos/${r.full_name}`;
  const permission = r.permissions?.admin
    ? 'ADMIN'
    : r.permissions?.maintain
      ? 'MAINTAIN'
      : r.permissions?.push
        ? 'WRITE'
        : r.permissions?.triage
          ? 'TRIAGE'
          : 'READ';
  const issueList = async (args: Args) => {
    const all = await ctx.all(`${base}/issues?${listQuery(args, false)}`);
    return connection(
      all.filter((i) => !i.pull_request).map((i) => issue(ctx, r, i)),
      args,
    );
  };
  return {
    __typename: 'Repository',
    id: r.node_id,
    databaseId: r.id,
    name: r.name,
    nameWithOwner: r.full_name,
    owner: actor(ctx, r.owner),
    description: r.description,
    descriptionHTML: r.description ? `<div>${escapeHtml(r.description)}</div>` : '<div></div>',
    url: r.html_url,
    sshUrl: r.ssh_url,
    resourcePath: `/${r.full_name}`,
    homepageUrl: r.homepage || null,
    isPrivate: r.private,
    visibility: upper(r.visibility),
    isFork: false,
    isArchived: r.archived,
    isTemplate: false,
    isEmpty: async () => (await ctx.all(`${base}/branches`)).length === 0,
    isMirror: false,
    isInOrganization: r.owner.type === 'Organization',
    isLocked: false,
    isDisabled: false,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    pushedAt: r.pushed_at,
    defaultBranchRef: () => ref(ctx, r, `refs/heads/${r.default_branch}`),
    hasIssuesEnabled: r.has_issues,
    hasWikiEnabled: r.has_wiki,
    hasProjectsEnabled: r.has_projects,
    hasDiscussionsEnabled: false,
    viewerPermission: permission,
    viewerCanAdminister: permission === 'ADMIN',
    viewerHasStarred: false,
    viewerSubscription: 'SUBSCRIBED',
    viewerDefaultMergeMethod: r.allow_merge_commit ? 'MERGE' : r.allow_squash_merge ? 'SQUASH' : 'REBASE',
    viewerCanUpdateTopics: permission === 'ADMIN',
    stargazerCount: r.stargazers_count,
    forkCount: r.forks_count,
    watchers: empty,
    stargazers: empty,
    mergeCommitAllowed: r.allow_merge_commit,
    squashMergeAllowed: r.allow_squash_merge,
    rebaseMergeAllowed: r.allow_rebase_merge,
    deleteBranchOnMerge: r.delete_branch_on_merge,
    autoMergeAllowed: false,
    primaryLanguage: null,
    languages: { totalCount: 0, nodes: [], edges: [] },
    licenseInfo: null,
    parent: null,
    templateRepository: null,
    repositoryTopics: () => ({
      totalCount: r.topics.length,
      nodes: r.topics.map((t: string) => ({
        id: `topic:${t}`,
        url: `${r.html_url.replace(/\/[^/]+\/[^/]+$/, '')}/topics/${t}`,
        topic: { id: `topic:${t}`, name: t },
      })),
    }),
    issues: issueList,
    issue: async ({ number }: Args) => {
      const found = await ctx.get(`${base}/issues/${number}`).catch(() => null);
      if (!found || found.pull_request)
        throw new NotFound(`Could not resolve to an Issue with the number of ${number}.`);
      return issue(ctx, r, found);
    },
    issueOrPullRequest: async ({ number }: Args) => {
      const found = await ctx.get(`${base}/issues/${number}`).catch(() => null);
      if (!found)
        throw new NotFound(`Could not resolve to an issue or pull request with the number of ${number}.`);
      return found.pull_request
        ? pullRequest(ctx, r, await ctx.get(`${base}/pulls/${number}`))
        : issue(ctx, r, found);
    },
    pullRequests: async (args: Args) => {
      const states = (args.states as string[] | undefined) ?? [];
      const all = await ctx.all(`${base}/pulls?${listQuery(args, true)}`);
      const kept = all.filter((p) => {
        if (states.length === 0) return true;
        const state = p.merged_at ? 'MERGED' : p.state === 'open' ? 'OPEN' : 'CLOSED';
        return states.includes(state);
      });
      return connection(
        kept.map((p) => pullRequest(ctx, r, p)),
        args,
      );
    },
    pullRequest: async ({ number }: Args) => {
      const found = await ctx.get(`${base}/pulls/${number}`).catch(() => null);
      if (!found) throw new NotFound(`Could not resolve to a PullRequest with the number of ${number}.`);
      return pullRequest(ctx, r, found);
    },
    labels: async (args: Args) => {
      const all = (await ctx.all(`${base}/labels`)).map(label);
      const query = typeof args.query === 'string' ? args.query.toLowerCase() : null;
      return connection(query ? all.filter((l) => l.name.toLowerCase().includes(query)) : all, args);
    },
    label: async ({ name }: Args) => {
      const found = await ctx.get(`${base}/labels/${encodeURIComponent(String(name))}`).catch(() => null);
      return found ? label(found) : null;
    },
    milestones: async (args: Args) => {
      const states = (args.states as string[] | undefined) ?? [];
      const state = states.length === 1 ? String(states[0]).toLowerCase() : 'all';
      return connection((await ctx.all(`${base}/milestones?state=${state}`)).map(milestone), args);
    },
    milestone: async ({ number }: Args) =>
      milestone(await ctx.get(`${base}/milestones/${number}`).catch(() => null)),
    refs: async (args: Args) => {
      const prefix = String(args.refPrefix);
      const refs = await ctx.get(
        `${base}/git/matching-refs/${prefix.replace(/^refs\//, '').replace(/\/$/, '')}`,
      );
      const query = typeof args.query === 'string' ? args.query : null;
      const nodes = (refs as Json[])
        .filter((x) => x.ref.startsWith(prefix) && (!query || x.ref.slice(prefix.length).includes(query)))
        .map((x) => ({
          __typename: 'Ref',
          id: x.node_id,
          name: x.ref.slice(prefix.length),
          prefix,
          target: () => gitObjectByOid(ctx, r, x.object.sha),
          repository: () => repository(ctx, r),
        }));
      if (args.direction === 'DESC') nodes.reverse();
      return connection(nodes, args);
    },
    ref: ({ qualifiedName }: Args) => ref(ctx, r, String(qualifiedName)),
    object: ({ expression, oid }: Args) =>
      typeof oid === 'string' ? gitObjectByOid(ctx, r, oid) : objectAt(ctx, r, String(expression ?? 'HEAD')),
    assignableUsers: async (args: Args): Promise<Json> => {
      const all = (await ctx.all(`${base}/assignees`)).map((u) => actor(ctx, u));
      const query = typeof args.query === 'string' ? args.query.toLowerCase() : null;
      return connection(query ? all.filter((u) => u?.login.toLowerCase().includes(query)) : all, args);
    },
    mentionableUsers: async (args: Args) =>
      connection(
        (await ctx.all(`${base}/assignees`)).map((u) => actor(ctx, u)),
        args,
      ),
    collaborators: async (args: Args) =>
      connection(
        (await ctx.all(`${base}/collaborators`)).map((u) => actor(ctx, u)),
        args,
      ),
    latestRelease: async () => {
      const found = await ctx.get(`${base}/releases/latest`).catch(() => null);
      return found ? release(ctx, found, true) : null;
    },
    releases: async (args: Args) =>
      connection(
        (await ctx.all(`${base}/releases`)).map((x) => release(ctx, x, false)),
        args,
      ),
  };
}

const release = (ctx: Ctx, x: Json, latest: boolean) => ({
  id: x.node_id,
  databaseId: x.id,
  name: x.name,
  tagName: x.tag_name,
  description: x.body,
  isDraft: x.draft,
  isPrerelease: x.prerelease,
  isLatest: latest,
  createdAt: x.created_at,
  publishedAt: x.published_at,
  url: x.html_url,
  author: actor(ctx, x.author),
});

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"]/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch] as string,
  );
}

/** What issues and pull requests share. */
function issueLike(ctx: Ctx, r: Json, i: Json) {
  const base = `/repos/${r.full_name}`;
  const comments = () => ctx.all(`${base}/issues/${i.number}/comments`);
  return {
    databaseId: i.id,
    number: i.number,
    title: i.title,
    body: i.body ?? '',
    bodyText: i.body ?? '',
    bodyHTML: `<p>${escapeHtml(i.body ?? '')}</p>`,
    url: i.html_url,
    resourcePath: new URL(i.html_url).pathname,
    closed: i.state === 'closed',
    closedAt: i.closed_at,
    createdAt: i.created_at,
    updatedAt: i.updated_at,
    lastEditedAt: null,
    author: actor(ctx, i.user),
    authorAssociation: i.author_association,
    editor: null,
    locked: i.locked,
    activeLockReason: i.active_lock_reason ? upper(String(i.active_lock_reason).replace(/[ -]/g, '_')) : null,
    repository: () => repository(ctx, r),
    labels: (args: Args) => connection((i.labels as Json[]).map(label), args),
    assignees: (args: Args) =>
      connection(
        (i.assignees as Json[]).map((a) => actor(ctx, a)),
        args,
      ),
    milestone: milestone(i.milestone),
    comments: async (args: Args) =>
      connection(
        (await comments()).map((c) => issueComment(ctx, r, i, c)),
        args,
      ),
    participants: async (args: Args) => {
      const people = new Map<string, Json>([[i.user.login, i.user]]);
      for (const c of await comments()) people.set(c.user.login, c.user);
      return connection(
        [...people.values()].map((u) => actor(ctx, u)),
        args,
      );
    },
    reactionGroups: [],
    projectCards: { totalCount: 0, nodes: [] as Json[] },
    projectItems: { totalCount: 0, nodes: [] },
    viewerCanUpdate: true,
    viewerCanReact: true,
    viewerDidAuthor: i.user.login === ctx.viewer.login,
    viewerSubscription: 'SUBSCRIBED',
    isPinned: false,
  };
}

function issue(ctx: Ctx, r: Json, i: Json) {
  return {
    __typename: 'Issue',
    id: i.node_id,
    ...issueLike(ctx, r, i),
    state: upper(i.state),
    stateReason: i.state_reason ? upper(i.state_reason) : null,
  };
}

function issueComment(ctx: Ctx, r: Json, parent: Json, c: Json) {
  return {
    __typename: 'IssueComment',
    id: c.node_id,
    databaseId: c.id,
    body: c.body,
    bodyText: c.body,
    bodyHTML: `<p>${escapeHtml(c.body)}</p>`,
    url: c.html_url,
    author: actor(ctx, c.user),
    authorAssociation: c.author_association,
    createdAt: c.created_at,
    updatedAt: c.updated_at,
    lastEditedAt: null,
    includesCreatedEdit: false,
    isMinimized: false,
    minimizedReason: null,
    reactionGroups: [],
    viewerDidAuthor: c.user.login === ctx.viewer.login,
    issue: () => issue(ctx, r, parent),
    pullRequest: null,
  };
}

function review(ctx: Ctx, r: Json, x: Json) {
  return {
    __typename: 'PullRequestReview',
    id: x.node_id,
    databaseId: x.id,
    author: actor(ctx, x.user),
    authorAssociation: x.author_association,
    body: x.body,
    state: x.state,
    submittedAt: x.submitted_at,
    createdAt: x.submitted_at ?? new Date().toISOString(),
    url: x.html_url,
    commit: async () => commit(ctx, r, await ctx.get(`/repos/${r.full_name}/commits/${x.commit_id}`)),
    reactionGroups: [],
    includesCreatedEdit: false,
  };
}

function pullRequest(ctx: Ctx, r: Json, p: Json) {
  const base = `/repos/${r.full_name}`;
  const full = () => ctx.get(`${base}/pulls/${p.number}`);
  const reviews = () => ctx.all(`${base}/pulls/${p.number}/reviews`);
  const latest = async () => {
    const byAuthor = new Map<string, Json>();
    for (const x of await reviews()) if (x.state !== 'PENDING') byAuthor.set(x.user.login, x);
    return [...byAuthor.values()];
  };
  return {
    __typename: 'PullRequest',
    id: p.node_id,
    ...issueLike(ctx, r, {
      ...p,
      user: p.user,
      html_url: p.html_url,
      author_association: p.author_association,
    }),
    state: p.merged_at ? 'MERGED' : upper(p.state),
    headRefName: p.head.ref,
    headRefOid: p.head.sha,
    headRef: () => ref(ctx, r, `refs/heads/${p.head.ref}`),
    headRepository: () => repository(ctx, r),
    headRepositoryOwner: actor(ctx, r.owner),
    baseRefName: p.base.ref,
    baseRefOid: p.base.sha,
    baseRef: () => ref(ctx, r, `refs/heads/${p.base.ref}`),
    baseRepository: () => repository(ctx, r),
    isCrossRepository: false,
    isDraft: p.draft,
    maintainerCanModify: async () => (await full()).maintainer_can_modify,
    merged: p.merged_at !== null,
    mergedAt: p.merged_at,
    mergedBy: async () => actor(ctx, (await full()).merged_by),
    mergeCommit: async () =>
      p.merge_commit_sha ? commit(ctx, r, await ctx.get(`${base}/commits/${p.merge_commit_sha}`)) : null,
    potentialMergeCommit: null,
    mergeable: async () => {
      const m = (await full()).mergeable;
      return m === true ? 'MERGEABLE' : m === false ? 'CONFLICTING' : 'UNKNOWN';
    },
    mergeStateStatus: async () => upper((await full()).mergeable_state) ?? 'UNKNOWN',
    canBeRebased: async () => (await full()).rebaseable === true,
    additions: async () => (await full()).additions,
    deletions: async () => (await full()).deletions,
    changedFiles: async () => (await full()).changed_files,
    commits: async (args: Args) =>
      connection(
        (await ctx.all(`${base}/pulls/${p.number}/commits`)).map((c) => ({
          id: `prc:${c.sha}`,
          url: c.html_url,
          commit: commit(ctx, r, c),
        })),
        args,
      ),
    files: async (args: Args) =>
      connection(
        (await ctx.all(`${base}/pulls/${p.number}/files`)).map((f) => ({
          path: f.filename,
          additions: f.additions,
          deletions: f.deletions,
          changeType:
            ({ added: 'ADDED', removed: 'DELETED', renamed: 'RENAMED' } as Record<string, string>)[
              f.status
            ] ?? 'MODIFIED',
        })),
        args,
      ),
    reviews: async (args: Args) => {
      const states = (args.states as string[] | undefined) ?? [];
      return connection(
        (await reviews())
          .filter((x) => states.length === 0 || states.includes(x.state))
          .map((x) => review(ctx, r, x)),
        args,
      );
    },
    latestReviews: async (args: Args) =>
      connection(
        (await latest()).map((x) => review(ctx, r, x)),
        args,
      ),
    latestOpinionatedReviews: async (args: Args) =>
      connection(
        (await latest()).filter((x) => x.state !== 'COMMENTED').map((x) => review(ctx, r, x)),
        args,
      ),
    reviewRequests: (args: Args) =>
      connection(
        (p.requested_reviewers as Json[]).map((u) => ({
          id: `rr:${u.id}`,
          requestedReviewer: actor(ctx, u),
          asCodeOwner: false,
        })),
        args,
      ),
    reviewDecision: async () => {
      const states = (await latest()).map((x) => x.state);
      return states.includes('CHANGES_REQUESTED')
        ? 'CHANGES_REQUESTED'
        : states.includes('APPROVED')
          ? 'APPROVED'
          : 'REVIEW_REQUIRED';
    },
    autoMergeRequest: null,
    statusCheckRollup: () => rollup(ctx, r, p.head.sha),
    viewerMergeHeadlineText: ({ mergeType }: Args) =>
      mergeType === 'SQUASH'
        ? `${p.title} (#${p.number})`
        : `Merge pull request #${p.number} from ${r.owner.login}/${p.head.ref}`,
    viewerMergeBodyText: () => p.title,
    viewerCanEnableAutoMerge: false,
    viewerCanDisableAutoMerge: false,
    isInMergeQueue: false,
    isMergeQueueEnabled: false,
    closingIssuesReferences: { totalCount: 0, nodes: [], edges: [], pageInfo: empty.pageInfo },
  };
}

/** Where a node id points, as the REST paths that read it. */
async function locate(
  ctx: Ctx,
  id: unknown,
): Promise<{ type: string; repo?: string; number?: number; path?: string; login?: string; name?: string }> {
  const decoded = typeof id === 'string' ? decodeNodeId(id) : null;
  if (!decoded || !/^\d+$/.test(decoded.id))
    throw new NotFound(`Could not resolve to a node with the global id of '${String(id)}'`);
  const { pool } = ctx.deps;
  const n = Number(decoded.id);
  const one = async (sql: string) => (await pool.query(sql, [n])).rows[0] as Json;
  const REPO = "o.login || '/' || r.name";
  let row: Json = null;
  switch (decoded.type) {
    case 'Repository':
      row = await one(
        `SELECT ${REPO} AS repo FROM repositories r JOIN accounts o ON o.id = r.owner_id WHERE r.id = $1`,
      );
      break;
    case 'Issue':
      row = await one(
        `SELECT ${REPO} AS repo, i.number FROM issues i JOIN repositories r ON r.id = i.repo_id JOIN accounts o ON o.id = r.owner_id WHERE i.id = $1`,
      );
      break;
    case 'PullRequest':
      row = await one(
        `SELECT ${REPO} AS repo, i.number FROM pulls p JOIN issues i ON i.id = p.issue_id JOIN repositories r ON r.id = i.repo_id JOIN accounts o ON o.id = r.owner_id WHERE p.id = $1`,
      );
      break;
    case 'User':
    case 'Bot':
    case 'Organization':
      row = await one('SELECT login FROM accounts WHERE id = $1');
      break;
    case 'Label':
      row = await one(
        `SELECT ${REPO} AS repo, l.name FROM labels l JOIN repositories r ON r.id = l.repo_id JOIN accounts o ON o.id = r.owner_id WHERE l.id = $1`,
      );
      break;
    case 'Milestone':
      row = await one(
        `SELECT ${REPO} AS repo, m.number FROM milestones m JOIN repositories r ON r.id = m.repo_id JOIN accounts o ON o.id = r.owner_id WHERE m.id = $1`,
      );
      break;
    case 'IssueComment':
      row = await one(
        `SELECT ${REPO} AS repo, i.number, c.id AS comment FROM comments c JOIN issues i ON i.id = c.issue_id JOIN repositories r ON r.id = i.repo_id JOIN accounts o ON o.id = r.owner_id WHERE c.id = $1`,
      );
      break;
  }
  if (!row) throw new NotFound(`Could not resolve to a node with the global id of '${String(id)}'`);
  return {
    type: decoded.type,
    ...row,
    ...(row.comment ? { path: `/repos/${row.repo}/issues/comments/${row.comment}` } : {}),
  };
}

async function nodeOf(ctx: Ctx, id: unknown) {
  const at = await locate(ctx, id);
  const repo = at.repo ? await ctx.get(`/repos/${at.repo}`) : null;
  switch (at.type) {
    case 'Repository':
      return repository(ctx, repo);
    case 'Issue':
      return issue(ctx, repo, await ctx.get(`/repos/${at.repo}/issues/${at.number}`));
    case 'PullRequest':
      return pullRequest(ctx, repo, await ctx.get(`/repos/${at.repo}/pulls/${at.number}`));
    case 'Label':
      return label(await ctx.get(`/repos/${at.repo}/labels/${encodeURIComponent(String(at.name))}`));
    case 'Milestone':
      return milestone(await ctx.get(`/repos/${at.repo}/milestones/${at.number}`));
    case 'IssueComment': {
      const parent = await ctx.get(`/repos/${at.repo}/issues/${at.number}`);
      return issueComment(ctx, repo, parent, await ctx.get(at.path as string));
    }
    default:
      return actor(ctx, await ctx.get(`/users/${at.login}`));
  }
}

const loginsOf = async (ctx: Ctx, ids: unknown) =>
  Promise.all(
    ((ids as string[] | undefined) ?? []).map(async (id) => (await locate(ctx, id)).login as string),
  );
const labelNamesOf = async (ctx: Ctx, ids: unknown) =>
  Promise.all(
    ((ids as string[] | undefined) ?? []).map(async (id) => (await locate(ctx, id)).name as string),
  );

const root = {
  viewer: (_: Args, ctx: Ctx) => actor(ctx, ctx.viewer),
  repository: async ({ owner, name }: Args, ctx: Ctx) => {
    const found = await ctx.get(`/repos/${owner}/${name}`).catch(() => null);
    if (!found) throw new NotFound(`Could not resolve to a Repository with the name '${owner}/${name}'.`);
    return repository(ctx, found);
  },
  repositoryOwner: async ({ login }: Args, ctx: Ctx) =>
    actor(ctx, await ctx.get(`/users/${login}`).catch(() => null)),
  user: async ({ login }: Args, ctx: Ctx) => {
    const found = await ctx.get(`/users/${login}`).catch(() => null);
    if (!found || found.type === 'Organization')
      throw new NotFound(`Could not resolve to a User with the login of '${login}'.`);
    return actor(ctx, found);
  },
  organization: async ({ login }: Args, ctx: Ctx) => {
    const found = await ctx.get(`/orgs/${login}`).catch(() => null);
    if (!found) throw new NotFound(`Could not resolve to an Organization with the login of '${login}'.`);
    return actor(ctx, { ...found, type: 'Organization' });
  },
  node: ({ id }: Args, ctx: Ctx) => nodeOf(ctx, id),
  nodes: ({ ids }: Args, ctx: Ctx) =>
    Promise.all((ids as string[]).map((id) => nodeOf(ctx, id).catch(() => null))),
  search: async (args: Args, ctx: Ctx) => {
    const first = typeof args.first === 'number' ? Math.min(100, args.first) : 30;
    const start = (indexOf(args.after) ?? -1) + 1;
    const page = Math.floor(start / first) + 1;
    const type = String(args.type);
    const path = type === 'REPOSITORY' ? '/search/repositories' : '/search/issues';
    const result = await ctx.get(
      `${path}?q=${encodeURIComponent(String(args.query))}&per_page=${first}&page=${page}`,
    );
    const repos = new Map<string, Json>();
    const nodes = [];
    for (const item of result.items as Json[]) {
      if (type === 'REPOSITORY') {
        nodes.push(repository(ctx, item));
        continue;
      }
      const full = String(item.repository_url).split('/repos/')[1] as string;
      let repo = repos.get(full);
      if (!repo) {
        repo = await ctx.get(`/repos/${full}`);
        repos.set(full, repo);
      }
      nodes.push(
        item.pull_request
          ? pullRequest(ctx, repo, await ctx.get(`/repos/${full}/pulls/${item.number}`))
          : issue(ctx, repo, item),
      );
    }
    const total = result.total_count as number;
    return {
      issueCount: type === 'REPOSITORY' ? 0 : total,
      repositoryCount: type === 'REPOSITORY' ? total : 0,
      userCount: 0,
      codeCount: 0,
      nodes,
      edges: nodes.map((node, i) => ({ node, cursor: cursor(start + i) })),
      pageInfo: {
        hasNextPage: start + nodes.length < total,
        hasPreviousPage: start > 0,
        startCursor: nodes.length ? cursor(start) : null,
        endCursor: nodes.length ? cursor(start + nodes.length - 1) : null,
      },
    };
  },
  rateLimit: async (_: Args, ctx: Ctx) => {
    const { resources } = await ctx.get('/rate_limit');
    const g = resources.graphql;
    return {
      limit: g.limit,
      cost: 1,
      remaining: g.remaining,
      used: g.used,
      resetAt: new Date(g.reset * 1000).toISOString(),
      nodeCount: 0,
    };
  },

  // Mutations.
  createIssue: async ({ input }: { input: Json }, ctx: Ctx) => {
    const at = await locate(ctx, input.repositoryId);
    const milestoneNumber = input.milestoneId ? (await locate(ctx, input.milestoneId)).number : undefined;
    const created = await ctx.rest('POST', `/repos/${at.repo}/issues`, {
      title: input.title,
      body: input.body ?? undefined,
      assignees: await loginsOf(ctx, input.assigneeIds),
      labels: await labelNamesOf(ctx, input.labelIds),
      ...(milestoneNumber ? { milestone: milestoneNumber } : {}),
    });
    return {
      issue: issue(ctx, await ctx.get(`/repos/${at.repo}`), created),
      clientMutationId: input.clientMutationId ?? null,
    };
  },
  updateIssue: async ({ input }: { input: Json }, ctx: Ctx) => {
    const at = await locate(ctx, input.id);
    const body: Json = {};
    if (input.title !== undefined) body.title = input.title;
    if (input.body !== undefined) body.body = input.body;
    if (input.state) body.state = String(input.state).toLowerCase();
    if (input.assigneeIds) body.assignees = await loginsOf(ctx, input.assigneeIds);
    if (input.labelIds) body.labels = await labelNamesOf(ctx, input.labelIds);
    if (input.milestoneId !== undefined)
      body.milestone = input.milestoneId ? (await locate(ctx, input.milestoneId)).number : null;
    const updated = await ctx.rest('PATCH', `/repos/${at.repo}/issues/${at.number}`, body);
    return {
      issue: issue(ctx, await ctx.get(`/repos/${at.repo}`), updated),
      clientMutationId: input.clientMutationId ?? null,
    };
  },
  addComment: async ({ input }: { input: Json }, ctx: Ctx) => {
    const at = await locate(ctx, input.subjectId);
    if (at.type !== 'Issue' && at.type !== 'PullRequest')
      throw new NotFound('The subject cannot be commented on.');
    const made = await ctx.rest('POST', `/repos/${at.repo}/issues/${at.number}/comments`, {
      body: input.body,
    });
    const repo = await ctx.get(`/repos/${at.repo}`);
    const parent = await ctx.rest('GET', `/repos/${at.repo}/issues/${at.number}`);
    const edge = { node: issueComment(ctx, repo, parent, made), cursor: cursor(0) };
    return {
      commentEdge: edge,
      timelineEdge: edge,
      subject: await nodeOf(ctx, input.subjectId),
      clientMutationId: input.clientMutationId ?? null,
    };
  },
  closeIssue: async ({ input }: { input: Json }, ctx: Ctx) => {
    const at = await locate(ctx, input.issueId);
    const closed = await ctx.rest('PATCH', `/repos/${at.repo}/issues/${at.number}`, {
      state: 'closed',
      ...(input.stateReason ? { state_reason: String(input.stateReason).toLowerCase() } : {}),
    });
    return {
      issue: issue(ctx, await ctx.get(`/repos/${at.repo}`), closed),
      clientMutationId: input.clientMutationId ?? null,
    };
  },
  reopenIssue: async ({ input }: { input: Json }, ctx: Ctx) => {
    const at = await locate(ctx, input.issueId);
    const opened = await ctx.rest('PATCH', `/repos/${at.repo}/issues/${at.number}`, { state: 'open' });
    return {
      issue: issue(ctx, await ctx.get(`/repos/${at.repo}`), opened),
      clientMutationId: input.clientMutationId ?? null,
    };
  },
  createPullRequest: async ({ input }: { input: Json }, ctx: Ctx) => {
    const at = await locate(ctx, input.repositoryId);
    const made = await ctx.rest('POST', `/repos/${at.repo}/pulls`, {
      title: input.title,
      body: input.body ?? undefined,
      head: input.headRefName,
      base: input.baseRefName,
      draft: input.draft ?? false,
      maintainer_can_modify: input.maintainerCanModify ?? false,
    });
    return {
      pullRequest: pullRequest(ctx, await ctx.get(`/repos/${at.repo}`), made),
      clientMutationId: input.clientMutationId ?? null,
    };
  },
  mergePullRequest: async ({ input }: { input: Json }, ctx: Ctx) => {
    const at = await locate(ctx, input.pullRequestId);
    await ctx.rest('PUT', `/repos/${at.repo}/pulls/${at.number}/merge`, {
      merge_method: String(input.mergeMethod ?? 'MERGE').toLowerCase(),
      ...(input.commitHeadline ? { commit_title: input.commitHeadline } : {}),
      ...(input.commitBody ? { commit_message: input.commitBody } : {}),
      ...(input.expectedHeadOid ? { sha: input.expectedHeadOid } : {}),
    });
    const repo = await ctx.get(`/repos/${at.repo}`);
    return {
      pullRequest: pullRequest(ctx, repo, await ctx.rest('GET', `/repos/${at.repo}/pulls/${at.number}`)),
      clientMutationId: input.clientMutationId ?? null,
    };
  },
  closePullRequest: async ({ input }: { input: Json }, ctx: Ctx) => {
    const at = await locate(ctx, input.pullRequestId);
    const closed = await ctx.rest('PATCH', `/repos/${at.repo}/pulls/${at.number}`, { state: 'closed' });
    return {
      pullRequest: pullRequest(ctx, await ctx.get(`/repos/${at.repo}`), closed),
      clientMutationId: input.clientMutationId ?? null,
    };
  },
  reopenPullRequest: async ({ input }: { input: Json }, ctx: Ctx) => {
    const at = await locate(ctx, input.pullRequestId);
    const opened = await ctx.rest('PATCH', `/repos/${at.repo}/pulls/${at.number}`, { state: 'open' });
    return {
      pullRequest: pullRequest(ctx, await ctx.get(`/repos/${at.repo}`), opened),
      clientMutationId: input.clientMutationId ?? null,
    };
  },
  updatePullRequest: async ({ input }: { input: Json }, ctx: Ctx) => {
    const at = await locate(ctx, input.pullRequestId);
    const updated = await ctx.rest('PATCH', `/repos/${at.repo}/pulls/${at.number}`, {
      ...(input.title !== undefined ? { title: input.title } : {}),
      ...(input.body !== undefined ? { body: input.body } : {}),
      ...(input.baseRefName ? { base: input.baseRefName } : {}),
    });
    return {
      pullRequest: pullRequest(ctx, await ctx.get(`/repos/${at.repo}`), updated),
      clientMutationId: input.clientMutationId ?? null,
    };
  },
  addLabelsToLabelable: async ({ input }: { input: Json }, ctx: Ctx) => {
    const at = await locate(ctx, input.labelableId);
    await ctx.rest('POST', `/repos/${at.repo}/issues/${at.number}/labels`, {
      labels: await labelNamesOf(ctx, input.labelIds),
    });
    return {
      labelable: await nodeOf(ctx, input.labelableId),
      clientMutationId: input.clientMutationId ?? null,
    };
  },
  addPullRequestReview: async ({ input }: { input: Json }, ctx: Ctx) => {
    const at = await locate(ctx, input.pullRequestId);
    const made = await ctx.rest('POST', `/repos/${at.repo}/pulls/${at.number}/reviews`, {
      body: input.body ?? undefined,
      ...(input.event ? { event: input.event } : {}),
      ...(input.commitOID ? { commit_id: input.commitOID } : {}),
    });
    return {
      pullRequestReview: review(ctx, await ctx.get(`/repos/${at.repo}`), made),
      clientMutationId: input.clientMutationId ?? null,
    };
  },
  markPullRequestReadyForReview: async ({ input }: { input: Json }, ctx: Ctx) => {
    const at = await locate(ctx, input.pullRequestId);
    await ctx.deps.pool.query(
      'UPDATE pulls SET draft = false WHERE issue_id = (SELECT i.id FROM issues i JOIN repositories r ON r.id = i.repo_id JOIN accounts o ON o.id = r.owner_id WHERE lower(o.login) = lower($1) AND lower(r.name) = lower($2) AND i.number = $3)',
      [...String(at.repo).split('/'), at.number],
    );
    const repo = await ctx.get(`/repos/${at.repo}`);
    return {
      pullRequest: pullRequest(ctx, repo, await ctx.rest('GET', `/repos/${at.repo}/pulls/${at.number}`)),
      clientMutationId: input.clientMutationId ?? null,
    };
  },
};

/** POST /graphql and /api/graphql. `request` reaches the clone's REST API in-process. */
export function createGraphqlRoutes(
  deps: GithubDeps,
  request: (path: string, init: RequestInit) => Promise<Response>,
): Hono<GithubEnv> {
  const app = new Hono<GithubEnv>();
  app.post('/', async (c) => {
    const body = c.get('body') as { query?: unknown; variables?: unknown; operationName?: unknown };
    if (typeof body.query !== 'string')
      throw new GithubError(400, 'A query attribute must be specified and must be a string.');
    const authorization = c.req.header('authorization') ?? '';
    // The same origin the client used, so every url in the answer is one it can follow.
    const origin = c.get('web');
    const cache = new Map<string, Promise<Json>>();
    const rest: RestCall = async (method, path, payload) => {
      const response = await request(`${origin}${path}`, {
        method,
        headers: {
          authorization,
          accept: 'application/vnd.github+json',
          ...(payload ? { 'content-type': 'application/json' } : {}),
        },
        ...(payload ? { body: JSON.stringify(payload) } : {}),
      });
      const text = await response.text();
      const json = text ? JSON.parse(text) : null;
      if (response.status === 404) throw new NotFound(json?.message ?? 'Not Found');
      if (response.status >= 400)
        throw new GraphQLError(json?.message ?? `HTTP ${response.status}`, {
          extensions: { type: response.status === 403 ? 'FORBIDDEN' : 'UNPROCESSABLE', errors: json?.errors },
        });
      if (method !== 'GET') cache.clear();
      return json;
    };
    const get = (path: string) => {
      let found = cache.get(path);
      if (!found) {
        found = rest('GET', path);
        found.catch(() => cache.delete(path));
        cache.set(path, found);
      }
      return found;
    };
    const all = async (path: string) => {
      const items: Json[] = [];
      const join = path.includes('?') ? '&' : '?';
      for (let page = 1; page <= 10; page++) {
        const batch = (await get(`${path}${join}per_page=100&page=${page}`)) as Json[];
        items.push(...batch);
        if (batch.length < 100) break;
      }
      return items;
    };
    const viewer = c.get('viewer');
    const ctx: Ctx = { rest, get, all, deps, viewer: { ...viewer, node_id: undefined } };
    ctx.viewer = await get('/user');
    const result: ExecutionResult = await run(
      body.query,
      (body.variables as Record<string, unknown> | null | undefined) ?? null,
      typeof body.operationName === 'string' ? body.operationName : null,
      ctx,
    );
    // GitHub puts an error's `type` beside its message.
    const errors = result.errors?.map((error) => {
      const json = error.toJSON() as Json;
      const type = (error.extensions as { type?: string } | undefined)?.type;
      return { ...(type ? { type } : {}), ...json, extensions: undefined };
    });
    return c.json({
      ...(result.data !== undefined ? { data: result.data } : {}),
      ...(errors?.length ? { errors } : {}),
    });
  });
  return app;
}
