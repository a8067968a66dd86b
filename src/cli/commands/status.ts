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
      const json = Boolean(options.json);
      const ctx = await kit.context(json);
      const clones = id ? [await getClone(ctx, id)] : await listClones(ctx);
      kit.print(json, clones, renderClones);
    });
}
