import type { Command } from 'commander';
import { ExitWith } from '../io.js';
import type { CommandKit } from '../kit.js';

export function registerRun(program: Command, kit: CommandKit): void {
  program
    .command('run')
    .description(
      'run a command with an environment (or one clone) in reach: its variables set, and its vendor hosts answered by the clones',
    )
    .argument('<target>', 'an environment name or a clone id')
    .argument('[command...]', 'the command and its arguments, after --')
    .option('--offline', 'refuse every host no clone answers, instead of passing it through')
    .usage('<env-name|clone-id> [--offline] -- <command...>')
    .action(async (target: string, command: string[], options: { offline?: boolean }) => {
      const { resolveRunTarget, runWithEnvironment } = await import('../../services/run-command.js');
      const ctx = await kit.context(false);
      const io = kit.io;
      const resolved = await resolveRunTarget(ctx, target).finally(() => ctx.reporter.stop());
      const code = await runWithEnvironment(
        ctx,
        {
          env: io.env,
          stdout: io.stdout,
          stderr: io.stderr,
          inherit: io.stdout === process.stdout && io.stderr === process.stderr,
        },
        resolved,
        command,
        {
          offline: Boolean(options.offline),
          // Forwarded, so a command that handles SIGTERM (or Ctrl-C sent to `asym` alone) shuts down its own way.
          onChild(child) {
            const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
            const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map(
              (signal) => [signal, forward(signal)] as const,
            );
            for (const [signal, handler] of handlers) process.on(signal, handler);
            return () => {
              for (const [signal, handler] of handlers) process.off(signal, handler);
            };
          },
        },
      );
      throw new ExitWith(code);
    });
}
