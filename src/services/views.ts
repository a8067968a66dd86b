import type { CloneRecord, CloneState, EnvironmentRecord, Registry } from '../registry/schema.js';
import { type CloneService, LABEL } from '../runtime/labels.js';
import type { ContainerDetails, ContainerState, ContainerStatus } from '../runtime/types.js';
import { getTemplate } from '../templates/catalog.js';
import { databaseUrl, redisPrefix } from './clone-containers.js';
import type { CloneHealth } from './clone-health.js';

/** A container of a clone that ended without being asked to: what `status` shows of it. */
export interface CloneCrash {
  service: CloneService;
  exitCode: number;
  /** Killed by the kernel at its memory limit. */
  oomKilled: boolean;
  at: string;
}

/** What the live containers and the backend say, beyond the state. */
export interface CloneLive {
  state: CloneState;
  /** Times the engine restarted one of the clone's containers after it crashed. */
  restarts: number;
  lastCrash: CloneCrash | null;
  services: Partial<Record<CloneService, { status: ContainerStatus; restarts: number }>>;
  /** The backend's own answer (null unless every container runs). */
  health: CloneHealth | null;
}

/** A clone as `status --json` prints it (the contract in the README). */
export interface CloneView {
  id: string;
  template: string;
  mode: string;
  state: CloneState;
  environment: string | null;
  seed: { fixture: string } | null;
  /** The pinned clock (ISO, UTC), or null for real time. */
  clock: string | null;
  endpoints: { api: string; web?: string; mcp?: string };
  ports: { backend: number; frontend?: number };
  database: string;
  redisPrefix: string;
  image: string;
  imageDigest: string;
  createdAt: string;
  updatedAt: string;
  /** Crash-restarts by the engine (its restart policy) since the clone was last started. */
  restarts: number;
  /** The latest exit the clone did not ask for (a crash, the OOM killer, `docker kill`). */
  lastCrash: CloneCrash | null;
  /** Each container's status and restart count. */
  services: CloneLive['services'];
  /** `ok`, `degraded` (serves, but Redis or the frontend does not answer), `starting`, `down`, `unreachable`. */
  health: CloneHealth | null;
  tokens?: Record<string, string>;
}

export type EnvironmentState = 'running' | 'partial' | 'stopped' | 'failed';

export interface EnvironmentView {
  name: string;
  state: EnvironmentState;
  spec: EnvironmentRecord['spec'];
  members: string[];
  createdAt: string;
  updatedAt: string;
}

export function environmentOf(registry: Registry, cloneId: string): string | null {
  return Object.values(registry.environments).find((env) => env.members.includes(cloneId))?.name ?? null;
}

export function cloneView(registry: Registry, clone: CloneRecord, live: Partial<CloneLive> = {}): CloneView {
  const template = getTemplate(clone.template);
  const origin = `http://127.0.0.1:${clone.ports.backend}`;
  return {
    id: clone.id,
    template: clone.template,
    mode: clone.mode,
    state: live.state ?? clone.state,
    environment: environmentOf(registry, clone.id),
    seed: clone.seed,
    clock: clone.clock,
    endpoints: {
      // The manifest's apiPath: some SDKs take a base URL ending in /api/, others the origin.
      api: template.apiPath === '/' ? origin : `${origin}${template.apiPath}`,
      ...(clone.ports.frontend ? { web: `http://127.0.0.1:${clone.ports.frontend}/` } : {}),
      ...(template.mcp ? { mcp: `${origin}${template.mcp.path}` } : {}),
    },
    ports: {
      backend: clone.ports.backend,
      ...(clone.ports.frontend ? { frontend: clone.ports.frontend } : {}),
    },
    database: databaseUrl(clone.id),
    redisPrefix: redisPrefix(clone.id),
    image: clone.images.backend?.tag ?? '',
    imageDigest: clone.images.backend?.digest ?? '',
    createdAt: clone.createdAt,
    updatedAt: clone.updatedAt,
    restarts: live.restarts ?? 0,
    lastCrash: live.lastCrash ?? null,
    services: live.services ?? {},
    health: live.health ?? null,
  };
}

/**
 * Restarts and the latest crash, from the inspected containers. An exit counts as a crash
 * when the engine restarted the container after it, or when the container is down while
 * the registry says the clone runs (nobody asked it to stop).
 */
export function crashesOf(
  clone: CloneRecord,
  details: ContainerDetails[],
): Pick<CloneLive, 'restarts' | 'lastCrash' | 'services'> {
  let restarts = 0;
  let lastCrash: CloneCrash | null = null;
  const services: CloneLive['services'] = {};
  for (const container of details) {
    const service = container.labels[LABEL.service] as CloneService;
    services[service] = { status: container.status, restarts: container.restartCount };
    restarts += container.restartCount;
    const unexpected =
      container.restartCount > 0 ||
      container.status === 'restarting' ||
      (clone.state === 'running' && container.status !== 'running');
    if (!unexpected || !container.lastExit) continue;
    if (!lastCrash || container.lastExit.at > lastCrash.at) lastCrash = { service, ...container.lastExit };
  }
  return { restarts, lastCrash, services };
}

export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * A clone's state from what is really running: `running` when every service container
 * runs, `stopped` when none does, `failed` when some are missing or only some run, or when
 * the process creating it died.
 */
export function liveCloneState(
  clone: CloneRecord,
  containers: ContainerState[],
  expectedServices: number,
): CloneState {
  if (clone.state === 'creating') return clone.owner && !isAlive(clone.owner.pid) ? 'failed' : 'creating';
  if (clone.state === 'destroying') return 'destroying';
  if (clone.state === 'failed') return 'failed';
  const mine = containers.filter((c) => c.labels[LABEL.clone] === clone.id);
  const running = mine.filter((c) => c.status === 'running').length;
  if (mine.length === expectedServices && running === expectedServices) return 'running';
  if (mine.length === expectedServices && running === 0) return 'stopped';
  return 'failed';
}

export function expectedServiceCount(clone: CloneRecord): number {
  return getTemplate(clone.template).modes[clone.mode]?.services.length ?? 0;
}

/** Rolls an environment's state up from its members' live states. */
export function rollUpEnvironment(env: EnvironmentRecord, memberStates: CloneState[]): EnvironmentState {
  const expected = Math.max(env.spec?.clones.length ?? 0, env.members.length);
  const running = memberStates.filter((s) => s === 'running').length;
  const stopped = memberStates.filter((s) => s === 'stopped').length;
  if (expected === 0 || (running === 0 && stopped === 0)) return 'failed';
  if (running === expected) return 'running';
  if (running === 0 && stopped === memberStates.length && memberStates.length === expected) return 'stopped';
  return running > 0 ? 'partial' : 'stopped';
}

export function environmentView(env: EnvironmentRecord, state: EnvironmentState): EnvironmentView {
  return {
    name: env.name,
    state,
    spec: env.spec,
    members: env.members,
    createdAt: env.createdAt,
    updatedAt: env.updatedAt,
  };
}
