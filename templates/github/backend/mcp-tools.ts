import { z } from 'zod';
import { type AppFetch, type McpTool, McpToolError, toolsFor } from '../../_shared/mcp.js';

/**
 * GitHub's MCP tools, named and parameterised like github/github-mcp-server's (`get_issue`,
 * `list_issues`, `create_pull_request`, `push_files`, ...). Each calls the clone's own REST
 * API with the MCP caller's token, the way that server calls api.github.com, and answers
 * GitHub's JSON; a GitHub error becomes a tool error with GitHub's body.
 */
export interface GithubApi {
  call(
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    path: string,
    body?: Record<string, unknown>,
  ): Promise<unknown>;
}

export function githubApi(fetch: AppFetch): GithubApi {
  return {
    async call(method, path, body) {
      const response = await fetch(path, {
        method,
        headers: {
          accept: 'application/vnd.github+json',
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      if (response.status === 204) return { ok: true };
      const text = await response.text();
      const parsed = text ? (JSON.parse(text) as unknown) : null;
      if (response.status >= 400) throw new McpToolError(String(response.status), parsed);
      return parsed;
    },
  };
}

const tool = toolsFor<GithubApi>();
const owner = z.string().describe('Repository owner (user or organization)');
const repo = z.string().describe('Repository name');
const page = z.number().int().min(1).optional().describe('Page number for pagination (min 1)');
const perPage = z
  .number()
  .int()
  .min(1)
  .max(100)
  .optional()
  .describe('Results per page for pagination (min 1, max 100)');
const seg = (value: string) => encodeURIComponent(value);
const pathOf = (value: string) => value.split('/').map(seg).join('/');
const query = (params: Record<string, unknown>) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    search.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
};
const base = (a: { owner: string; repo: string }) => `/repos/${seg(a.owner)}/${seg(a.repo)}`;

export const GITHUB_MCP_TOOLS: McpTool<GithubApi>[] = [
  tool({
    name: 'get_me',
    description: 'Get details of the authenticated GitHub user.',
    readOnly: true,
    input: z.object({}),
    run: (_args, gh) => gh.call('GET', '/user'),
  }),
  tool({
    name: 'get_issue',
    description: 'Get details of a specific issue in a GitHub repository.',
    readOnly: true,
    input: z.object({ owner, repo, issue_number: z.number().int().describe('The number of the issue') }),
    run: (a, gh) => gh.call('GET', `${base(a)}/issues/${a.issue_number}`),
  }),
  tool({
    name: 'list_issues',
    description: 'List issues in a GitHub repository.',
    readOnly: true,
    input: z.object({
      owner,
      repo,
      state: z.enum(['open', 'closed', 'all']).optional(),
      labels: z.array(z.string()).optional(),
      sort: z.enum(['created', 'updated', 'comments']).optional(),
      direction: z.enum(['asc', 'desc']).optional(),
      since: z.string().optional().describe('Filter by date (ISO 8601 timestamp)'),
      page,
      perPage,
    }),
    run: (a, gh) =>
      gh.call(
        'GET',
        `${base(a)}/issues${query({ state: a.state, labels: a.labels, sort: a.sort, direction: a.direction, since: a.since, page: a.page, per_page: a.perPage })}`,
      ),
  }),
  tool({
    name: 'get_issue_comments',
    description: 'Get comments for a specific issue in a GitHub repository.',
    readOnly: true,
    input: z.object({ owner, repo, issue_number: z.number().int(), page, perPage }),
    run: (a, gh) =>
      gh.call(
        'GET',
        `${base(a)}/issues/${a.issue_number}/comments${query({ page: a.page, per_page: a.perPage })}`,
      ),
  }),
  tool({
    name: 'create_issue',
    description: 'Create a new issue in a GitHub repository.',
    input: z.object({
      owner,
      repo,
      title: z.string().describe('Issue title'),
      body: z.string().optional().describe('Issue body content'),
      assignees: z.array(z.string()).optional().describe('Usernames to assign to this issue'),
      labels: z.array(z.string()).optional().describe('Labels to apply to this issue'),
      milestone: z.number().int().optional().describe('Milestone number'),
    }),
    run: ({ owner: _o, repo: _r, ...body }, gh) =>
      gh.call('POST', `${base({ owner: _o, repo: _r })}/issues`, body),
  }),
  tool({
    name: 'add_issue_comment',
    description: 'Add a comment to a specific issue in a GitHub repository.',
    input: z.object({
      owner,
      repo,
      issue_number: z.number().int(),
      body: z.string().describe('Comment content'),
    }),
    run: (a, gh) => gh.call('POST', `${base(a)}/issues/${a.issue_number}/comments`, { body: a.body }),
  }),
  tool({
    name: 'update_issue',
    description: 'Update an existing issue in a GitHub repository.',
    input: z.object({
      owner,
      repo,
      issue_number: z.number().int(),
      title: z.string().optional(),
      body: z.string().optional(),
      state: z.enum(['open', 'closed']).optional(),
      state_reason: z.enum(['completed', 'not_planned', 'duplicate']).optional(),
      labels: z.array(z.string()).optional(),
      assignees: z.array(z.string()).optional(),
      milestone: z.number().int().optional(),
    }),
    run: ({ owner: o, repo: r, issue_number, ...body }, gh) =>
      gh.call('PATCH', `${base({ owner: o, repo: r })}/issues/${issue_number}`, body),
  }),
  tool({
    name: 'search_issues',
    description:
      'Search for issues in GitHub repositories using issues search syntax (e.g. "is:open label:bug repo:acme/webapp").',
    readOnly: true,
    input: z.object({
      query: z.string().describe('Search query using GitHub issues search syntax'),
      sort: z.enum(['comments', 'created', 'updated']).optional(),
      order: z.enum(['asc', 'desc']).optional(),
      page,
      perPage,
    }),
    run: (a, gh) =>
      gh.call(
        'GET',
        `/search/issues${query({ q: a.query, sort: a.sort, order: a.order, page: a.page, per_page: a.perPage })}`,
      ),
  }),
  tool({
    name: 'search_pull_requests',
    description: 'Search for pull requests in GitHub repositories using issues search syntax.',
    readOnly: true,
    input: z.object({
      query: z.string(),
      sort: z.enum(['comments', 'created', 'updated']).optional(),
      order: z.enum(['asc', 'desc']).optional(),
      page,
      perPage,
    }),
    run: (a, gh) =>
      gh.call(
        'GET',
        `/search/issues${query({ q: `is:pr ${a.query}`, sort: a.sort, order: a.order, page: a.page, per_page: a.perPage })}`,
      ),
  }),
  tool({
    name: 'create_pull_request',
    description: 'Create a new pull request in a GitHub repository.',
    input: z.object({
      owner,
      repo,
      title: z.string(),
      body: z.string().optional(),
      head: z.string().describe('Branch containing changes'),
      base: z.string().describe('Branch to merge into'),
      draft: z.boolean().optional(),
      maintainer_can_modify: z.boolean().optional(),
    }),
    run: ({ owner: o, repo: r, ...body }, gh) =>
      gh.call('POST', `${base({ owner: o, repo: r })}/pulls`, body),
  }),
  tool({
    name: 'list_pull_requests',
    description: 'List pull requests in a GitHub repository.',
    readOnly: true,
    input: z.object({
      owner,
      repo,
      state: z.enum(['open', 'closed', 'all']).optional(),
      head: z.string().optional(),
      base: z.string().optional(),
      sort: z.enum(['created', 'updated', 'popularity', 'long-running']).optional(),
      direction: z.enum(['asc', 'desc']).optional(),
      page,
      perPage,
    }),
    run: (a, gh) =>
      gh.call(
        'GET',
        `${base(a)}/pulls${query({ state: a.state, head: a.head, base: a.base, sort: a.sort, direction: a.direction, page: a.page, per_page: a.perPage })}`,
      ),
  }),
  tool({
    name: 'get_pull_request',
    description: 'Get details of a specific pull request in a GitHub repository.',
    readOnly: true,
    input: z.object({ owner, repo, pullNumber: z.number().int().describe('Pull request number') }),
    run: (a, gh) => gh.call('GET', `${base(a)}/pulls/${a.pullNumber}`),
  }),
  tool({
    name: 'get_pull_request_files',
    description: 'Get the files changed in a specific pull request.',
    readOnly: true,
    input: z.object({ owner, repo, pullNumber: z.number().int(), page, perPage }),
    run: (a, gh) =>
      gh.call('GET', `${base(a)}/pulls/${a.pullNumber}/files${query({ page: a.page, per_page: a.perPage })}`),
  }),
  tool({
    name: 'merge_pull_request',
    description: 'Merge a pull request in a GitHub repository.',
    input: z.object({
      owner,
      repo,
      pullNumber: z.number().int(),
      commit_title: z.string().optional(),
      commit_message: z.string().optional(),
      merge_method: z.enum(['merge', 'squash', 'rebase']).optional(),
    }),
    run: ({ owner: o, repo: r, pullNumber, ...body }, gh) =>
      gh.call('PUT', `${base({ owner: o, repo: r })}/pulls/${pullNumber}/merge`, body),
  }),
  tool({
    name: 'create_pull_request_review',
    description: 'Create a review on a pull request (APPROVE, REQUEST_CHANGES or COMMENT).',
    input: z.object({
      owner,
      repo,
      pullNumber: z.number().int(),
      body: z.string().optional(),
      event: z.enum(['APPROVE', 'REQUEST_CHANGES', 'COMMENT']),
      commitId: z.string().optional(),
    }),
    run: (a, gh) =>
      gh.call('POST', `${base(a)}/pulls/${a.pullNumber}/reviews`, {
        body: a.body,
        event: a.event,
        ...(a.commitId ? { commit_id: a.commitId } : {}),
      }),
  }),
  tool({
    name: 'get_file_contents',
    description: 'Get the contents of a file or directory from a GitHub repository.',
    readOnly: true,
    input: z.object({
      owner,
      repo,
      path: z.string().optional().describe('Path to file/directory (directories must end with a slash "/")'),
      ref: z.string().optional().describe('A branch, tag or commit SHA'),
      branch: z.string().optional(),
    }),
    run: (a, gh) =>
      gh.call(
        'GET',
        `${base(a)}/contents/${pathOf((a.path ?? '').replace(/^\/+|\/+$/g, ''))}${query({ ref: a.ref ?? a.branch })}`,
      ),
  }),
  tool({
    name: 'create_or_update_file',
    description:
      'Create or update a single file in a GitHub repository (the SHA of the file is required to update it).',
    input: z.object({
      owner,
      repo,
      path: z.string(),
      content: z.string().describe('Content of the file (plain text)'),
      message: z.string().describe('Commit message'),
      branch: z.string(),
      sha: z.string().optional().describe('Blob SHA of the file being replaced'),
    }),
    run: (a, gh) =>
      gh.call('PUT', `${base(a)}/contents/${pathOf(a.path)}`, {
        message: a.message,
        content: Buffer.from(a.content, 'utf8').toString('base64'),
        branch: a.branch,
        ...(a.sha ? { sha: a.sha } : {}),
      }),
  }),
  tool({
    name: 'delete_file',
    description: 'Delete a file from a GitHub repository.',
    input: z.object({ owner, repo, path: z.string(), message: z.string(), branch: z.string() }),
    run: async (a, gh) => {
      const file = (await gh.call(
        'GET',
        `${base(a)}/contents/${pathOf(a.path)}${query({ ref: a.branch })}`,
      )) as { sha: string };
      return gh.call('DELETE', `${base(a)}/contents/${pathOf(a.path)}`, {
        message: a.message,
        sha: file.sha,
        branch: a.branch,
      });
    },
  }),
  tool({
    name: 'push_files',
    description: 'Push multiple files to a GitHub repository in a single commit.',
    input: z.object({
      owner,
      repo,
      branch: z.string(),
      files: z.array(z.object({ path: z.string(), content: z.string() })).min(1),
      message: z.string(),
    }),
    run: async (a, gh) => {
      const ref = (await gh.call('GET', `${base(a)}/git/ref/heads/${pathOf(a.branch)}`)) as {
        object: { sha: string };
      };
      const head = (await gh.call('GET', `${base(a)}/git/commits/${ref.object.sha}`)) as {
        tree: { sha: string };
      };
      const tree = (await gh.call('POST', `${base(a)}/git/trees`, {
        base_tree: head.tree.sha,
        tree: a.files.map((f) => ({ path: f.path, mode: '100644', type: 'blob', content: f.content })),
      })) as { sha: string };
      const commit = (await gh.call('POST', `${base(a)}/git/commits`, {
        message: a.message,
        tree: tree.sha,
        parents: [ref.object.sha],
      })) as { sha: string };
      return gh.call('PATCH', `${base(a)}/git/refs/heads/${pathOf(a.branch)}`, { sha: commit.sha });
    },
  }),
  tool({
    name: 'create_branch',
    description: 'Create a new branch in a GitHub repository.',
    input: z.object({
      owner,
      repo,
      branch: z.string().describe('Name for new branch'),
      from_branch: z
        .string()
        .optional()
        .describe('Source branch (defaults to the repository default branch)'),
    }),
    run: async (a, gh) => {
      const from =
        a.from_branch ?? ((await gh.call('GET', base(a))) as { default_branch: string }).default_branch;
      const ref = (await gh.call('GET', `${base(a)}/git/ref/heads/${pathOf(from)}`)) as {
        object: { sha: string };
      };
      return gh.call('POST', `${base(a)}/git/refs`, { ref: `refs/heads/${a.branch}`, sha: ref.object.sha });
    },
  }),
  tool({
    name: 'list_branches',
    description: 'List branches in a GitHub repository.',
    readOnly: true,
    input: z.object({ owner, repo, page, perPage }),
    run: (a, gh) => gh.call('GET', `${base(a)}/branches${query({ page: a.page, per_page: a.perPage })}`),
  }),
  tool({
    name: 'list_commits',
    description: 'Get the list of commits of a branch in a GitHub repository.',
    readOnly: true,
    input: z.object({
      owner,
      repo,
      sha: z.string().optional().describe('SHA or branch name'),
      author: z.string().optional(),
      page,
      perPage,
    }),
    run: (a, gh) =>
      gh.call(
        'GET',
        `${base(a)}/commits${query({ sha: a.sha, author: a.author, page: a.page, per_page: a.perPage })}`,
      ),
  }),
  tool({
    name: 'get_commit',
    description: 'Get details for a commit from a GitHub repository.',
    readOnly: true,
    input: z.object({ owner, repo, sha: z.string() }),
    run: (a, gh) => gh.call('GET', `${base(a)}/commits/${seg(a.sha)}`),
  }),
  tool({
    name: 'search_code',
    description:
      'Search for code across GitHub repositories (text match, with repo:/org:/path:/extension: qualifiers).',
    readOnly: true,
    input: z.object({ query: z.string(), page, perPage }),
    run: (a, gh) => gh.call('GET', `/search/code${query({ q: a.query, page: a.page, per_page: a.perPage })}`),
  }),
  tool({
    name: 'search_repositories',
    description: 'Search for GitHub repositories.',
    readOnly: true,
    input: z.object({ query: z.string(), page, perPage }),
    run: (a, gh) =>
      gh.call('GET', `/search/repositories${query({ q: a.query, page: a.page, per_page: a.perPage })}`),
  }),
  tool({
    name: 'create_repository',
    description: 'Create a new GitHub repository in your account.',
    input: z.object({
      name: z.string(),
      description: z.string().optional(),
      private: z.boolean().optional(),
      autoInit: z.boolean().optional(),
    }),
    run: (a, gh) =>
      gh.call('POST', '/user/repos', {
        name: a.name,
        description: a.description,
        private: a.private,
        auto_init: a.autoInit,
      }),
  }),
];
