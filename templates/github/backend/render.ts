import { createHash } from 'node:crypto';
import type { AccountRow, CommentRow, IssueRow, LabelRow, MilestoneRow, RepoRow } from './store.js';

/** Where a request's links point: the API root it came to and the web origin. */
export interface Urls {
  api: string;
  web: string;
}

/**
 * GitHub's legacy global node id: base64 of `0<length of type>:<Type><id>` (`MDQ6VXNlcjE=`
 * is User 1). REST and GraphQL share them; `decodeNodeId` reads one back.
 */
export function nodeId(type: string, id: number | string): string {
  return Buffer.from(`0${type.length}:${type}${id}`, 'utf8').toString('base64');
}

export function decodeNodeId(value: string): { type: string; id: string } | null {
  const text = Buffer.from(value, 'base64').toString('utf8');
  const match = /^0(\d+):([A-Za-z]+)(.+)$/.exec(text);
  if (!match) return null;
  const length = Number(match[1]);
  const rest = `${match[2]}${match[3]}`;
  return { type: rest.slice(0, length), id: rest.slice(length) };
}

/** GitHub's timestamps: ISO 8601 in UTC, whole seconds. */
export function iso(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return new Date(value).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const avatar = (account: Pick<AccountRow, 'login'>) =>
  `https://avatars.githubusercontent.com/u/${createHash('md5').update(account.login).digest('hex').slice(0, 8)}?v=4`;

export function simpleUser(u: Urls, a: AccountRow): Record<string, unknown> {
  const url = `${u.api}/users/${a.login}`;
  return {
    login: a.type === 'Bot' ? a.login : a.login,
    id: a.id,
    node_id: nodeId(a.type === 'Organization' ? 'Organization' : a.type === 'Bot' ? 'Bot' : 'User', a.id),
    avatar_url: avatar(a),
    gravatar_id: '',
    url,
    html_url: `${u.web}/${a.login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: a.type,
    site_admin: false,
  };
}

export const maybeUser = (u: Urls, a: AccountRow | null | undefined) => (a ? simpleUser(u, a) : null);

export function fullUser(u: Urls, a: AccountRow, counts: { publicRepos: number }, self: boolean) {
  return {
    ...simpleUser(u, a),
    name: a.name,
    company: a.company,
    blog: a.blog,
    location: a.location,
    email: a.email,
    hireable: null,
    bio: a.bio,
    twitter_username: null,
    public_repos: counts.publicRepos,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: iso(a.created_at),
    updated_at: iso(a.updated_at),
    ...(self
      ? {
          private_gists: 0,
          total_private_repos: 0,
          owned_private_repos: 0,
          disk_usage: 0,
          collaborators: 0,
          two_factor_authentication: true,
          plan: { name: 'pro', space: 976562499, private_repos: 9999, collaborators: 0 },
        }
      : {}),
  };
}

export function organization(u: Urls, a: AccountRow, counts: { publicRepos: number; privateRepos: number }) {
  const url = `${u.api}/orgs/${a.login}`;
  return {
    login: a.login,
    id: a.id,
    node_id: nodeId('Organization', a.id),
    url,
    repos_url: `${url}/repos`,
    events_url: `${url}/events`,
    hooks_url: `${url}/hooks`,
    issues_url: `${url}/issues`,
    members_url: `${url}/members{/member}`,
    public_members_url: `${url}/public_members{/member}`,
    avatar_url: avatar(a),
    description: a.bio,
    name: a.name,
    company: a.company,
    blog: a.blog,
    location: a.location,
    email: a.email,
    twitter_username: null,
    is_verified: false,
    has_organization_projects: true,
    has_repository_projects: true,
    public_repos: counts.publicRepos,
    public_gists: 0,
    followers: 0,
    following: 0,
    html_url: `${u.web}/${a.login}`,
    created_at: iso(a.created_at),
    updated_at: iso(a.updated_at),
    type: 'Organization',
    total_private_repos: counts.privateRepos,
    owned_private_repos: counts.privateRepos,
  };
}

const PERMISSIONS = ['admin', 'maintain', 'push', 'triage', 'pull'] as const;

export function repository(u: Urls, r: RepoRow): Record<string, unknown> {
  const full = `${r.owner.login}/${r.name}`;
  const url = `${u.api}/repos/${full}`;
  const rank = r.permission ? PERMISSIONS.indexOf(r.permission) : PERMISSIONS.length;
  return {
    id: r.id,
    node_id: nodeId('Repository', r.id),
    name: r.name,
    full_name: full,
    owner: simpleUser(u, r.owner),
    private: r.private,
    html_url: `${u.web}/${full}`,
    description: r.description,
    fork: false,
    url,
    archive_url: `${url}/{archive_format}{/ref}`,
    assignees_url: `${url}/assignees{/user}`,
    blobs_url: `${url}/git/blobs{/sha}`,
    branches_url: `${url}/branches{/branch}`,
    collaborators_url: `${url}/collaborators{/collaborator}`,
    comments_url: `${url}/comments{/number}`,
    commits_url: `${url}/commits{/sha}`,
    compare_url: `${url}/compare/{base}...{head}`,
    contents_url: `${url}/contents/{+path}`,
    contributors_url: `${url}/contributors`,
    deployments_url: `${url}/deployments`,
    downloads_url: `${url}/downloads`,
    events_url: `${url}/events`,
    forks_url: `${url}/forks`,
    git_commits_url: `${url}/git/commits{/sha}`,
    git_refs_url: `${url}/git/refs{/sha}`,
    git_tags_url: `${url}/git/tags{/sha}`,
    git_url: `${u.web.replace(/^https?:/, 'git:')}/${full}.git`,
    issue_comment_url: `${url}/issues/comments{/number}`,
    issue_events_url: `${url}/issues/events{/number}`,
    issues_url: `${url}/issues{/number}`,
    keys_url: `${url}/keys{/key_id}`,
    labels_url: `${url}/labels{/name}`,
    languages_url: `${url}/languages`,
    merges_url: `${url}/merges`,
    milestones_url: `${url}/milestones{/number}`,
    notifications_url: `${url}/notifications{?since,all,participating}`,
    pulls_url: `${url}/pulls{/number}`,
    releases_url: `${url}/releases{/id}`,
    ssh_url: `git@${new URL(u.web).host}:${full}.git`,
    stargazers_url: `${url}/stargazers`,
    statuses_url: `${url}/statuses/{sha}`,
    subscribers_url: `${url}/subscribers`,
    subscription_url: `${url}/subscription`,
    tags_url: `${url}/tags`,
    teams_url: `${url}/teams`,
    trees_url: `${url}/git/trees{/sha}`,
    clone_url: `${u.web}/${full}.git`,
    mirror_url: null,
    hooks_url: `${url}/hooks`,
    svn_url: `${u.web}/${full}`,
    homepage: r.homepage,
    license: null,
    language: null,
    forks_count: 0,
    forks: 0,
    stargazers_count: 0,
    watchers_count: 0,
    watchers: 0,
    size: 0,
    default_branch: r.default_branch,
    open_issues_count: r.open_issues_count,
    open_issues: r.open_issues_count,
    is_template: false,
    topics: r.topics,
    has_issues: r.has_issues,
    has_projects: r.has_projects,
    has_wiki: r.has_wiki,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: r.archived,
    disabled: false,
    visibility: r.private ? 'private' : 'public',
    pushed_at: iso(r.pushed_at),
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
    permissions: Object.fromEntries(PERMISSIONS.map((p, index) => [p, index >= rank])),
    allow_rebase_merge: r.allow_rebase_merge,
    temp_clone_token: '',
    allow_squash_merge: r.allow_squash_merge,
    allow_auto_merge: false,
    delete_branch_on_merge: r.delete_branch_on_merge,
    allow_merge_commit: r.allow_merge_commit,
    allow_forking: true,
    web_commit_signoff_required: false,
    subscribers_count: 0,
    network_count: 0,
    ...(r.owner.type === 'Organization' ? { organization: simpleUser(u, r.owner) } : {}),
  };
}

export function label(u: Urls, repo: RepoRow, l: LabelRow) {
  return {
    id: l.id,
    node_id: nodeId('Label', l.id),
    url: `${u.api}/repos/${repo.owner.login}/${repo.name}/labels/${encodeURIComponent(l.name)}`,
    name: l.name,
    description: l.description,
    color: l.color,
    default: l.is_default,
  };
}

export function milestone(u: Urls, repo: RepoRow, m: MilestoneRow) {
  const url = `${u.api}/repos/${repo.owner.login}/${repo.name}/milestones/${m.number}`;
  return {
    url,
    html_url: `${u.web}/${repo.owner.login}/${repo.name}/milestone/${m.number}`,
    labels_url: `${url}/labels`,
    id: m.id,
    node_id: nodeId('Milestone', m.id),
    number: m.number,
    state: m.state,
    title: m.title,
    description: m.description,
    creator: maybeUser(u, m.creator),
    open_issues: m.open_issues,
    closed_issues: m.closed_issues,
    created_at: iso(m.created_at),
    updated_at: iso(m.updated_at),
    closed_at: iso(m.closed_at),
    due_on: iso(m.due_on),
  };
}

export function issue(u: Urls, repo: RepoRow, i: IssueRow) {
  const repoUrl = `${u.api}/repos/${repo.owner.login}/${repo.name}`;
  const url = `${repoUrl}/issues/${i.number}`;
  const web = `${u.web}/${repo.owner.login}/${repo.name}`;
  return {
    id: i.id,
    node_id: nodeId(i.is_pull ? 'PullRequest' : 'Issue', i.is_pull ? (i.pull_id ?? i.id) : i.id),
    url,
    repository_url: repoUrl,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: `${web}/${i.is_pull ? 'pull' : 'issues'}/${i.number}`,
    number: i.number,
    state: i.state,
    title: i.title,
    body: i.body,
    user: simpleUser(u, i.user),
    labels: i.labels.map((l) => label(u, repo, l)),
    assignee: i.assignees[0] ? simpleUser(u, i.assignees[0]) : null,
    assignees: i.assignees.map((a) => simpleUser(u, a)),
    milestone: i.milestone ? milestone(u, repo, i.milestone) : null,
    locked: i.locked,
    active_lock_reason: i.active_lock_reason,
    comments: i.comments,
    ...(i.is_pull
      ? {
          pull_request: {
            url: `${repoUrl}/pulls/${i.number}`,
            html_url: `${web}/pull/${i.number}`,
            diff_url: `${web}/pull/${i.number}.diff`,
            patch_url: `${web}/pull/${i.number}.patch`,
            merged_at: iso(i.merged_at),
          },
          draft: i.draft === true,
        }
      : {}),
    closed_at: iso(i.closed_at),
    created_at: iso(i.created_at),
    updated_at: iso(i.updated_at),
    closed_by: maybeUser(u, i.closed_by),
    author_association: i.author_association,
    state_reason: i.state_reason,
    reactions: reactionRollup(url),
    timeline_url: `${url}/timeline`,
    performed_via_github_app: null,
  };
}

export function reactionRollup(url: string, counts: Record<string, number> = {}) {
  const keys = ['+1', '-1', 'laugh', 'hooray', 'confused', 'heart', 'rocket', 'eyes'];
  const values = Object.fromEntries(keys.map((k) => [k, counts[k] ?? 0]));
  return {
    url: `${url}/reactions`,
    total_count: Object.values(values).reduce((a, b) => a + b, 0),
    ...values,
  };
}

export function issueComment(u: Urls, repo: RepoRow, c: CommentRow) {
  const repoUrl = `${u.api}/repos/${repo.owner.login}/${repo.name}`;
  return {
    id: c.id,
    node_id: nodeId('IssueComment', c.id),
    url: `${repoUrl}/issues/comments/${c.id}`,
    html_url: `${u.web}/${repo.owner.login}/${repo.name}/issues/${c.number}#issuecomment-${c.id}`,
    body: c.body,
    user: simpleUser(u, c.user),
    created_at: iso(c.created_at),
    updated_at: iso(c.updated_at),
    issue_url: `${repoUrl}/issues/${c.number}`,
    author_association: c.author_association,
    performed_via_github_app: null,
    reactions: reactionRollup(`${repoUrl}/issues/comments/${c.id}`),
  };
}
