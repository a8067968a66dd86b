import type { Command } from 'commander';
import type { CommandKit } from '../kit.js';

export function registerSeed(program: Command, kit: CommandKit): void {
  program
    .command('seed')
    .description("replace a clone's data with a fixture; resets return to it from then on")
    .argument('<id>', 'a clone id')
    .requiredOption('--fixture <name>', 'fixture to load (see `asymmetric templates`)')
    .option('--json', 'print the clone as JSON')
    .action(async (id: string, options: { fixture: string; json?: boolean }) => {
      const { seedClone } = await import('../../services/clone-service.js');
      const { renderClones } = await import('../render.js');
      await kit.run(
        options.json,
        (ctx) => seedClone(ctx, id, options.fixture),
        (c) => renderClones([c]),
      );
    });
}
