/**
 * Issue #16's figures for the GitHub clone, from this machine (127.0.0.1 only): p50 and
 * throughput of issue create and issue list, as ratios to GET /rate_limit measured in the
 * same run (an authenticated call that reads no table: the clone's floor), and the time to
 * `git clone` a seeded repository with the real git binary, as a ratio to `git ls-remote`
 * of it (the same smart-HTTP round trip without the pack). Also a reset after the load.
 * Run: npm run build && node --import tsx bench/github-api.ts [--seconds 5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { asym, benchHome, fmt, median } from './lib.js';
import { measure } from './load.js';

const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 5;
const home = benchHome(47500);
const clone = (await asym(home.env, 'spin', 'github', '--seed', 'acme-corp', '--json')).json;
const token: string = clone.tokens.token;
const auth = { authorization: `token ${token}`, accept: 'application/vnd.github+json' };
const scratch = mkdtempSync(join(tmpdir(), 'asym-bench-git-'));
const gitEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', HOME: scratch };
try {
  const floor = await measure(
    'GET /rate_limit',
    clone.endpoints.api,
    { method: 'GET', path: '/rate_limit', headers: auth },
    { seconds },
  );
  const create = await measure(
    'POST /repos/acme/webapp/issues',
    clone.endpoints.api,
    {
      method: 'POST',
      path: '/repos/acme/webapp/issues',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Bench issue', body: 'made by bench/github-api.ts', labels: ['bug'] }),
    },
    { seconds },
  );
  const list = await measure(
    'GET /repos/acme/webapp/issues',
    clone.endpoints.api,
    { method: 'GET', path: '/repos/acme/webapp/issues?per_page=30', headers: auth },
    { seconds },
  );
  const remote = `${clone.endpoints.api.replace('://', `://x-access-token:${token}@`)}/acme/webapp.git`;
  const time = async (args: string[]) => {
    const started = performance.now();
    await execa('git', args, { env: gitEnv, cwd: scratch });
    return performance.now() - started;
  };
  const lsRemote: number[] = [];
  const clones: number[] = [];
  for (let i = 0; i < 7; i++) {
    lsRemote.push(await time(['ls-remote', remote]));
    clones.push(await time(['clone', '--quiet', remote, `c${i}`]));
  }
  const reset = await asym(home.env, 'reset', clone.id, '--json');

  const out = process.stdout;
  out.write(`\ngithub clone ${clone.id} (${seconds} s per run, after a 2 s warm-up)\n`);
  out.write(
    '  request                              p50 (1 conn)   req/s (10 conns)   p50 ratio   req/s ratio\n',
  );
  for (const r of [floor, create, list]) {
    out.write(
      `  ${r.latency.name.padEnd(36)} ${`${r.latency.p50.toFixed(1)} ms`.padStart(12)} ${r.throughput.rps.toFixed(0).padStart(18)} ${(r.latency.p50 / Math.max(0.1, floor.latency.p50)).toFixed(2).padStart(10)}x ${(r.throughput.rps / floor.throughput.rps).toFixed(2).padStart(12)}x   errors ${r.latency.errors + r.throughput.errors}\n`,
    );
  }
  out.write(
    `  git clone acme/webapp (median of 7)  ${fmt(median(clones)).padStart(12)}   git ls-remote ${fmt(median(lsRemote))}   ratio ${(median(clones) / median(lsRemote)).toFixed(2)}x\n`,
  );
  out.write(`  reset after the load                 ${fmt(reset.json?.ms ?? reset.ms).padStart(12)}\n`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
  await asym(home.env, 'destroy', clone.id);
}
