import { chmodSync, chownSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import { execa } from 'execa';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../src/runtime/docker-runtime.js';
import { LABEL } from '../../src/runtime/labels.js';
import { CLI, type RealHome, realHome } from '../support/real-cli.js';

/**
 * Issue #10, the CLI's side: faults injected on the real engine (a crashed or `docker
 * kill`ed container, a CLI SIGKILLed mid-destroy, an unwritable home, a lost registry),
 * the recovery a user observes (exit codes, `status`/`doctor` JSON, the containers that
 * exist), and that no acknowledged write, token or volume was lost.
 */
const docker = new DockerRuntime();
const homes: RealHome[] = [];
const newHome = () => {
  const home = realHome();
  homes.push(home);
  return home;
};
afterAll(async () => {
  for (const home of homes) await home.destroyAll();
});

const NOBODY = 65534;

const stripeClient = (clone: { endpoints: { api: string } }, key: string) => {
  const url = new URL(clone.endpoints.api);
  return new Stripe(key, {
    host: url.hostname,
    port: Number(url.port),
    protocol: 'http',
    maxNetworkRetries: 0,
  });
};
const slackClient = (clone: { endpoints: { api: string } }, token: string) =>
  new WebClient(token, { slackApiUrl: clone.endpoints.api, retryConfig: { retries: 0 } });

const containerOf = async (cloneId: string, service: string) => {
  const [found] = await docker.listContainers({ [LABEL.clone]: cloneId, [LABEL.service]: service });
  if (!found) throw new Error(`${cloneId} has no ${service} container`);
  return found;
};

/** Polls `probe` until it returns a value (bounded), else fails saying what it waited for. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what} (last error: ${String(last)})`);
}

// biome-ignore lint/suspicious/noExplicitAny: CLI JSON
const statusOf = async (home: RealHome, id: string): Promise<any> =>
  (await home.run('status', id, '--json')).json()[0];

describe('case 1: a crashed container comes back by itself, and status shows the crash', () => {
  const home = newHome();
  // biome-ignore lint/suspicious/noExplicitAny: CLI JSON
  let clone: any;
  beforeAll(async () => {
    const run = await home.run('spin', 'stripe', '--json');
    expect(run.exitCode).toBe(0);
    clone = run.json();
  });

  for (const service of ['backend', 'postgres']) {
    it(`the ${service} process dying on its own (SIGKILL from the host) restarts it; data kept`, async () => {
      const stripe = stripeClient(clone, clone.tokens.secretKey);
      const customer = await stripe.customers.create({ email: `before-${service}-crash@example.com` });
      // Let the WAL writer flush the commit: durability under a kill is case 4, not this one.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const before = (await statusOf(home, clone.id)).restarts;
      const container = await containerOf(clone.id, service);
      const pid = Number((await execa('docker', ['inspect', '-f', '{{.State.Pid}}', container.id])).stdout);
      expect(pid).toBeGreaterThan(0);
      process.kill(pid, 'SIGKILL');

      const after = await waitFor('the clone to run and serve again after the crash', async () => {
        const status = await statusOf(home, clone.id);
        return status.state === 'running' && status.health?.status === 'ok' && status.restarts > before
          ? status
          : undefined;
      });
      expect(after.restarts).toBe(before + 1);
      expect(after.lastCrash).toMatchObject({ service, exitCode: 137, oomKilled: false });
      expect(after.services[service]).toMatchObject({ status: 'running', restarts: 1 });
      // The same container (not a new one): the engine restarted it.
      expect((await containerOf(clone.id, service)).id).toBe(container.id);
      const human = await home.run('status');
      expect(human.stdout).toMatch(new RegExp(`${clone.id}: its ${service} exited with code 137`));
      expect((await stripe.customers.retrieve(customer.id)).id).toBe(customer.id);
      expect((await home.run('doctor', '--json')).json().problems).toEqual([]);
    });
  }
});

describe('case 2: doctor sees dead containers, --fix brings them back; start waits for the database', () => {
  const home = newHome();
  // biome-ignore lint/suspicious/noExplicitAny: CLI JSON
  let slack: any;
  // biome-ignore lint/suspicious/noExplicitAny: CLI JSON
  let stripe: any;
  beforeAll(async () => {
    const spun = await home.run('spin', 'slack', '--mode', 'full', '--seed', 'acme-corp', '--json');
    expect(spun.exitCode, spun.stderr).toBe(0);
    slack = spun.json();
    stripe = (await home.run('spin', 'stripe', '--seed', 'acme-corp', '--json')).json();
  });

  for (const service of ['postgres', 'backend', 'frontend']) {
    it(`docker kill of the ${service}: doctor reports it (exit 1), --fix revives it, the message is kept`, async () => {
      const user = slackClient(slack, slack.tokens.userToken);
      const posted = await user.chat.postMessage({
        channel: 'C0ACME0GEN1',
        text: `kept across a ${service} kill`,
      });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await execa('docker', ['kill', (await containerOf(slack.id, service)).id]);
      expect((await containerOf(slack.id, service)).status).toBe('exited');

      const status = await statusOf(home, slack.id);
      expect(status.state).toBe('failed');
      expect(status.services[service].status).toBe('exited');
      const report = await home.run('doctor', '--json');
      expect(report.exitCode).toBe(1);
      expect(report.json().problems).toEqual([
        expect.objectContaining({ kind: 'container-exited', subject: slack.id, fixed: false }),
      ]);

      const fixed = await home.run('doctor', '--fix', '--json');
      expect(fixed.exitCode, fixed.stdout).toBe(0);
      expect(fixed.json().problems).toEqual([
        expect.objectContaining({ kind: 'container-exited', subject: slack.id, fixed: true }),
      ]);
      // --fix returns once the clone serves: no waiting here.
      const history = await user.conversations.history({ channel: 'C0ACME0GEN1', limit: 5 });
      expect(history.messages?.map((m) => m.ts)).toContain(posted.ts);
      expect((await fetch(slack.endpoints.web)).status).toBe(200);
      expect((await statusOf(home, slack.id)).health).toMatchObject({ status: 'ok', frontend: 'up' });
      expect((await home.run('doctor', '--json')).json().problems).toEqual([]);
    });
  }

  it('stop then start: the first Stripe call after start answers', async () => {
    expect((await home.run('stop', stripe.id)).exitCode).toBe(0);
    expect((await home.run('start', stripe.id)).exitCode).toBe(0);
    const sk = stripeClient(stripe, stripe.tokens.secretKey);
    expect((await sk.customers.create({ email: 'after-start@example.com' })).id).toMatch(/^cus_/);
    expect((await sk.customers.list({ limit: 3 })).data.length).toBeGreaterThan(0);
  });

  it('start after a killed Postgres returns only when the clone serves: the first Stripe call answers', async () => {
    const sk = stripeClient(stripe, stripe.tokens.secretKey);
    const customer = await sk.customers.create({ email: 'before-start@example.com' });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await execa('docker', ['kill', (await containerOf(stripe.id, 'postgres')).id]);
    const started = await home.run('start', stripe.id, '--json');
    expect(started.exitCode, started.stderr).toBe(0);
    expect(started.json()).toMatchObject({ state: 'running', health: { status: 'ok' } });
    // No retry: the very first calls after `start` must succeed. (A create right after a
    // Postgres *crash* is case 4's: with fsync and synchronous_commit off, the crash
    // recovery can leave a sequence one behind its rows.)
    expect((await sk.customers.retrieve(customer.id)).id).toBe(customer.id);
    expect((await sk.customers.list({ limit: 3 })).data.length).toBeGreaterThan(0);
  });
});

/** Runs the built CLI paused at `point` (ASYM_PAUSE_AT), SIGKILLs it there. */
async function killAt(home: RealHome, point: string, ...args: string[]): Promise<void> {
  const child = execa('node', [CLI, ...args], {
    env: { ...process.env, ASYM_HOME: home.dir, ASYM_PAUSE_AT: point },
    reject: false,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  await waitFor(`the CLI to pause at ${point}`, async () =>
    stderr.includes('paused at') ? true : undefined,
  );
  child.kill('SIGKILL');
  const result = await child;
  expect(result.signal).toBe('SIGKILL');
}

describe('case 3: a destroy killed at any point is finished by a retry or doctor --fix, never undone', () => {
  const points = [
    { point: 'destroy:marked', finish: 'retry' },
    { point: 'destroy:containers-removed', finish: 'doctor' },
    { point: 'destroy:objects-removed', finish: 'retry' },
    { point: 'destroy:network-synced', finish: 'doctor' },
  ] as const;
  for (const { point, finish } of points) {
    it(`destroy killed at ${point}: still a destroying member; ${finish} finishes it`, async () => {
      const home = newHome();
      const keep = (await home.run('spin', 'stripe', '--group', 'lab', '--json')).json();
      const doomed = (await home.run('spin', 'stripe', '--group', 'lab', '--json')).json();
      await killAt(home, point, 'destroy', doomed.id, '--json');

      expect(await statusOf(home, doomed.id)).toMatchObject({ state: 'destroying', environment: 'lab' });
      expect((await home.run('env', 'status', 'lab', '--json')).json()[0].members).toContain(doomed.id);
      const report = await home.run('doctor', '--json');
      expect(report.exitCode).toBe(1);
      expect(report.json().problems).toEqual([
        expect.objectContaining({ kind: 'interrupted-destroy', subject: doomed.id, fixed: false }),
      ]);

      const done =
        finish === 'retry'
          ? await home.run('destroy', doomed.id)
          : await home.run('doctor', '--fix', '--json');
      expect(done.exitCode, done.stdout + done.stderr).toBe(0);
      const objects = await home.objects();
      expect(objects.containers.filter((c) => c.includes(doomed.id))).toEqual([]);
      expect(objects.volumes.filter((v) => v.includes(doomed.id))).toEqual([]);
      expect((await home.run('status', '--json')).json().map((c: { id: string }) => c.id)).toEqual([keep.id]);
      expect((await home.run('env', 'status', 'lab', '--json')).json()[0].members).toEqual([keep.id]);
      const [network] = await docker.listNetworks({ [LABEL.home]: home.id, [LABEL.environment]: 'lab' });
      expect(network?.labels[LABEL.members]).toBe(keep.id);
      expect((await home.run('doctor', '--json')).json().problems).toEqual([]);
      // The survivor is untouched.
      expect((await stripeClient(keep, keep.tokens.secretKey).customers.list({ limit: 1 })).object).toBe(
        'list',
      );
      await home.destroyAll();
    });
  }

  const envPoints = [
    { point: 'env-destroy:marked', finish: 'retry' },
    { point: 'destroy:containers-removed', finish: 'retry' },
    { point: 'destroy:objects-removed#2', finish: 'doctor' },
    { point: 'env-destroy:members-removed', finish: 'retry' },
    { point: 'env-destroy:network-removed', finish: 'doctor' },
  ] as const;
  for (const { point, finish } of envPoints) {
    it(`env destroy killed at ${point}: ${finish} removes every object, the environment and its records`, async () => {
      const home = newHome();
      const path = join(home.dir, 'environment.yaml');
      writeFileSync(path, 'name: doomed\nclones:\n  - template: stripe\n  - template: stripe\n');
      const spun = await home.run('env', 'spin', path, '--json');
      expect(spun.exitCode).toBe(0);
      const ids = spun.json().members.map((m: { id: string }) => m.id);
      await killAt(home, point, 'env', 'destroy', 'doomed', '--json');

      // Whatever is left is still listed under the environment, as being destroyed.
      const envs = (await home.run('env', 'status', '--json')).json();
      expect(envs.map((e: { name: string }) => e.name)).toEqual(['doomed']);
      for (const clone of (await home.run('status', '--json')).json()) {
        expect(ids).toContain(clone.id);
        expect(clone).toMatchObject({ state: 'destroying', environment: 'doomed' });
      }
      const done =
        finish === 'retry'
          ? await home.run('env', 'destroy', 'doomed', '--json')
          : await home.run('doctor', '--fix', '--json');
      expect(done.exitCode, done.stdout + done.stderr).toBe(0);
      expect(await home.objects()).toEqual({ containers: [], volumes: [], networks: [] });
      expect((await home.run('status', '--json')).json()).toEqual([]);
      expect((await home.run('env', 'status', '--json')).json()).toEqual([]);
      expect((await home.run('doctor', '--json')).json().problems).toEqual([]);
    });
  }
});

describe("case 6: the registry's own failures", () => {
  it('an unwritable home is HOME_NOT_WRITABLE (exit 1) and changes nothing; tokens are saved before the old ones go', async () => {
    const home = newHome();
    const clone = (await home.run('spin', 'stripe', '--json')).json();
    const stripe = stripeClient(clone, clone.tokens.secretKey);
    const customer = await stripe.customers.create({ email: 'kept-when-read-only@example.com' });
    // As a user who may read the home but not write it (root would write regardless).
    const { gid } = { gid: Number((await execa('getent', ['group', 'docker'])).stdout.split(':')[2]) };
    for (const entry of ['', ...readdirSync(home.dir)]) chownSync(join(home.dir, entry), NOBODY, gid);
    chmodSync(join(home.dir, 'registry.json'), 0o400);
    chmodSync(home.dir, 0o500);
    const asNobody = async (...args: string[]) => {
      const result = await execa('node', [CLI, ...args], {
        env: { ...process.env, ASYM_HOME: home.dir, HOME: '/tmp' },
        uid: NOBODY,
        gid,
        reject: false,
      });
      return {
        exitCode: result.exitCode,
        json: () => JSON.parse(String(result.stdout)),
        stderr: result.stderr,
      };
    };
    try {
      const before = await home.objects();
      expect((await asNobody('status', '--json')).exitCode).toBe(0);
      for (const args of [
        ['tokens', clone.id, '--reprovision', '--json'],
        ['destroy', clone.id, '--json'],
        ['stop', clone.id, '--json'],
        ['spin', 'stripe', '--json'],
      ]) {
        const run = await asNobody(...args);
        expect(run.exitCode, `${args.join(' ')}: ${run.stderr}`).toBe(1);
        expect(run.json().error.code).toBe('HOME_NOT_WRITABLE');
      }
      expect(await home.objects()).toEqual(before);
      // The old key still works: nothing was revoked.
      expect((await stripe.customers.retrieve(customer.id)).id).toBe(customer.id);
    } finally {
      chmodSync(home.dir, 0o700);
      chmodSync(join(home.dir, 'registry.json'), 0o600);
    }
    const rotated = await home.run('tokens', clone.id, '--reprovision', '--json');
    expect(rotated.exitCode).toBe(0);
    const saved = JSON.parse(readFileSync(join(home.dir, 'registry.json'), 'utf8')).clones[clone.id].tokens;
    expect(saved.secretKey).toBe(rotated.json().secretKey);
    expect((await stripeClient(clone, saved.secretKey).customers.retrieve(customer.id)).id).toBe(customer.id);
    await expect(stripe.customers.list({ limit: 1 })).rejects.toMatchObject({ statusCode: 401 });
  });

  it('a registry moved aside: doctor reports and deletes nothing; --fix adopts every clone with its data', async () => {
    const home = newHome();
    const path = join(home.dir, 'environment.yaml');
    writeFileSync(
      path,
      'name: adopt\nclones:\n  - template: slack\n    seed: acme-corp\n  - template: stripe\n    seed: acme-corp\n',
    );
    const spun = await home.run('env', 'spin', path, '--json');
    expect(spun.exitCode).toBe(0);
    const [slack, stripe] = spun.json().members;
    const posted = await slackClient(slack, slack.tokens.userToken).chat.postMessage({
      channel: 'C0ACME0GEN1',
      text: 'written before the registry was lost',
    });
    const customer = await stripeClient(stripe, stripe.tokens.secretKey).customers.create({
      email: 'before-the-registry-was-lost@example.com',
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const before = await home.objects();
    const volumes = before.volumes;
    renameSync(join(home.dir, 'registry.json'), join(home.dir, 'registry.json.aside'));

    expect((await home.run('status', '--json')).json()).toEqual([]);
    const report = await home.run('doctor', '--json');
    expect(report.exitCode).toBe(1);
    expect(
      report
        .json()
        .problems.map((p: { kind: string }) => p.kind)
        .sort(),
    ).toEqual(['orphan-clone', 'orphan-clone', 'orphan-network']);
    expect(await home.objects()).toEqual(before);

    const fixed = await home.run('doctor', '--fix', '--json');
    expect(fixed.exitCode, fixed.stdout + fixed.stderr).toBe(0);
    const adoptions = fixed.json().problems.filter((p: { kind: string }) => p.kind === 'orphan-clone');
    expect(adoptions).toHaveLength(2);
    for (const p of adoptions) expect(p.message).toMatch(/new admin credentials.*new tokens/);
    expect((await home.objects()).volumes).toEqual(volumes);
    const statuses = (await home.run('status', '--json')).json();
    expect(
      statuses
        .map((c: { id: string; state: string; environment: string }) => [c.id, c.state, c.environment])
        .sort(),
    ).toEqual(
      [
        [slack.id, 'running', 'adopt'],
        [stripe.id, 'running', 'adopt'],
      ].sort(),
    );
    expect((await home.run('env', 'status', 'adopt', '--json')).json()[0]).toMatchObject({
      state: 'running',
    });

    // New tokens; the writes from before are there.
    const slackTokens = (await home.run('tokens', slack.id, '--json')).json();
    const stripeTokens = (await home.run('tokens', stripe.id, '--json')).json();
    expect(slackTokens.botToken).not.toBe(slack.tokens.botToken);
    const history = await slackClient(slack, slackTokens.userToken).conversations.history({
      channel: 'C0ACME0GEN1',
      limit: 5,
    });
    expect(history.messages?.map((m) => m.ts)).toContain(posted.ts);
    expect((await stripeClient(stripe, stripeTokens.secretKey).customers.retrieve(customer.id)).id).toBe(
      customer.id,
    );
    // Admin access is back: reset works (and returns the clone to its seed).
    expect((await home.run('reset', stripe.id, '--json')).exitCode).toBe(0);
    expect((await home.run('doctor', '--json')).json().problems).toEqual([]);

    // A corrupt registry: the hint leads to doctor --fix, which loses nothing either.
    writeFileSync(join(home.dir, 'registry.json'), '{ "schemaVersion": 2, "clones": [');
    const corrupt = await home.run('status', '--json');
    expect(corrupt.exitCode).toBe(1);
    expect(corrupt.json().error.code).toBe('REGISTRY_CORRUPT');
    expect(corrupt.json().error.hint).toMatch(/doctor --fix/);
    const rebuilt = await home.run('doctor', '--fix', '--json');
    expect(rebuilt.exitCode).toBe(0);
    expect(rebuilt.json().problems[0]).toMatchObject({ kind: 'registry-corrupt', fixed: true });
    expect((await home.objects()).volumes).toEqual(volumes);
    expect((await home.run('status', '--json')).json()).toHaveLength(2);
    expect(readdirSync(home.dir).some((f) => f.startsWith('registry.json.corrupt-'))).toBe(true);
  });
});
