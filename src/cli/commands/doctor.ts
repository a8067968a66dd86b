import type { Command } from 'commander';
import { FailedAfterOutput } from '../io.js';
import type { CommandKit } from '../kit.js';

export function registerDoctor(program: Command, kit: CommandKit): void {
  program
    .command('doctor')
    .description('check Docker and reconcile the registry with the live containers')
    .option('--fix', 'repair what is found (adopting clones the registry lost, with their data)')
    .option('--prune', 'with --fix: also remove containers and volumes that cannot be adopted')
    .option('--json', 'print the report as JSON')
    .action(async (options: { fix?: boolean; prune?: boolean; json?: boolean }) => {
      const { runDoctor } = await import('../../services/doctor.js');
      const { renderDoctor } = await import('../render.js');
      const json = Boolean(options.json);
      const ctx = await kit.context(json);
      const report = await runDoctor(ctx, {
        fix: Boolean(options.fix),
        prune: Boolean(options.prune),
      }).finally(() => ctx.reporter.stop());
      kit.print(json, report, renderDoctor);
      if (!report.ok) {
        const open = report.problems.filter((p) => !p.fixed).length;
        throw new FailedAfterOutput(
          'DRIFT_DETECTED',
          `doctor found ${open} problem${open === 1 ? '' : 's'}.`,
          {
            hint: report.docker.reachable
              ? 'Run `asymmetric doctor --fix` to repair them.'
              : 'Start Docker and run doctor again.',
          },
        );
      }
    });
}
