import type { JournalEntry } from '../../templates/_shared/evaluation.js';
import { AsymError } from '../errors.js';
import { requireClone, requireEnvironment } from '../registry/lookup.js';
import type { CloneRecord, Registry } from '../registry/schema.js';
import { AdminRefusal, adminCall } from './clone-admin.js';
import type { AppContext } from './context.js';

/**
 * The evaluation toolkit's journal and faults, read and set through each clone's admin API
 * (templates/_shared/evaluation.ts serves them the same way for every template).
 */

/** One API call a clone served, as `trace --json` prints it (one per line): the kit's record and its clone. */
export type TraceRecord = Omit<JournalEntry, 'seq' | 'order'> & { clone: string };

interface JournalPage {
  entries: JournalEntry[];
  next: number;
  dropped: number;
}

export interface TracePage {
  records: TraceRecord[];
  /** Older calls the clone's journal no longer holds (it keeps the newest 10,000). */
  dropped: number;
}

const toRecord = (clone: string, entry: JournalPage['entries'][number]): TraceRecord => ({
  at: entry.at,
  clone,
  method: entry.method,
  status: entry.status,
  ok: entry.ok,
  error: entry.error,
  ms: entry.ms,
  actor: entry.actor,
  args: entry.args,
  ...(entry.fault ? { fault: entry.fault } : {}),
});

async function journalPage(ctx: AppContext, id: string, after: number, limit?: number): Promise<JournalPage> {
  const clone = requireClone(await ctx.store.read(), id);
  const query = `after=${after}${limit === undefined ? '' : `&limit=${limit}`}`;
  return adminCall<JournalPage>(clone, `/_asym/journal?${query}`, undefined, 30_000, 'GET');
}

/** The calls of several clones (an environment's members), merged in time order. */
export interface TraceOptions {
  limit?: number | undefined;
  /** With follow: called for every record as it comes, until `signal` aborts. */
  follow?: { onRecord: (record: TraceRecord) => void; signal: AbortSignal; intervalMs?: number };
}

export async function traceClones(
  ctx: AppContext,
  ids: string[],
  options: TraceOptions = {},
): Promise<TracePage> {
  const pages = await Promise.all(ids.map((id) => journalPage(ctx, id, 0, options.limit)));
  let records = pages
    .flatMap((page, index) => page.entries.map((entry) => toRecord(ids[index]!, entry)))
    // A stable sort: calls of one clone that began in the same millisecond keep its order.
    .sort((a, b) => a.at.localeCompare(b.at));
  if (options.limit !== undefined) records = records.slice(Math.max(0, records.length - options.limit));
  const result = { records, dropped: pages.reduce((sum, page) => sum + page.dropped, 0) };
  const follow = options.follow;
  if (!follow) return result;

  for (const record of records) follow.onRecord(record);
  const cursors = pages.map((page) => page.next);
  const interval = follow.intervalMs ?? 250;
  while (!follow.signal.aborted) {
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, interval);
      follow.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve(undefined);
      });
    });
    if (follow.signal.aborted) break;
    const next = await Promise.all(ids.map((id, index) => journalPage(ctx, id, cursors[index] ?? 0)));
    const fresh: TraceRecord[] = [];
    next.forEach((page, index) => {
      // A reset empties the journal and seq keeps counting, so the cursor stays valid.
      cursors[index] = page.next;
      for (const entry of page.entries) fresh.push(toRecord(ids[index]!, entry));
    });
    for (const record of fresh.sort((a, b) => a.at.localeCompare(b.at))) follow.onRecord(record);
  }
  return { records: [], dropped: result.dropped };
}

export async function environmentMembers(ctx: AppContext, name: string): Promise<string[]> {
  return requireEnvironment(await ctx.store.read(), name).members;
}

export interface FaultRequest {
  method: string;
  error?: string | undefined;
  status?: number | undefined;
  latencyMs?: number | undefined;
  times?: number | undefined;
  rate?: number | undefined;
}

export interface FaultView extends FaultRequest {
  id: string;
  clone: string;
  remaining: number | null;
  fired: number;
  createdAt: string;
}

export async function addFault(ctx: AppContext, id: string, request: FaultRequest): Promise<FaultView> {
  if ((request.error === undefined) === (request.latencyMs === undefined)) {
    throw new AsymError('INVALID_ARGUMENT', 'A fault takes either --error <code> or --latency <ms>.', {
      hint: 'For example `asymmetric fault add <id> --method chat.postMessage --error ratelimited --times 2`.',
    });
  }
  if (request.status !== undefined && request.error === undefined) {
    throw new AsymError('INVALID_ARGUMENT', '--status goes with --error.', {
      hint: 'Give the vendor error code too: `--error <code> --status <http>`.',
    });
  }
  const clone = requireClone(await ctx.store.read(), id);
  const body = Object.fromEntries(Object.entries(request).filter(([, value]) => value !== undefined));
  try {
    const { fault } = await adminCall<{ fault: Omit<FaultView, 'clone'> }>(clone, '/_asym/faults', body);
    return { ...fault, clone: id };
  } catch (error) {
    if (error instanceof AdminRefusal && error.reason.code === 'unknown_method') {
      throw new AsymError(
        'INVALID_ARGUMENT',
        `Clone ${id} has no ${error.reason.message.replace(/^unknown /, '')}`,
        {
          hint: `Name one of its API methods (\`asymmetric trace ${id}\` shows the names of calls made), or '*' for every one.`,
        },
      );
    }
    throw error;
  }
}

export async function listFaults(ctx: AppContext, id: string): Promise<FaultView[]> {
  const clone = requireClone(await ctx.store.read(), id);
  const { faults } = await adminCall<{ faults: Array<Omit<FaultView, 'clone'>> }>(
    clone,
    '/_asym/faults',
    undefined,
    30_000,
    'GET',
  );
  return faults.map((fault) => ({ ...fault, clone: id }));
}

export async function clearFaults(
  ctx: AppContext,
  id: string,
  faultId?: string,
): Promise<{ id: string; cleared: number }> {
  const clone = requireClone(await ctx.store.read(), id);
  const query = faultId ? `?id=${encodeURIComponent(faultId)}` : '';
  const { cleared } = await adminCall<{ cleared: number }>(
    clone,
    `/_asym/faults${query}`,
    undefined,
    30_000,
    'DELETE',
  );
  if (faultId && cleared === 0) {
    throw new AsymError('INVALID_ARGUMENT', `Clone ${id} has no fault "${faultId}".`, {
      hint: `List its faults with \`asymmetric fault ls ${id}\`.`,
    });
  }
  return { id, cleared };
}

/** One object an agent created, changed or deleted, in the vendor's terms (`diff --json`). */
export interface ChangeView {
  type: string;
  op: 'created' | 'updated' | 'deleted';
  id: string;
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
  fields?: string[];
}

export interface DiffResult {
  id: string;
  template: string;
  since: string;
  changes: ChangeView[];
}

/** `diff <id>`: what changed since the seeded state of this trial (or since a checkpoint). */
export async function diffClone(ctx: AppContext, id: string, since?: string): Promise<DiffResult> {
  const clone = requireClone(await ctx.store.read(), id);
  const query = since === undefined ? '' : `?since=${encodeURIComponent(since)}`;
  try {
    const result = await adminCall<{ since: string; changes: ChangeView[] }>(
      clone,
      `/_asym/diff${query}`,
      undefined,
      60_000,
      'GET',
    );
    return { id, template: clone.template, since: result.since, changes: result.changes };
  } catch (error) {
    if (error instanceof AdminRefusal && error.reason.code === 'unknown_checkpoint') {
      throw missingCheckpoint(id, since ?? '');
    }
    throw error;
  }
}

/** `env diff <name>`: every member's diff. */
export async function diffEnvironment(
  ctx: AppContext,
  name: string,
  since?: string,
): Promise<{ name: string; since: string; members: DiffResult[] }> {
  const members = await Promise.all(
    (await environmentMembers(ctx, name)).map((id) => diffClone(ctx, id, since)),
  );
  return { name, since: since ?? 'seed', members };
}

/** A clone id or an environment name: a checkpoint is of one clone, or of every member. */
async function checkpointTargets(
  ctx: AppContext,
  target: string,
): Promise<{ env: string | null; ids: string[] }> {
  return checkpointTargetsIn(await ctx.store.read(), target);
}

function checkpointTargetsIn(registry: Registry, target: string): { env: string | null; ids: string[] } {
  if (registry.clones[target]) return { env: null, ids: [target] };
  if (registry.environments[target]) return { env: target, ids: registry.environments[target].members };
  throw new AsymError('CLONE_NOT_FOUND', `There is no clone or environment named "${target}".`, {
    hint: 'See `asymmetric status` and `asymmetric env status`.',
  });
}

const missingCheckpoint = (id: string, name: string) =>
  new AsymError('CHECKPOINT_NOT_FOUND', `Clone ${id} has no checkpoint "${name}".`, {
    hint: `List its checkpoints with \`asymmetric snapshot ls ${id}\`.`,
  });

const checkpointRefusal = (id: string, name: string) => (error: unknown) => {
  if (error instanceof AdminRefusal && error.reason.code === 'unknown_checkpoint')
    throw missingCheckpoint(id, name);
  if (error instanceof AdminRefusal && error.reason.code === 'invalid_checkpoint_name') {
    throw new AsymError('INVALID_ARGUMENT', `${error.reason.message.replace(/^"/, 'The name "')}.`, {
      hint: 'For example `asymmetric snapshot save <id> before-refund`.',
    });
  }
  throw error;
};

export interface CheckpointResult {
  /** The clone id, or the environment name. */
  target: string;
  name: string;
  members: Array<{ id: string; ms: number }>;
  ms: number;
}

/** `snapshot save <clone|env> <name>`: every member under one name (one at a time, then together). */
export async function saveCheckpoint(
  ctx: AppContext,
  target: string,
  name: string,
): Promise<CheckpointResult> {
  const { ids } = await checkpointTargets(ctx, target);
  const registry = await ctx.store.read();
  const started = performance.now();
  ctx.reporter.step(`Saving checkpoint ${name} of ${target}`);
  const members = await Promise.all(
    ids.map(async (id) => {
      const { checkpoint } = await adminCall<{ checkpoint: { ms: number } }>(
        requireClone(registry, id),
        '/_asym/checkpoints',
        { name },
        120_000,
      ).catch(checkpointRefusal(id, name));
      return { id, ms: checkpoint.ms };
    }),
  );
  return { target, name, members, ms: Math.round(performance.now() - started) };
}

/** `snapshot restore <clone|env> <name>`: every member back to it, together. */
export async function restoreCheckpoint(
  ctx: AppContext,
  target: string,
  name: string,
): Promise<CheckpointResult> {
  const registry = await ctx.store.read();
  const { ids } = checkpointTargetsIn(registry, target);
  const clones = ids.map((id) => requireClone(registry, id));
  const started = performance.now();
  // Check every member holds it before touching any: a half-restored environment is no state
  // at all. The members are asked at once, from the one registry read.
  const held = await Promise.all(clones.map((clone) => checkpointsOf(clone)));
  held.forEach((list, i) => {
    if (!list.some((c) => c.name === name)) throw missingCheckpoint(clones[i]?.id ?? '', name);
  });
  ctx.reporter.step(`Restoring ${target} to checkpoint ${name}`);
  const members = await Promise.all(
    clones.map(async (clone) => {
      const { ms } = await adminCall<{ ms: number }>(
        clone,
        `/_asym/checkpoints/${encodeURIComponent(name)}/restore`,
      ).catch(checkpointRefusal(clone.id, name));
      return { id: clone.id, ms };
    }),
  );
  return { target, name, members, ms: Math.round(performance.now() - started) };
}

export interface CheckpointView {
  name: string;
  createdAt: string;
  /** The members that hold it (one for a clone). */
  members: string[];
}

async function listCheckpointsOf(
  ctx: AppContext,
  id: string,
): Promise<Array<{ name: string; createdAt: string }>> {
  return checkpointsOf(requireClone(await ctx.store.read(), id));
}

async function checkpointsOf(clone: CloneRecord): Promise<Array<{ name: string; createdAt: string }>> {
  const { checkpoints } = await adminCall<{ checkpoints: Array<{ name: string; createdAt: string }> }>(
    clone,
    '/_asym/checkpoints',
    undefined,
    30_000,
    'GET',
  );
  return checkpoints;
}

/** `snapshot ls <clone|env>`: an environment's checkpoints are the names every member holds. */
export async function listCheckpoints(ctx: AppContext, target: string): Promise<CheckpointView[]> {
  const { ids } = await checkpointTargets(ctx, target);
  const lists = await Promise.all(ids.map((id) => listCheckpointsOf(ctx, id)));
  const byName = new Map<string, CheckpointView>();
  lists.forEach((list, index) => {
    for (const checkpoint of list) {
      const view = byName.get(checkpoint.name) ?? {
        name: checkpoint.name,
        createdAt: checkpoint.createdAt,
        members: [],
      };
      view.members.push(ids[index]!);
      if (checkpoint.createdAt < view.createdAt) view.createdAt = checkpoint.createdAt;
      byName.set(checkpoint.name, view);
    }
  });
  return [...byName.values()]
    .filter((view) => view.members.length === ids.length)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** `snapshot rm <clone|env> <name>`. */
export async function removeCheckpoint(
  ctx: AppContext,
  target: string,
  name: string,
): Promise<{ target: string; name: string; removed: true }> {
  const { ids } = await checkpointTargets(ctx, target);
  const registry = await ctx.store.read();
  for (const id of ids) {
    await adminCall(
      requireClone(registry, id),
      `/_asym/checkpoints/${encodeURIComponent(name)}`,
      undefined,
      30_000,
      'DELETE',
    ).catch(checkpointRefusal(id, name));
  }
  return { target, name, removed: true };
}
