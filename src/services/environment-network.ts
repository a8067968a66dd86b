import { withHomeLock } from '../home-lock.js';
import { environmentNetworkLabels, homeLabels, LABEL, parseMembersLabel } from '../runtime/labels.js';
import type { ContainerRuntime, NetworkState } from '../runtime/types.js';
import type { AppContext } from './context.js';
import { names } from './naming.js';

/**
 * An environment is a Docker network labelled with its name and member ids, joined by
 * its members' backends and frontends (so clones of one environment reach each other by
 * `<clone id>-backend`). Docker cannot relabel a network, so when membership changes we
 * make a new network with the right labels, move the members over, and remove the old one.
 */
export function syncEnvironmentNetwork(
  ctx: AppContext,
  environment: string,
  members: string[],
): Promise<void> {
  // One at a time per home: clones destroyed at once (`env destroy`) each bring the network
  // up to date, and two updates racing would both make (or both remove) a network.
  return withHomeLock(ctx.home, 'env-network', () => syncUnlocked(ctx, environment, members));
}

async function syncUnlocked(ctx: AppContext, environment: string, members: string[]): Promise<void> {
  const runtime = await ctx.runtime();
  const current = await environmentNetworks(runtime, ctx.home.id, environment);
  if (members.length === 0) {
    await removeNetworks(runtime, current);
    return;
  }
  const wanted = [...members].sort();
  const containers = await memberContainers(runtime, ctx.home.id, wanted);
  const [only] = current;
  if (
    current.length === 1 &&
    only &&
    networkMatches(
      only,
      wanted,
      containers.map((c) => c.id),
    )
  )
    return;

  const network = await runtime.createNetwork({
    name: names.environmentNetwork(ctx.home.id, environment, ctx.randomHex(3)),
    labels: environmentNetworkLabels(ctx.home.id, environment, wanted),
  });
  for (const container of containers) {
    await runtime.connectNetwork(network.id, container.id, [container.labels[LABEL.clone] ?? container.name]);
  }
  await removeNetworks(runtime, current);
}

/** Why the environment's network is out of date, or null when it is right. */
export async function environmentNetworkDrift(
  ctx: AppContext,
  environment: string,
  members: string[],
): Promise<string | null> {
  const runtime = await ctx.runtime();
  const current = await environmentNetworks(runtime, ctx.home.id, environment);
  const wanted = [...members].sort();
  if (wanted.length === 0)
    return current.length > 0 ? 'network left behind for an environment with no members' : null;
  if (current.length === 0) return 'network missing';
  if (current.length > 1) return `${current.length} networks where one belongs`;
  const [network] = current;
  const containers = await memberContainers(runtime, ctx.home.id, wanted);
  if (
    !network ||
    !networkMatches(
      network,
      wanted,
      containers.map((c) => c.id),
    )
  ) {
    const labelled = parseMembersLabel(network?.labels[LABEL.members]).join(',') || 'none';
    return `network labels or connections out of date (labelled members: ${labelled}; registry: ${wanted.join(',')})`;
  }
  return null;
}

export function environmentNetworks(runtime: ContainerRuntime, homeId: string, environment: string) {
  return runtime.listNetworks({
    ...homeLabels(homeId, 'environment-network'),
    [LABEL.environment]: environment,
  });
}

async function memberContainers(runtime: ContainerRuntime, homeId: string, members: string[]) {
  const all = await runtime.listContainers({ [LABEL.home]: homeId, [LABEL.kind]: 'clone-container' });
  // Postgres stays private to its clone; backends and frontends join the environment.
  return all.filter(
    (c) => members.includes(c.labels[LABEL.clone] ?? '') && c.labels[LABEL.service] !== 'postgres',
  );
}

function networkMatches(network: NetworkState, members: string[], containerIds: string[]): boolean {
  const labelled = parseMembersLabel(network.labels[LABEL.members]);
  return (
    labelled.join(',') === members.join(',') &&
    containerIds.every((id) => network.containerIds.includes(id)) &&
    network.containerIds.length === containerIds.length
  );
}

async function removeNetworks(runtime: ContainerRuntime, networks: NetworkState[]): Promise<void> {
  for (const network of networks) {
    for (const containerId of network.containerIds) await runtime.disconnectNetwork(network.id, containerId);
    await runtime.removeNetwork(network.id);
  }
}
