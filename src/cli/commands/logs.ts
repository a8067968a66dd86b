import { type Command, Option } from 'commander';
import type { CloneService } from '../../runtime/labels.js';
import type { CommandKit } from '../kit.js';
import { parsePositiveInt } from '../options.js';

export function registerLogs(program: Command, kit: CommandKit): void {
  program
    .command('logs')
    .description("print a clone's container logs")
    .argument('<id>', 'a clone id')
    .addOption(
      new Option('--service <service>', 'which container')
        .choices(['backend', 'postgres', 'frontend'])
        .default('backend'),
    )
    .option('-f, --follow', 'keep printing new lines')
    .option('--tail <n>', 'only the last n lines', parsePositiveInt('--tail'))
    .action(async (id: string, options: { service: CloneService; follow?: boolean; tail?: number }) => {
      const { cloneLogs } = await import('../../services/clone-service.js');
      const ctx = await kit.context(false);
      await cloneLogs(
        ctx,
        id,
        { service: options.service, follow: Boolean(options.follow), tail: options.tail },
        kit.io.stdout,
      );
    });
}
