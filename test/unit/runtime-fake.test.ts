import { FakeRuntime } from '../../src/runtime/fake-runtime.js';
import { runtimeContract } from '../contract/runtime.contract.js';

const runtime = new FakeRuntime();
runtime.addImage('asymmetric/test-server:1');
runtimeContract('fake', async () => ({
  runtime,
  image: 'asymmetric/test-server:1',
  crash: async (id) => runtime.crash(id, { exitCode: 137 }),
}));
