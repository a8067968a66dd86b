/**
 * One line per event on stdout (stderr for failures), prefixed with the clone id, so
 * `asymmetric logs` reads as a plain timeline. No levels beyond that: a clone's log is
 * short and every line is meant to be read.
 */
export interface Logger {
  info(message: string): void;
  error(message: string, error?: unknown): void;
}

export function createLogger(cloneId: string, now: () => Date = () => new Date()): Logger {
  const line = (message: string) => `${now().toISOString()} [${cloneId}] ${message}`;
  return {
    info: (message) => process.stdout.write(`${line(message)}\n`),
    error: (message, error) => {
      const detail =
        error instanceof Error ? ` ${error.stack ?? error.message}` : error ? ` ${String(error)}` : '';
      process.stderr.write(`${line(message)}${detail}\n`);
    },
  };
}

/** For tests: keeps the lines instead of printing them. */
export function createMemoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (message) => lines.push(message),
    error: (message, error) =>
      lines.push(`${message} ${error instanceof Error ? error.message : String(error ?? '')}`),
  };
}
