import { AsymError, isAsymError } from '../errors.js';
import { imagesForMode } from '../images/image-catalog.js';
import { requireClone } from '../registry/lookup.js';
import type { CloneRecord, Registry } from '../registry/schema.js';
import { type CloneService, cloneLabels, LABEL } from '../runtime/labels.js';
import type { ContainerRuntime, ContainerSpec, ContainerState } from '../runtime/types.js';
import { CLOCK_EXAMPLE, normalizeClock } from '../spec/environment-spec.js';
import { getTemplate, resolveChoice, type TemplateManifest } from '../templates/catalog.js';
import { adminCall, waitForHttp } from './clone-admin.js';
import { cloneContainerSpecs, START_ORDER, serviceOf } from './clone-containers.js';
import { interpretHealth, probeHealth } from './clone-health.js';
import type { AppContext } from './context.js';
import { syncEnvironmentNetwork } from './environment-network.js';
import { ensureHomeInfra, type HomeInfra, removeHomeInfraIfUnused, startHomeInfra } from './home-infra.js';
import { names } from './naming.js';
import { ensureSeedImage } from './seed-image.js';

export { resetClone } from './clone-reset.js';
export { requireClone };

import { allocatePorts } from './ports.js';
import {
  type CloneLive,
  type CloneView,
  cloneView,
  crashesOf,
  expectedServiceCount,
  liveCloneState,
} from './views.js';

export interface SpinRequest {
  template: string;
  mode?: string | undefined;
  fixture?: string | null | undefined;
  expose?: boolean | undefined;
  /** False turns the vendor's rate limits off for this clone. */
  rateLimits?: boolean | undefined;
  /** Join this environment once running (created ad hoc if it does not exist). */
  environment?: string | undefined;
  /** Pin the clone's clock to this ISO instant (its timeline and every time it reports). */
  clock?: string | null | undefined;
  /**
   * False leaves the environment's Docker network to the caller (`spinMany` updates it once
   * for all the clones it spins); the clone still joins the environment's record.
   */
  syncNetwork?: boolean | undefined;
}

const READY_DEADLINE_MS = 90_000;
/** A backend that says it is migrating or seeding is at work: it gets this long in all. */
const WORKING_DEADLINE_MS = 600_000;
const WORKING_STAGES = /"stage":"(connecting|migrating|seeding)"/;
const PORT_ATTEMPTS = 5;

/** Creates one clone and waits until it serves; on any failure nothing of it remains. */
export async function spinClone(ctx: AppContext, request: SpinRequest): Promise<CloneView> {
  const { template, mode, fixture } = resolveChoice(request.template, request.mode, request.fixture);
  const clock = checkClock(request.clock);
  const runtime = await ctx.runtime();
  await runtime.ping();
  const images = await ctx.images(['redis', ...imagesForMode(template, mode)]);

  const services = template.modes[mode]?.services ?? [];
  const record = await ctx.store.update(async (registry) => {
    const now = ctx.now().toISOString();
    const id = uniqueCloneId(registry, template.name, ctx.randomHex);
    const [backend, frontend] = await allocatePorts(
      registry,
      ctx.config.portRange,
      services.includes('frontend') ? 2 : 1,
    );
    const clone: CloneRecord = {
      id,
      template: template.name,
      mode,
      state: 'creating',
      seed: fixture ? { fixture } : null,
      ports: { backend: backend!, ...(frontend ? { frontend } : {}) },
      exposed: Boolean(request.expose),
      rateLimits: request.rateLimits !== false,
      clock,
      images: Object.fromEntries(
        services.map((service) => {
          const image = images.get(service === 'postgres' ? 'postgres' : `${template.name}-${service}`)!;
          return [service, { tag: image.tag, digest: image.digest }];
        }),
      ),
      tokens: null,
      adminToken: ctx.randomHex(24),
      createdAt: now,
      updatedAt: now,
      owner: { pid: process.pid, startedAt: now },
    };
    registry.clones[id] = clone;
    return clone;
  });

  ctx.reporter.step(`Creating ${record.id} (${template.name}, ${mode})`);
  let infra: ReturnType<typeof startHomeInfra> | null = null;
  try {
    // After the record exists: a concurrent destroy of the home's last clone then sees
    // this one and leaves the shared Redis and network in place.
    // The clone's containers are created while the home's Redis and relay start (a fresh
    // home's first spin): they need only the network and the relay's address.
    infra = startHomeInfra(ctx, images.get('redis')!.tag);
    const placed = await infra.placed;
    // (Making a seed image runs its backend on the home network.)
    const seeded = await startFromSeedImage(ctx, runtime, record, template);
    const started = await startWithFreePorts(ctx, runtime, seeded, template, placed);
    await infra.running;
    await waitUntilServing(runtime, started, template);
    const tokens = await adminCall<Record<string, string>>(started, '/_asym/tokens');
    const view = await ctx.store.update((registry) => {
      const clone = requireClone(registry, started.id);
      clone.state = 'running';
      clone.tokens = tokens;
      clone.ports = started.ports;
      clone.updatedAt = ctx.now().toISOString();
      delete clone.owner;
      if (request.environment)
        joinEnvironment(registry, request.environment, clone.id, ctx.now().toISOString());
      return cloneView(registry, clone);
    });
    if (request.environment && request.syncNetwork !== false) {
      const registry = await ctx.store.read();
      await syncEnvironmentNetwork(
        ctx,
        request.environment,
        activeMembers(registry, registry.environments[request.environment]?.members ?? []),
      );
    }
    ctx.reporter.step(`${record.id} is running at ${view.endpoints.api}`);
    return { ...view, tokens };
  } catch (error) {
    ctx.reporter.step(`Rolling back ${record.id}`);
    // The home's Redis and relay may still be starting: they stay (other clones use them).
    await infra?.running.catch(() => undefined);
    await removeCloneObjects(runtime, ctx.home.id, record.id);
    await ctx.store.update((registry) => {
      delete registry.clones[record.id];
    });
    throw error;
  }
}

/**
 * Points the clone's Postgres at the seed image of its template and fixture (made on the
 * first spin that needs it): the new volume is filled with a migrated, seeded cluster,
 * and the backend's first boot only moves the timeline onto today.
 */
async function startFromSeedImage(
  ctx: AppContext,
  runtime: ContainerRuntime,
  record: CloneRecord,
  template: TemplateManifest,
): Promise<CloneRecord> {
  const { postgres, backend } = record.images;
  if (!postgres || !backend) return record;
  const seed = await ensureSeedImage(ctx, runtime, {
    template,
    fixture: record.seed?.fixture ?? null,
    postgres,
    backend,
  });
  return ctx.store.update((registry) => {
    const clone = requireClone(registry, record.id);
    clone.images.postgres = seed;
    return clone;
  });
}

function checkClock(value: string | null | undefined): string | null {
  if (value === undefined || value === null) return null;
  const clock = normalizeClock(value);
  if (clock === null) {
    throw new AsymError('INVALID_ARGUMENT', `--clock "${value}" is not an ISO 8601 date-time with a zone.`, {
      hint: `Pass an instant such as ${CLOCK_EXAMPLE} (or with an offset, +01:00).`,
    });
  }
  return clock;
}

function joinEnvironment(registry: Registry, name: string, cloneId: string, now: string): void {
  registry.environments[name] ??= {
    name,
    spec: null,
    members: [],
    createdAt: now,
    updatedAt: now,
  };
  const env = registry.environments[name];
  if (!env.members.includes(cloneId)) env.members.push(cloneId);
  env.updatedAt = now;
}

function uniqueCloneId(registry: Registry, template: string, randomHex: (bytes: number) => string): string {
  for (;;) {
    const id = `${template}-${randomHex(2)}`;
    if (!registry.clones[id]) return id;
  }
}

const isPortClash = (error: unknown) =>
  isAsymError(error) && /port is already allocated|address already in use/i.test(error.message);

/**
 * Creates and starts the clone's containers. A port that another process took between
 * allocation and start is skipped: the containers are recreated on newly allocated ports.
 */
async function startWithFreePorts(
  ctx: AppContext,
  runtime: ContainerRuntime,
  record: CloneRecord,
  template: TemplateManifest,
  infra: HomeInfra,
): Promise<CloneRecord> {
  let clone = record;
  const avoid = new Set<number>();
  for (let attempt = 1; ; attempt++) {
    try {
      await createAndStart(runtime, ctx.home.id, clone, template, infra);
      return clone;
    } catch (error) {
      if (!isPortClash(error) || attempt >= PORT_ATTEMPTS) throw error;
      ctx.reporter.detail(`a port was taken meanwhile; choosing others (${(error as Error).message})`);
      for (const port of Object.values(clone.ports)) if (port) avoid.add(port);
      for (const container of await cloneContainers(runtime, ctx.home.id, clone.id)) {
        await runtime.removeContainer(container.id);
      }
      clone = await ctx.store.update(async (registry) => {
        const current = requireClone(registry, clone.id);
        const count = Object.keys(current.ports).length;
        const [backend, frontend] = await allocatePorts(
          registry,
          ctx.config.portRange,
          count,
          undefined,
          avoid,
        );
        current.ports = { backend: backend!, ...(frontend ? { frontend } : {}) };
        return current;
      });
    }
  }
}

async function createAndStart(
  runtime: ContainerRuntime,
  homeId: string,
  clone: CloneRecord,
  template: TemplateManifest,
  infra: HomeInfra,
): Promise<void> {
  const existing = await cloneContainers(runtime, homeId, clone.id);
  // All at once, each started as soon as it is created: creating Postgres copies its
  // cluster into the new volume, and the backend waits for Postgres on its own, so it boots
  // (Node start, its bundle loaded) while that copy runs.
  // Settled, every one, before a failure is thrown: the rollback then removes all of them.
  const outcomes = await Promise.allSettled(
    orderSpecs(cloneContainerSpecs(homeId, clone, template, infra)).map(async (spec) => {
      let container = existing.find((c) => c.labels[LABEL.service] === serviceOf(spec));
      if (!container) {
        await createLabelledVolumes(runtime, homeId, clone, spec);
        container = await runtime.createContainer(spec);
      }
      if (container.status !== 'running') await runtime.startContainer(container.id);
    }),
  );
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Docker would create a missing named volume on its own, but without labels; creating it
 * first makes it findable (destroy, doctor) like every other object. Creating a volume
 * that exists is a no-op in Docker.
 */
export async function createLabelledVolumes(
  runtime: ContainerRuntime,
  homeId: string,
  clone: CloneRecord,
  spec: ContainerSpec,
): Promise<void> {
  for (const name of Object.keys(spec.volumes ?? {})) {
    await runtime.createVolume({
      name,
      labels: cloneLabels(homeId, 'clone-volume', clone.id, clone.template, serviceOf(spec)),
    });
  }
}

const orderSpecs = <T extends { labels: Record<string, string> }>(specs: T[]) =>
  [...specs].sort(
    (a, b) =>
      START_ORDER.indexOf(a.labels[LABEL.service] as CloneService) -
      START_ORDER.indexOf(b.labels[LABEL.service] as CloneService),
  );

/**
 * Readiness: the backend's health route says migrated, seeded and its database answering
 * (a 200 that reports `database: 'down'` is not ready), and the frontend answers.
 */
export async function waitUntilServing(
  runtime: ContainerRuntime,
  clone: CloneRecord,
  template: TemplateManifest,
  deadlineMs = READY_DEADLINE_MS,
) {
  const stillRunning = async () => {
    const containers = await cloneContainers(runtime, '', clone.id, true);
    const down = containers.find((c) => c.status !== 'running');
    return down ? `${down.labels[LABEL.service]} is ${down.status}` : null;
  };
  await waitForHttp(`http://127.0.0.1:${clone.ports.backend}${template.health}`, {
    deadlineMs,
    what: `The ${clone.id} backend`,
    stillRunning,
    ready: (status, text) => ['ok', 'degraded'].includes(interpretHealth(status, text).status),
    working: (_status, text) => WORKING_STAGES.test(text),
    workingDeadlineMs: Math.max(deadlineMs, WORKING_DEADLINE_MS),
  });
  if (clone.ports.frontend) {
    await waitForHttp(`http://127.0.0.1:${clone.ports.frontend}/healthz`, {
      deadlineMs,
      what: `The ${clone.id} frontend`,
      stillRunning,
    });
  }
}

/** The clone's containers, found by label. */
export function cloneContainers(
  runtime: ContainerRuntime,
  homeId: string,
  cloneId: string,
  anyHome = false,
): Promise<ContainerState[]> {
  return runtime.listContainers({
    ...(anyHome ? {} : { [LABEL.home]: homeId }),
    [LABEL.kind]: 'clone-container',
    [LABEL.clone]: cloneId,
  });
}

/** Removes every container and volume labelled as the clone's. */
export async function removeCloneObjects(
  runtime: ContainerRuntime,
  homeId: string,
  cloneId: string,
): Promise<void> {
  for (const container of await cloneContainers(runtime, homeId, cloneId))
    await runtime.removeContainer(container.id);
  for (const volume of await runtime.listVolumes({ [LABEL.home]: homeId, [LABEL.clone]: cloneId })) {
    await runtime.removeVolume(volume.name);
  }
  // A volume Docker made implicitly (if its labelled creation was interrupted) goes too.
  await runtime.removeVolume(names.volume(homeId, cloneId)).catch(() => {});
}

/**
 * Every clone with its state read from the live containers, their crash history (restart
 * counts, the last unplanned exit) and, for a clone whose containers all run, the health
 * its backend reports.
 */
export async function listClones(ctx: AppContext): Promise<CloneView[]> {
  const registry = await ctx.store.read();
  const runtime = await ctx.runtime();
  const lives = await liveClones(runtime, ctx.home.id, Object.values(registry.clones));
  return Object.values(registry.clones)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    .map((clone) => cloneView(registry, clone, lives.get(clone.id)));
}

/** What the engine and each backend say about these clones (inspected in parallel). */
export async function liveClones(
  runtime: ContainerRuntime,
  homeId: string,
  clones: CloneRecord[],
): Promise<Map<string, CloneLive>> {
  const containers = await runtime.listContainers({ [LABEL.home]: homeId, [LABEL.kind]: 'clone-container' });
  const entries = await Promise.all(
    clones.map(async (clone): Promise<[string, CloneLive]> => {
      const mine = containers.filter((c) => c.labels[LABEL.clone] === clone.id);
      const details = (await Promise.all(mine.map((c) => runtime.inspectContainer(c.id)))).filter(
        (d) => d !== null,
      );
      const state = liveCloneState(clone, details, expectedServiceCount(clone));
      const health = state === 'running' ? await probeHealth(clone, getTemplate(clone.template)) : null;
      return [clone.id, { state, ...crashesOf(clone, details), health }];
    }),
  );
  return new Map(entries);
}

export async function getClone(ctx: AppContext, id: string): Promise<CloneView> {
  const registry = await ctx.store.read();
  requireClone(registry, id);
  const found = (await listClones(ctx)).find((c) => c.id === id);
  if (!found) throw new AsymError('CLONE_NOT_FOUND', `There is no clone "${id}".`);
  return found;
}

export async function stopClone(ctx: AppContext, id: string): Promise<CloneView> {
  const registry = await ctx.store.read();
  requireClone(registry, id);
  const runtime = await ctx.runtime();
  const containers = orderSpecs(await cloneContainers(runtime, ctx.home.id, id)).reverse();
  // The registry must take the new state: an unwritable home fails before anything stops.
  await ctx.store.update(() => {});
  ctx.reporter.step(`Stopping ${id}`);
  for (const container of containers) await runtime.stopContainer(container.id, 3);
  await setState(ctx, id, 'stopped');
  return getClone(ctx, id);
}

export async function startClone(ctx: AppContext, id: string): Promise<CloneView> {
  const registry = await ctx.store.read();
  const clone = requireClone(registry, id);
  const template = getTemplate(clone.template);
  const runtime = await ctx.runtime();
  await runtime.ping();
  const infra = await ensureHomeInfra(ctx, (await ctx.images(['redis'])).get('redis')!.tag);
  if (clone.state === 'destroying') throw beingDestroyed(id);
  await ctx.store.update(() => {});
  ctx.reporter.step(`Starting ${id}`);
  const before = await cloneContainers(runtime, ctx.home.id, id);
  await createAndStart(runtime, ctx.home.id, clone, template, infra);
  // Postgres first: a backend that was left running may answer before its database does.
  await waitForDatabase(runtime, ctx.home.id, clone.id);
  await restartBackendIfItOutlivedItsDatabase(ctx, runtime, id, before);
  await waitUntilServing(runtime, clone, template);
  await setState(ctx, id, 'running');
  return getClone(ctx, id);
}

/**
 * A backend that kept running while its Postgres was down holds pooled connections to the
 * dead server, and its first queries afterwards fail (a 500 on the first API call after
 * `start`). The backend is stateless, so restarting it is the safe way to fresh ones.
 */
export async function restartBackendIfItOutlivedItsDatabase(
  ctx: AppContext,
  runtime: ContainerRuntime,
  id: string,
  before: ContainerState[],
): Promise<void> {
  const of = (service: CloneService) => before.find((c) => c.labels[LABEL.service] === service);
  const backend = of('backend');
  if (!backend || backend.status !== 'running' || of('postgres')?.status === 'running') return;
  ctx.reporter.step(`Restarting the backend of ${id} (it ran while its database was down)`);
  await runtime.stopContainer(backend.id, 3);
  await runtime.startContainer(backend.id);
}

const beingDestroyed = (id: string) =>
  new AsymError('CLONE_NOT_FOUND', `Clone ${id} is being destroyed.`, {
    hint: `Finish it with \`asymmetric destroy ${id}\` (or \`asymmetric doctor --fix\`).`,
  });

/** Waits until the clone's Postgres accepts connections (asked inside its container). */
export async function waitForDatabase(
  runtime: ContainerRuntime,
  homeId: string,
  cloneId: string,
  deadlineMs = READY_DEADLINE_MS,
): Promise<void> {
  const started = Date.now();
  let last = 'not asked yet';
  for (;;) {
    const postgres = (await cloneContainers(runtime, homeId, cloneId)).find(
      (c) => c.labels[LABEL.service] === 'postgres',
    );
    if (!postgres) return; // A template without a database.
    if (postgres.status === 'running') {
      const probe = await runtime
        .exec(postgres.id, ['pg_isready', '-q', '-h', '127.0.0.1', '-U', 'asym', '-d', 'clone'])
        .catch((error: Error) => ({ exitCode: -1, output: error.message }));
      if (probe.exitCode === 0) return;
      last = `pg_isready exit ${probe.exitCode}`;
    } else {
      last = `postgres is ${postgres.status}`;
    }
    if (Date.now() - started > deadlineMs) {
      throw new AsymError(
        'TIMEOUT',
        `The database of ${cloneId} did not accept connections within ${Math.round(deadlineMs / 1000)} s (last: ${last}).`,
        { hint: `Its logs say why: \`asymmetric logs ${cloneId} --service postgres\`.` },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function setState(ctx: AppContext, id: string, state: CloneRecord['state']): Promise<void> {
  await ctx.store.update((registry) => {
    const clone = requireClone(registry, id);
    clone.state = state;
    clone.updatedAt = ctx.now().toISOString();
  });
}

export async function seedClone(ctx: AppContext, id: string, fixture: string): Promise<CloneView> {
  const registry = await ctx.store.read();
  const clone = requireClone(registry, id);
  resolveChoice(clone.template, clone.mode, fixture);
  ctx.reporter.step(`Seeding ${id} with ${fixture}`);
  const result = await adminCall<{ identity?: Record<string, string>; checkpointsDropped?: number }>(
    clone,
    '/_asym/seed',
    { fixture },
    120_000,
  );
  await ctx.store.update((current) => {
    const record = requireClone(current, id);
    record.seed = { fixture };
    if (record.tokens && result.identity) record.tokens = { ...record.tokens, ...result.identity };
    record.updatedAt = ctx.now().toISOString();
  });
  // Checkpoints belong to the old fixture; say so rather than let them vanish quietly.
  if (result.checkpointsDropped) {
    ctx.reporter.step(
      `Dropped ${result.checkpointsDropped} checkpoint${result.checkpointsDropped === 1 ? '' : 's'} of the old seed`,
    );
  }
  return getClone(ctx, id);
}

export async function cloneTokens(
  ctx: AppContext,
  id: string,
  reprovision: boolean,
): Promise<Record<string, string>> {
  const clone = requireClone(await ctx.store.read(), id);
  if (!reprovision) {
    if (!clone.tokens) {
      throw new AsymError('CLONE_NOT_RUNNING', `Clone ${id} has no tokens yet.`, {
        hint: `Mint them with \`asymmetric tokens ${id} --reprovision\`.`,
      });
    }
    return clone.tokens;
  }
  ctx.reporter.step(`Rotating the tokens of ${id}`);
  // The clone revokes the old tokens as it mints the new ones, so the registry must be able
  // to take them first: an unwritable home fails here, with the old tokens still working.
  await ctx.store.update((registry) => {
    requireClone(registry, id).updatedAt = ctx.now().toISOString();
  });
  await ctx.checkpoint('tokens:before-mint');
  const tokens = await adminCall<Record<string, string>>(clone, '/_asym/tokens');
  const save = () =>
    ctx.store.update((registry) => {
      const record = requireClone(registry, id);
      record.tokens = tokens;
      record.updatedAt = ctx.now().toISOString();
    });
  try {
    await save().catch(async () => {
      await new Promise((resolve) => setTimeout(resolve, 250));
      await save();
    });
  } catch (error) {
    // The home failed between the check and the save: the new tokens exist only here, so
    // hand them over rather than lose them (the admin token is unchanged: a later
    // `--reprovision` works once the home is writable again).
    throw new AsymError(
      'HOME_NOT_WRITABLE',
      `The new tokens of ${id} could not be saved (${(error as Error).message}).`,
      {
        hint: `They are in this error's details (--json) and work now; make the home writable and run \`asymmetric tokens ${id} --reprovision\` to store a fresh set.`,
        details: { tokens },
        cause: error,
      },
    );
  }
  return tokens;
}

/**
 * Removes the clone's containers, volume and record, and its environment membership.
 * Resumable: the record is first marked `destroying` (the clone stays a member of its
 * environment), then the objects go, then the environment's network drops it, and only
 * then do the record and the membership go, in one registry write. A process killed at
 * any point leaves a `destroying` record that this function (a retry) or `doctor --fix`
 * finishes; nothing ever recreates it.
 */
export async function destroyClone(
  ctx: AppContext,
  id: string,
  options: { keepInfra?: boolean } = {},
): Promise<void> {
  requireClone(await ctx.store.read(), id);
  const runtime = await ctx.runtime();
  await runtime.ping();
  ctx.reporter.step(`Destroying ${id}`);
  await markDestroying(ctx, [id]);
  await ctx.checkpoint('destroy:marked');
  await finishDestroy(ctx, runtime, id, options);
}

/** Marks clones as being destroyed by this process (one registry write). */
export async function markDestroying(ctx: AppContext, ids: string[]): Promise<void> {
  await ctx.store.update((registry) => {
    const now = ctx.now().toISOString();
    for (const id of ids) {
      const clone = registry.clones[id];
      if (!clone) continue;
      clone.state = 'destroying';
      clone.owner = { pid: process.pid, startedAt: now };
      clone.updatedAt = now;
    }
  });
}

/** The members of an environment that are not being destroyed. */
export function activeMembers(registry: Registry, members: string[]): string[] {
  return members.filter((id) => registry.clones[id]?.state !== 'destroying');
}

/** The rest of a destroy, from any point it was interrupted at (each step is idempotent). */
export async function finishDestroy(
  ctx: AppContext,
  runtime: ContainerRuntime,
  id: string,
  /** `syncNetwork: false`: the caller updates the environments' networks itself (`env destroy`). */
  options: { keepInfra?: boolean; syncNetwork?: boolean } = {},
): Promise<void> {
  for (const container of await cloneContainers(runtime, ctx.home.id, id))
    await runtime.removeContainer(container.id);
  await ctx.checkpoint('destroy:containers-removed');
  await removeCloneObjects(runtime, ctx.home.id, id);
  await ctx.checkpoint('destroy:objects-removed');
  const registry = await ctx.store.read();
  for (const env of Object.values(registry.environments)) {
    if (!env.members.includes(id) || options.syncNetwork === false) continue;
    await syncEnvironmentNetwork(ctx, env.name, activeMembers(registry, env.members));
  }
  await ctx.checkpoint('destroy:network-synced');
  await ctx.store.update((current) => {
    delete current.clones[id];
    for (const env of Object.values(current.environments)) {
      if (!env.members.includes(id)) continue;
      env.members = env.members.filter((m) => m !== id);
      env.updatedAt = ctx.now().toISOString();
      // An environment whose last member leaves is gone too (unless `env destroy` is
      // under way: it removes the record itself, last).
      if (env.members.length === 0 && !env.destroying) delete current.environments[env.name];
    }
  });
  await ctx.checkpoint('destroy:record-removed');
  if (!options.keepInfra) await removeHomeInfraIfUnused(ctx);
}

export async function cloneLogs(
  ctx: AppContext,
  id: string,
  options: { service: CloneService; follow: boolean; tail?: number | undefined },
  out: NodeJS.WritableStream,
): Promise<void> {
  const clone = requireClone(await ctx.store.read(), id);
  const runtime = await ctx.runtime();
  const container = (await cloneContainers(runtime, ctx.home.id, id)).find(
    (c) => c.labels[LABEL.service] === options.service,
  );
  if (!container) {
    // The services its mode runs, as its template's manifest lists them.
    const services = getTemplate(clone.template).modes[clone.mode]?.services ?? ['backend', 'postgres'];
    throw new AsymError('INVALID_ARGUMENT', `Clone ${id} has no ${options.service} container.`, {
      hint: `Pick a service it runs (${clone.mode} mode): ${services.join(', ')}.`,
    });
  }
  await runtime.containerLogs(
    container.id,
    { follow: options.follow, ...(options.tail ? { tail: options.tail } : {}) },
    out,
  );
}
