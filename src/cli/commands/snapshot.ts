import type { Command } from 'commander';
import type { CommandKit } from '../kit.js';
import { checkpointDone, snapshotRestoreAction } from './reset-actions.js';

const done = checkpointDone;

/** Checkpoints: named states of a clone or of a whole environment, to return to. */
export function registerSnapshot(program: Command, kit: CommandKit): void {
  const snapshot = program
    .command('snapshot')
    .description('named checkpoints of a clone or an environment (everything a reset restores)');

  snapshot
    .command('save')
    .description('save the current state under a name (replacing a checkpoint of that name)')
    .argument('<target>', 'a clone id or an environment name')
    .argument('<name>', 'the checkpoint name (letters, digits, . _ -)')
    .option('--json', 'print { target, name, members, ms } as JSON')
    .action(async (target: string, name: string, options: { json?: boolean }) => {
      const { saveCheckpoint } = await import('../../services/clone-evaluation.js');
      await kit.run(options.json, (ctx) => saveCheckpoint(ctx, target, name), done('Saved'));
    });

  snapshot
    .command('restore')
    .description('return to a checkpoint (no restart; the journal starts afresh)')
    .argument('<target>', 'a clone id or an environment name')
    .argument('<name>', 'the checkpoint name')
    .option('--json', 'print { target, name, members, ms } as JSON')
    .action((target: string, name: string, options: { json?: boolean }) =>
      snapshotRestoreAction(kit, target, name, options.json),
    );

  snapshot
    .command('ls')
    .description('the checkpoints of a clone (or those every member of an environment holds)')
    .argument('<target>', 'a clone id or an environment name')
    .option('--json', 'print JSON (an array)')
    .action(async (target: string, options: { json?: boolean }) => {
      const { listCheckpoints } = await import('../../services/clone-evaluation.js');
      await kit.run(
        options.json,
        (ctx) => listCheckpoints(ctx, target),
        (list) =>
          list.length === 0
            ? `No checkpoints of ${target}.\n`
            : list.map((c) => `${c.name}  ${c.createdAt}  ${c.members.join(', ')}\n`).join(''),
      );
    });

  snapshot
    .command('rm')
    .description('remove a checkpoint')
    .argument('<target>', 'a clone id or an environment name')
    .argument('<name>', 'the checkpoint name')
    .option('--json', 'print { target, name, removed } as JSON')
    .action(async (target: string, name: string, options: { json?: boolean }) => {
      const { removeCheckpoint } = await import('../../services/clone-evaluation.js');
      await kit.run(
        options.json,
        (ctx) => removeCheckpoint(ctx, target, name),
        (r) => `Removed ${r.name} of ${r.target}\n`,
      );
    });
}
