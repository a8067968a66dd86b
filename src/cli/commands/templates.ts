import type { Command } from 'commander';
import type { CommandKit } from '../kit.js';

export function registerTemplates(program: Command, kit: CommandKit): void {
  program
    .command('templates')
    .description('list the templates, their modes (first is the default) and fixtures')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const { loadTemplates } = await import('../../templates/catalog.js');
      const templates = loadTemplates().map((t) => ({
        name: t.name,
        description: t.description,
        modes: Object.keys(t.modes),
        fixtures: Object.keys(t.fixtures),
      }));
      kit.print(Boolean(options.json), templates, (list) =>
        list
          .map(
            (t) =>
              `${t.name}  ${t.description}\n  modes: ${t.modes.join(', ')}\n  fixtures: ${t.fixtures.join(', ')}\n`,
          )
          .join(''),
      );
    });
}
