import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { AsymError } from '../../src/errors.js';
import type { ContainerRuntime } from '../../src/runtime/types.js';

/**
 * The behaviour of the container runtime our services rely on, run against the fake (fast
 * tier) and the real engine (docker tier), so the fake cannot drift from Docker.
 * `image` must exist in the runtime and keep running when started (a server).
 */
export function runtimeContract(
  name: string,
  setup: () => Promise<{
    runtime: ContainerRuntime;
    image: string;
    /** Makes the container's process die on its own (SIGKILL from inside, not `docker kill`). */
    crash: (id: string) => Promise<void>;
  }>,
) {
  describe(`container runtime contract: ${name}`, () => {
    const run = randomBytes(3).toString('hex');
    const labels = { 'dev.asymmetric.managed': 'true', 'dev.asymmetric.home': `contract-${run}` };
    const cleanup: Array<() => Promise<void>> = [];
    afterAll(async () => {
      for (const step of cleanup.reverse()) await step().catch(() => {});
    });

    it('creates, lists by label, starts, stops and removes containers', async () => {
      const { runtime, image } = await setup();
      const created = await runtime.createContainer({
        name: `asym-contract-${run}-a`,
        image,
        labels: { ...labels, role: 'a' },
      });
      cleanup.push(() => runtime.removeContainer(created.id));
      expect(created.status).toBe('created');
      expect(created.labels.role).toBe('a');
      expect((await runtime.listContainers({ ...labels, role: 'a' })).map((c) => c.id)).toEqual([created.id]);
      expect(await runtime.listContainers({ ...labels, role: 'nobody' })).toEqual([]);

      await runtime.startContainer(created.id);
      expect((await runtime.listContainers({ ...labels, role: 'a' }))[0]?.status).toBe('running');
      await runtime.startContainer(created.id); // starting a running container is not an error
      await runtime.stopContainer(created.id, 1);
      expect((await runtime.listContainers({ ...labels, role: 'a' }))[0]?.status).toBe('exited');
      await runtime.removeContainer(created.id);
      await runtime.removeContainer(created.id); // already gone is not an error
      expect(await runtime.listContainers({ ...labels, role: 'a' })).toEqual([]);
    });

    it('refuses a second container with the same name', async () => {
      const { runtime, image } = await setup();
      const first = await runtime.createContainer({ name: `asym-contract-${run}-dup`, image, labels });
      cleanup.push(() => runtime.removeContainer(first.id));
      await expect(
        runtime.createContainer({ name: `asym-contract-${run}-dup`, image, labels }),
      ).rejects.toThrow(AsymError);
    });

    it('keeps volumes and networks findable by label, and connects containers to networks', async () => {
      const { runtime, image } = await setup();
      const volume = await runtime.createVolume({
        name: `asym-contract-${run}-vol`,
        labels: { ...labels, v: '1' },
      });
      cleanup.push(() => runtime.removeVolume(volume.name));
      expect((await runtime.listVolumes({ ...labels, v: '1' })).map((v) => v.name)).toEqual([volume.name]);

      const network = await runtime.createNetwork({
        name: `asym-contract-${run}-net`,
        labels: { ...labels, n: '1' },
      });
      cleanup.push(() => runtime.removeNetwork(network.id));
      const container = await runtime.createContainer({ name: `asym-contract-${run}-c`, image, labels });
      cleanup.push(() => runtime.removeContainer(container.id));
      await runtime.connectNetwork(network.id, container.id, ['member']);
      const [listed] = await runtime.listNetworks({ ...labels, n: '1' });
      expect(listed?.containerIds).toEqual([container.id]);
      // A stopped member still counts as connected.
      const listedContainer = (await runtime.listContainers(labels)).find((c) => c.id === container.id);
      expect(listedContainer?.networks).toContain(network.name);
      // A network with a running container attached cannot go; once disconnected, it can.
      await runtime.startContainer(container.id);
      await expect(runtime.removeNetwork(network.id)).rejects.toThrow(AsymError);
      await runtime.disconnectNetwork(network.id, container.id);
      await runtime.removeNetwork(network.id);
      expect(await runtime.listNetworks({ ...labels, n: '1' })).toEqual([]);
    });

    it('names the engine, and gives a bridge network an IPv4 gateway inside its subnet', async () => {
      const { runtime } = await setup();
      expect((await runtime.engineInfo()).operatingSystem).not.toBe('');
      const created = await runtime.createNetwork({
        name: `asym-contract-${run}-gw`,
        labels: { ...labels, gw: '1' },
      });
      cleanup.push(() => runtime.removeNetwork(created.id));
      const [listed] = await runtime.listNetworks({ ...labels, gw: '1' });
      for (const network of [created, listed]) {
        expect(network?.gateway).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
        const [base, bits] = (network?.subnet ?? '').split('/');
        expect(Number(bits)).toBeGreaterThanOrEqual(8);
        // Same /16 at least: the gateway is an address of the subnet.
        expect(network?.gateway?.split('.').slice(0, 2)).toEqual(base?.split('.').slice(0, 2));
      }
    });

    it('runs a container on the host network, attached to no bridge', async () => {
      const { runtime, image } = await setup();
      const created = await runtime.createContainer({
        name: `asym-contract-${run}-host`,
        image,
        labels: { ...labels, role: 'host' },
        hostNetwork: true,
      });
      cleanup.push(() => runtime.removeContainer(created.id));
      expect(created.networks).toEqual(['host']);
      expect((await runtime.listContainers({ ...labels, role: 'host' }))[0]?.networks).toEqual(['host']);
    });

    it('reports a host port another container holds as "port is already allocated"', async () => {
      const { runtime, image } = await setup();
      const port = 39000 + Math.floor(Math.random() * 900);
      const spec = (suffix: string) => ({
        name: `asym-contract-${run}-${suffix}`,
        image,
        labels,
        ports: [{ containerPort: 8080, hostPort: port, hostIp: '127.0.0.1' }],
      });
      const a = await runtime.createContainer(spec('pa'));
      cleanup.push(() => runtime.removeContainer(a.id));
      await runtime.startContainer(a.id);
      const b = await runtime.createContainer(spec('pb'));
      cleanup.push(() => runtime.removeContainer(b.id));
      await expect(runtime.startContainer(b.id)).rejects.toThrow(
        /port is already allocated|address already in use/,
      );
    });

    it('restarts a crashed container by its policy, counts it, and keeps its last exit', async () => {
      const { runtime, image, crash } = await setup();
      const created = await runtime.createContainer({
        name: `asym-contract-${run}-crashy`,
        image,
        labels: { ...labels, role: 'crashy' },
        init: true,
        restartPolicy: 'unless-stopped',
        env: { MARK: 'yes' },
        ports: [
          { containerPort: 6379, hostPort: 39900 + Math.floor(Math.random() * 99), hostIp: '127.0.0.1' },
        ],
      });
      cleanup.push(() => runtime.removeContainer(created.id));
      await runtime.startContainer(created.id);
      const fresh = await runtime.inspectContainer(created.id);
      expect(fresh).toMatchObject({ restartCount: 0, lastExit: null, restartPolicy: 'unless-stopped' });
      expect(fresh?.env.MARK).toBe('yes');
      expect(fresh?.ports[0]).toMatchObject({ containerPort: 6379, hostIp: '127.0.0.1' });

      await crash(created.id);
      let details = await runtime.inspectContainer(created.id);
      for (let i = 0; i < 100 && !(details?.status === 'running' && details.restartCount === 1); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        details = await runtime.inspectContainer(created.id);
      }
      expect(details).toMatchObject({ status: 'running', restartCount: 1 });
      expect(details?.lastExit).toMatchObject({ exitCode: 137, oomKilled: false });

      // Stopped on purpose, it stays down: no policy undoes a stop.
      await runtime.stopContainer(created.id, 1);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect((await runtime.inspectContainer(created.id))?.status).toBe('exited');
      await runtime.removeContainer(created.id);
      expect(await runtime.inspectContainer(created.id)).toBeNull();
    });
  });
}
