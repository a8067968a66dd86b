import type { Context } from 'hono';
import type { GithubDeps } from '../deps.js';
import { runHttpBackend } from '../git/smart-http.js';
import { type RefChange, recordRefChanges } from '../refs.js';
import type { GithubEnv } from '../route-env.js';
import { type AccountRow, atLeast, findRepo, type RepoRow } from '../store.js';

const challenge = (c: Context) =>
  c.text('Authentication required\n', 401, { 'WWW-Authenticate': 'Basic realm="GitHub"' });

/**
 * git's smart HTTP for one repository: anyone may clone a public one, a private one needs a
 * token that can read it, and a push a token that can write it (as on GitHub, whose answer
 * to a stranger is "Repository not found").
 */
export async function serveGit(
  c: Context<GithubEnv>,
  deps: GithubDeps,
  target: { owner: string; repo: string; service: string },
  account: AccountRow | null,
): Promise<Response> {
  const pushing = target.service === 'git-receive-pack' || c.req.query('service') === 'git-receive-pack';
  let repo: RepoRow;
  try {
    repo = await findRepo(deps.pool, account?.id ?? 0, target.owner, target.repo);
  } catch {
    return account ? c.text('Repository not found.\n', 404) : challenge(c);
  }
  if (pushing && !account) return challenge(c);
  if (pushing && !atLeast(repo.permission, 'push'))
    return c.text(`Permission to ${repo.owner.login}/${repo.name}.git denied to ${account?.login}.\n`, 403);
  const dir = await deps.git.ensure(repo);
  const before = target.service === 'git-receive-pack' ? await deps.git.diskRefs(repo) : null;
  const answer = await runHttpBackend(c, dir, target.service, account?.login ?? null);
  if (before && account) {
    const after = await deps.git.diskRefs(repo);
    const changes: RefChange[] = [];
    for (const [name, sha] of after)
      if (before.get(name) !== sha) changes.push({ name, before: before.get(name) ?? null, after: sha });
    for (const [name, sha] of before) if (!after.has(name)) changes.push({ name, before: sha, after: null });
    await recordRefChanges(
      deps,
      repo,
      changes,
      account,
      { api: c.get('web'), web: c.get('web') },
      { onDisk: true },
    );
  }
  return new Response(new Uint8Array(answer.body), { status: answer.status, headers: answer.headers });
}
