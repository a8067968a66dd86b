import type { Command } from 'commander';
import type { CommandKit } from '../kit.js';

export function registerStatus(program: Command, kit: CommandKit): void {
  program
    .command('status')
    .alias('ls')
    .description('list clones with their live state (or one clone)')
    .argument('[id]', 'a clone id')
    .option('--json', 'print JSON (an array of clones)')
    .action(async (id: string | undefined, options: { json?: boolean }) => {
      const { getClone, listClones } = await import('../../services/clone-service.js');
      const { renderClones } = await import('../render.js');
      await kit.run(
        options.json,
        async (ctx) => (id ? [await getClone(ctx, id)] : listClones(ctx)),
        renderClones,
      );
    });
}
