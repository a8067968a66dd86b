import type { Command } from 'commander';
import type { CommandKit } from '../kit.js';

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
      const ctx = await kit.context(Boolean(options.json));
      const clone = await startClone(ctx, id).finally(() => ctx.reporter.stop());
      kit.print(Boolean(options.json), clone, (c) => renderClones([c]));
    });

  program
    .command('stop')
    .description('stop a clone, keeping its data')
    .argument('<id>', 'a clone id')
    .option('--json', 'print the clone as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const { stopClone } = await import('../../services/clone-service.js');
      const { renderClones } = await import('../render.js');
      const ctx = await kit.context(Boolean(options.json));
      const clone = await stopClone(ctx, id).finally(() => ctx.reporter.stop());
      kit.print(Boolean(options.json), clone, (c) => renderClones([c]));
    });

  program
    .command('reset')
    .description('return a clone to exactly its seeded state (no restart)')
    .argument('<id>', 'a clone id')
    .option('--json', 'print { id, ms } as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const { resetClone } = await import('../../services/clone-reset.js');
      const ctx = await kit.context(Boolean(options.json));
      const result = await resetClone(ctx, id);
      kit.print(Boolean(options.json), result, (r) => `Reset ${r.id} in ${r.ms} ms\n`);
    });

  program
    .command('destroy')
    .description('remove a clone: containers, volume, record and environment membership')
    .argument('<id>', 'a clone id')
    .option('--json', 'print { id, destroyed } as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const { destroyClone } = await import('../../services/clone-service.js');
      const ctx = await kit.context(Boolean(options.json));
      await destroyClone(ctx, id).finally(() => ctx.reporter.stop());
      kit.print(Boolean(options.json), { id, destroyed: true }, () => `Destroyed ${id}\n`);
    });
}
