import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import pLimit from 'p-limit';
import { AsymError } from '../errors.js';
import { requireEnvironment } from '../registry/lookup.js';
import { type EnvironmentSpec, parseEnvironmentSpec } from '../spec/environment-spec.js';
import { templateCatalog } from '../templates/catalog.js';
import { finishDestroy, listClones, markDestroying } from './clone-service.js';
import type { AppContext } from './context.js';
import { syncEnvironmentNetwork } from './environment-network.js';
import { removeHomeInfraIfUnused } from './home-infra.js';
import { type SpinFailure, spinMany } from './spin-many.js';
import { type CloneView, type EnvironmentView, environmentView, rollUpEnvironment } from './views.js';

export { requireEnvironment };

const DESTROY_CONCURRENCY = 6;

export type MemberFailure = SpinFailure;

export interface EnvironmentSpinResult {
  name: string;
  state: EnvironmentView['state'];
  spec: EnvironmentSpec;
  members: CloneView[];
  failures: MemberFailure[];
}

/** Reads and checks environment.yaml; nothing is created when it is invalid. */
export async function readEnvironmentSpec(path: string): Promise<EnvironmentSpec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new AsymError('SPEC_NOT_FOUND', `Cannot read ${path} (${code ?? 'unknown error'}).`, {
      hint: 'Pass the path of an environment.yaml, for example `asymmetric env spin ./environment.yaml`.',
    });
  }
  return parseEnvironmentSpec(text, templateCatalog(), basename(path));
}

/**
 * `env spin`: continue-all, several members at once (`spinMany`). The environment record
 * is written first, and each member joins it as soon as it runs, so a crash at any point
 * leaves a real environment holding the members spun so far. A member that fails is
 * rolled back by `spinClone` (no containers, no record) and reported; the rest still spin.
 * Members are listed in the spec's order whatever order they finish in.
 */
export async function spinEnvironment(
  ctx: AppContext,
  from: string | { spec: EnvironmentSpec; source: string },
): Promise<EnvironmentSpinResult> {
  const spec = typeof from === 'string' ? await readEnvironmentSpec(from) : from.spec;
  const source = typeof from === 'string' ? basename(from) : from.source;
  const runtime = await ctx.runtime();
  await runtime.ping();
  await ctx.store.update((registry) => {
    if (registry.environments[spec.name]) {
      throw new AsymError('ENVIRONMENT_EXISTS', `An environment named "${spec.name}" already exists.`, {
        hint: `Destroy it first (\`asymmetric env destroy ${spec.name}\`) or rename it in ${source}.`,
      });
    }
    const now = ctx.now().toISOString();
    registry.environments[spec.name] = { name: spec.name, spec, members: [], createdAt: now, updatedAt: now };
  });

  ctx.reporter.step(`Spinning environment ${spec.name} (${spec.clones.length} clones)`);
  const { clones: members, failures } = await spinMany(
    ctx,
    spec.clones.map((clone) => ({
      template: clone.template,
      mode: clone.mode,
      fixture: clone.seed,
      clock: clone.clock,
      environment: spec.name,
    })),
  );
  const state = members.length === spec.clones.length ? 'running' : members.length > 0 ? 'partial' : 'failed';
  return { name: spec.name, state, spec, members, failures };
}

/** Every environment (or the named one), its state rolled up from its members' live states. */
export async function environmentStatus(ctx: AppContext, name?: string): Promise<EnvironmentView[]> {
  const registry = await ctx.store.read();
  if (name) requireEnvironment(registry, name);
  const clones = await listClones(ctx);
  return Object.values(registry.environments)
    .filter((env) => !name || env.name === name)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    .map((env) => {
      const states = env.members.map((id) => clones.find((c) => c.id === id)?.state ?? 'failed');
      return environmentView(env, rollUpEnvironment(env, states));
    });
}

// In clone-reset.ts with the clone's reset, so `env reset` loads neither Docker nor the spec code.
export { type EnvironmentResetResult, resetEnvironment } from './clone-reset.js';

/**
 * Destroys every member, the environment's network and its record. Resumable like
 * `destroy`: the environment and all its members are first marked as being destroyed (in
 * one write), members then go one by one (each stays a member until its objects are
 * gone), then the network, and the environment's record last; a retry after a crash at
 * any point finishes the job.
 */
export async function destroyEnvironment(
  ctx: AppContext,
  name: string,
): Promise<{ name: string; destroyed: string[] }> {
  const env = requireEnvironment(await ctx.store.read(), name);
  const runtime = await ctx.runtime();
  await runtime.ping();
  ctx.reporter.step(`Destroying environment ${name}`);
  await ctx.store.update((registry) => {
    const current = requireEnvironment(registry, name);
    current.destroying = true;
    current.updatedAt = ctx.now().toISOString();
  });
  await markDestroying(ctx, env.members);
  await ctx.checkpoint('env-destroy:marked');
  const members = [...env.members];
  // Several at once: removing a clone is mostly the engine stopping containers.
  const limit = pLimit(DESTROY_CONCURRENCY);
  await Promise.all(
    members.map((id) =>
      limit(async () => {
        if (!(await ctx.store.read()).clones[id]) return;
        ctx.reporter.step(`Destroying ${id}`);
        // The network goes once, after every member (finishEnvironmentDestroy): removing it
        // while other members' containers are still being removed races their endpoints.
        await finishDestroy(ctx, runtime, id, { keepInfra: true, syncNetwork: false });
      }),
    ),
  );
  await ctx.checkpoint('env-destroy:members-removed');
  await finishEnvironmentDestroy(ctx, name);
  return { name, destroyed: members };
}

/** The last steps of `env destroy`, once no member is left: network, record, shared infra. */
export async function finishEnvironmentDestroy(ctx: AppContext, name: string): Promise<void> {
  await syncEnvironmentNetwork(ctx, name, []);
  await ctx.checkpoint('env-destroy:network-removed');
  await ctx.store.update((registry) => {
    delete registry.environments[name];
  });
  await removeHomeInfraIfUnused(ctx);
}
