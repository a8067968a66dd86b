import { AsymError, EXIT_BUG, EXIT_USER_ERROR, isAsymError } from '../errors.js';
import { type CliIO, ExitWith, FailedAfterOutput, writeJson } from './io.js';

/**
 * What a failed command exits with, and what it prints: 1 for a named error (one sentence
 * and a hint on stderr; with --json also `{ error }` on stdout), a program's own code for
 * `run`, 2 for anything unexpected (a bug). Commander's usage errors are handled before
 * this, in program.ts; this part loads no parser (src/cli/quick.ts uses it too).
 */
export function failureExitCode(error: unknown, io: CliIO, json: boolean): number {
  if (error instanceof ExitWith) return error.code;
  if (isAsymError(error)) {
    io.stderr.write(`error: ${error.message}\n`);
    if (error.hint) io.stderr.write(`hint: ${error.hint}\n`);
    if (json && !(error instanceof FailedAfterOutput)) writeJson(io, { error: error.toJSON() });
    return EXIT_USER_ERROR;
  }
  // An option parser (e.g. --tail) throws a plain Error for a bad value: the user's mistake.
  if (error instanceof Error && (error as { code?: string }).code === 'commander.invalidArgument') {
    return EXIT_USER_ERROR;
  }
  const bug = error instanceof Error ? error : new AsymError('DOCKER_ERROR', String(error));
  io.stderr.write(`asymmetric hit an unexpected error (a bug): ${bug.message}\n${bug.stack ?? ''}\n`);
  if (json) writeJson(io, { error: { code: 'UNEXPECTED', message: bug.message } });
  return EXIT_BUG;
}
