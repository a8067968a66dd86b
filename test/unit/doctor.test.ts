import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LABEL } from '../../src/runtime/labels.js';
import { interpretHealth } from '../../src/services/clone-health.js';
import { cli, FakeClones, freshHome } from '../support/fake-clones.js';

/**
 * Faults and recovery against the fake runtime: crashes, dead containers, unhealthy
 * backends, interrupted destroys, a lost registry. The same is proven on the real engine
 * in test/docker/reliability-lifecycle.e2e.test.ts.
 */
let fake: FakeClones;
let home: string;
beforeEach(() => {
  fake = new FakeClones();
  home = freshHome();
});
afterEach(() => fake.close());

const container = async (id: string, service: string) =>
  (await fake.runtime.listContainers({ [LABEL.clone]: id, [LABEL.service]: service }))[0]!;
const readRegistry = () => JSON.parse(readFileSync(join(home, 'registry.json'), 'utf8'));

describe('crashes', () => {
  it('a clone container restarts by itself, and status shows the restart and the OOM kill', async () => {
    const { id } = (await cli(fake, home, 'spin', 'stripe', '--json')).json();
    const backend = await container(id, 'backend');
    expect((await fake.runtime.inspectContainer(backend.id))?.restartPolicy).toBe('unless-stopped');
    fake.runtime.crash(backend.id, { exitCode: 137, oomKilled: true });

    const [status] = (await cli(fake, home, 'status', id, '--json')).json();
    expect(status).toMatchObject({
      state: 'running',
      restarts: 1,
      lastCrash: { service: 'backend', exitCode: 137, oomKilled: true },
      services: { backend: { status: 'running', restarts: 1 } },
      health: { status: 'ok' },
    });
    expect((await cli(fake, home, 'status')).stdout).toMatch(/backend OOM-killed/);
  });
});

describe('doctor and dead containers', () => {
  for (const service of ['postgres', 'backend', 'frontend']) {
    it(`reports a killed ${service} and --fix brings it back`, async () => {
      const { id } = (await cli(fake, home, 'spin', 'slack', '--mode', 'full', '--json')).json();
      fake.runtime.kill((await container(id, service)).id);
      expect((await cli(fake, home, 'status', id, '--json')).json()[0]).toMatchObject({
        state: 'failed',
        lastCrash: { service, exitCode: 137 },
      });
      const check = await cli(fake, home, 'doctor', '--json');
      expect(check.code).toBe(1);
      expect(check.json().problems).toEqual([
        expect.objectContaining({ kind: 'container-exited', subject: id, fixed: false }),
      ]);
      const fixed = await cli(fake, home, 'doctor', '--fix', '--json');
      expect(fixed.code).toBe(0);
      expect((await container(id, service)).status).toBe('running');
      expect((await cli(fake, home, 'status', id, '--json')).json()[0].state).toBe('running');
      expect((await cli(fake, home, 'doctor', '--json')).json().problems).toEqual([]);
    });
  }

  it('reports a backend whose database is down, and one whose Redis is unreachable (degraded)', async () => {
    const { id } = (await cli(fake, home, 'spin', 'stripe', '--json')).json();
    fake.health.set(id, { status: 200, body: { ok: true, ready: true, database: 'up', redis: 'down' } });
    expect((await cli(fake, home, 'status', id, '--json')).json()[0].health).toMatchObject({
      status: 'degraded',
      redis: 'down',
    });
    expect((await cli(fake, home, 'doctor', '--json')).json().problems).toEqual([
      expect.objectContaining({ kind: 'redis-unreachable', subject: id }),
    ]);
    fake.health.set(id, { status: 503, body: { ok: false, ready: false, stage: 'ready', database: 'down' } });
    expect((await cli(fake, home, 'status', id, '--json')).json()[0].health).toMatchObject({
      status: 'down',
      database: 'down',
    });
    expect((await cli(fake, home, 'doctor', '--json')).json().problems).toEqual([
      expect.objectContaining({ kind: 'clone-unhealthy', subject: id }),
    ]);
    fake.health.delete(id);
    expect((await cli(fake, home, 'doctor', '--json')).json().problems).toEqual([]);
  });

  it('reads the health contract: 200 only with the database, redis down is degraded', () => {
    expect(interpretHealth(200, '{"ok":true,"ready":true}').status).toBe('ok');
    expect(interpretHealth(200, '{"ok":true,"ready":true,"database":"up","redis":"up"}').status).toBe('ok');
    expect(interpretHealth(200, '{"ok":true,"ready":true,"redis":"down"}').status).toBe('degraded');
    expect(interpretHealth(503, '{"ok":false,"ready":false,"database":"down"}').status).toBe('down');
    expect(interpretHealth(503, '{"ok":false,"ready":false,"stage":"migrating"}').status).toBe('starting');
  });
});

describe('interrupted destroys', () => {
  it('a destroy killed midway leaves a destroying member that doctor --fix finishes, never recreates', async () => {
    const { id } = (await cli(fake, home, 'spin', 'stripe', '--group', 'grp', '--json')).json();
    // As a destroy killed after removing the backend: the record is marked, its owner gone.
    const registry = readRegistry();
    registry.clones[id].state = 'destroying';
    registry.clones[id].owner = { pid: 2 ** 22 + 17, startedAt: new Date().toISOString() };
    writeFileSync(join(home, 'registry.json'), JSON.stringify(registry));
    await fake.runtime.removeContainer((await container(id, 'backend')).id);

    expect((await cli(fake, home, 'status', id, '--json')).json()[0]).toMatchObject({
      state: 'destroying',
      environment: 'grp',
    });
    expect((await cli(fake, home, 'env', 'status', 'grp', '--json')).json()[0].members).toEqual([id]);
    const check = (await cli(fake, home, 'doctor', '--json')).json();
    expect(check.problems).toEqual([expect.objectContaining({ kind: 'interrupted-destroy', subject: id })]);
    expect((await cli(fake, home, 'doctor', '--fix')).code).toBe(0);
    expect(await fake.runtime.listContainers({ [LABEL.managed]: 'true' })).toEqual([]);
    expect(await fake.runtime.listVolumes({})).toEqual([]);
    expect((await cli(fake, home, 'status', '--json')).json()).toEqual([]);
    expect((await cli(fake, home, 'env', 'status', '--json')).json()).toEqual([]);
  });

  it('a retried destroy of a destroying clone finishes it', async () => {
    const { id } = (await cli(fake, home, 'spin', 'stripe', '--json')).json();
    const registry = readRegistry();
    registry.clones[id].state = 'destroying';
    writeFileSync(join(home, 'registry.json'), JSON.stringify(registry));
    expect((await cli(fake, home, 'start', id, '--json')).json().error.code).toBe('CLONE_NOT_FOUND');
    expect((await cli(fake, home, 'destroy', id)).code).toBe(0);
    expect(await fake.runtime.listVolumes({})).toEqual([]);
  });
});

describe('orphans', () => {
  it('keeps what it cannot adopt unless --prune', async () => {
    await cli(fake, home, 'spin', 'stripe');
    const { id } = (await cli(fake, home, 'spin', 'stripe', '--json')).json();
    // Labelled with a template this asymmetric does not know: it cannot be adopted.
    const stray = fake.runtime.containers.get((await container(id, 'backend')).id)!;
    const registry = readRegistry();
    delete registry.clones[id];
    writeFileSync(join(home, 'registry.json'), JSON.stringify(registry));
    for (const c of fake.runtime.containers.values())
      if (c.labels[LABEL.clone] === id) c.labels[LABEL.template] = 'jira';
    for (const v of fake.runtime.volumes.values())
      if (v.labels[LABEL.clone] === id) v.labels[LABEL.template] = 'jira';

    const kept = await cli(fake, home, 'doctor', '--fix', '--json');
    expect(kept.code).toBe(1);
    expect(kept.json().problems.map((p: { kind: string; fixed: boolean }) => [p.kind, p.fixed])).toEqual([
      ['orphan-container', false],
      ['orphan-container', false],
      ['orphan-volume', false],
    ]);
    expect(fake.runtime.containers.has(stray.id)).toBe(true);
    expect(await fake.runtime.listVolumes({ [LABEL.clone]: id })).toHaveLength(1);

    expect((await cli(fake, home, 'doctor', '--fix', '--prune')).code).toBe(0);
    expect(await fake.runtime.listContainers({ [LABEL.clone]: id })).toEqual([]);
    expect(await fake.runtime.listVolumes({ [LABEL.clone]: id })).toEqual([]);
  });

  it('a corrupt registry is moved aside by doctor --fix and rebuilt, every clone adopted', async () => {
    const { id } = (await cli(fake, home, 'spin', 'stripe', '--json')).json();
    writeFileSync(join(home, 'registry.json'), '{ not json');
    const broken = await cli(fake, home, 'status', '--json');
    expect(broken.json().error).toMatchObject({ code: 'REGISTRY_CORRUPT' });
    expect(broken.json().error.hint).toMatch(/doctor --fix/);
    const fixed = await cli(fake, home, 'doctor', '--fix', '--json');
    expect(fixed.code).toBe(0);
    expect(fixed.json().problems.map((p: { kind: string }) => p.kind)).toEqual([
      'registry-corrupt',
      'orphan-clone',
    ]);
    expect((await cli(fake, home, 'status', id, '--json')).json()[0].state).toBe('running');
  });
});
