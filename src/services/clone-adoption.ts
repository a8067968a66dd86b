import { AsymError } from '../errors.js';
import { imagesForMode } from '../images/image-catalog.js';
import type { CloneRecord } from '../registry/schema.js';
import { type CloneService, LABEL } from '../runtime/labels.js';
import type { ContainerDetails, ContainerRuntime, ContainerState, VolumeState } from '../runtime/types.js';
import { getTemplate, type TemplateManifest } from '../templates/catalog.js';
import { adminCall } from './clone-admin.js';
import { cloneContainerSpecs, START_ORDER, serviceOf } from './clone-containers.js';
import {
  cloneContainers,
  createLabelledVolumes,
  waitForDatabase,
  waitUntilServing,
} from './clone-service.js';
import type { AppContext } from './context.js';
import { ensureHomeInfra } from './home-infra.js';
import { allocatePorts } from './ports.js';

/** The objects a lost registry left of one clone, grouped by its clone label. */
export interface OrphanClone {
  id: string;
  containers: ContainerState[];
  volumes: VolumeState[];
}

/** Why an orphan cannot be adopted, or null when it can (its template and mode are known). */
export function adoptionBlocker(orphan: OrphanClone): string | null {
  const labels = orphan.containers[0]?.labels ?? orphan.volumes[0]?.labels ?? {};
  const template = labels[LABEL.template];
  if (!orphan.id) return 'it carries no clone label';
  if (!template) return 'it carries no template label';
  try {
    getTemplate(template);
  } catch {
    return `its template "${template}" is not one this asymmetric knows`;
  }
  if (!orphan.volumes.length && !orphan.containers.some((c) => c.labels[LABEL.service] === 'postgres'))
    return 'its database (Postgres container and volume) is gone, so there is no data to keep';
  return null;
}

/** The clone's mode: its label, else the mode whose services best match the containers. */
export function inferMode(template: TemplateManifest, containers: ContainerState[]): string {
  const labelled = containers.find((c) => c.labels[LABEL.mode])?.labels[LABEL.mode];
  if (labelled && template.modes[labelled]) return labelled;
  const present = new Set(containers.map((c) => c.labels[LABEL.service]));
  const modes = Object.entries(template.modes);
  const exact = modes.find(
    ([, mode]) => mode.services.length === present.size && mode.services.every((s) => present.has(s)),
  );
  if (exact) return exact[0];
  const covering = modes.find(([, mode]) =>
    [...present].every((s) => mode.services.includes(s as CloneService)),
  );
  return covering?.[0] ?? modes[0]![0];
}

/**
 * Adopts a clone the registry lost, keeping its data: its Postgres container and volume
 * stay as they are. The CLI no longer knows the backend's admin token (the registry held
 * it; the backend only has its hash), and the backend is stateless, so the backend
 * container is recreated with new admin credentials; then new API tokens are minted (the
 * old ones are revoked: they were in the lost registry). Nothing is written to the
 * registry until the clone serves again, so an interrupted adoption is simply redone.
 */
export async function adoptClone(
  ctx: AppContext,
  runtime: ContainerRuntime,
  orphan: OrphanClone,
): Promise<CloneRecord> {
  const labels = orphan.containers[0]?.labels ?? orphan.volumes[0]?.labels ?? {};
  const template = getTemplate(labels[LABEL.template] ?? '');
  const mode = inferMode(template, orphan.containers);
  const services = template.modes[mode]?.services ?? [];
  const details = (await Promise.all(orphan.containers.map((c) => runtime.inspectContainer(c.id)))).filter(
    (d): d is ContainerDetails => d !== null,
  );
  const of = (service: CloneService) => details.find((d) => d.labels[LABEL.service] === service);
  const backend = of('backend');
  const frontend = of('frontend');
  const current = await ctx.images(imagesForMode(template, mode));
  const images: CloneRecord['images'] = {};
  for (const service of services) {
    const live = of(service);
    const built = current.get(service === 'postgres' ? 'postgres' : `${template.name}-${service}`)!;
    images[service] = live
      ? { tag: live.image, digest: live.imageId }
      : { tag: built.tag, digest: built.digest };
  }
  // Ports as published; new ones only for a container that is gone.
  const wantsFrontend = services.includes('frontend');
  const needed = (backend?.ports[0] ? 0 : 1) + (wantsFrontend && !frontend?.ports[0] ? 1 : 0);
  const kept = new Set(
    [backend?.ports[0]?.hostPort, frontend?.ports[0]?.hostPort].filter((p) => p !== undefined),
  );
  const free =
    needed > 0
      ? await allocatePorts(await ctx.store.read(), ctx.config.portRange, needed, undefined, kept)
      : [];
  const backendPort = backend?.ports[0]?.hostPort ?? free.shift()!;
  const frontendPort = wantsFrontend ? (frontend?.ports[0]?.hostPort ?? free.shift()) : undefined;
  const now = ctx.now().toISOString();
  const created = details.map((d) => d.createdAt).sort()[0];
  const fixture = backend?.env.ASYM_SEED_FIXTURE;
  const clone: CloneRecord = {
    id: orphan.id,
    template: template.name,
    mode,
    state: 'running',
    seed: fixture ? { fixture } : null,
    ports: { backend: backendPort, ...(frontendPort ? { frontend: frontendPort } : {}) },
    exposed: (backend?.ports[0]?.hostIp ?? '127.0.0.1') === '0.0.0.0',
    rateLimits: template.rateLimits ? backend?.env[template.rateLimits.env] !== 'off' : true,
    clock: backend?.env.ASYM_CLOCK || null,
    images,
    tokens: null,
    adminToken: ctx.randomHex(24),
    createdAt: created ?? now,
    updatedAt: now,
  };

  ctx.reporter.step(`Adopting ${clone.id} (${template.name}, ${mode}) with its data`);
  if (backend) await runtime.removeContainer(backend.id);
  const live = await cloneContainers(runtime, ctx.home.id, clone.id);
  // The home's infra (the delivery relay's URL goes into the recreated backend).
  const infra = await ensureHomeInfra(ctx, (await ctx.images(['redis'])).get('redis')!.tag);
  const specs = cloneContainerSpecs(ctx.home.id, clone, template, infra).sort(
    (a, b) => START_ORDER.indexOf(serviceOf(a)) - START_ORDER.indexOf(serviceOf(b)),
  );
  for (const spec of specs) {
    let container = live.find((c) => c.labels[LABEL.service] === serviceOf(spec));
    if (!container) {
      await createLabelledVolumes(runtime, ctx.home.id, clone, spec);
      container = await runtime.createContainer(spec);
    }
    if (container.status !== 'running') await runtime.startContainer(container.id);
  }
  await waitForDatabase(runtime, ctx.home.id, clone.id);
  await waitUntilServing(runtime, clone, template);
  const tokens = await adminCall<Record<string, string>>(clone, '/_asym/tokens');
  clone.tokens = tokens;
  await ctx.store.update((current) => {
    if (current.clones[clone.id]) {
      throw new AsymError('DRIFT_DETECTED', `Clone ${clone.id} appeared in the registry while adopting it.`);
    }
    current.clones[clone.id] = clone;
  });
  return clone;
}
