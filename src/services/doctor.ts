import { isAsymError } from '../errors.js';
import { BASE_IMAGE } from '../images/base-image.js';
import type { CloneRecord } from '../registry/schema.js';
import { homeLabels, LABEL } from '../runtime/labels.js';
import type { ContainerRuntime, ContainerState } from '../runtime/types.js';
import { getTemplate } from '../templates/catalog.js';
import { cloneContainerSpecs, START_ORDER, serviceOf } from './clone-containers.js';
import { cloneContainers, createLabelledVolumes, removeCloneObjects } from './clone-service.js';
import type { AppContext } from './context.js';
import { environmentNetworkDrift, syncEnvironmentNetwork } from './environment-network.js';
import { ensureHomeInfra, relayMissing } from './home-infra.js';
import { isAlive } from './views.js';

export interface DoctorProblem {
  /** Stable kind, for scripts. */
  kind:
    | 'docker-unavailable'
    | 'container-missing'
    | 'interrupted-spin'
    | 'orphan-container'
    | 'orphan-volume'
    | 'orphan-network'
    | 'network-drift'
    | 'member-missing'
    | 'redis-missing'
    | 'relay-missing';
  subject: string;
  message: string;
  fixed: boolean;
}

export interface DoctorReport {
  ok: boolean;
  docker: { reachable: boolean; baseImage: boolean };
  problems: DoctorProblem[];
}

/**
 * Reconciles the registry with the live Docker labels: what the registry holds but Docker
 * lost, what Docker holds that the registry forgot, and environment networks whose labels
 * or connections no longer match membership. With `fix`, each problem is repaired in
 * place (`fixed: true`), and the report says what was done.
 */
export async function runDoctor(ctx: AppContext, fix: boolean): Promise<DoctorReport> {
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

  // 2. Environments naming clones the registry no longer has.
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
  const live = await runtime.listContainers({ [LABEL.home]: ctx.home.id, [LABEL.kind]: 'clone-container' });
  const known = (await ctx.store.read()).clones;
  let needsRedis = false;
  for (const clone of Object.values(known)) {
    if (clone.state === 'creating') continue;
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
      problem.fixed = true;
    }
  }

  // 4. Objects labelled as this home's clones that the registry forgot (a crash, a lost file).
  for (const container of live) {
    const id = container.labels[LABEL.clone] ?? '';
    if (known[id]) continue;
    const problem = report({
      kind: 'orphan-container',
      subject: id || container.name,
      message: `container ${container.name} belongs to ${id || 'no'} clone the registry knows`,
    });
    if (fix) {
      await runtime.removeContainer(container.id);
      problem.fixed = true;
    }
  }
  for (const volume of await runtime.listVolumes({
    [LABEL.home]: ctx.home.id,
    [LABEL.kind]: 'clone-volume',
  })) {
    const id = volume.labels[LABEL.clone] ?? '';
    if (known[id]) continue;
    const problem = report({
      kind: 'orphan-volume',
      subject: id || volume.name,
      message: `volume ${volume.name} belongs to ${id || 'no'} clone the registry knows`,
    });
    if (fix) {
      await runtime.removeVolume(volume.name);
      problem.fixed = true;
    }
  }

  // 5. Environment networks: one per environment, labelled with its members, joined by them.
  const environments = (await ctx.store.read()).environments;
  for (const network of await runtime.listNetworks(homeLabels(ctx.home.id, 'environment-network'))) {
    const name = network.labels[LABEL.environment] ?? '';
    if (environments[name]) continue;
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
  for (const env of Object.values(environments)) {
    const drift = await environmentNetworkDrift(ctx, env.name, env.members);
    if (!drift) continue;
    const problem = report({
      kind: 'network-drift',
      subject: env.name,
      message: `environment ${env.name}: ${drift}`,
    });
    if (fix) {
      await syncEnvironmentNetwork(ctx, env.name, env.members);
      problem.fixed = true;
    }
  }

  // 6. The shared Redis every clone needs.
  if (Object.keys(known).length > 0) {
    const [redis] = await runtime.listContainers(homeLabels(ctx.home.id, 'redis'));
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
  }
  if (needsRedis) await ensureRedis(ctx);

  return { ok: problems.every((p) => p.fixed), docker: { reachable: true, baseImage }, problems };
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
