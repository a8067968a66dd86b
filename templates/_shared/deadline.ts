/**
 * `work`, or a rejection once `ms` have passed without it settling. For checks that must
 * answer in bounded time whatever a client library does (health, rate limits); `work`
 * itself is not cancelled, and its late failure is ignored.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  work.catch(() => undefined);
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
