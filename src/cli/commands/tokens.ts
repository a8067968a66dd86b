import type { Command } from 'commander';
import type { CommandKit } from '../kit.js';

export function registerTokens(program: Command, kit: CommandKit): void {
  program
    .command('tokens')
    .description("print a clone's API tokens")
    .argument('<id>', 'a clone id')
    .option('--reprovision', 'mint new tokens and revoke the old ones')
    .option('--json', 'print the tokens as JSON')
    .action(async (id: string, options: { reprovision?: boolean; json?: boolean }) => {
      const { cloneTokens } = await import('../../services/clone-service.js');
      const { renderTokens } = await import('../render.js');
      await kit.run(options.json, (ctx) => cloneTokens(ctx, id, Boolean(options.reprovision)), renderTokens);
    });
}
