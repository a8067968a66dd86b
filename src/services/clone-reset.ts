import { requireClone, requireEnvironment } from '../registry/lookup.js';
import type { CloneRecord } from '../registry/schema.js';
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
  return resetRecord(requireClone(await ctx.store.read(), id));
}

async function resetRecord(clone: CloneRecord): Promise<ResetResult> {
  const started = performance.now();
  await adminCall(clone, '/_asym/reset');
  return { id: clone.id, ms: Math.round(performance.now() - started) };
}

export interface EnvironmentResetResult {
  name: string;
  members: Array<{ id: string; ms: number }>;
  ms: number;
}

/**
 * Resets every member at once: each reset is independent and the slowest sets the pace.
 * One registry read for all of them (an unknown member fails before any reset is sent).
 */
export async function resetEnvironment(ctx: AppContext, name: string): Promise<EnvironmentResetResult> {
  const registry = await ctx.store.read();
  const env = requireEnvironment(registry, name);
  const clones = env.members.map((id) => requireClone(registry, id));
  const started = performance.now();
  ctx.reporter.step(`Resetting ${name} (${env.members.length} clones)`);
  const members = await Promise.all(clones.map(resetRecord));
  return { name, members, ms: Math.round(performance.now() - started) };
}
