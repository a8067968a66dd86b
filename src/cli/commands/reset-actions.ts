import type { CheckpointResult } from '../../services/clone-evaluation.js';
import type { CommandKit } from '../kit.js';

/**
 * The commands an evaluation runs between trials: `reset <id>`, `env reset <name>` and
 * `snapshot restore <target> <name>`. Their actions live here, apart from commander, so the
 * entry point can run them without loading the parser (src/cli/quick.ts); the registered
 * commands call the same functions.
 */
export async function resetAction(kit: CommandKit, id: string, json: boolean | undefined): Promise<void> {
  const { resetClone } = await import('../../services/clone-reset.js');
  await kit.run(
    json,
    (ctx) => resetClone(ctx, id),
    (r) => `Reset ${r.id} in ${r.ms} ms\n`,
  );
}

export async function envResetAction(
  kit: CommandKit,
  name: string,
  json: boolean | undefined,
): Promise<void> {
  const { resetEnvironment } = await import('../../services/clone-reset.js');
  await kit.run(
    json,
    (ctx) => resetEnvironment(ctx, name),
    (r) => `Reset ${r.name} (${r.members.length} clones) in ${r.ms} ms\n`,
  );
}

export const checkpointDone = (verb: string) => (r: CheckpointResult) =>
  `${verb} ${r.target} (${r.name}) in ${r.ms} ms (${r.members.map((m) => `${m.id} ${m.ms} ms`).join(', ')})\n`;

export async function snapshotRestoreAction(
  kit: CommandKit,
  target: string,
  name: string,
  json: boolean | undefined,
): Promise<void> {
  const { restoreCheckpoint } = await import('../../services/clone-evaluation.js');
  await kit.run(json, (ctx) => restoreCheckpoint(ctx, target, name), checkpointDone('Restored'));
}
