import { EXIT_OK } from '../errors.js';
import { envResetAction, resetAction, snapshotRestoreAction } from './commands/reset-actions.js';
import type { CliIO } from './io.js';
import { createKit } from './kit.js';
import { failureExitCode } from './outcome.js';

/**
 * The commands an evaluation runs between every trial, run without commander: `reset <id>`,
 * `env reset <name>` and `snapshot restore <target> <name>`, each with or without `--json`.
 * Loading and building the whole command tree cost about a third of `reset`'s process time;
 * these forms are recognised exactly (the positionals, in order, and at most one `--json`
 * anywhere after the command) and anything else (help, another option, a missing or extra
 * argument) goes to commander, which owns every usage message. Both paths run the same
 * actions (commands/reset-actions.ts) and the same failure handling (outcome.ts).
 */
export function runQuick(argv: readonly string[], io: CliIO): Promise<number> | null {
  const match = (command: readonly string[], positionals: number): string[] | null => {
    if (!command.every((word, i) => argv[i] === word)) return null;
    const rest = argv.slice(command.length);
    const json = rest.filter((word) => word === '--json').length;
    const args = rest.filter((word) => word !== '--json');
    if (json > 1 || args.length !== positionals) return null;
    // Anything that looks like an option (`-h`, `--`, a typo) is commander's to explain.
    if (args.some((word) => word.startsWith('-') || word === '')) return null;
    return args;
  };
  const json = argv.includes('--json');
  const reset = match(['reset'], 1);
  const envReset = match(['env', 'reset'], 1);
  const restore = match(['snapshot', 'restore'], 2);
  const kit = createKit(io);
  let work: (() => Promise<void>) | null = null;
  if (reset) work = () => resetAction(kit, reset[0] ?? '', json);
  else if (envReset) work = () => envResetAction(kit, envReset[0] ?? '', json);
  else if (restore) work = () => snapshotRestoreAction(kit, restore[0] ?? '', restore[1] ?? '', json);
  if (!work) return null;
  return work().then(
    () => EXIT_OK,
    (error: unknown) => failureExitCode(error, io, json),
  );
}
