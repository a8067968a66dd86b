import { isAsymError } from '../errors.js';
import { withHomeLock } from '../home-lock.js';
import { homeLabels, LABEL } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/types.js';
import type { AppContext } from './context.js';
import { names } from './naming.js';

/**
 * What all clones of one home share: a Docker network (each clone's containers reach
 * their Postgres and the Redis over it) and one Redis. Made on the first spin, removed
 * with the last clone.
 */
export async function ensureHomeInfra(ctx: AppContext, redisImage: string): Promise<void> {
  await withHomeLock(ctx.home, 'infra', () => ensureUnlocked(ctx, redisImage));
}

async function ensureUnlocked(ctx: AppContext, redisImage: string): Promise<void> {
  const runtime = await ctx.runtime();
  const networkName = names.homeNetwork(ctx.home.id);
  const networks = await runtime.listNetworks(homeLabels(ctx.home.id, 'home-network'));
  if (networks.length === 0) {
    await idempotent(() =>
      runtime.createNetwork({ name: networkName, labels: homeLabels(ctx.home.id, 'home-network') }),
    );
  }
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

/** Removes the shared Redis and network once no clone of the home is left. */
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
  for (const redis of await runtime.listContainers(homeLabels(homeId, 'redis')))
    await runtime.removeContainer(redis.id);
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
