import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { runQuick } from '../../src/cli/quick.js';
import { LABEL } from '../../src/runtime/labels.js';
import { cli, FakeClones, freshHome } from '../support/fake-clones.js';

/**
 * The CLI end to end against the fake runtime: real commands, real registry files, real
 * HTTP to fake clone servers. The same behaviour is proven on the real engine in
 * test/docker/.
 */
let fake: FakeClones;
let home: string;

beforeEach(() => {
  fake = new FakeClones();
  home = freshHome();
});
afterEach(() => fake.close());

const spec = (text: string) => {
  const path = join(home, 'environment.yaml');
  writeFileSync(path, text);
  return path;
};

const ACME = spec0();
function spec0() {
  return 'name: acme\nclones:\n  - template: slack\n    mode: full\n    seed: acme-corp\n  - template: stripe\n    mode: api\n';
}

const managedContainers = () => fake.runtime.listContainers({ [LABEL.managed]: 'true' });

describe('spin and status', () => {
  it('spins a clone, prints its JSON with tokens, and lists it', async () => {
    const spun = await cli(fake, home, 'spin', 'slack', '--json');
    expect(spun.code).toBe(0);
    const clone = spun.json();
    expect(clone).toMatchObject({ template: 'slack', mode: 'api', state: 'running', environment: null });
    expect(clone.endpoints.api).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
    expect(clone.tokens.botToken).toMatch(/^xoxb-/);
    expect(clone.redisPrefix).toBe(`${clone.id}:`);

    const status = await cli(fake, home, 'status', '--json');
    expect(status.json()).toHaveLength(1);
    expect(status.json()[0]).toMatchObject({ id: clone.id, state: 'running' });
    expect(status.json()[0].tokens).toBeUndefined();
    // backend + postgres, plus the shared redis and the delivery relay
    expect((await managedContainers()).length).toBe(4);
  });

  it('runs a delivery relay on the home network gateway (Docker Engine) and names it to backends', async () => {
    await cli(fake, home, 'spin', 'stripe');
    const containers = [...fake.runtime.containers.values()];
    const relay = containers.find((c) => c.labels[LABEL.kind] === 'relay');
    const [network] = [...fake.runtime.networks.values()];
    expect(relay?.spec.hostNetwork).toBe(true);
    expect(relay?.status).toBe('running');
    const port = relay?.labels[LABEL.relayPort];
    expect(relay?.spec.env).toEqual({
      ASYM_RELAY_LISTEN: `${network?.gateway}:${port}`,
      ASYM_RELAY_ALLOW: network?.subnet,
    });
    const backend = containers.find((c) => c.labels[LABEL.service] === 'backend');
    expect(backend?.spec.env?.ASYM_RELAY_URL).toBe(`http://${network?.gateway}:${port}`);
    expect((await cli(fake, home, 'destroy', backend?.labels[LABEL.clone] ?? '')).code).toBe(0);
    expect(await managedContainers()).toEqual([]);
  });

  it('runs no relay on Docker Desktop, where host.docker.internal reaches the loopback', async () => {
    fake.runtime.operatingSystem = 'Docker Desktop';
    await cli(fake, home, 'spin', 'stripe');
    const containers = [...fake.runtime.containers.values()];
    expect(containers.filter((c) => c.labels[LABEL.kind] === 'relay')).toEqual([]);
    const backend = containers.find((c) => c.labels[LABEL.service] === 'backend');
    expect(backend?.spec.env?.ASYM_RELAY_URL).toBeUndefined();
    expect(backend?.spec.env?.ASYM_HOST_ALIAS).toBe('host.docker.internal');
  });

  it('publishes on 127.0.0.1 unless --expose', async () => {
    await cli(fake, home, 'spin', 'stripe');
    await cli(fake, home, 'spin', 'stripe', '--expose');
    const ips = [...fake.runtime.containers.values()]
      .filter((c) => c.labels[LABEL.service] === 'backend')
      .map((c) => c.spec.ports?.[0]?.hostIp);
    expect(ips.sort()).toEqual(['0.0.0.0', '127.0.0.1']);
  });

  it('passes --no-rate-limits to the backend, and keeps rate limits on by default', async () => {
    await cli(fake, home, 'spin', 'slack');
    await cli(fake, home, 'spin', 'slack', '--no-rate-limits');
    const settings = [...fake.runtime.containers.values()]
      .filter((c) => c.labels[LABEL.service] === 'backend')
      .map((c) => c.spec.env?.ASYM_RATE_LIMITS);
    expect(settings.sort()).toEqual(['off', 'on']);
  });

  it('sends the rate-limit variable only to a template whose manifest declares one (rateLimits.env)', async () => {
    await cli(fake, home, 'spin', 'stripe', '--no-rate-limits');
    const env = [...fake.runtime.containers.values()].find((c) => c.labels[LABEL.service] === 'backend')?.spec
      .env;
    expect(env?.ASYM_CLONE_ID).toMatch(/^stripe-/);
    expect(env && 'ASYM_RATE_LIMITS' in env).toBe(false);
  });

  it('pins the clock with --clock (ASYM_CLOCK, status shows it) and refuses a bad one with exit 1', async () => {
    const pinned = (
      await cli(fake, home, 'spin', 'slack', '--clock', '2026-03-02T10:00:00+01:00', '--json')
    ).json();
    const real = (await cli(fake, home, 'spin', 'stripe', '--json')).json();
    expect(pinned.clock).toBe('2026-03-02T09:00:00.000Z');
    expect(real.clock).toBeNull();
    const status = (await cli(fake, home, 'status', '--json')).json();
    expect(Object.fromEntries(status.map((c: { id: string; clock: unknown }) => [c.id, c.clock]))).toEqual({
      [pinned.id]: '2026-03-02T09:00:00.000Z',
      [real.id]: null,
    });
    const env = [...fake.runtime.containers.values()]
      .filter((c) => c.labels[LABEL.service] === 'backend')
      .map((c) => c.spec.env?.ASYM_CLOCK);
    expect(env.sort()).toEqual(['', '2026-03-02T09:00:00.000Z']);

    const bad = await cli(fake, home, 'spin', 'slack', '--clock', 'yesterday', '--json');
    expect(bad.code).toBe(1);
    expect(bad.json().error.code).toBe('INVALID_ARGUMENT');
    expect(bad.stderr).toMatch(
      /^error: --clock "yesterday" is not an ISO 8601 date-time with a zone\.\nhint: .+\n$/,
    );
    expect((await cli(fake, home, 'status', '--json')).json()).toHaveLength(2);
  });

  it('env spin pins the clones whose environment.yaml entry has a clock', async () => {
    const run = await cli(
      fake,
      home,
      'env',
      'spin',
      spec(
        'name: acme\nclones:\n  - template: slack\n    clock: 2026-03-02T09:00:00Z\n  - template: stripe\n',
      ),
      '--json',
    );
    expect(run.code).toBe(0);
    expect(run.json().members.map((m: { clock: unknown }) => m.clock)).toEqual([
      '2026-03-02T09:00:00.000Z',
      null,
    ]);
  });

  it('the first spin of a fixture makes its seed image; the next start from it, with tokens of their own', async () => {
    const committed: string[] = [];
    const commit = fake.runtime.commitContainer.bind(fake.runtime);
    fake.runtime.commitContainer = (id, tag, labels) => {
      committed.push(tag);
      return commit(id, tag, labels);
    };
    const first = await cli(fake, home, 'spin', 'slack', '--seed', 'acme-corp', '--json');
    const second = await cli(fake, home, 'spin', 'slack', '--seed', 'acme-corp', '--json');
    const empty = await cli(fake, home, 'spin', 'slack', '--json');
    expect([first.code, second.code, empty.code]).toEqual([0, 0, 0]);
    const registry = JSON.parse(readFileSync(join(home, 'registry.json'), 'utf8'));
    const seedOf = (run: typeof first) => registry.clones[run.json().id].images.postgres.tag;
    expect(seedOf(first)).toMatch(/^asymmetric\/slack-seed:[0-9a-f]{12}$/);
    expect(seedOf(second)).toBe(seedOf(first));
    expect(seedOf(empty)).not.toBe(seedOf(first));
    expect(committed).toEqual([seedOf(first), seedOf(empty)]);
    const postgres = [...fake.runtime.containers.values()].find(
      (c) => c.labels[LABEL.clone] === second.json().id && c.labels[LABEL.service] === 'postgres',
    );
    expect(postgres?.spec.image).toBe(seedOf(first));
    expect(second.json().tokens.botToken).not.toBe(first.json().tokens.botToken);
    // The builder's containers are gone; the image stays for the next spin.
    expect(
      [...fake.runtime.containers.values()].filter((c) => c.labels[LABEL.kind] === 'seed-builder'),
    ).toEqual([]);
  });

  it('skips a port another process holds', async () => {
    const config = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8'));
    const held = createServer().listen(config.portRange.from, '127.0.0.1');
    await new Promise((resolve) => held.once('listening', resolve));
    try {
      const clone = (await cli(fake, home, 'spin', 'stripe', '--json')).json();
      expect(clone.ports.backend).toBe(config.portRange.from + 1);
    } finally {
      held.close();
    }
  });

  it('rejects an unknown template, mode or fixture with exit 1 and creates nothing', async () => {
    for (const args of [
      ['spin', 'slak'],
      ['spin', 'stripe', '--mode', 'full'],
      ['spin', 'slack', '--seed', 'nope'],
    ]) {
      const run = await cli(fake, home, ...args, '--json');
      expect(run.code).toBe(1);
      expect(run.json().error.code).toMatch(/TEMPLATE_NOT_FOUND|MODE_NOT_SUPPORTED|FIXTURE_NOT_FOUND/);
      expect(run.stderr).toMatch(/^error: .+\nhint: .+\n$/);
    }
    expect(await managedContainers()).toEqual([]);
  });

  it('rolls a clone back completely when its backend dies on start', async () => {
    fake.crashing.add('stripe');
    const run = await cli(fake, home, 'spin', 'stripe');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/stopped while starting/);
    expect((await cli(fake, home, 'status', '--json')).json()).toEqual([]);
    const leftovers = (await managedContainers()).filter((c) => c.labels[LABEL.kind] === 'clone-container');
    expect(leftovers).toEqual([]);
    expect(await fake.runtime.listVolumes({ [LABEL.kind]: 'clone-volume' })).toEqual([]);
  });

  it('says DOCKER_UNAVAILABLE with exit 1 when the engine is down', async () => {
    fake.runtime.available = false;
    const run = await cli(fake, home, 'spin', 'slack', '--json');
    expect(run.code).toBe(1);
    expect(run.json().error.code).toBe('DOCKER_UNAVAILABLE');
    expect(run.stderr).not.toMatch(/at .+\.js:\d+/); // no stack trace
  });

  it('exits 1 on usage mistakes and 0 on --help', async () => {
    expect((await cli(fake, home, 'bogus')).code).toBe(1);
    expect((await cli(fake, home, 'logs', 'x', '--service', 'nope')).code).toBe(1);
    expect((await cli(fake, home, 'logs', 'x', '--tail', 'ten')).code).toBe(1);
    expect((await cli(fake, home, '--help')).code).toBe(0);
  });
});

describe('lifecycle', () => {
  it('stops and starts a clone keeping its containers, resets it, and destroys it without a trace', async () => {
    const { id } = (await cli(fake, home, 'spin', 'slack', '--json')).json();
    expect((await cli(fake, home, 'stop', id, '--json')).json().state).toBe('stopped');
    expect((await cli(fake, home, 'start', id, '--json')).json().state).toBe('running');
    const reset = await cli(fake, home, 'reset', id, '--json');
    expect(reset.code).toBe(0);
    expect(reset.json()).toMatchObject({ id });
    expect(fake.resets).toEqual([id]);

    expect((await cli(fake, home, 'destroy', id)).code).toBe(0);
    expect(await managedContainers()).toEqual([]); // the shared redis goes with the last clone
    expect(await fake.runtime.listVolumes({})).toEqual([]);
    expect(await fake.runtime.listNetworks({})).toEqual([]);
    expect((await cli(fake, home, 'status', '--json')).json()).toEqual([]);
  });

  it('answers CLONE_NOT_FOUND for an unknown id', async () => {
    for (const command of ['reset', 'stop', 'start', 'destroy', 'tokens']) {
      const run = await cli(fake, home, command, 'slack-zzzz', '--json');
      expect(run.code).toBe(1);
      expect(run.json().error.code).toBe('CLONE_NOT_FOUND');
    }
  });

  it('reset, env reset and snapshot restore run without commander; every other shape of them is its to judge', async () => {
    const sink = () => new Writable({ write: (_chunk, _encoding, done) => done() });
    const io = { stdout: sink(), stderr: sink(), env: { ASYM_HOME: home } };
    for (const argv of [
      ['reset', 'x'],
      ['reset', 'x', '--json'],
      ['reset', '--json', 'x'],
      ['env', 'reset', 'e', '--json'],
      ['snapshot', 'restore', 'e', 'before'],
    ]) {
      const quick = runQuick(argv, io);
      expect(quick, argv.join(' ')).not.toBeNull();
      await quick;
    }
    for (const argv of [
      ['reset'],
      ['reset', 'x', 'y'],
      ['reset', 'x', '--json', '--json'],
      ['reset', '--help'],
      ['reset', 'x', '-h'],
      ['reset', '--', 'x'],
      ['env', 'reset'],
      ['snapshot', 'restore', 'e'],
      ['snapshot', 'save', 'e', 'before'],
      ['--json', 'reset', 'x'],
    ]) {
      expect(runQuick(argv, io), argv.join(' ')).toBeNull();
    }
    // Both paths fail the same way: a named error, one sentence, exit 1.
    const quick = await cli(fake, home, 'reset', 'slack-zzzz');
    expect(quick.code).toBe(1);
    expect(quick.stderr).toMatch(/^error: There is no clone "slack-zzzz"\.\nhint: /);
    const usage = await cli(fake, home, 'reset', 'slack-zzzz', 'extra', '--json');
    expect(usage.code).toBe(1);
    expect(usage.json().error.code).toBe('INVALID_ARGUMENT');
  });

  it('keeps tokens in the registry (mode 0600) and rotates them on --reprovision', async () => {
    const clone = (await cli(fake, home, 'spin', 'stripe', '--json')).json();
    const shown = (await cli(fake, home, 'tokens', clone.id, '--json')).json();
    expect(shown.secretKey).toBe(clone.tokens.secretKey);
    const rotated = (await cli(fake, home, 'tokens', clone.id, '--reprovision', '--json')).json();
    expect(rotated.secretKey).not.toBe(clone.tokens.secretKey);
    expect(statSync(join(home, 'registry.json')).mode & 0o777).toBe(0o600);
  });
});

describe('events', () => {
  it('explains that only Slack clones have a Request URL, and refuses --url with --off', async () => {
    const stripe = (await cli(fake, home, 'spin', 'stripe', '--json')).json();
    const run = await cli(fake, home, 'events', stripe.id, '--url', 'http://localhost:3000/hook', '--json');
    expect(run.code).toBe(1);
    expect(run.json().error).toMatchObject({
      code: 'INVALID_ARGUMENT',
      hint: expect.stringMatching(/webhook_endpoints/),
    });
    const slack = (await cli(fake, home, 'spin', 'slack', '--json')).json();
    const both = await cli(
      fake,
      home,
      'events',
      slack.id,
      '--url',
      'http://localhost:3000/e',
      '--off',
      '--json',
    );
    expect(both.code).toBe(1);
    expect(both.json().error.code).toBe('INVALID_ARGUMENT');
  });
});

describe('progress on a terminal', () => {
  it('every command stops its spinner when it is done (env reset did not)', async () => {
    expect((await cli(fake, home, 'env', 'spin', spec(ACME))).code).toBe(0);
    let stderr = '';
    const terminal = Object.assign(
      new Writable({
        write(chunk, _encoding, done) {
          stderr += String(chunk);
          done();
        },
      }),
      // What ora asks of a terminal stream.
      { isTTY: true, columns: 80, cursorTo: () => true, clearLine: () => true, moveCursor: () => true },
    );
    const code = await runCli(['env', 'reset', 'acme'], {
      stdout: new Writable({ write: (_chunk, _encoding, done) => done() }),
      stderr: terminal,
      env: { ...process.env, ASYM_HOME: home },
      runtime: fake.runtime,
      images: fake.images,
    });
    expect(code, stderr).toBe(0);
    // ora marks a stopped step with a tick; a spinner left running never prints one.
    expect(stderr).toMatch(/✔ Resetting acme \(2 clones\)/);
  });
});

describe('environments', () => {
  it('env spin creates every member in one network labelled with the members', async () => {
    const run = await cli(fake, home, 'env', 'spin', spec(ACME), '--json');
    expect(run.code).toBe(0);
    const env = run.json();
    expect(env).toMatchObject({ name: 'acme', state: 'running', failures: [] });
    expect(env.members.map((m: { template: string }) => m.template)).toEqual(['slack', 'stripe']);
    expect(env.members[0].endpoints.web).toBeDefined();
    const networks = await fake.runtime.listNetworks({ [LABEL.environment]: 'acme' });
    expect(networks).toHaveLength(1);
    expect(networks[0]?.labels[LABEL.members]).toBe(
      env.members
        .map((m: { id: string }) => m.id)
        .sort()
        .join(','),
    );

    const status = (await cli(fake, home, 'env', 'status', '--json')).json();
    expect(status).toEqual([expect.objectContaining({ name: 'acme', state: 'running' })]);
  });

  it('refuses an existing environment name and changes nothing', async () => {
    await cli(fake, home, 'env', 'spin', spec(ACME));
    const before = await managedContainers();
    const again = await cli(fake, home, 'env', 'spin', spec(ACME), '--json');
    expect(again.code).toBe(1);
    expect(again.json().error.code).toBe('ENVIRONMENT_EXISTS');
    expect((await managedContainers()).length).toBe(before.length);
  });

  it('a failing member is rolled back, the rest spin, the environment is partial and the exit 1', async () => {
    fake.crashing.add('slack');
    const run = await cli(fake, home, 'env', 'spin', spec(ACME), '--json');
    expect(run.code).toBe(1);
    const env = run.json();
    expect(env.state).toBe('partial');
    expect(env.members.map((m: { template: string }) => m.template)).toEqual(['stripe']);
    expect(env.failures).toEqual([
      { template: 'slack', error: expect.objectContaining({ code: 'CLONE_UNHEALTHY' }) },
    ]);
    expect(run.stderr).toMatch(/error: Environment acme is partial/);
    expect((await cli(fake, home, 'env', 'status', 'acme', '--json')).json()[0].state).toBe('partial');
    const slackObjects = await fake.runtime.listContainers({ [LABEL.template]: 'slack' });
    expect(slackObjects).toEqual([]);
  });

  it('an invalid spec reports every problem with line:column and creates nothing', async () => {
    const run = await cli(
      fake,
      home,
      'env',
      'spin',
      spec('name: acme\nclone:\n  - template: slack\nidentity: {}\n'),
      '--json',
    );
    expect(run.code).toBe(1);
    const issues = run.json().error.details;
    expect(issues.map((i: { line: number; column: number }) => `${i.line}:${i.column}`)).toEqual([
      '2:1',
      '4:1',
    ]);
    expect(run.stderr).toMatch(/did you mean "clones"/);
    expect(run.stderr).toMatch(/not supported yet/);
    expect(await managedContainers()).toEqual([]);
    expect((await cli(fake, home, 'env', 'status', '--json')).json()).toEqual([]);
  });

  it('spin --group makes an ad hoc environment; destroying the last member drops it', async () => {
    const [a, b] = (await cli(fake, home, 'spin', 'slack', 'stripe', '--group', 'adhoc', '--json')).json();
    expect(a.environment).toBe('adhoc');
    const network = async () => (await fake.runtime.listNetworks({ [LABEL.environment]: 'adhoc' }))[0];
    expect((await network())?.labels[LABEL.members]).toBe([a.id, b.id].sort().join(','));
    await cli(fake, home, 'destroy', a.id);
    // Docker cannot relabel a network: membership changes swap in a new one.
    expect((await network())?.labels[LABEL.members]).toBe(b.id);
    await cli(fake, home, 'destroy', b.id);
    expect(await network()).toBeUndefined();
    expect((await cli(fake, home, 'env', 'status', '--json')).json()).toEqual([]);
  });

  it('spin --count spins n of each template at once, continue-all: what failed is listed and exit 1', async () => {
    const run = await cli(fake, home, 'spin', 'slack', 'stripe', '--count', '3', '--group', 'many', '--json');
    expect(run.code).toBe(0);
    const clones = run.json();
    expect(clones.map((c: { template: string }) => c.template)).toEqual([
      'slack',
      'slack',
      'slack',
      'stripe',
      'stripe',
      'stripe',
    ]);
    expect(new Set(clones.map((c: { ports: { backend: number } }) => c.ports.backend)).size).toBe(6);
    // One network for the six, labelled with all of them (made once, not once per clone).
    const networks = await fake.runtime.listNetworks({ [LABEL.environment]: 'many' });
    expect(networks).toHaveLength(1);
    expect(networks[0]?.labels[LABEL.members]).toBe(
      clones
        .map((c: { id: string }) => c.id)
        .sort()
        .join(','),
    );
    // Members are listed in the order asked for, whatever order they finished in.
    expect((await cli(fake, home, 'env', 'status', 'many', '--json')).json()[0].members).toEqual(
      clones.map((c: { id: string }) => c.id),
    );
    // Destroyed at once, nothing is left.
    expect((await cli(fake, home, 'env', 'destroy', 'many')).code).toBe(0);
    expect(await managedContainers()).toEqual([]);
    expect(await fake.runtime.listNetworks({})).toEqual([]);

    fake.crashing.add('slack');
    const partial = await cli(fake, home, 'spin', 'slack', 'stripe', '--count', '2', '--json');
    expect(partial.code).toBe(1);
    expect(partial.json().map((c: { template: string }) => c.template)).toEqual(['stripe', 'stripe']);
    expect(partial.stderr).toMatch(/error: 2 of 4 clones failed to spin/);
    expect(await fake.runtime.listContainers({ [LABEL.template]: 'slack' })).toEqual([]);
    expect((await cli(fake, home, 'status', '--json')).json()).toHaveLength(2);

    const zero = await cli(fake, home, 'spin', 'slack', '--count', '0', '--json');
    expect(zero.code).toBe(1);
    expect(zero.json().error.code).toBe('INVALID_ARGUMENT');
  });

  it('env reset resets every member; env destroy leaves nothing behind', async () => {
    const env = (await cli(fake, home, 'env', 'spin', spec(ACME), '--json')).json();
    const reset = await cli(fake, home, 'env', 'reset', 'acme', '--json');
    expect(reset.code).toBe(0);
    expect(fake.resets.sort()).toEqual(env.members.map((m: { id: string }) => m.id).sort());
    expect((await cli(fake, home, 'env', 'destroy', 'acme')).code).toBe(0);
    expect(await managedContainers()).toEqual([]);
    expect(await fake.runtime.listNetworks({})).toEqual([]);
    expect(await fake.runtime.listVolumes({})).toEqual([]);
    expect((await cli(fake, home, 'env', 'status', 'acme', '--json')).json().error.code).toBe(
      'ENVIRONMENT_NOT_FOUND',
    );
  });
});

describe('doctor', () => {
  it('finds a container removed behind our back and recreates it with --fix', async () => {
    const { id } = (await cli(fake, home, 'spin', 'slack', '--json')).json();
    const [backend] = await fake.runtime.listContainers({ [LABEL.clone]: id, [LABEL.service]: 'backend' });
    await fake.runtime.removeContainer(backend!.id);
    expect((await cli(fake, home, 'status', id, '--json')).json()[0].state).toBe('failed');

    const check = await cli(fake, home, 'doctor', '--json');
    expect(check.code).toBe(1);
    expect(check.json().problems).toEqual([
      expect.objectContaining({ kind: 'container-missing', subject: id, fixed: false }),
    ]);
    const fixed = await cli(fake, home, 'doctor', '--fix', '--json');
    expect(fixed.code).toBe(0);
    expect(fixed.json().problems[0].fixed).toBe(true);
    expect((await cli(fake, home, 'status', id, '--json')).json()[0].state).toBe('running');
    expect((await cli(fake, home, 'doctor')).code).toBe(0);
  });

  it('recreates a missing delivery relay on its port with --fix', async () => {
    await cli(fake, home, 'spin', 'stripe');
    const relays = () => fake.runtime.listContainers({ [LABEL.kind]: 'relay' });
    const [relay] = await relays();
    await fake.runtime.removeContainer(relay!.id);
    expect((await cli(fake, home, 'doctor', '--json')).json().problems).toEqual([
      expect.objectContaining({ kind: 'relay-missing', subject: 'relay', fixed: false }),
    ]);
    expect((await cli(fake, home, 'doctor', '--fix')).code).toBe(0);
    const [again] = await relays();
    expect(again?.status).toBe('running');
    // Where the backends already send.
    expect(again?.labels[LABEL.relayPort]).toBe(relay?.labels[LABEL.relayPort]);
    expect((await cli(fake, home, 'doctor', '--json')).json().problems).toEqual([]);
  });

  it('adopts a clone the registry forgot, with its data, back into its environment', async () => {
    const env = (await cli(fake, home, 'env', 'spin', spec(ACME), '--json')).json();
    // The registry forgets one member (as after a crash or a lost file).
    const registry = JSON.parse(readFileSync(join(home, 'registry.json'), 'utf8'));
    const forgotten = env.members[1].id;
    delete registry.clones[forgotten];
    writeFileSync(join(home, 'registry.json'), JSON.stringify(registry));

    const report = (await cli(fake, home, 'doctor', '--json')).json();
    const kinds = report.problems.map((p: { kind: string }) => p.kind).sort();
    expect(kinds).toEqual(['member-missing', 'orphan-clone']);
    const [volume] = await fake.runtime.listVolumes({ [LABEL.clone]: forgotten });
    expect((await cli(fake, home, 'doctor', '--fix')).code).toBe(0);
    expect(await fake.runtime.listVolumes({ [LABEL.clone]: forgotten })).toEqual([volume]);
    const adopted = (await cli(fake, home, 'status', forgotten, '--json')).json()[0];
    expect(adopted).toMatchObject({ state: 'running', environment: 'acme' });
    expect((await cli(fake, home, 'tokens', forgotten, '--json')).json().secretKey).toMatch(/^sk_test_/);
    const [network] = await fake.runtime.listNetworks({ [LABEL.environment]: 'acme' });
    expect(network?.labels[LABEL.members]).toBe([env.members[0].id, forgotten].sort().join(','));
    expect((await cli(fake, home, 'doctor', '--json')).json().problems).toEqual([]);
  });

  it('two homes on one engine never see each other', async () => {
    const other = freshHome();
    await cli(fake, home, 'spin', 'stripe');
    expect((await cli(fake, other, 'status', '--json')).json()).toEqual([]);
    expect((await cli(fake, other, 'doctor', '--json')).json().problems).toEqual([]);
  });
});
