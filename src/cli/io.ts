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
  if (!io.stderr.isTTY) {
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
  return {
    step(message) {
      spinner?.succeed();
      spinner = ora({ text: message, stream: io.stderr }).start();
    },
    detail(message) {
      // Build output is long; the spinner shows its latest line under the step.
      if (spinner) spinner.suffixText = `\n  ${message.slice(0, 100)}`;
    },
    stop() {
      if (spinner) {
        spinner.suffixText = '';
        spinner.succeed();
      }
      spinner = undefined;
    },
  };
}

/** A result that was printed, but means the command failed (exit 1): `env spin` left partial. */
export class FailedAfterOutput extends AsymError {
  readonly outputWritten = true;
}

export function writeJson(io: CliIO, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
