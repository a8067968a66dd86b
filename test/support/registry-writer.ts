// A separate process adding clones to a registry, for the cross-process locking test.
import { RegistryStore } from '../../src/registry/store.js';

const [path, writer, count] = process.argv.slice(2);
const store = new RegistryStore(path!);
for (let i = 0; i < Number(count); i++) {
  const id = `w${writer}-${i}`;
  await store.update((registry) => {
    registry.clones[id] = {
      id,
      template: 'slack',
      mode: 'api',
      state: 'running',
      seed: null,
      ports: { backend: 3000 },
      exposed: false,
      rateLimits: true,
      clock: null,
      images: {},
      tokens: null,
      adminToken: 'x',
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    };
  });
}
