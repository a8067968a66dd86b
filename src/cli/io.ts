import type { Ora } from 'ora';
import { AsymError } from '../errors.js';
import type { Reporter } from '../log.js';
import type { ContainerRuntime } from '../runtime/types.js';
import type { ImageProvider } from '../services/context.js';

/** Where the CLI writes, and what it runs against: injected so tests drive it in-process. */
export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** A runtime to use instead of the real Docker engine (tests). */
  runtime?: ContainerRuntime;
  /** Images that already exist, instead of building them (tests). */
  images?: ImageProvider;
  now?: () => Date;
  /** Ends a command that runs until interrupted (`listen`); the process's ^C otherwise. */
  interrupt?: AbortSignal;
}

export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/**
 * Progress for people, on stderr: a spinner on a terminal, plain step lines otherwise
 * (CI logs), nothing at all with --json (stdout is the result, and stderr stays quiet so
 * scripts that merge the two still parse).
 */
export async function createReporter(io: CliIO, json: boolean): Promise<Reporter & { stop(): void }> {
  if (json) return { step: () => {}, detail: () => {}, stop: () => {} };
  const verbose = Boolean(io.env.ASYM_DEBUG);
  // A spinner needs a terminal with a width: ora divides by it, and a zero-width pseudo
  // terminal (`script`, `docker run -t` before a resize) sends it into an endless redraw.
  const columns = (io.stderr as { columns?: number }).columns ?? 0;
  if (!io.stderr.isTTY || columns <= 0) {
    return {
      step: (message) => io.stderr.write(`- ${message}\n`),
      detail: (message) => {
        if (verbose) io.stderr.write(`    ${message}\n`);
      },
      stop: () => {},
    };
  }
  // Loaded only for a terminal: scripts and --json never pay for it.
  const { default: ora } = await import('ora');
  let spinner: Ora | undefined;
  let step = '';
  return {
    step(message) {
      spinner?.succeed(step);
      step = message;
      spinner = ora({ text: message, stream: io.stderr, discardStdin: false }).start();
    },
    detail(message) {
      // Build output is long: the spinner shows its latest line after the step, on one line.
      if (spinner) spinner.text = `${step}: ${message}`.slice(0, Math.max(20, columns - 4));
    },
    stop() {
      spinner?.succeed(step);
      spinner = undefined;
    },
  };
}

/** A result that was printed, but means the command failed (exit 1): `env spin` left partial. */
export class FailedAfterOutput extends AsymError {
  readonly outputWritten = true;
}

/** A command that ran a program ends with its exit code (`run`): not a failure of the CLI. */
export class ExitWith {
  constructor(readonly code: number) {}
}

export function writeJson(io: CliIO, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
