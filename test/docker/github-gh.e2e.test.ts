import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RealHome, realHome } from '../support/real-cli.js';

// Issue 16 on the real engine: Debian's `gh` and `git`, unmodified, under
// `asym run <clone> --offline --`, talk to a spun GitHub clone as if it were api.github.com
// and github.com. Network safety: --offline makes the run's proxy refuse every host no
// clone answers, and each command runs only if the proxy it is given is on loopback, so
// nothing can leave the machine if interception failed.

/** A shell prelude: refuse to run a client unless the proxy it will use is on loopback. */
const LOOPBACK_PROXY =
  'case "$HTTPS_PROXY" in http://127.0.0.1:*) ;; *) echo "proxy not on loopback" >&2; exit 99;; esac;';

let home: RealHome;
// biome-ignore lint/suspicious/noExplicitAny: tests read the CLI's JSON freely
let clone: any;
let octokit: Octokit;
const work = mkdtempSync(join(tmpdir(), 'asym-gh-'));

/** `sh -c script` under `asym run <clone> --offline`, with gh's own config kept in a scratch dir. */
const inRun = (script: string) =>
  home.run('run', clone.id, '--offline', '--', 'sh', '-c', `${LOOPBACK_PROXY} cd "${work}" && ${script}`);

beforeAll(async () => {
  home = realHome({
    GH_CONFIG_DIR: join(work, 'gh-config'),
    GH_PROMPT_DISABLED: '1',
    GH_NO_UPDATE_NOTIFIER: '1',
    HOME: work,
  });
  const spun = await home.run('spin', 'github', '--seed', 'acme-corp', '--json');
  expect(spun.exitCode, spun.stderr).toBe(0);
  clone = spun.json();
  octokit = new Octokit({ auth: clone.tokens.token, baseUrl: clone.endpoints.api, request: { retries: 0 } });
});

afterAll(async () => {
  await home?.destroyAll();
});

describe('gh and git under asym run', () => {
  it('shows the token and the hosts the manifest names', async () => {
    const env = await inRun('echo "$GH_TOKEN $GITHUB_TOKEN"');
    expect(env.exitCode, env.stderr).toBe(0);
    expect(env.stdout.trim()).toBe(`${clone.tokens.token} ${clone.tokens.token}`);
  });

  it('gh repo view, issue list, issue create', async () => {
    const view = await inRun('gh repo view acme/webapp');
    expect(view.exitCode, view.stderr).toBe(0);
    expect(view.stdout).toContain('The order service behind shop.acme.test');
    expect(view.stdout).toContain('# acme-webapp');

    const list = await inRun('gh issue list -R acme/webapp');
    expect(list.exitCode, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^9\s+OPEN\s+Flaky test/m);
    expect(list.stdout).not.toMatch(/^1\s/m);

    const created = await inRun('gh issue create -R acme/webapp --title "Made by gh" --body "from the CLI"');
    expect(created.exitCode, created.stderr).toBe(0);
    expect(created.stdout.trim()).toBe('https://github.com/acme/webapp/issues/10');
    const issue = (await octokit.rest.issues.get({ owner: 'acme', repo: 'webapp', issue_number: 10 })).data;
    expect(issue).toMatchObject({
      title: 'Made by gh',
      body: 'from the CLI',
      user: { login: 'dana-whitfield' },
    });
  });

  it('gh pr list, pr view, pr merge (a real merge commit git fetches)', async () => {
    const list = await inRun('gh pr list -R acme/webapp');
    expect(list.exitCode, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^5\s+Search orders by customer email\s+feature\/order-search/m);
    expect(list.stdout).toMatch(/^6\s.*DRAFT/m);

    const view = await inRun('gh pr view 5 -R acme/webapp');
    expect(view.exitCode, view.stderr).toBe(0);
    expect(view.stdout).toMatch(/title:\s+Search orders by customer email/);
    expect(view.stdout).toMatch(/marcus-chen \(Changes requested\)/);

    const merged = await inRun('gh pr merge 5 -R acme/webapp --merge');
    expect(merged.exitCode, merged.stderr).toBe(0);
    const pull = (await octokit.rest.pulls.get({ owner: 'acme', repo: 'webapp', pull_number: 5 })).data;
    expect(pull.merged).toBe(true);

    const cloned = await inRun(
      'git clone --quiet "https://x-access-token:$GH_TOKEN@github.com/acme/webapp.git" webapp && git -C webapp log -1 --format=%P%n%s',
    );
    expect(cloned.exitCode, cloned.stderr).toBe(0);
    const [parents, subject] = cloned.stdout.trim().split('\n');
    expect(parents?.split(' ')).toHaveLength(2);
    expect(subject).toBe('Merge pull request #5 from acme/feature/order-search');
    expect(readFileSync(join(work, 'webapp', 'src/routes/orders.js'), 'utf8')).toContain(
      "params.get('email')",
    );
  });
});
