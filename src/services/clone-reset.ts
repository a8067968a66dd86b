import { requireClone, requireEnvironment } from '../registry/lookup.js';
import { adminCall } from './clone-admin.js';
import type { AppContext } from './context.js';

export interface ResetResult {
  id: string;
  ms: number;
}

/**
 * Back to exactly the seeded state, without restarting anything: the backend restores its
 * tables from the snapshot it took after seeding, drops its Redis keys and caches. Kept
 * apart from clone-service so `asymmetric reset` loads neither Docker nor the image code:
 * it runs between every trial, and its start-up time is most of its cost.
 */
export async function resetClone(ctx: AppContext, id: string): Promise<ResetResult> {
  const clone = requireClone(await ctx.store.read(), id);
  const started = performance.now();
  await adminCall(clone, '/_asym/reset');
  return { id, ms: Math.round(performance.now() - started) };
}

export interface EnvironmentResetResult {
  name: string;
  members: Array<{ id: string; ms: number }>;
  ms: number;
}

/** Resets every member at once: each reset is independent and the slowest sets the pace. */
export async function resetEnvironment(ctx: AppContext, name: string): Promise<EnvironmentResetResult> {
  const env = requireEnvironment(await ctx.store.read(), name);
  const started = performance.now();
  ctx.reporter.step(`Resetting ${name} (${env.members.length} clones)`);
  const members = await Promise.all(env.members.map((id) => resetClone(ctx, id)));
  return { name, members, ms: Math.round(performance.now() - started) };
}
