/**
 * The error taxonomy. Every failure a user can act on is an `AsymError` with a stable
 * code and one actionable sentence; the CLI entry point maps it to exit code 1. Anything
 * else that escapes is a bug and exits 2.
 */
export type ErrorCode =
  | 'DOCKER_UNAVAILABLE'
  | 'DOCKER_ERROR'
  | 'IMAGE_BUILD_FAILED'
  | 'SEED_IMAGE_FAILED'
  | 'BASE_IMAGE_UNAVAILABLE'
  | 'SPEC_INVALID'
  | 'SPEC_NOT_FOUND'
  | 'TEMPLATE_NOT_FOUND'
  | 'TEMPLATE_INVALID'
  | 'CHECKPOINT_NOT_FOUND'
  | 'MODE_NOT_SUPPORTED'
  | 'FIXTURE_NOT_FOUND'
  | 'CLONE_NOT_FOUND'
  | 'CLONE_NOT_RUNNING'
  | 'CLONE_UNHEALTHY'
  | 'ENVIRONMENT_EXISTS'
  | 'ENVIRONMENT_NOT_FOUND'
  | 'ENVIRONMENT_PARTIAL'
  | 'SPIN_PARTIAL'
  | 'INVALID_ARGUMENT'
  | 'PORTS_EXHAUSTED'
  | 'REGISTRY_CORRUPT'
  | 'REGISTRY_LOCKED'
  | 'HOME_NOT_WRITABLE'
  | 'CONFIG_INVALID'
  | 'TIMEOUT'
  | 'DRIFT_DETECTED'
  | 'MCP_NOT_SERVED'
  | 'COMMAND_NOT_FOUND'
  | 'ACTION_NOT_FOUND'
  | 'ACTION_REFUSED'
  | 'ACTION_NOT_ACKNOWLEDGED';

export class AsymError extends Error {
  readonly code: ErrorCode;
  /** What the user can do about it, when the message alone does not say. */
  readonly hint: string | undefined;
  /** Extra structured detail for `--json` consumers (for example every spec issue). */
  readonly details: unknown;

  constructor(
    code: ErrorCode,
    message: string,
    options: { hint?: string; details?: unknown; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AsymError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }

  toJSON(): { code: ErrorCode; message: string; hint?: string; details?: unknown } {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

export const isAsymError = (error: unknown): error is AsymError => error instanceof AsymError;

const NOT_WRITABLE = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT']);

/**
 * A file system refusal on the home (permissions, read-only mount, full disk) as the named
 * error it is, or null when `error` is something else.
 */
export function homeAccessError(error: unknown, path: string, action: 'write' | 'read'): AsymError | null {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (!code || !NOT_WRITABLE.has(code)) return null;
  return new AsymError('HOME_NOT_WRITABLE', `Cannot ${action} ${path} (${code}).`, {
    hint:
      code === 'ENOSPC' || code === 'EDQUOT'
        ? 'Free some disk space and run the command again; nothing was changed.'
        : 'Make the asymmetric home (ASYM_HOME, default ~/.asymmetric) writable by you, or point ASYM_HOME at a folder that is; nothing was changed.',
    cause: error,
  });
}

/** Exit codes of the CLI: the contract in the README. */
export const EXIT_OK = 0;
export const EXIT_USER_ERROR = 1;
export const EXIT_BUG = 2;
