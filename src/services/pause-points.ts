/**
 * A test hook to interrupt a command at a named point, deterministically: with
 * `ASYM_PAUSE_AT=<point>` (or `<point>#<n>` for its n-th passage) the CLI announces
 * `asymmetric: paused at <point>` on stderr and waits there for ever, so a test can SIGKILL
 * it exactly between two steps. Unset (always, outside tests), it does nothing.
 */
export type PausePoint = (name: string) => Promise<void>;

export function pausePoints(env: NodeJS.ProcessEnv, stderr: NodeJS.WritableStream): PausePoint {
  const wanted = env.ASYM_PAUSE_AT;
  if (!wanted) return async () => {};
  const [point, nth] = wanted.split('#');
  const target = Number(nth ?? 1);
  let seen = 0;
  return async (name) => {
    if (name !== point || ++seen !== target) return;
    stderr.write(`asymmetric: paused at ${wanted}\n`);
    await new Promise<never>(() => {
      setInterval(() => {}, 60_000);
    });
  };
}
