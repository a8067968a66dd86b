import { beforeAll } from 'vitest';
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
