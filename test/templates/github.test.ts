import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { graphql } from '@octokit/graphql';
import { Octokit } from '@octokit/rest';
import { verify } from '@octokit/webhooks-methods';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGithubApp } from '../../templates/github/backend/app.js';
import { githubTemplate } from '../../templates/github/backend/template.js';
import type { GithubTokens } from '../../templates/github/backend/tokens.js';
import { missingKeys } from '../support/github-reference.js';
import { type CloneUnderTest, openClone, RECEIVER_HOST } from './harness.js';

const run = promisify(execFile);

let clone: CloneUnderTest;
let tokens: GithubTokens;
let octokit: Octokit;
let work: string;
let receiver: Server;
let receiverUrl: string;
const received: Array<{ event: string; signature: string; body: string }> = [];

const sdk = (auth: string, baseUrl = clone.url) => new Octokit({ auth, baseUrl, request: { retries: 0 } });

/** The real git binary, with no config of the machine's and a credential in the URL. */
async function git(cwd: string, ...args: string[]) {
  const { stdout } = await run('git', args, {
    cwd,
    env: {
      PATH: process.env.PATH,
      HOME: work,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_TERMINAL_PROMPT: '0',
      GIT_AUTHOR_NAME: 'Dana Whitfield',
      GIT_AUTHOR_EMAIL: 'dana@acme.test',
      GIT_COMMITTER_NAME: 'Dana Whitfield',
      GIT_COMMITTER_EMAIL: 'dana@acme.test',
    },
  });
  return stdout.trim();
}
const remote = (repo: string, token = tokens.token) =>
  `${clone.url.replace('://', `://x-access-token:${token}@`)}/acme/${repo}.git`;

beforeAll(async () => {
  clone = await openClone({
    template: githubTemplate,
    createApp: (deps) => createGithubApp({ ...deps, webhookRetryDelaysMs: [50] }),
    database: 'github_1',
    seedFixture: 'acme-corp',
  });
  tokens = (await clone.admin('/tokens')).body as GithubTokens;
  octokit = sdk(tokens.token);
  work = await mkdtemp(join(tmpdir(), 'asym-github-test-'));
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        event: String(req.headers['x-github-event']),
        signature: String(req.headers['x-hub-signature-256']),
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, RECEIVER_HOST, resolve));
  receiverUrl = `http://${RECEIVER_HOST}:${(receiver.address() as AddressInfo).port}/hook`;
}, 180_000);

afterAll(async () => {
  console.error((await clone.logLines()).filter((l) => /failed|Error/.test(l)).join('\n'));
  await new Promise((resolve) => receiver?.close(resolve));
  await clone?.close();
  if (work) await rm(work, { recursive: true, force: true });
  // The in-process backend's bare repositories (a spun clone keeps them in its container).
  await rm(join(tmpdir(), 'asym-github', 'github_1'), { recursive: true, force: true });
});

describe('auth and wire behaviour', () => {
  it('acts as the seeded primary user with a ghp_ token; a bad token is 401 Bad credentials', async () => {
    expect(tokens.token).toMatch(/^ghp_[A-Za-z0-9]{36}$/);
    const { data, headers } = await octokit.rest.users.getAuthenticated();
    expect(data.login).toBe('dana-whitfield');
    expect(missingKeys('private-user', data)).toEqual([]);
    expect(headers['x-github-request-id']).toMatch(/^[0-9A-F:]+$/);
    expect(Number(headers['x-ratelimit-limit'])).toBe(5000);
    const bad = await fetch(`${clone.url}/user`, { headers: { authorization: 'token ghp_nope' } });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({
      message: 'Bad credentials',
      documentation_url: expect.any(String),
    });
    const { rows } = await clone.pool.query(
      'SELECT token_sha256 FROM asym.github_tokens WHERE revoked_at IS NULL',
    );
    expect(JSON.stringify(rows)).not.toContain(tokens.token);
  });

  it('serves the same API under /api/v3 (GitHub Enterprise clients)', async () => {
    const enterprise = sdk(tokens.token, `${clone.url}/api/v3`);
    const { data } = await enterprise.rest.repos.get({ owner: 'acme', repo: 'webapp' });
    expect(data.url).toBe(`${clone.url}/api/v3/repos/acme/webapp`);
    expect(
      missingKeys('full-repository', data, ['license', 'template_repository', 'parent', 'source']),
    ).toEqual([]);
  });

  it('answers 304 to If-None-Match with the ETag it sent', async () => {
    const first = await fetch(`${clone.url}/repos/acme/webapp`, {
      headers: { authorization: `token ${tokens.token}` },
    });
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^W\//);
    const again = await fetch(`${clone.url}/repos/acme/webapp`, {
      headers: { authorization: `token ${tokens.token}`, 'if-none-match': etag as string },
    });
    expect(again.status).toBe(304);
  });

  it('hides a private repository from a token that cannot see it (404), and reports rate limits', async () => {
    const bot = sdk(tokens.botToken);
    await expect(bot.rest.repos.get({ owner: 'acme', repo: 'infra' })).rejects.toMatchObject({ status: 404 });
    expect((await octokit.rest.repos.get({ owner: 'acme', repo: 'infra' })).data.private).toBe(true);
    const { data } = await octokit.rest.rateLimit.get();
    expect(data.resources.core.limit).toBe(5000);
  });

  it('answers 422 Validation Failed with errors[] for a bad body', async () => {
    const error = await octokit.rest.issues
      .create({ owner: 'acme', repo: 'webapp' } as never)
      .catch((e) => e);
    expect(error.status).toBe(422);
    expect(error.response.data).toMatchObject({
      message: 'Validation Failed',
      errors: [{ resource: 'Issue', field: 'title', code: 'missing_field' }],
    });
  });
});

describe('seed', () => {
  it('has the org acme with Slack acme-corp people, three repositories with real history', async () => {
    const members = await octokit.paginate(octokit.rest.orgs.listMembers, { org: 'acme', per_page: 5 });
    expect(members.map((m) => m.login)).toContain('priya-raman');
    expect(members).toHaveLength(13);
    const repos = await octokit.paginate(octokit.rest.repos.listForOrg, { org: 'acme' });
    expect(repos.map((r) => r.name).sort()).toEqual(['docs', 'infra', 'webapp']);
    const commits = await octokit.paginate(octokit.rest.repos.listCommits, {
      owner: 'acme',
      repo: 'webapp',
      per_page: 2,
    });
    expect(commits.length).toBeGreaterThanOrEqual(7);
    expect(commits[0]?.commit.message).toMatch(/^Merge pull request #3/);
    expect(missingKeys('commit', commits[0], ['stats', 'files'])).toEqual([]);
  });

  it('has issues and pull requests in every state, with labels, milestones, comments and reviews', async () => {
    const issues = await octokit.paginate(octokit.rest.issues.listForRepo, {
      owner: 'acme',
      repo: 'webapp',
      state: 'all',
      per_page: 3,
    });
    expect(issues.length).toBe(9);
    const pulls = await octokit.paginate(octokit.rest.pulls.list, {
      owner: 'acme',
      repo: 'webapp',
      state: 'all',
    });
    const byNumber = Object.fromEntries(pulls.map((p) => [p.number, p]));
    expect(byNumber[3]?.merged_at).not.toBeNull();
    expect(byNumber[6]?.draft).toBe(true);
    expect(byNumber[7]?.state).toBe('closed');
    expect(byNumber[7]?.merged_at).toBeNull();
    expect(byNumber[5]?.state).toBe('open');
    const issue = (await octokit.rest.issues.get({ owner: 'acme', repo: 'webapp', issue_number: 2 })).data;
    // GitHub's example is an issue that is a pull request; a plain issue has no `pull_request`.
    expect(missingKeys('issue', issue, ['pinned_comment', 'pull_request'])).toEqual([]);
    expect(issue.milestone?.title).toBe('v1.2');
    const comments = (
      await octokit.rest.issues.listComments({ owner: 'acme', repo: 'webapp', issue_number: 2 })
    ).data;
    expect(missingKeys('issue-comment', comments[0], ['pin', 'minimized'])).toEqual([]);
    const reviews = (await octokit.rest.pulls.listReviews({ owner: 'acme', repo: 'webapp', pull_number: 3 }))
      .data;
    expect(reviews.map((r) => r.state)).toEqual(['COMMENTED', 'APPROVED']);
    expect(missingKeys('pull-request-review', reviews[0])).toEqual([]);
    const pull = (await octokit.rest.pulls.get({ owner: 'acme', repo: 'webapp', pull_number: 5 })).data;
    expect(missingKeys('pull-request', pull)).toEqual([]);
    expect(pull.mergeable).toBe(true);
    expect(pull.changed_files).toBe(1);
  });
});

describe('git over smart HTTP', () => {
  it('clones, pushes a branch and a tag (refs the API shows), and fetches an API merge', async () => {
    const dir = join(work, 'webapp');
    await git(work, 'clone', '--quiet', remote('webapp'), dir);
    expect(await readFile(join(dir, 'src/routes/health.js'), 'utf8')).toContain('503');
    const seeded = await git(dir, 'rev-parse', 'HEAD');
    const head = (await octokit.rest.repos.getBranch({ owner: 'acme', repo: 'webapp', branch: 'main' })).data
      .commit.sha;
    expect(seeded).toBe(head);

    await git(dir, 'checkout', '--quiet', '-b', 'feature/pagination');
    await writeFile(
      join(dir, 'src/routes/orders.js'),
      `${await readFile(join(dir, 'src/routes/orders.js'), 'utf8')}// pagination\n`,
    );
    await git(dir, 'commit', '--quiet', '-am', 'Paginate the orders list');
    await git(dir, 'push', '--quiet', 'origin', 'feature/pagination');
    await git(dir, 'tag', 'v1.2.0-rc1');
    await git(dir, 'push', '--quiet', 'origin', 'v1.2.0-rc1');
    const pushed = await git(dir, 'rev-parse', 'HEAD');
    const branch = (
      await octokit.rest.repos.getBranch({ owner: 'acme', repo: 'webapp', branch: 'feature/pagination' })
    ).data;
    expect(branch.commit.sha).toBe(pushed);
    const tag = (await octokit.rest.git.getRef({ owner: 'acme', repo: 'webapp', ref: 'tags/v1.2.0-rc1' }))
      .data;
    expect(tag.object.sha).toBe(pushed);

    const pr = (
      await octokit.rest.pulls.create({
        owner: 'acme',
        repo: 'webapp',
        title: 'Paginate orders',
        head: 'feature/pagination',
        base: 'main',
      })
    ).data;
    const files = (
      await octokit.rest.pulls.listFiles({ owner: 'acme', repo: 'webapp', pull_number: pr.number })
    ).data;
    expect(files.map((f) => f.filename)).toEqual(['src/routes/orders.js']);
    const merged = (
      await octokit.rest.pulls.merge({
        owner: 'acme',
        repo: 'webapp',
        pull_number: pr.number,
        merge_method: 'merge',
      })
    ).data;
    expect(merged.merged).toBe(true);
    await git(dir, 'fetch', '--quiet', 'origin');
    expect(await git(dir, 'rev-parse', 'origin/main')).toBe(merged.sha);
    expect(await git(dir, 'log', '-1', '--format=%P', 'origin/main')).toBe(`${head} ${pushed}`);
  });

  it('refuses a push without a token that may write (the bot cannot see infra)', async () => {
    const error = await git(
      work,
      'clone',
      '--quiet',
      remote('infra', tokens.botToken),
      join(work, 'infra-bot'),
    ).catch((e) => e);
    expect(String(error.stderr)).toMatch(/not found|404/i);
  });
});

/** Waits (bounded) until `count` deliveries of `event` came in. */
async function deliveries(event: string, count: number) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const found = received.filter((d) => d.event === event);
    if (found.length >= count || Date.now() > deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('webhooks', () => {
  it('signs push, issues, issue_comment, pull_request and pull_request_review deliveries (X-Hub-Signature-256)', async () => {
    const secret = 'It-is-a-secret';
    const hook = await octokit.rest.repos.createWebhook({
      owner: 'acme',
      repo: 'docs',
      config: { url: receiverUrl, content_type: 'json', secret },
      events: ['push', 'issues', 'issue_comment', 'pull_request', 'pull_request_review'],
    });
    expect(missingKeys('hook', hook.data)).toEqual([]);
    const issue = (
      await octokit.rest.issues.create({ owner: 'acme', repo: 'docs', title: 'Runbook for DNS' })
    ).data;
    await octokit.rest.issues.createComment({
      owner: 'acme',
      repo: 'docs',
      issue_number: issue.number,
      body: 'On it',
    });
    await octokit.rest.repos.createOrUpdateFileContents({
      owner: 'acme',
      repo: 'docs',
      path: 'docs/runbooks/dns.md',
      message: 'Add the DNS runbook',
      content: Buffer.from('# DNS\n').toString('base64'),
      branch: 'docs/incident-process',
    });
    await sdk(tokens.botToken).rest.pulls.createReview({
      owner: 'acme',
      repo: 'docs',
      pull_number: 3,
      event: 'APPROVE',
      body: 'ok',
    });
    for (const [event, action] of [
      ['issues', 'opened'],
      ['issue_comment', 'created'],
      ['push', undefined],
      ['pull_request_review', 'submitted'],
    ] as const) {
      const [delivery] = await deliveries(event, 1);
      expect(delivery, event).toBeDefined();
      expect(await verify(secret, delivery?.body ?? '', delivery?.signature ?? '')).toBe(true);
      if (action) expect(JSON.parse(delivery?.body ?? '{}').action).toBe(action);
    }
    const push = JSON.parse((await deliveries('push', 1))[0]?.body ?? '{}');
    expect(push.ref).toBe('refs/heads/docs/incident-process');
    expect(push.commits.map((c: { message: string }) => c.message)).toEqual(['Add the DNS runbook']);
    // The commit moved the head of the open PR #3: its head is the new commit, and `synchronize` went out.
    const pr = (await octokit.rest.pulls.get({ owner: 'acme', repo: 'docs', pull_number: 3 })).data;
    expect(pr.head.sha).toBe(push.after);
    const synchronize = (await deliveries('pull_request', 1)).map((d) => JSON.parse(d.body));
    expect(synchronize).toContainEqual(expect.objectContaining({ action: 'synchronize', number: 3 }));
    expect(
      await verify(
        secret,
        (await deliveries('pull_request', 1))[0]?.body ?? '',
        (await deliveries('pull_request', 1))[0]?.signature ?? '',
      ),
    ).toBe(true);
  });
});

describe('contents, git data, commits, statuses', () => {
  it('creates, updates and deletes a file as commits; reads trees, blobs and refs', async () => {
    const created = (
      await octokit.rest.repos.createOrUpdateFileContents({
        owner: 'acme',
        repo: 'webapp',
        path: 'docs/notes.md',
        message: 'Add notes',
        content: Buffer.from('first\n').toString('base64'),
      })
    ).data;
    expect(missingKeys('file-commit', created)).toEqual([]);
    const file = (
      await octokit.rest.repos.getContent({ owner: 'acme', repo: 'webapp', path: 'docs/notes.md' })
    ).data as {
      content: string;
      sha: string;
    };
    expect(missingKeys('content-file', file)).toEqual([]);
    expect(Buffer.from(file.content, 'base64').toString()).toBe('first\n');
    const stale = await octokit.rest.repos
      .createOrUpdateFileContents({
        owner: 'acme',
        repo: 'webapp',
        path: 'docs/notes.md',
        message: 'x',
        content: 'eA==',
      })
      .catch((e) => e);
    expect(stale.status).toBe(422);
    await octokit.rest.repos.createOrUpdateFileContents({
      owner: 'acme',
      repo: 'webapp',
      path: 'docs/notes.md',
      message: 'Update notes',
      content: Buffer.from('second\n').toString('base64'),
      sha: file.sha,
    });
    const now = (
      await octokit.rest.repos.getContent({ owner: 'acme', repo: 'webapp', path: 'docs/notes.md' })
    ).data as { sha: string };
    const removed = await octokit.rest.repos.deleteFile({
      owner: 'acme',
      repo: 'webapp',
      path: 'docs/notes.md',
      message: 'Drop notes',
      sha: now.sha,
    });
    const tip = removed.data.commit.sha as string;
    const commit = (await octokit.rest.git.getCommit({ owner: 'acme', repo: 'webapp', commit_sha: tip }))
      .data;
    expect(missingKeys('git-commit', commit)).toEqual([]);
    expect(commit.message).toBe('Drop notes');
    expect(commit.author.email).toBe('dana@acme.test');
    const tree = (
      await octokit.rest.git.getTree({
        owner: 'acme',
        repo: 'webapp',
        tree_sha: commit.tree.sha,
        recursive: '1',
      })
    ).data;
    expect(missingKeys('git-tree', tree)).toEqual([]);
    const pkg = tree.tree.find((e) => e.path === 'package.json');
    const blob = (await octokit.rest.git.getBlob({ owner: 'acme', repo: 'webapp', file_sha: pkg?.sha ?? '' }))
      .data;
    expect(missingKeys('blob', blob)).toEqual([]);
    expect(Buffer.from(blob.content, 'base64').toString()).toContain('acme-webapp');
    const ref = (await octokit.rest.git.getRef({ owner: 'acme', repo: 'webapp', ref: 'heads/main' })).data;
    expect(missingKeys('git-ref', ref)).toEqual([]);
    expect(ref.object.sha).toBe(tip);
    const single = (await octokit.rest.repos.getCommit({ owner: 'acme', repo: 'webapp', ref: tip })).data;
    expect(single.files?.map((f) => [f.filename, f.status])).toEqual([['docs/notes.md', 'removed']]);
    const compare = (
      await octokit.rest.repos.compareCommits({ owner: 'acme', repo: 'webapp', base: 'v1.1.0', head: 'main' })
    ).data;
    expect(missingKeys('commit-comparison', compare)).toEqual([]);
    expect(compare.status).toBe('ahead');
  });

  it('builds a commit from blobs and a tree, and moves a branch only forward unless forced', async () => {
    const base = (await octokit.rest.git.getRef({ owner: 'acme', repo: 'infra', ref: 'heads/main' })).data
      .object.sha;
    const baseTree = (await octokit.rest.git.getCommit({ owner: 'acme', repo: 'infra', commit_sha: base }))
      .data.tree.sha;
    const blob = (
      await octokit.rest.git.createBlob({ owner: 'acme', repo: 'infra', content: 'replicas = 4\n' })
    ).data;
    const tree = (
      await octokit.rest.git.createTree({
        owner: 'acme',
        repo: 'infra',
        base_tree: baseTree,
        tree: [{ path: 'envs/prod.tfvars', mode: '100644', type: 'blob', sha: blob.sha }],
      })
    ).data;
    const made = (
      await octokit.rest.git.createCommit({
        owner: 'acme',
        repo: 'infra',
        message: 'Prod vars',
        tree: tree.sha,
        parents: [base],
      })
    ).data;
    await octokit.rest.git.createRef({
      owner: 'acme',
      repo: 'infra',
      ref: 'refs/heads/prod-vars',
      sha: made.sha,
    });
    const sideways = await octokit.rest.git
      .updateRef({ owner: 'acme', repo: 'infra', ref: 'heads/prod-vars', sha: base })
      .catch((e) => e);
    expect(sideways.status).toBe(422);
    await octokit.rest.git.updateRef({
      owner: 'acme',
      repo: 'infra',
      ref: 'heads/prod-vars',
      sha: base,
      force: true,
    });
    await octokit.rest.git.deleteRef({ owner: 'acme', repo: 'infra', ref: 'heads/prod-vars' });
    const branches = await octokit.paginate(octokit.rest.repos.listBranches, {
      owner: 'acme',
      repo: 'infra',
    });
    expect(branches.map((b) => b.name)).not.toContain('prod-vars');
  });

  it('records commit statuses and check runs and combines them', async () => {
    const sha = (
      await octokit.rest.repos.getBranch({ owner: 'acme', repo: 'webapp', branch: 'feat/structured-logging' })
    ).data.commit.sha;
    const status = (
      await sdk(tokens.botToken).rest.repos.createCommitStatus({
        owner: 'acme',
        repo: 'webapp',
        sha,
        state: 'success',
        context: 'ci/test',
      })
    ).data;
    expect(missingKeys('status', status)).toEqual([]);
    const combined = (
      await octokit.rest.repos.getCombinedStatusForRef({ owner: 'acme', repo: 'webapp', ref: sha })
    ).data;
    expect(missingKeys('combined-commit-status', combined)).toEqual([]);
    expect(combined.state).toBe('success');
    const run = (
      await octokit.rest.checks.create({
        owner: 'acme',
        repo: 'webapp',
        name: 'lint',
        head_sha: sha,
        status: 'completed',
        conclusion: 'success',
      })
    ).data;
    expect(missingKeys('check-run', run)).toEqual([]);
    expect(
      (await octokit.rest.checks.listForRef({ owner: 'acme', repo: 'webapp', ref: sha })).data.total_count,
    ).toBe(1);
  });
});

describe('issues and pull requests', () => {
  it('edits labels, assignees, milestones, locks, reactions and the timeline', async () => {
    const made = (
      await octokit.rest.issues.create({
        owner: 'acme',
        repo: 'webapp',
        title: 'Cache the order totals',
        labels: ['enhancement'],
        assignees: ['lena-fischer'],
        milestone: 2,
      })
    ).data;
    expect(made.labels.map((l) => (typeof l === 'string' ? l : l.name))).toEqual(['enhancement']);
    expect(made.assignees?.map((a) => a.login)).toEqual(['lena-fischer']);
    await octokit.rest.issues.addLabels({
      owner: 'acme',
      repo: 'webapp',
      issue_number: made.number,
      labels: ['security'],
    });
    await octokit.rest.issues.removeLabel({
      owner: 'acme',
      repo: 'webapp',
      issue_number: made.number,
      name: 'enhancement',
    });
    await octokit.rest.issues.addAssignees({
      owner: 'acme',
      repo: 'webapp',
      issue_number: made.number,
      assignees: ['priya-raman'],
    });
    await octokit.rest.issues.lock({
      owner: 'acme',
      repo: 'webapp',
      issue_number: made.number,
      lock_reason: 'resolved',
    });
    const reaction = (
      await octokit.rest.reactions.createForIssue({
        owner: 'acme',
        repo: 'webapp',
        issue_number: made.number,
        content: 'rocket',
      })
    ).data;
    expect(missingKeys('reaction', reaction)).toEqual([]);
    const closed = (
      await octokit.rest.issues.update({
        owner: 'acme',
        repo: 'webapp',
        issue_number: made.number,
        state: 'closed',
        state_reason: 'not_planned',
      })
    ).data;
    expect(closed).toMatchObject({ state: 'closed', state_reason: 'not_planned', locked: true });
    expect(closed.labels.map((l) => (typeof l === 'string' ? l : l.name))).toEqual(['security']);
    const events = (
      await octokit.rest.issues.listEvents({ owner: 'acme', repo: 'webapp', issue_number: made.number })
    ).data;
    expect(events.map((e) => e.event)).toEqual(
      expect.arrayContaining(['labeled', 'unlabeled', 'assigned', 'locked', 'closed']),
    );
    const labels = await octokit.paginate(octokit.rest.issues.listLabelsForRepo, {
      owner: 'acme',
      repo: 'webapp',
      per_page: 4,
    });
    expect(missingKeys('label', labels[0])).toEqual([]);
    const milestones = (
      await octokit.rest.issues.listMilestones({ owner: 'acme', repo: 'webapp', state: 'all' })
    ).data;
    expect(missingKeys('milestone', milestones[0])).toEqual([]);
  });

  it('opens a PR from a pushed branch, reviews it, requests reviewers and squash- or rebase-merges with real commits', async () => {
    for (const method of ['squash', 'rebase'] as const) {
      const branch = `feature/${method}-me`;
      await octokit.rest.repos
        .createOrUpdateFileContents({
          owner: 'acme',
          repo: 'docs',
          path: `docs/${method}.md`,
          message: `Document ${method}`,
          content: Buffer.from(`${method}\n`).toString('base64'),
          branch: 'main',
        })
        .then(async ({ data }) => {
          // Move the change to a branch and main back: the branch is one commit ahead.
          const parent = data.commit.parents?.[0]?.sha as string;
          await octokit.rest.git.createRef({
            owner: 'acme',
            repo: 'docs',
            ref: `refs/heads/${branch}`,
            sha: data.commit.sha as string,
          });
          await octokit.rest.git.updateRef({
            owner: 'acme',
            repo: 'docs',
            ref: 'heads/main',
            sha: parent,
            force: true,
          });
        });
      const pr = (
        await octokit.rest.pulls.create({
          owner: 'acme',
          repo: 'docs',
          title: `Document ${method}`,
          head: branch,
          base: 'main',
          body: 'Fixes #1',
        })
      ).data;
      await octokit.rest.pulls.requestReviewers({
        owner: 'acme',
        repo: 'docs',
        pull_number: pr.number,
        reviewers: ['omar-haddad'],
      });
      const review = (
        await sdk(tokens.botToken).rest.pulls.createReview({
          owner: 'acme',
          repo: 'docs',
          pull_number: pr.number,
          event: 'COMMENT',
          body: 'One nit',
          comments: [{ path: `docs/${method}.md`, line: 1, body: 'Capitalise?' }],
        })
      ).data;
      expect(review.state).toBe('COMMENTED');
      const comments = (
        await octokit.rest.pulls.listReviewComments({ owner: 'acme', repo: 'docs', pull_number: pr.number })
      ).data;
      expect(missingKeys('pull-request-review-comment', comments[0])).toEqual([]);
      const before = (await octokit.rest.git.getRef({ owner: 'acme', repo: 'docs', ref: 'heads/main' })).data
        .object.sha;
      const merged = (
        await octokit.rest.pulls.merge({
          owner: 'acme',
          repo: 'docs',
          pull_number: pr.number,
          merge_method: method,
        })
      ).data;
      const tip = (await octokit.rest.git.getCommit({ owner: 'acme', repo: 'docs', commit_sha: merged.sha }))
        .data;
      expect(tip.parents.map((p) => p.sha)).toEqual([before]);
      expect(tip.message).toContain(method === 'squash' ? `(#${pr.number})` : `Document ${method}`);
      const again = await octokit.rest.pulls
        .merge({ owner: 'acme', repo: 'docs', pull_number: pr.number })
        .catch((e) => e);
      expect(again.status).toBe(405);
    }
    // "Fixes #1" in the body closed the issue.
    expect((await octokit.rest.issues.get({ owner: 'acme', repo: 'docs', issue_number: 1 })).data.state).toBe(
      'closed',
    );
  });

  it('searches issues and pull requests with qualifiers, repositories and code', async () => {
    const search = async (q: string) => (await octokit.rest.search.issuesAndPullRequests({ q })).data;
    expect((await search('repo:acme/webapp is:pr is:merged')).items.map((i) => i.number)).toContain(3);
    expect((await search('repo:acme/webapp is:pr draft:true')).items.map((i) => i.number)).toEqual([6]);
    const bugs = await search('org:acme is:issue label:bug is:open');
    expect(bugs.items.map((i) => i.number)).toContain(9);
    expect(missingKeys('issue-search-result-item-paginated', bugs, ['search_type'])).toEqual([]);
    expect((await search('repo:acme/webapp author:nina-petrova flaky')).total_count).toBe(1);
    expect(
      (await sdk(tokens.botToken).rest.search.issuesAndPullRequests({ q: 'repo:acme/infra redis' })).data
        .total_count,
    ).toBe(0);
    const repos = (await octokit.rest.search.repos({ q: 'org:acme topic:terraform' })).data;
    expect(repos.items.map((r) => r.name)).toEqual(['infra']);
    const code = (await octokit.rest.search.code({ q: 'createServer repo:acme/webapp' })).data;
    expect(code.items.map((i) => i.path)).toEqual(['src/app.js']);
  });

  it('manages repositories: create (auto_init), update, topics, collaborators, protection, delete', async () => {
    const repo = (
      await octokit.rest.repos.createInOrg({
        org: 'acme',
        name: 'playground',
        auto_init: true,
        private: true,
      })
    ).data;
    expect(repo.default_branch).toBe('main');
    await octokit.rest.repos.update({ owner: 'acme', repo: 'playground', description: 'Try things' });
    await octokit.rest.repos.replaceAllTopics({ owner: 'acme', repo: 'playground', names: ['sandbox'] });
    expect((await octokit.rest.repos.getAllTopics({ owner: 'acme', repo: 'playground' })).data.names).toEqual(
      ['sandbox'],
    );
    await octokit.rest.repos.addCollaborator({
      owner: 'acme',
      repo: 'playground',
      username: 'acme-bot',
      permission: 'push',
    });
    const collaborators = await octokit.paginate(octokit.rest.repos.listCollaborators, {
      owner: 'acme',
      repo: 'playground',
    });
    expect(missingKeys('collaborator-items', collaborators[0])).toEqual([]);
    expect(
      (await sdk(tokens.botToken).rest.repos.get({ owner: 'acme', repo: 'playground' })).data.permissions
        ?.push,
    ).toBe(true);
    await octokit.rest.repos.updateBranchProtection({
      owner: 'acme',
      repo: 'playground',
      branch: 'main',
      required_status_checks: { strict: true, contexts: ['ci'] },
      enforce_admins: false,
      required_pull_request_reviews: { required_approving_review_count: 1 },
      restrictions: null,
    });
    expect(
      (await octokit.rest.repos.getBranch({ owner: 'acme', repo: 'playground', branch: 'main' })).data
        .protected,
    ).toBe(true);
    const readme = (await octokit.rest.repos.getReadme({ owner: 'acme', repo: 'playground' })).data;
    expect(Buffer.from(readme.content, 'base64').toString()).toContain('# playground');
    await octokit.rest.repos.delete({ owner: 'acme', repo: 'playground' });
    await expect(octokit.rest.repos.get({ owner: 'acme', repo: 'playground' })).rejects.toMatchObject({
      status: 404,
    });
  });
});

describe('GraphQL', () => {
  it('answers octokit.graphql: viewer, repository issues/pullRequests/labels/refs/object, and mutations with REST node ids', async () => {
    const gql = graphql.defaults({ baseUrl: clone.url, headers: { authorization: `token ${tokens.token}` } });
    // biome-ignore lint/suspicious/noExplicitAny: GraphQL JSON
    const read: any = await gql(`query {
      viewer { login }
      repository(owner: "acme", name: "webapp") {
        id nameWithOwner defaultBranchRef { name target { ... on Commit { oid messageHeadline } } }
        issues(first: 2, states: OPEN, orderBy: { field: CREATED_AT, direction: DESC }) { totalCount nodes { number title } pageInfo { hasNextPage endCursor } }
        pullRequests(states: MERGED, first: 5) { nodes { number merged } }
        labels(first: 100) { totalCount }
        refs(refPrefix: "refs/tags/", first: 10) { nodes { name } }
        object(expression: "main:package.json") { ... on Blob { text } }
      }
    }`);
    expect(read.viewer.login).toBe('dana-whitfield');
    const repo = read.repository;
    expect(repo.id).toBe((await octokit.rest.repos.get({ owner: 'acme', repo: 'webapp' })).data.node_id);
    expect(repo.issues.nodes).toHaveLength(2);
    expect(repo.issues.pageInfo.hasNextPage).toBe(true);
    expect(repo.pullRequests.nodes.map((p: { number: number }) => p.number)).toContain(3);
    expect(repo.refs.nodes.map((r: { name: string }) => r.name)).toEqual(
      expect.arrayContaining(['v1.0.0', 'v1.1.0']),
    );
    expect(repo.object.text).toContain('acme-webapp');
    // biome-ignore lint/suspicious/noExplicitAny: GraphQL JSON
    const created: any = await gql(
      `mutation($repo: ID!) { createIssue(input: { repositoryId: $repo, title: "From GraphQL" }) { issue { id number } } }`,
      { repo: repo.id },
    );
    const { id, number } = created.createIssue.issue;
    expect(
      (await octokit.rest.issues.get({ owner: 'acme', repo: 'webapp', issue_number: number })).data.node_id,
    ).toBe(id);
    await gql(
      'mutation($id: ID!) { addComment(input: { subjectId: $id, body: "via graphql" }) { commentEdge { node { body } } } }',
      { id },
    );
    await gql('mutation($id: ID!) { closeIssue(input: { issueId: $id }) { issue { state } } }', { id });
    const after = (await octokit.rest.issues.get({ owner: 'acme', repo: 'webapp', issue_number: number }))
      .data;
    expect(after).toMatchObject({ state: 'closed', comments: 1 });
    const missing = (await gql('query { repository(owner: "acme", name: "nope") { id } }').catch(
      (e) => e,
    )) as { errors?: unknown[] };
    expect(missing.errors?.[0]).toMatchObject({ type: 'NOT_FOUND' });
  });
});

describe('MCP', () => {
  it('serves github-mcp-server tools that act through the API', async () => {
    const client = new Client({ name: 'asym-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${clone.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${tokens.token}` } },
      }),
    );
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(
        expect.arrayContaining([
          'get_issue',
          'list_issues',
          'create_issue',
          'add_issue_comment',
          'update_issue',
          'create_pull_request',
          'list_pull_requests',
          'get_pull_request',
          'merge_pull_request',
          'get_file_contents',
          'create_or_update_file',
          'push_files',
          'create_branch',
          'search_issues',
          'search_code',
          'list_commits',
        ]),
      );
      // biome-ignore lint/suspicious/noExplicitAny: tool JSON
      const call = async (name: string, args: Record<string, unknown>): Promise<any> => {
        const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
        return JSON.parse((result.content[0] as { text: string }).text);
      };
      await call('create_branch', { owner: 'acme', repo: 'infra', branch: 'mcp/push' });
      await call('push_files', {
        owner: 'acme',
        repo: 'infra',
        branch: 'mcp/push',
        message: 'Two files at once',
        files: [
          { path: 'a.txt', content: 'a\n' },
          { path: 'b/c.txt', content: 'c\n' },
        ],
      });
      const pr = await call('create_pull_request', {
        owner: 'acme',
        repo: 'infra',
        title: 'MCP push',
        head: 'mcp/push',
        base: 'main',
      });
      const files = (
        await octokit.rest.pulls.listFiles({ owner: 'acme', repo: 'infra', pull_number: pr.number })
      ).data;
      expect(files.map((f) => f.filename).sort()).toEqual(['a.txt', 'b/c.txt']);
      const issue = await call('get_issue', { owner: 'acme', repo: 'infra', issue_number: 1 });
      expect(issue.title).toBe('Rotate the staging database credentials');
      const found = await call('search_code', { query: 'cache.t3.small org:acme' });
      expect(found.items.map((i: { path: string }) => i.path)).toEqual(['modules/redis/main.tf']);
    } finally {
      await client.close();
    }
  });
});

describe('evaluation toolkit', () => {
  it('diffs in API terms, restores a checkpoint, and resets to the same refs and SHAs without recloning', async () => {
    const diff = (await (
      await fetch(`${clone.url}/_asym/diff`, { headers: { authorization: `Bearer ${clone.adminToken}` } })
    ).json()) as {
      changes: Array<{ type: string; op: string; id: string }>;
    };
    const types = new Set(diff.changes.map((change) => change.type));
    for (const type of ['issue', 'pull_request', 'comment', 'ref', 'review', 'status'])
      expect(types, type).toContain(type);
    expect(diff.changes).toContainEqual(
      expect.objectContaining({
        type: 'ref',
        op: 'created',
        id: 'acme/webapp:refs/heads/feature/pagination',
      }),
    );

    const seededMain =
      '' +
      (
        await clone.pool.query(
          "SELECT sha FROM git_refs g JOIN repositories r ON r.id = g.repo_id WHERE r.name = 'webapp' AND g.name = 'refs/heads/main'",
        )
      ).rows[0]?.sha;
    expect((await clone.admin('/checkpoints', { name: 'mid' })).status).toBe(200);
    await octokit.rest.git.createRef({
      owner: 'acme',
      repo: 'webapp',
      ref: 'refs/heads/after-checkpoint',
      sha: seededMain,
    });
    expect((await clone.admin('/checkpoints/mid/restore')).status).toBe(200);
    await expect(
      octokit.rest.repos.getBranch({ owner: 'acme', repo: 'webapp', branch: 'after-checkpoint' }),
    ).rejects.toMatchObject({ status: 404 });

    const reset = await clone.admin('/reset');
    expect(reset.status).toBe(200);
    const main = (await octokit.rest.repos.getBranch({ owner: 'acme', repo: 'webapp', branch: 'main' })).data
      .commit.sha;
    // The seed's history is built in code: the same SHA on every machine, seed and reset.
    expect(main).toBe('b5d6c38ccc0f8b3deba2c3d4acaf5b37e73bc1bc');
    await expect(
      octokit.rest.repos.getBranch({ owner: 'acme', repo: 'webapp', branch: 'feature/pagination' }),
    ).rejects.toMatchObject({ status: 404 });
    const dir = join(work, 'webapp');
    await git(dir, 'fetch', '--quiet', '--prune', 'origin');
    expect(await git(dir, 'rev-parse', 'origin/main')).toBe(main);
    expect(
      (await octokit.rest.issues.listForRepo({ owner: 'acme', repo: 'webapp', state: 'all', per_page: 100 }))
        .data,
    ).toHaveLength(9);
  });
});
