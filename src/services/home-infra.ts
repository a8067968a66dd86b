import { isAsymError } from '../errors.js';
import { withHomeLock } from '../home-lock.js';
import { homeLabels, LABEL } from '../runtime/labels.js';
import type { ContainerRuntime, ContainerState, NetworkState } from '../runtime/types.js';
import type { AppContext } from './context.js';
import { names } from './naming.js';
import { freePortOn } from './ports.js';

/** What the clones of a home are told about its infrastructure. */
export interface HomeInfra {
  /**
   * The home's delivery relay (`http://<gateway>:<port>`), through which backends reach
   * receivers on the host's loopback; null where the engine needs none (Docker Desktop).
   */
  relayUrl: string | null;
}

/**
 * What all clones of one home share: a Docker network (each clone's containers reach
 * their Postgres and the Redis over it), one Redis and, on Docker Engine, the delivery
 * relay. Made on the first spin, removed with the last clone.
 */
export async function ensureHomeInfra(ctx: AppContext, redisImage: string): Promise<HomeInfra> {
  return startHomeInfra(ctx, redisImage).running;
}

/**
 * The home's infrastructure in two steps, for a spin to overlap with its own work:
 * `placed` once the network exists and the relay's address is known (what a clone's
 * containers need to be created), `running` once Redis and the relay have started too.
 * `running` is marked handled here: a caller that fails before awaiting it loses nothing.
 */
export function startHomeInfra(ctx: AppContext, redisImage: string): HomeInfraStart {
  // Spins of one process (an environment, `spin --count`) share the start under way: the
  // second would otherwise wait on the lock until Redis and the relay run.
  const key = `${ctx.home.id}\0${redisImage}`;
  const pending = starting.get(key);
  if (pending) return pending;
  const start = startUnshared(ctx, redisImage);
  starting.set(key, start);
  void start.running.then(
    () => starting.delete(key),
    () => starting.delete(key),
  );
  return start;
}

interface HomeInfraStart {
  placed: Promise<HomeInfra>;
  running: Promise<HomeInfra>;
}

const starting = new Map<string, HomeInfraStart>();

function startUnshared(ctx: AppContext, redisImage: string): HomeInfraStart {
  let running!: Promise<HomeInfra>;
  const placed = new Promise<HomeInfra>((resolve, reject) => {
    running = withHomeLock(ctx.home, 'infra', () => ensureUnlocked(ctx, redisImage, resolve));
    running.catch(reject);
  });
  placed.catch(() => undefined);
  running.catch(() => undefined);
  return { placed, running };
}

async function ensureUnlocked(
  ctx: AppContext,
  redisImage: string,
  onPlaced: (infra: HomeInfra) => void,
): Promise<HomeInfra> {
  const runtime = await ctx.runtime();
  const networkName = names.homeNetwork(ctx.home.id);
  let [network] = await runtime.listNetworks(homeLabels(ctx.home.id, 'home-network'));
  if (!network) {
    // The relay's port is chosen with the network and kept on its labels, so a relay that
    // has to be recreated (doctor) listens where the backends already send.
    const relayPort = await freePortOn('0.0.0.0');
    await idempotent(() =>
      runtime.createNetwork({
        name: networkName,
        labels: {
          ...homeLabels(ctx.home.id, 'home-network'),
          ...(relayPort ? { [LABEL.relayPort]: String(relayPort) } : {}),
        },
      }),
    );
    [network] = await runtime.listNetworks(homeLabels(ctx.home.id, 'home-network'));
  }
  const relay = network ? await placeRelay(runtime, ctx.home.id, network) : null;
  const infra: HomeInfra = { relayUrl: relay?.url ?? null };
  onPlaced(infra);
  // Redis and the relay need only the network: started side by side (each start is about
  // a second of a fresh home's first spin on a busy machine), while the spin creates its
  // clone's containers.
  await Promise.all([
    ensureRedis(ctx, runtime, redisImage, networkName),
    network && relay ? startRelay(ctx, runtime, network, relay) : null,
  ]);
  return infra;
}

async function ensureRedis(
  ctx: AppContext,
  runtime: ContainerRuntime,
  redisImage: string,
  networkName: string,
): Promise<void> {
  const [redis] = await runtime.listContainers(homeLabels(ctx.home.id, 'redis'));
  if (redis?.status === 'running') return;
  if (redis) {
    await runtime.startContainer(redis.id);
    return;
  }
  ctx.reporter.step('Starting the shared Redis');
  try {
    const created = await runtime.createContainer({
      name: names.redis(ctx.home.id),
      image: redisImage,
      labels: homeLabels(ctx.home.id, 'redis'),
      network: { name: networkName, aliases: [names.redisAlias] },
      memoryBytes: 160 * 1024 * 1024,
      stopTimeoutSeconds: 2,
      // Every clone of the home needs it: a crash must not leave them without it.
      restartPolicy: 'unless-stopped',
    });
    await runtime.startContainer(created.id);
  } catch (error) {
    // Another CLI of this home created it a moment ago: use theirs.
    const [theirs] = await runtime.listContainers(homeLabels(ctx.home.id, 'redis'));
    if (!theirs) throw error;
    if (theirs.status !== 'running') await runtime.startContainer(theirs.id);
  }
}

/** Docker Desktop's `host.docker.internal` already reaches the host's loopback. */
export const isDockerDesktop = (operatingSystem: string) => /docker desktop/i.test(operatingSystem);

interface RelayPlace {
  url: string;
  port: number;
  existing: ContainerState | undefined;
}

/**
 * Where the delivery relay (src/relay) listens: host networking, on the home network's
 * gateway only, for the home network's subnet only. Null where none is needed or possible.
 */
async function placeRelay(
  runtime: ContainerRuntime,
  homeId: string,
  network: NetworkState,
): Promise<RelayPlace | null> {
  if (!network.gateway || !network.subnet) return null;
  if (isDockerDesktop((await runtime.engineInfo()).operatingSystem)) return null;
  const [existing] = await runtime.listContainers(homeLabels(homeId, 'relay'));
  const port = Number(
    existing?.labels[LABEL.relayPort] ??
      network.labels[LABEL.relayPort] ??
      (await freePortOn(network.gateway)) ??
      (await freePortOn('0.0.0.0')),
  );
  return { url: `http://${network.gateway}:${port}`, port, existing };
}

/** The relay placed by `placeRelay`, created and started unless it runs already. */
async function startRelay(
  ctx: AppContext,
  runtime: ContainerRuntime,
  network: NetworkState,
  { port, existing }: RelayPlace,
): Promise<void> {
  if (existing) {
    if (existing.status !== 'running') await runtime.startContainer(existing.id);
    return;
  }
  const image = (await ctx.images(['relay'])).get('relay')!.tag;
  ctx.reporter.step('Starting the delivery relay');
  const created = await runtime.createContainer({
    name: names.relay(ctx.home.id),
    image,
    labels: { ...homeLabels(ctx.home.id, 'relay'), [LABEL.relayPort]: String(port) },
    hostNetwork: true,
    init: true,
    env: { ASYM_RELAY_LISTEN: `${network.gateway}:${port}`, ASYM_RELAY_ALLOW: network.subnet! },
    memoryBytes: 64 * 1024 * 1024,
    stopTimeoutSeconds: 1,
  });
  await runtime.startContainer(created.id);
}

/** Whether the home should have a running relay and has none (for doctor). */
export async function relayMissing(ctx: AppContext, runtime: ContainerRuntime): Promise<boolean> {
  const [network] = await runtime.listNetworks(homeLabels(ctx.home.id, 'home-network'));
  if (!network?.gateway || !network.subnet) return false;
  if (isDockerDesktop((await runtime.engineInfo()).operatingSystem)) return false;
  const [relay] = await runtime.listContainers(homeLabels(ctx.home.id, 'relay'));
  return relay?.status !== 'running';
}

/** Removes the shared Redis, relay and network once no clone of the home is left. */
export async function removeHomeInfraIfUnused(ctx: AppContext): Promise<void> {
  await withHomeLock(ctx.home, 'infra', () => removeIfUnusedUnlocked(ctx));
}

async function removeIfUnusedUnlocked(ctx: AppContext): Promise<void> {
  const registry = await ctx.store.read();
  if (Object.keys(registry.clones).length > 0) return;
  const runtime = await ctx.runtime();
  const cloneContainers = await runtime.listContainers({
    [LABEL.home]: ctx.home.id,
    [LABEL.kind]: 'clone-container',
  });
  if (cloneContainers.length > 0) return;
  await removeHomeInfra(runtime, ctx.home.id);
}

export async function removeHomeInfra(runtime: ContainerRuntime, homeId: string): Promise<void> {
  for (const kind of ['seed-builder', 'redis', 'relay'] as const) {
    for (const container of await runtime.listContainers(homeLabels(homeId, kind)))
      await runtime.removeContainer(container.id);
  }
  for (const network of await runtime.listNetworks(homeLabels(homeId, 'home-network'))) {
    await runtime.removeNetwork(network.id).catch(() => {});
  }
}

async function idempotent(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (error) {
    if (isAsymError(error) && /already exists/.test(error.message)) return;
    throw error;
  }
}
