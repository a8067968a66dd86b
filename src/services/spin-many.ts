import pLimit from 'p-limit';
import { type AsymError, isAsymError } from '../errors.js';
import { imagesForMode } from '../images/image-catalog.js';
import { resolveChoice } from '../templates/catalog.js';
import { activeMembers, type SpinRequest, spinClone } from './clone-service.js';
import type { AppContext } from './context.js';
import { syncEnvironmentNetwork } from './environment-network.js';
import type { CloneView } from './views.js';

export interface SpinFailure {
  template: string;
  error: { code: string; message: string };
}

export interface SpinManyResult {
  /** The clones that run, in the order they were asked for. */
  clones: CloneView[];
  failures: SpinFailure[];
}

/**
 * How many clones are created at once. Each spin is mostly waiting (Postgres starting,
 * migrations, the seed, the readiness poll), so a few at a time keep a 2-core machine busy
 * without making each one much slower; more only queue on the CPU. `ASYM_SPIN_CONCURRENCY`
 * overrides it (1 gives the old one-after-another behaviour).
 */
export function spinConcurrency(env: NodeJS.ProcessEnv = process.env): number {
  const asked = Number(env.ASYM_SPIN_CONCURRENCY);
  return Number.isInteger(asked) && asked >= 1 ? asked : 4;
}

/**
 * Spins many clones, several at once, continue-all: every request is checked before
 * anything is created (a misspelt template fails the whole call, nothing made), the
 * images are made once, then each clone spins on its own; one's failure is reported and
 * rolled back by `spinClone` while the rest go on. Clones that join an environment join
 * its record as soon as each runs (crash-safe, as before), and the environment's network
 * is brought up to date once at the end instead of once per member (each update makes a
 * new network and moves every member over: quadratic in the member count).
 */
export async function spinMany(
  ctx: AppContext,
  requests: SpinRequest[],
  options: { concurrency?: number } = {},
): Promise<SpinManyResult> {
  for (const request of requests) resolveChoice(request.template, request.mode, request.fixture);
  const runtime = await ctx.runtime();
  await runtime.ping();
  const names = new Set<string>(['redis']);
  for (const request of requests) {
    const { template, mode } = resolveChoice(request.template, request.mode, request.fixture);
    for (const name of imagesForMode(template, mode)) names.add(name);
  }
  // Built (or found) once here: the concurrent spins below then only look them up.
  await ctx.images([...names]);

  const limit = pLimit(options.concurrency ?? spinConcurrency());
  let engineDown: AsymError | null = null;
  const outcomes = await Promise.all(
    requests.map((request) =>
      limit(async (): Promise<CloneView | SpinFailure> => {
        if (engineDown) return failure(request, engineDown);
        try {
          return await spinClone(ctx, { ...request, syncNetwork: false });
        } catch (error) {
          // A broken engine fails every clone the same way; stop asking it.
          if (isAsymError(error) && error.code === 'DOCKER_UNAVAILABLE') engineDown = error;
          ctx.reporter.step(`${request.template} failed: ${(error as Error).message}`);
          return failure(request, error);
        }
      }),
    ),
  );
  if (engineDown) throw engineDown;

  const clones = outcomes.filter((o): o is CloneView => 'id' in o);
  const environments = new Set(requests.map((r) => r.environment).filter((e): e is string => Boolean(e)));
  if (environments.size > 0) {
    // Members joined as each finished; list them in the order they were asked for (the
    // file's order for `env spin`), after the members the environment already had.
    const order = new Map(clones.map((clone, index) => [clone.id, index]));
    await ctx.store.update((registry) => {
      for (const name of environments) {
        const env = registry.environments[name];
        if (!env) continue;
        const earlier = env.members.filter((id) => !order.has(id));
        const spun = env.members.filter((id) => order.has(id)).sort((a, b) => order.get(a)! - order.get(b)!);
        env.members = [...earlier, ...spun];
      }
    });
  }
  for (const name of environments) {
    const registry = await ctx.store.read();
    await syncEnvironmentNetwork(
      ctx,
      name,
      activeMembers(registry, registry.environments[name]?.members ?? []),
    );
  }
  return {
    clones,
    failures: outcomes.filter((o): o is SpinFailure => !('id' in o)),
  };
}

function failure(request: SpinRequest, error: unknown): SpinFailure {
  return {
    template: request.template,
    error: isAsymError(error)
      ? { code: error.code, message: error.message }
      : { code: 'UNEXPECTED', message: (error as Error).message },
  };
}
