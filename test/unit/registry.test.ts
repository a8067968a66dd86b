import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { AsymError } from '../../src/errors.js';
import { REGISTRY_VERSION } from '../../src/registry/schema.js';
import { RegistryStore } from '../../src/registry/store.js';
import { allocatePorts } from '../../src/services/ports.js';

const tempRegistry = () => join(mkdtempSync(join(tmpdir(), 'asym-reg-')), 'registry.json');

const clone = (id: string, createdAt = '2026-01-01T00:00:00.000Z') => ({
  id,
  template: 'slack',
  mode: 'api',
  state: 'running' as const,
  seed: null,
  ports: { backend: 3000 },
  tokens: null,
  adminToken: 'a'.repeat(48),
  createdAt,
  updatedAt: createdAt,
});

describe('registry', () => {
  it('migrates a version 1 file on read: clones keyed by id, membership moved to environments', async () => {
    const path = tempRegistry();
    writeFileSync(
      path,
      JSON.stringify({
        version: 1,
        clones: [
          {
            ...clone('slack-aaaa'),
            environment: 'acme',
            image: 'asymmetric/slack-backend:1',
            imageDigest: 'sha256:1',
          },
          {
            ...clone('stripe-bbbb'),
            environment: null,
            image: 'asymmetric/stripe-backend:1',
            imageDigest: 'sha256:2',
          },
        ],
      }),
    );
    const store = new RegistryStore(path);
    const registry = await store.read();
    expect(registry.schemaVersion).toBe(REGISTRY_VERSION);
    expect(Object.keys(registry.clones).sort()).toEqual(['slack-aaaa', 'stripe-bbbb']);
    expect(registry.clones['slack-aaaa']?.images.backend).toEqual({
      tag: 'asymmetric/slack-backend:1',
      digest: 'sha256:1',
    });
    expect(registry.environments.acme?.members).toEqual(['slack-aaaa']);
    expect(registry.clones['slack-aaaa']).not.toHaveProperty('environment');
    // The next write stores the current version.
    await store.update(() => {});
    expect(JSON.parse(readFileSync(path, 'utf8')).schemaVersion).toBe(REGISTRY_VERSION);
  });

  it('reads clones written before the clock existed as real-time clones (clock: null)', async () => {
    const path = tempRegistry();
    writeFileSync(
      path,
      JSON.stringify({
        schemaVersion: 2,
        clones: { 'slack-aaaa': { ...clone('slack-aaaa'), images: {} } },
        environments: {},
      }),
    );
    const registry = await new RegistryStore(path).read();
    expect(registry.clones['slack-aaaa']?.clock).toBeNull();
    expect(registry.clones['slack-aaaa']?.rateLimits).toBe(true);
  });

  it('refuses a file from a newer version and a file that is not JSON, with REGISTRY_CORRUPT', async () => {
    const path = tempRegistry();
    writeFileSync(
      path,
      JSON.stringify({ schemaVersion: REGISTRY_VERSION + 1, clones: {}, environments: {} }),
    );
    await expect(new RegistryStore(path).read()).rejects.toMatchObject({ code: 'REGISTRY_CORRUPT' });
    writeFileSync(path, '{ not json');
    await expect(new RegistryStore(path).read()).rejects.toBeInstanceOf(AsymError);
  });

  it('writes with mode 0600 and loses no update when many writers race', async () => {
    const path = tempRegistry();
    const store = new RegistryStore(path);
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        store.update((registry) => {
          registry.clones[`c-${i}`] = {
            ...clone(`c-${i}`),
            exposed: false,
            rateLimits: true,
            clock: null,
            images: {},
          };
        }),
      ),
    );
    expect(Object.keys((await store.read()).clones)).toHaveLength(25);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('loses no update when several processes write at once', async () => {
    const path = tempRegistry();
    const script = fileURLToPath(new URL('../support/registry-writer.ts', import.meta.url));
    await Promise.all(
      [0, 1, 2, 3].map((writer) => execa('node', ['--import', 'tsx', script, path, String(writer), '10'])),
    );
    const clones = Object.keys((await new RegistryStore(path).read()).clones);
    expect(clones).toHaveLength(40);
  });
});

describe('port allocation', () => {
  it('skips ports in the registry, ports to avoid and ports another process holds', async () => {
    const registry = { schemaVersion: REGISTRY_VERSION, clones: {}, environments: {} } as never;
    const held = new Set([3001, 3003]);
    const ports = await allocatePorts(
      registry,
      { from: 3000, to: 3010 },
      3,
      async (p) => !held.has(p),
      new Set([3000]),
    );
    expect(ports).toEqual([3002, 3004, 3005]);
    await expect(
      allocatePorts(registry, { from: 3000, to: 3001 }, 3, async () => true),
    ).rejects.toMatchObject({
      code: 'PORTS_EXHAUSTED',
    });
  });
});
