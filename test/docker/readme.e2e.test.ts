import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/paths.js';
import { type RealHome, realHome } from '../support/real-cli.js';

/**
 * The README's examples, run word for word: its TypeScript blocks are extracted and executed
 * in the repo against the environment the quickstart spins (`env spin examples/environment.yaml`),
 * so an example that drifts from the product fails here.
 */
const README = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');

/** The fenced ```ts blocks of one README section (from its `## ` heading to the next). */
function codeBlocks(section: string): string[] {
  const start = README.indexOf(`\n## ${section}\n`);
  if (start < 0) throw new Error(`README has no section "${section}"`);
  const next = README.indexOf('\n## ', start + 1);
  const body = README.slice(start, next < 0 ? undefined : next);
  return [...body.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
}

let home: RealHome;
// biome-ignore lint/suspicious/noExplicitAny: CLI JSON
let env: any;
const scripts: string[] = [];

beforeAll(async () => {
  home = realHome();
  const spun = await home.run('env', 'spin', join(PROJECT_ROOT, 'examples/environment.yaml'), '--json');
  expect(spun.exitCode, spun.stderr).toBe(0);
  env = spun.json();
});

afterAll(async () => {
  for (const script of scripts) rmSync(script, { force: true });
  await home?.destroyAll();
});

describe('README: Using a clone', () => {
  it('has exactly one TypeScript example, and it runs against the quickstart environment', async () => {
    const blocks = codeBlocks('Using a clone');
    expect(blocks).toHaveLength(1);
    // In the repo's root so its imports resolve the way `npx tsx first-calls.ts` resolves them.
    const script = join(PROJECT_ROOT, `.readme-example-${randomBytes(4).toString('hex')}.ts`);
    scripts.push(script);
    writeFileSync(script, blocks[0] ?? '');
    const run = await execa('node', ['--import', 'tsx', script], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ASYM_HOME: home.dir },
      reject: false,
    });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    // It printed three seeded customers' emails...
    const printed = JSON.parse(run.stdout.replaceAll("'", '"')) as string[];
    expect(printed).toHaveLength(3);
    for (const email of printed) expect(email).toMatch(/@/);
    // ...and its message is in #general, the channel id the README names.
    const slack = env.members.find((m: { template: string }) => m.template === 'slack');
    const client = new WebClient(slack.tokens.botToken, { slackApiUrl: slack.endpoints.api });
    const history = await client.conversations.history({ channel: 'C0ACME0GEN1', limit: 5 });
    expect(history.messages?.map((m) => m.text)).toContain('hello');
  });
});

describe('examples/grader.ts', () => {
  it('spins acme, grades two trials on diff, passes, and leaves nothing behind', async () => {
    const graderHome = realHome();
    try {
      const run = await execa('node', ['--import', 'tsx', join(PROJECT_ROOT, 'examples/grader.ts')], {
        cwd: PROJECT_ROOT,
        env: { ...process.env, ASYM_HOME: graderHome.dir },
        reject: false,
      });
      expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(0);
      expect(run.stdout.split('\n').filter((line) => line.startsWith('PASS'))).toHaveLength(6);
      expect(run.stdout).not.toContain('FAIL');
      expect(await graderHome.objects()).toEqual({ containers: [], volumes: [], networks: [] });
    } finally {
      await graderHome.destroyAll();
    }
  });
});
