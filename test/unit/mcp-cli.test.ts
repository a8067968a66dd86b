import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli, FakeClones, freshHome } from '../support/fake-clones.js';

/**
 * `endpoints.mcp` and the named errors of `asymmetric mcp` against the fake runtime. The
 * bridge serving tools is proven on the real engine (test/docker/mcp.e2e.test.ts).
 */
let fake: FakeClones;
let home: string;

beforeEach(() => {
  fake = new FakeClones();
  home = freshHome();
});
afterEach(() => fake.close());

describe('asymmetric mcp', () => {
  it('puts endpoints.mcp in the clone JSON for templates whose manifest declares mcp', async () => {
    const spun = await cli(fake, home, 'spin', 'slack', 'stripe', '--json');
    expect(spun.code).toBe(0);
    for (const clone of spun.json()) {
      expect(clone.endpoints.mcp).toBe(`http://127.0.0.1:${clone.ports.backend}/mcp`);
    }
  });

  it('names the problem for an unknown target and a stopped clone, printing nothing on stdout', async () => {
    const unknown = await cli(fake, home, 'mcp', 'nosuch');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('There is no clone or environment "nosuch"');
    expect(unknown.stdout).toBe('');

    const clone = (await cli(fake, home, 'spin', 'stripe', '--json')).json();
    expect((await cli(fake, home, 'stop', clone.id)).code).toBe(0);
    const stopped = await cli(fake, home, 'mcp', clone.id);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain(`Clone ${clone.id} is stopped`);
    expect(stopped.stderr).toContain(`asymmetric start ${clone.id}`);
    expect(stopped.stdout).toBe('');
  });
});
