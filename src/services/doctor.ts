import { rename } from 'node:fs/promises';
import { homeAccessError, isAsymError } from '../errors.js';
import { BASE_IMAGE } from '../images/base-image.js';
import type { CloneRecord } from '../registry/schema.js';
import { type CloneService, homeLabels, LABEL, parseMembersLabel } from '../runtime/labels.js';
import type { ContainerRuntime, ContainerState } from '../runtime/types.js';
import { getTemplate } from '../templates/catalog.js';
import { adoptClone, adoptionBlocker, type OrphanClone } from './clone-adoption.js';
import { cloneContainerSpecs, START_ORDER, serviceOf } from './clone-containers.js';
import { type CloneHealth, probeHealth } from './clone-health.js';
import {
  activeMembers,
  cloneContainers,
  createLabelledVolumes,
  finishDestroy,
  liveClones,
  removeCloneObjects,
  waitForDatabase,
  waitUntilServing,
} from './clone-service.js';
import type { AppContext } from './context.js';
import { environmentNetworkDrift, syncEnvironmentNetwork } from './environment-network.js';
import { finishEnvironmentDestroy } from './environment-service.js';
import { ensureHomeInfra, relayMissing, removeHomeInfraIfUnused } from './home-infra.js';
import { isAlive } from './views.js';

export interface DoctorProblem {
  /** Stable kind, for scripts. */
  kind:
    | 'docker-unavailable'
    | 'registry-corrupt'
    | 'container-missing'
    | 'container-exited'
    | 'container-restarting'
    | 'clone-unhealthy'
    | 'redis-unreachable'
    | 'interrupted-spin'
    | 'interrupted-destroy'
    | 'orphan-clone'
    | 'orphan-container'
    | 'orphan-volume'
    | 'orphan-network'
    | 'network-drift'
    | 'member-missing'
    | 'redis-missing'
    | 'relay-missing'
    | 'infra-left-behind';
  subject: string;
  message: string;
  fixed: boolean;
}

export interface DoctorReport {
  ok: boolean;
  docker: { reachable: boolean; baseImage: boolean };
  problems: DoctorProblem[];
}

export interface DoctorOptions {
  fix: boolean;
  /** With fix: also remove containers and volumes that cannot be adopted. */
  prune?: boolean;
}

/** How long `--fix` waits for a clone it brought back to serve again. */
const REVIVE_DEADLINE_MS = 90_000;

/**
 * Reconciles the registry with the live Docker labels: what the registry holds but Docker
 * lost, containers that died (exited, crash-looping, unhealthy), what Docker holds that
 * the registry forgot, and environment networks whose labels or connections no longer
 * match membership. With `fix`, each problem is repaired in place (`fixed: true`), and the
 * report says what was done. It never deletes a container or volume it cannot account
 * for unless `prune` is set: such objects are adopted as clones where possible.
 */
export async function runDoctor(ctx: AppContext, options: DoctorOptions | boolean): Promise<DoctorReport> {
  const { fix, prune = false } = typeof options === 'boolean' ? { fix: options } : options;
  const runtime = await ctx.runtime();
  const problems: DoctorProblem[] = [];
  try {
    await runtime.ping();
  } catch (error) {
    if (!isAsymError(error)) throw error;
    problems.push({ kind: 'docker-unavailable', subject: 'docker', message: error.message, fixed: false });
    return { ok: false, docker: { reachable: false, baseImage: false }, problems };
  }
  const baseImage = (await runtime.inspectImage(BASE_IMAGE)) !== null;
  const report = (problem: Omit<DoctorProblem, 'fixed'>) => {
    const entry = { ...problem, fixed: false };
    problems.push(entry);
    return entry;
  };
  const done = () => ({
    ok: problems.every((p) => p.fixed),
    docker: { reachable: true, baseImage },
    problems,
  });

  // 0. A registry that cannot be read: moved aside (never deleted), then rebuilt from labels.
  try {
    await ctx.store.read();
  } catch (error) {
    // A registry from a newer asymmetric is not damaged: it is never moved aside.
    const newer = (error as { details?: { newerSchema?: number } }).details?.newerSchema;
    if (!isAsymError(error) || error.code !== 'REGISTRY_CORRUPT' || newer !== undefined) throw error;
    const problem = report({ kind: 'registry-corrupt', subject: ctx.store.path, message: error.message });
    if (!fix) return done();
    const aside = `${ctx.store.path}.corrupt-${ctx.now().toISOString().replace(/[:.]/g, '-')}`;
    await rename(ctx.store.path, aside).catch((failure: unknown) => {
      throw homeAccessError(failure, ctx.store.path, 'write') ?? failure;
    });
    problem.message = `${error.message} It was moved to ${aside}; the registry is rebuilt from the live containers.`;
    problem.fixed = true;
  }

  // 1. Spins whose process died: the clone never became usable, so it goes.
  const registry = await ctx.store.read();
  for (const clone of Object.values(registry.clones)) {
    if (clone.state !== 'creating' || (clone.owner && isAlive(clone.owner.pid))) continue;
    const problem = report({
      kind: 'interrupted-spin',
      subject: clone.id,
      message: `${clone.id} was being created by a process that is gone`,
    });
    if (fix) {
      await removeCloneObjects(runtime, ctx.home.id, clone.id);
      await forgetClone(ctx, clone.id);
      problem.fixed = true;
    }
  }

  // 1b. Destroys whose process died: finished, never undone.
  for (const clone of Object.values((await ctx.store.read()).clones)) {
    if (clone.state !== 'destroying' || (clone.owner && isAlive(clone.owner.pid))) continue;
    const problem = report({
      kind: 'interrupted-destroy',
      subject: clone.id,
      message: `${clone.id} was being destroyed by a process that is gone`,
    });
    if (fix) {
      await finishDestroy(ctx, runtime, clone.id, { keepInfra: true });
      problem.fixed = true;
    }
  }
  for (const env of Object.values((await ctx.store.read()).environments)) {
    if (!env.destroying) continue;
    const clones = (await ctx.store.read()).clones;
    if (env.members.some((id) => clones[id])) continue;
    const problem = report({
      kind: 'interrupted-destroy',
      subject: env.name,
      message: `environment ${env.name} was being destroyed by a process that is gone`,
    });
    if (fix) {
      await finishEnvironmentDestroy(ctx, env.name);
      problem.fixed = true;
    }
  }

  // 2. Objects labelled as this home's clones that the registry forgot (a lost registry, a
  // crash): a clone whose data is there is adopted; the rest is reported, and removed only
  // with --prune.
  const liveNow = await runtime.listContainers({
    [LABEL.home]: ctx.home.id,
    [LABEL.kind]: 'clone-container',
  });
  const knownNow = (await ctx.store.read()).clones;
  const volumes = await runtime.listVolumes({ [LABEL.home]: ctx.home.id, [LABEL.kind]: 'clone-volume' });
  const orphans = new Map<string, OrphanClone>();
  const orphanOf = (id: string) => {
    let entry = orphans.get(id);
    if (!entry) {
      entry = { id, containers: [], volumes: [] };
      orphans.set(id, entry);
    }
    return entry;
  };
  for (const container of liveNow) {
    const id = container.labels[LABEL.clone] ?? '';
    if (!knownNow[id]) orphanOf(id).containers.push(container);
  }
  for (const volume of volumes) {
    const id = volume.labels[LABEL.clone] ?? '';
    if (!knownNow[id]) orphanOf(id).volumes.push(volume);
  }
  const adopted: string[] = [];
  for (const orphan of orphans.values()) {
    const blocker = adoptionBlocker(orphan);
    if (!blocker) {
      const problem = report({
        kind: 'orphan-clone',
        subject: orphan.id,
        message: `clone ${orphan.id} (${orphan.containers.length} containers, ${orphan.volumes.length} volume${orphan.volumes.length === 1 ? '' : 's'}) is not in the registry`,
      });
      if (!fix) continue;
      try {
        await adoptClone(ctx, runtime, orphan);
        adopted.push(orphan.id);
        problem.message = `adopted ${orphan.id} with its data (its Postgres volume untouched); its backend was recreated with new admin credentials and it has new tokens: \`asymmetric tokens ${orphan.id}\``;
        problem.fixed = true;
        continue;
      } catch (error) {
        if (!isAsymError(error)) throw error;
        problem.message += `; adopting it failed: ${error.message}`;
        if (!prune) continue;
      }
    }
    for (const container of orphan.containers) {
      const problem = report({
        kind: 'orphan-container',
        subject: orphan.id || container.name,
        message: `container ${container.name} belongs to ${orphan.id || 'no'} clone the registry knows${blocker ? ` and cannot be adopted: ${blocker}` : ''}${fix && !prune ? ' (kept: remove it with `doctor --fix --prune`)' : ''}`,
      });
      if (fix && prune) {
        await runtime.removeContainer(container.id);
        problem.fixed = true;
      }
    }
    for (const volume of orphan.volumes) {
      const problem = report({
        kind: 'orphan-volume',
        subject: orphan.id || volume.name,
        message: `volume ${volume.name} belongs to ${orphan.id || 'no'} clone the registry knows${blocker ? ` and cannot be adopted: ${blocker}` : ''}${fix && !prune ? ' (kept: remove it with `doctor --fix --prune`)' : ''}`,
      });
      if (fix && prune) {
        await runtime.removeVolume(volume.name);
        problem.fixed = true;
      }
    }
  }

  // 2b. Environments naming clones the registry no longer has.
  for (const env of Object.values((await ctx.store.read()).environments)) {
    const clones = (await ctx.store.read()).clones;
    for (const id of env.members.filter((m) => !clones[m])) {
      const problem = report({
        kind: 'member-missing',
        subject: env.name,
        message: `environment ${env.name} lists ${id}, which does not exist`,
      });
      if (fix) {
        await forgetClone(ctx, id);
        problem.fixed = true;
      }
    }
  }

  // 3. Containers of known clones that were removed behind our back.
  let live = await runtime.listContainers({ [LABEL.home]: ctx.home.id, [LABEL.kind]: 'clone-container' });
  let known = (await ctx.store.read()).clones;
  let needsRedis = false;
  const revived = new Set<string>();
  for (const clone of Object.values(known)) {
    if (clone.state === 'creating' || clone.state === 'destroying') continue;
    const missing = missingServices(clone, live);
    if (missing.length === 0) continue;
    const problem = report({
      kind: 'container-missing',
      subject: clone.id,
      message: `${clone.id} is missing its ${missing.join(' and ')} container${missing.length > 1 ? 's' : ''}`,
    });
    if (fix) {
      needsRedis = true;
      await recreateServices(ctx, runtime, clone, missing);
      revived.add(clone.id);
      problem.fixed = true;
    }
  }

  // 3b. Containers of running clones that died (exited, or crash-looping) and clones that
  // run but do not serve (the backend's health: database down, Redis unreachable).
  if (needsRedis) await ensureRedis(ctx);
  needsRedis = false;
  live = await runtime.listContainers({ [LABEL.home]: ctx.home.id, [LABEL.kind]: 'clone-container' });
  const running = Object.values(known).filter((c) => c.state === 'running' && !revived.has(c.id));
  const lives = await liveClones(runtime, ctx.home.id, running);
  for (const clone of running) {
    const state = lives.get(clone.id);
    if (!state) continue;
    const down = Object.entries(state.services).filter(([, s]) => s.status !== 'running');
    if (down.length > 0) {
      const looping = down.some(([, s]) => s.status === 'restarting');
      const crash = state.lastCrash;
      const why = crash
        ? ` (last exit: ${crash.oomKilled ? 'OOM-killed at its memory limit' : `code ${crash.exitCode}`} at ${crash.at})`
        : '';
      const problem = report({
        kind: looping ? 'container-restarting' : 'container-exited',
        subject: clone.id,
        message: `${clone.id}: ${down.map(([service, s]) => `${service} is ${s.status}`).join(', ')}${why}`,
      });
      if (fix) await reviveClone(ctx, runtime, clone, problem, looping);
      continue;
    }
    const health = state.health;
    if (!health || health.status === 'ok') continue;
    if (health.status === 'degraded' && health.redis === 'down') {
      const problem = report({
        kind: 'redis-unreachable',
        subject: clone.id,
        message: `${clone.id} serves, but reports the shared Redis unreachable`,
      });
      if (fix) {
        await ensureRedis(ctx);
        await settle(runtime, clone, problem, (h) => h.redis !== 'down');
      }
      continue;
    }
    const problem = report({
      kind: 'clone-unhealthy',
      subject: clone.id,
      message: `${clone.id} runs but does not serve: ${health.detail ?? health.status}`,
    });
    if (fix) await reviveClone(ctx, runtime, clone, problem, true);
  }

  // 5. Environment networks: one per environment, labelled with its members, joined by them.
  // A network whose environment the registry lost is adopted with the clones it names.
  let environments = (await ctx.store.read()).environments;
  for (const network of await runtime.listNetworks(homeLabels(ctx.home.id, 'environment-network'))) {
    const name = network.labels[LABEL.environment] ?? '';
    if (environments[name]) continue;
    const members = parseMembersLabel(network.labels[LABEL.members]).filter((id) => adopted.includes(id));
    if (name && members.length > 0) {
      await ctx.store.update((current) => {
        const now = ctx.now().toISOString();
        const env = current.environments[name] ?? {
          name,
          spec: null,
          members: [],
          createdAt: now,
          updatedAt: now,
        };
        for (const id of members) if (!env.members.includes(id)) env.members.push(id);
        current.environments[name] = env;
      });
      report({
        kind: 'orphan-network',
        subject: name,
        message: `environment ${name} was not in the registry; adopted with ${members.join(', ')} (its declared spec is not known)`,
      }).fixed = true;
      environments = (await ctx.store.read()).environments;
      continue;
    }
    const problem = report({
      kind: 'orphan-network',
      subject: name || network.name,
      message: `network ${network.name} belongs to no environment the registry knows`,
    });
    if (fix) {
      for (const containerId of network.containerIds)
        await runtime.disconnectNetwork(network.id, containerId);
      await runtime.removeNetwork(network.id);
      problem.fixed = true;
    }
  }
  const current = await ctx.store.read();
  for (const env of Object.values(current.environments)) {
    const members = activeMembers(current, env.members);
    // An interrupted destroy (reported above) owns the network until it is finished.
    if (env.destroying || members.length < env.members.length) continue;
    const drift = await environmentNetworkDrift(ctx, env.name, members);
    if (!drift) continue;
    const problem = report({
      kind: 'network-drift',
      subject: env.name,
      message: `environment ${env.name}: ${drift}`,
    });
    if (fix) {
      await syncEnvironmentNetwork(ctx, env.name, members);
      problem.fixed = true;
    }
  }

  // 6. The shared Redis every clone needs; left behind when no clone is.
  known = (await ctx.store.read()).clones;
  const [redis] = await runtime.listContainers(homeLabels(ctx.home.id, 'redis'));
  if (Object.keys(known).length > 0) {
    if (redis?.status !== 'running') {
      const problem = report({
        kind: 'redis-missing',
        subject: 'redis',
        message: 'the shared Redis is not running',
      });
      if (fix) needsRedis = true;
      if (fix) problem.fixed = true;
    }
    if (await relayMissing(ctx, runtime)) {
      const problem = report({
        kind: 'relay-missing',
        subject: 'relay',
        message: 'the delivery relay (deliveries to localhost) is not running',
      });
      if (fix) needsRedis = true;
      if (fix) problem.fixed = true;
    }
  } else {
    const cloneLeft = await runtime.listContainers({
      [LABEL.home]: ctx.home.id,
      [LABEL.kind]: 'clone-container',
    });
    const networks = await runtime.listNetworks(homeLabels(ctx.home.id, 'home-network'));
    if (cloneLeft.length === 0 && (redis || networks.length > 0)) {
      const problem = report({
        kind: 'infra-left-behind',
        subject: 'redis',
        message: 'the shared Redis and network remain, but no clone uses them',
      });
      if (fix) {
        await removeHomeInfraIfUnused(ctx);
        problem.fixed = true;
      }
    }
  }
  if (needsRedis) await ensureRedis(ctx);

  return done();
}

/**
 * Brings a clone's dead containers back, in start order (a crash-looping or unhealthy one
 * is restarted), and waits until the clone serves again.
 */
async function reviveClone(
  ctx: AppContext,
  runtime: ContainerRuntime,
  clone: CloneRecord,
  problem: DoctorProblem,
  restartRunning: boolean,
): Promise<void> {
  await ensureRedis(ctx);
  const containers = (await cloneContainers(runtime, ctx.home.id, clone.id)).sort(
    (a, b) =>
      START_ORDER.indexOf(a.labels[LABEL.service] as CloneService) -
      START_ORDER.indexOf(b.labels[LABEL.service] as CloneService),
  );
  const outlived =
    containers.find((c) => c.labels[LABEL.service] === 'postgres')?.status !== 'running' &&
    containers.some((c) => c.labels[LABEL.service] === 'backend' && c.status === 'running');
  for (const container of containers) {
    const service = container.labels[LABEL.service];
    // A backend that outlived its database is restarted with it (see clone-service).
    const restart = (restartRunning || (outlived && service === 'backend')) && service !== 'postgres';
    if (container.status === 'running' && !restart) continue;
    ctx.reporter.step(`Starting the ${service} container of ${clone.id}`);
    if (container.status === 'running' || container.status === 'restarting')
      await runtime.stopContainer(container.id, 3);
    await runtime.startContainer(container.id);
    if (service === 'postgres') await waitForDatabase(runtime, ctx.home.id, clone.id, REVIVE_DEADLINE_MS);
  }
  const template = getTemplate(clone.template);
  const serving = await waitUntilServing(runtime, clone, template, 20_000).then(
    () => true,
    () => false,
  );
  if (!serving) {
    // A backend that outlived its database may hold broken connections: it is stateless,
    // so a restart is safe.
    const backend = containers.find((c) => c.labels[LABEL.service] === 'backend');
    if (backend) {
      ctx.reporter.step(`Restarting the backend of ${clone.id}`);
      await runtime.stopContainer(backend.id, 3);
      await runtime.startContainer(backend.id);
    }
  }
  await settle(runtime, clone, problem, () => true);
}

/** Waits until the clone serves (and `good` accepts its health); records the outcome. */
async function settle(
  runtime: ContainerRuntime,
  clone: CloneRecord,
  problem: DoctorProblem,
  good: (health: CloneHealth) => boolean,
): Promise<void> {
  const template = getTemplate(clone.template);
  try {
    await waitUntilServing(runtime, clone, template, REVIVE_DEADLINE_MS);
    const deadline = Date.now() + 15_000;
    let health = await probeHealth(clone, template);
    while (!good(health) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      health = await probeHealth(clone, template);
    }
    if (!good(health)) {
      problem.message += `; still: ${health.detail ?? health.status}`;
      return;
    }
    problem.fixed = true;
  } catch (error) {
    if (!isAsymError(error)) throw error;
    problem.message += `; bringing it back failed: ${error.message}`;
  }
}

function missingServices(clone: CloneRecord, live: ContainerState[]) {
  const expected = getTemplate(clone.template).modes[clone.mode]?.services ?? [];
  const present = new Set(
    live.filter((c) => c.labels[LABEL.clone] === clone.id).map((c) => c.labels[LABEL.service]),
  );
  return expected.filter((service) => !present.has(service));
}

/** Recreates missing containers from the clone's record (the same specs spin used). */
async function recreateServices(
  ctx: AppContext,
  runtime: ContainerRuntime,
  clone: CloneRecord,
  missing: string[],
): Promise<void> {
  const infra = await ensureRedis(ctx);
  const specs = cloneContainerSpecs(ctx.home.id, clone, getTemplate(clone.template), infra)
    .filter((spec) => missing.includes(serviceOf(spec)))
    .sort((a, b) => START_ORDER.indexOf(serviceOf(a)) - START_ORDER.indexOf(serviceOf(b)));
  for (const spec of specs) {
    ctx.reporter.step(`Recreating the ${serviceOf(spec)} container of ${clone.id}`);
    await createLabelledVolumes(runtime, ctx.home.id, clone, spec);
    const container = await runtime.createContainer(spec);
    if (clone.state === 'running') await runtime.startContainer(container.id);
  }
  // A recreated backend must rejoin its environment's network.
  const env = Object.values((await ctx.store.read()).environments).find((e) => e.members.includes(clone.id));
  if (env) await syncEnvironmentNetwork(ctx, env.name, env.members);
  // Make sure the clone's other containers run alongside the new ones.
  if (clone.state === 'running') {
    for (const container of await cloneContainers(runtime, ctx.home.id, clone.id)) {
      if (container.status !== 'running') await runtime.startContainer(container.id);
    }
  }
}

async function ensureRedis(ctx: AppContext) {
  const images = await ctx.images(['redis']);
  return ensureHomeInfra(ctx, images.get('redis')!.tag);
}

async function forgetClone(ctx: AppContext, id: string): Promise<void> {
  const changed = await ctx.store.update((registry) => {
    delete registry.clones[id];
    const touched: Array<{ name: string; members: string[] }> = [];
    for (const env of Object.values(registry.environments)) {
      if (!env.members.includes(id)) continue;
      env.members = env.members.filter((m) => m !== id);
      touched.push({ name: env.name, members: env.members });
      if (env.members.length === 0) delete registry.environments[env.name];
    }
    return touched;
  });
  for (const env of changed) await syncEnvironmentNetwork(ctx, env.name, env.members);
}
