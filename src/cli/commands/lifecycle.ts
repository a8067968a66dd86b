import type { Command } from 'commander';
import type { CommandKit } from '../kit.js';
import { resetAction } from './reset-actions.js';

// Services are imported inside each action: a command loads only what it runs, which
// keeps `reset` (run between every trial) free of the Docker and image-building code.

/** start, stop, reset and destroy: one clone id each, the same shape of command. */
export function registerLifecycle(program: Command, kit: CommandKit): void {
  program
    .command('start')
    .description('start a stopped clone (its data is kept)')
    .argument('<id>', 'a clone id')
    .option('--json', 'print the clone as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const { startClone } = await import('../../services/clone-service.js');
      const { renderClones } = await import('../render.js');
      await kit.run(
        options.json,
        (ctx) => startClone(ctx, id),
        (c) => renderClones([c]),
      );
    });

  program
    .command('stop')
    .description('stop a clone, keeping its data')
    .argument('<id>', 'a clone id')
    .option('--json', 'print the clone as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const { stopClone } = await import('../../services/clone-service.js');
      const { renderClones } = await import('../render.js');
      await kit.run(
        options.json,
        (ctx) => stopClone(ctx, id),
        (c) => renderClones([c]),
      );
    });

  program
    .command('reset')
    .description('return a clone to exactly its seeded state (no restart)')
    .argument('<id>', 'a clone id')
    .option('--json', 'print { id, ms } as JSON')
    .action((id: string, options: { json?: boolean }) => resetAction(kit, id, options.json));

  program
    .command('destroy')
    .description('remove a clone: containers, volume, record and environment membership')
    .argument('<id>', 'a clone id')
    .option('--json', 'print { id, destroyed } as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const { destroyClone } = await import('../../services/clone-service.js');
      await kit.run(
        options.json,
        async (ctx) => {
          await destroyClone(ctx, id);
          return { id, destroyed: true };
        },
        () => `Destroyed ${id}\n`,
      );
    });
}
