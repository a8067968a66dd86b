import { beforeAll, describe, expect, it } from 'vitest';
import { ImageBuilder } from '../../src/images/image-builder.js';
import { silentReporter } from '../../src/log.js';
import { DockerRuntime } from '../../src/runtime/docker-runtime.js';
import { runtimeContract } from '../contract/runtime.contract.js';

// The redis image is a long-running server: a good stand-in for any clone container.
const runtime = new DockerRuntime();
let image = '';
beforeAll(async () => {
  image = (await new ImageBuilder(runtime, silentReporter).ensure(['redis'])).get('redis')!.tag;
});
runtimeContract('docker', async () => ({
  runtime,
  image,
  // From inside, as a crash would: the init (PID 1) sees its child die by SIGKILL and exits 137.
  crash: async (id) => {
    await runtime.exec(id, ['sh', '-c', 'kill -9 $(pidof redis-server)']);
  },
}));

describe('docker only', () => {
  it('a container on a network re-probes a neighbour every 100 ms (a lost first ARP probe costs 100 ms, not 1 s)', async () => {
    const name = `asym-test-neigh-${process.pid}`;
    const network = await runtime.createNetwork({ name, labels: { 'dev.asymmetric.test': 'neigh' } });
    const container = await runtime.createContainer({
      name,
      image,
      labels: { 'dev.asymmetric.test': 'neigh' },
      network: { name, aliases: ['neigh'] },
    });
    try {
      await runtime.startContainer(container.id);
      const read = await runtime.exec(container.id, ['cat', '/proc/sys/net/ipv4/neigh/eth0/retrans_time_ms']);
      expect(read).toEqual({ exitCode: 0, output: expect.stringMatching(/^100\s*$/) });
    } finally {
      await runtime.removeContainer(container.id);
      await runtime.removeNetwork(network.id);
    }
  });
});
