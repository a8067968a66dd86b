import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGithubApp } from '../../templates/github/backend/app.js';
import { githubTemplate } from '../../templates/github/backend/template.js';
import type { GithubTokens } from '../../templates/github/backend/tokens.js';
import { missingKeys } from '../support/github-reference.js';
import { type CloneUnderTest, openClone } from './harness.js';

const run = promisify(execFile);

let clone: CloneUnderTest;
let tokens: GithubTokens;
let octokit: Octokit;
let work: string;

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
}, 180_000);

afterAll(async () => {
  await clone?.close();
  if (work) await rm(work, { recursive: true, force: true });
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
