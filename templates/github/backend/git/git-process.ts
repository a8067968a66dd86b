import { spawn } from 'node:child_process';

export class GitCommandError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly code: number | null,
    readonly stderr: string,
    readonly stdout: Buffer,
  ) {
    super(`git ${args.join(' ')} exited ${code}: ${stderr.trim()}`);
    this.name = 'GitCommandError';
  }
}

export interface GitRun {
  input?: Buffer | string;
  env?: NodeJS.ProcessEnv;
  /** Exit codes that are answers rather than failures (merge-tree's 1: conflicts). */
  okCodes?: readonly number[];
}

// Git must not read the machine's or the user's config, nor ask for anything.
const BASE_ENV = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  LC_ALL: 'C',
};

/** Runs the real git binary; resolves with stdout (and the exit code). */
export function runGit(
  args: readonly string[],
  options: GitRun = {},
): Promise<{ stdout: Buffer; code: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/tmp',
        ...BASE_ENV,
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const stdout = Buffer.concat(out);
      if (code === 0 || (code !== null && options.okCodes?.includes(code))) resolve({ stdout, code });
      else reject(new GitCommandError(args, code, Buffer.concat(err).toString('utf8'), stdout));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}
