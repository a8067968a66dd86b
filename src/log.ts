/**
 * Debug logging for adapters (Docker calls and the like), on stderr only when
 * ASYM_DEBUG is set. Services report progress through `Reporter` instead; the CLI
 * decides how to show it.
 */
const enabled = Boolean(process.env.ASYM_DEBUG);

export function debug(message: string): void {
  if (enabled) process.stderr.write(`[debug ${new Date().toISOString()}] ${message}\n`);
}

/** How services tell the CLI what they are doing. */
export interface Reporter {
  step(message: string): void;
  detail(message: string): void;
}

export const silentReporter: Reporter = { step: () => {}, detail: () => {} };
