import { Command, CommanderError } from 'commander';
import { EXIT_OK, EXIT_USER_ERROR } from '../errors.js';
import { registerAct } from './commands/act.js';
import { registerDiff } from './commands/diff.js';
import { registerDoctor } from './commands/doctor.js';
import { registerEnv } from './commands/env.js';
import { registerEvents } from './commands/events.js';
import { registerFault } from './commands/fault.js';
import { registerLifecycle } from './commands/lifecycle.js';
import { registerListen } from './commands/listen.js';
import { registerLogs } from './commands/logs.js';
import { registerMcp } from './commands/mcp.js';
import { registerRun } from './commands/run.js';
import { registerSeed } from './commands/seed.js';
import { registerSnapshot } from './commands/snapshot.js';
import { registerSpin } from './commands/spin.js';
import { registerStatus } from './commands/status.js';
import { registerTemplates } from './commands/templates.js';
import { registerTokens } from './commands/tokens.js';
import { registerTrace } from './commands/trace.js';
import { type CliIO, writeJson } from './io.js';
import { createKit } from './kit.js';
import { failureExitCode } from './outcome.js';
import { runQuick } from './quick.js';

export const VERSION = '0.1.0';

/** The program with every command registered; nothing here touches process state. */
export function createProgram(io: CliIO): Command {
  const program = new Command('asymmetric')
    .description('Isolated, seeded clones of SaaS apps as Docker containers, grouped into environments.')
    .version(VERSION)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  const kit = createKit(io);
  for (const register of [
    registerSpin,
    registerStatus,
    registerLifecycle,
    registerLogs,
    registerSeed,
    registerTokens,
    registerEvents,
    registerListen,
    registerTemplates,
    registerDoctor,
    registerEnv,
    registerTrace,
    registerDiff,
    registerSnapshot,
    registerFault,
    registerMcp,
    registerRun,
    registerAct,
  ]) {
    register(program, kit);
  }
  // Subcommands inherit the overrides, so usage errors come back here as exceptions.
  for (const command of program.commands) command.exitOverride();
  return program;
}

/**
 * Runs one CLI invocation and returns its exit code: the single place where failures
 * become exit codes. 0 success; 1 a named error (one sentence and a hint on stderr; with
 * --json also `{ error }` on stdout); 2 anything unexpected (a bug).
 */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const quick = runQuick(argv, io);
  if (quick) return quick;
  const json = argv.includes('--json');
  try {
    await createProgram(io).parseAsync(argv, { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT_OK;
      if (error.code === 'commander.help' || error.code === 'commander.executeSubCommandAsync')
        return EXIT_OK;
      // Commander already printed "error: ..." for usage mistakes.
      if (json)
        writeJson(io, {
          error: { code: 'INVALID_ARGUMENT', message: error.message.replace(/^error: /, '') },
        });
      return EXIT_USER_ERROR;
    }
    return failureExitCode(error, io, json);
  }
}
