/**
 * The programmatic API: `import { ... } from 'asymmetric'`. The same operations as the CLI,
 * returning the same shapes as its `--json` output, for graders and test suites. Named
 * failures are thrown as `AsymError` with the CLI's `code`.
 */
import { stringify } from 'yaml';
import type { ErrorCode } from './errors.js';
import { AsymError, isAsymError } from './errors.js';
import type { Reporter } from './log.js';
import type { ActionView, ActResult } from './services/clone-act.js';
import type {
  ChangeView,
  CheckpointResult,
  CheckpointView,
  DiffResult,
  FaultRequest,
  FaultView,
  TracePage,
  TraceRecord,
} from './services/clone-evaluation.js';
import type { SpinRequest } from './services/clone-service.js';
import type { AppContext } from './services/context.js';
import { createContext } from './services/context.js';
import type { EnvironmentResetResult, EnvironmentSpinResult } from './services/environment-service.js';
import type { CloneView, EnvironmentView } from './services/views.js';
import { parseEnvironmentSpec } from './spec/environment-spec.js';
import { templateCatalog } from './templates/catalog.js';

export type {
  ActionView,
  ActResult,
  ChangeView,
  CheckpointResult,
  CheckpointView,
  CloneView,
  DiffResult,
  EnvironmentResetResult,
  EnvironmentSpinResult,
  EnvironmentView,
  ErrorCode,
  FaultRequest,
  FaultView,
  TracePage,
  TraceRecord,
};
export { AsymError, isAsymError };

/** Where the API keeps its state and tells its progress. */
export interface ApiOptions {
  /** The home folder (`ASYM_HOME`); default: `ASYM_HOME` or `~/.asymmetric`. */
  home?: string;
  /** Progress lines (the CLI's stderr steps); silent by default. */
  onProgress?: (message: string) => void;
}

/** A clone as `spin --json` returns it: the status shape plus its tokens. */
export type SpunClone = CloneView & { tokens: Record<string, string> };

export type SpinOptions = Omit<SpinRequest, 'template' | 'fixture'> & {
  /** A fixture name (`acme-corp`); none = the template's empty workspace. */
  seed?: string | undefined;
};

/** An environment.yaml as an object: the same strict rules apply as to the file. */
export interface EnvironmentInput {
  name: string;
  clones: Array<Record<string, unknown> & { template: string }>;
}

function context(options: ApiOptions = {}): AppContext {
  const reporter: Reporter | undefined = options.onProgress
    ? { step: options.onProgress, detail: () => {} }
    : undefined;
  return createContext({
    env: options.home ? { ...process.env, ASYM_HOME: options.home } : process.env,
    ...(reporter ? { reporter } : {}),
  });
}

// Services are loaded on first use, as the CLI does: `reset` never loads the image builder.
const clones = () => import('./services/clone-service.js');
const environments = () => import('./services/environment-service.js');
const evaluation = () => import('./services/clone-evaluation.js');

/** `asymmetric spin <template>`: creates a clone and waits until it serves. */
export async function spin(template: string, options: SpinOptions & ApiOptions = {}): Promise<SpunClone> {
  const { home, onProgress, seed, ...request } = options;
  const view = await (await clones()).spinClone(context({ home, onProgress }), {
    ...request,
    template,
    fixture: seed,
  });
  return view as SpunClone;
}

/** `asymmetric status [id] --json`: every clone of the home, or the one named (still an array). */
export async function status(id?: string, options: ApiOptions = {}): Promise<CloneView[]> {
  const service = await clones();
  const ctx = context(options);
  return id ? [await service.getClone(ctx, id)] : service.listClones(ctx);
}

export async function start(id: string, options: ApiOptions = {}): Promise<CloneView> {
  return (await clones()).startClone(context(options), id);
}

export async function stop(id: string, options: ApiOptions = {}): Promise<CloneView> {
  return (await clones()).stopClone(context(options), id);
}

/** `asymmetric reset <id> --json`: `{ id, ms }`. */
export async function reset(id: string, options: ApiOptions = {}): Promise<{ id: string; ms: number }> {
  // Only the reset module: the evaluation toolkit resets before every trial, and the first
  // call should not wait for the Docker and image code that clone-service brings.
  return (await import('./services/clone-reset.js')).resetClone(context(options), id);
}

export async function destroy(
  id: string,
  options: ApiOptions = {},
): Promise<{ id: string; destroyed: true }> {
  await (await clones()).destroyClone(context(options), id);
  return { id, destroyed: true };
}

/** `asymmetric tokens <id> --json [--reprovision]`. */
export async function tokens(
  id: string,
  options: ApiOptions & { reprovision?: boolean } = {},
): Promise<Record<string, string>> {
  const { reprovision, ...rest } = options;
  return (await clones()).cloneTokens(context(rest), id, Boolean(reprovision));
}

/**
 * `asymmetric env spin`: from the path of an environment.yaml, or from the same document as
 * an object. Returns the result even when the environment is `partial` (check `failures`).
 */
export async function spinEnvironment(
  spec: string | EnvironmentInput,
  options: ApiOptions = {},
): Promise<EnvironmentSpinResult> {
  const service = await environments();
  const ctx = context(options);
  if (typeof spec === 'string') return service.spinEnvironment(ctx, spec);
  // Through the YAML checker, so an object is held to exactly the file's rules and messages.
  const parsed = parseEnvironmentSpec(stringify(spec), templateCatalog(), '<environment object>');
  return service.spinEnvironment(ctx, { spec: parsed, source: '<environment object>' });
}

export async function environmentStatus(name?: string, options: ApiOptions = {}): Promise<EnvironmentView[]> {
  return (await environments()).environmentStatus(context(options), name);
}

export async function resetEnvironment(
  name: string,
  options: ApiOptions = {},
): Promise<EnvironmentResetResult> {
  return (await import('./services/clone-reset.js')).resetEnvironment(context(options), name);
}

export async function destroyEnvironment(
  name: string,
  options: ApiOptions = {},
): Promise<{ name: string; destroyed: string[] }> {
  return (await environments()).destroyEnvironment(context(options), name);
}

/** `asymmetric diff <id> --json`: what changed since the seed of this trial, or since `since` (a checkpoint). */
export async function diff(id: string, options: ApiOptions & { since?: string } = {}): Promise<DiffResult> {
  const { since, ...rest } = options;
  return (await evaluation()).diffClone(context(rest), id, since);
}

/** `asymmetric env diff <name> --json`: every member's diff. */
export async function environmentDiff(
  name: string,
  options: ApiOptions & { since?: string } = {},
): Promise<{ name: string; since: string; members: DiffResult[] }> {
  const { since, ...rest } = options;
  return (await evaluation()).diffEnvironment(context(rest), name, since);
}

/** `asymmetric snapshot save <clone|env> <name>`: everything a reset restores, as it is now. */
export async function saveSnapshot(
  target: string,
  name: string,
  options: ApiOptions = {},
): Promise<CheckpointResult> {
  return (await evaluation()).saveCheckpoint(context(options), target, name);
}

/** `asymmetric snapshot restore <clone|env> <name>`: back to it, no restart; the journal starts afresh. */
export async function restoreSnapshot(
  target: string,
  name: string,
  options: ApiOptions = {},
): Promise<CheckpointResult> {
  return (await evaluation()).restoreCheckpoint(context(options), target, name);
}

export async function listSnapshots(target: string, options: ApiOptions = {}): Promise<CheckpointView[]> {
  return (await evaluation()).listCheckpoints(context(options), target);
}

export async function removeSnapshot(
  target: string,
  name: string,
  options: ApiOptions = {},
): Promise<{ target: string; name: string; removed: true }> {
  return (await evaluation()).removeCheckpoint(context(options), target, name);
}

/** `asymmetric trace <id> --json`: the calls since the last reset, oldest first. */
export async function trace(id: string, options: ApiOptions & { limit?: number } = {}): Promise<TracePage> {
  const { limit, ...rest } = options;
  return (await evaluation()).traceClones(context(rest), [id], { limit });
}

/** `asymmetric env trace <name> --json`: every member's calls, in time order. */
export async function environmentTrace(
  name: string,
  options: ApiOptions & { limit?: number } = {},
): Promise<TracePage> {
  const { limit, ...rest } = options;
  const service = await evaluation();
  const ctx = context(rest);
  return service.traceClones(ctx, await service.environmentMembers(ctx, name), { limit });
}

/** `asymmetric fault add`: faults stay across reset until cleared. */
export async function addFault(
  id: string,
  fault: FaultRequest,
  options: ApiOptions = {},
): Promise<FaultView> {
  return (await evaluation()).addFault(context(options), id, fault);
}

export async function listFaults(id: string, options: ApiOptions = {}): Promise<FaultView[]> {
  return (await evaluation()).listFaults(context(options), id);
}

/** Clears every fault of the clone, or the one with `faultId`. */
export async function clearFaults(
  id: string,
  options: ApiOptions & { faultId?: string } = {},
): Promise<{ id: string; cleared: number }> {
  const { faultId, ...rest } = options;
  return (await evaluation()).clearFaults(context(rest), id, faultId);
}

/** `asymmetric act <id> --list`: the person actions the clone's template offers. */
export async function listActions(id: string, options: ApiOptions = {}): Promise<ActionView[]> {
  return (await import('./services/clone-act.js')).listActions(context(options), id);
}

/**
 * `asymmetric act <id> <action> --<param> <value>`: acts as a person (the actions the
 * template's manifest declares: `asymmetric act <id> --list`); resolves once the app
 * acknowledged, else throws ACTION_NOT_ACKNOWLEDGED. Parameters by their CLI names
 * (`{ user: 'U...', 'action-id': 'approve' }`).
 */
export async function act(
  id: string,
  action: string,
  params: Readonly<Record<string, string>>,
  options: ApiOptions = {},
): Promise<ActResult> {
  return (await import('./services/clone-act.js')).act(context(options), id, action, params);
}

/** A running environment for a test suite: its clones (with tokens) at hand. */
export interface RunningEnvironment {
  name: string;
  members: SpunClone[];
  /** The first member of a template (or the `index`-th). */
  clone(template: string, index?: number): SpunClone;
  /** Back to the seeded state (`env reset`): call it before each trial. */
  reset(): Promise<EnvironmentResetResult>;
  /** Removes every member and the environment (`env destroy`). */
  destroy(): Promise<void>;
}

/**
 * For test suites, in the style of testcontainers: start in `beforeAll`, `reset()` in
 * `beforeEach`, `destroy()` in `afterAll`. An environment that comes up `partial` is
 * destroyed again and reported as `ENVIRONMENT_PARTIAL`, so a suite never runs half a world.
 */
export async function startEnvironment(
  spec: string | EnvironmentInput,
  options: ApiOptions = {},
): Promise<RunningEnvironment> {
  const spun = await spinEnvironment(spec, options);
  if (spun.failures.length > 0) {
    await destroyEnvironment(spun.name, options).catch(() => undefined);
    const first = spun.failures[0]!;
    throw new AsymError(
      'ENVIRONMENT_PARTIAL',
      `Environment ${spun.name} did not come up: ${first.template} failed (${first.error.code}: ${first.error.message}).`,
      { hint: 'Fix the cause, then start it again; nothing of it was left behind.', details: spun.failures },
    );
  }
  const members = spun.members as SpunClone[];
  return {
    name: spun.name,
    members,
    clone(template, index = 0) {
      const found = members.filter((member) => member.template === template)[index];
      if (!found) {
        throw new AsymError(
          'CLONE_NOT_FOUND',
          `Environment ${spun.name} has no ${template} clone #${index}.`,
          {
            hint: `Its members: ${members.map((m) => `${m.id} (${m.template})`).join(', ')}.`,
          },
        );
      }
      return found;
    },
    reset: () => resetEnvironment(spun.name, options),
    destroy: async () => {
      await destroyEnvironment(spun.name, options);
    },
  };
}
