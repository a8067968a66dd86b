import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { AsymError } from '../../src/errors.js';
import { loadConfig, resolveHome } from '../../src/home.js';
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

  it('names where a registry is wrong (REGISTRY_CORRUPT), drops keys it does not know', async () => {
    const path = tempRegistry();
    const write = (clones: Record<string, unknown>) =>
      writeFileSync(path, JSON.stringify({ schemaVersion: 2, clones, environments: {} }));
    write({ 'slack-aaaa': { ...clone('slack-aaaa'), images: {}, ports: { backend: '3000' } } });
    await expect(new RegistryStore(path).read()).rejects.toMatchObject({
      code: 'REGISTRY_CORRUPT',
      message: expect.stringContaining(
        'clones.slack-aaaa.ports.backend: expected an integer, received string',
      ),
    });
    write({ 'slack-aaaa': { ...clone('slack-aaaa'), images: {}, state: 'dancing' } });
    await expect(new RegistryStore(path).read()).rejects.toMatchObject({
      code: 'REGISTRY_CORRUPT',
      message: expect.stringContaining('clones.slack-aaaa.state'),
    });
    writeFileSync(path, JSON.stringify({ schemaVersion: 2, clones: {} }));
    await expect(new RegistryStore(path).read()).rejects.toMatchObject({
      message: expect.stringContaining('environments: expected object, received undefined'),
    });
    writeFileSync(path, '[]');
    await expect(new RegistryStore(path).read()).rejects.toMatchObject({ code: 'REGISTRY_CORRUPT' });
    // Optional keys stay absent, unknown ones go, defaults fill what older files lack.
    write({ 'slack-aaaa': { ...clone('slack-aaaa'), images: {}, surplus: 1 } });
    const read = (await new RegistryStore(path).read()).clones['slack-aaaa'];
    expect(read).toEqual({
      ...clone('slack-aaaa'),
      images: {},
      exposed: false,
      rateLimits: true,
      clock: null,
    });
    expect(read).not.toHaveProperty('surplus');
    expect(read).not.toHaveProperty('owner');
    expect(read?.ports).not.toHaveProperty('frontend');
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

describe('config.json', () => {
  const home = (config?: unknown) => {
    const dir = mkdtempSync(join(tmpdir(), 'asym-config-'));
    if (config !== undefined) writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    return resolveHome({ ASYM_HOME: dir });
  };

  it('defaults the port range, reads a valid one, and names every kind of mistake (CONFIG_INVALID)', () => {
    expect(loadConfig(home())).toEqual({ portRange: { from: 3000, to: 3999 } });
    expect(loadConfig(home({}))).toEqual({ portRange: { from: 3000, to: 3999 } });
    expect(loadConfig(home({ portRange: { from: 4000, to: 4099 } }))).toEqual({
      portRange: { from: 4000, to: 4099 },
    });
    const invalid = (config: unknown, says: string) =>
      expect(() => loadConfig(home(config))).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining(says) }),
      );
    invalid({ portRange: { from: 80, to: 4000 } }, 'portRange.from: expected an integer from 1024 to 65535');
    invalid({ portRange: { from: 5000, to: 4000 } }, 'portRange: "from" must not be greater than "to"');
    invalid({ portRange: { from: 4000, to: 4099, step: 1 } }, 'portRange.step: unrecognized key');
    invalid({ ports: 1 }, 'ports: unrecognized key');
    invalid({ portRange: { from: 4000.5, to: 4099 } }, 'portRange.from');
    invalid([], '(root): expected object, received array');
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
