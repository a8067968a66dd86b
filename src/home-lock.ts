import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { AsymError, homeAccessError } from './errors.js';
import type { Home } from './home.js';

/**
 * Runs `work` while holding a named lock of the home, so two CLIs of one home never make
 * the same shared object twice (Docker does not refuse a second network of the same name
 * when both are created at once; containers then fail with "network is ambiguous").
 */
export async function withHomeLock<T>(home: Home, name: string, work: () => Promise<T>): Promise<T> {
  const path = join(home.dir, `${name}.lock-target`);
  try {
    await writeFile(path, '', { flag: 'a' });
  } catch (error) {
    throw homeAccessError(error, path, 'write') ?? error;
  }
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(path, {
      stale: 30_000,
      retries: { retries: 300, minTimeout: 20, maxTimeout: 200, factor: 1.3 },
    });
  } catch (error) {
    const denied = homeAccessError(error, `${path}.lock`, 'write');
    if (denied) throw denied;
    throw new AsymError(
      'REGISTRY_LOCKED',
      `Another asymmetric process holds the ${name} lock of ${home.dir}.`,
      {
        hint: 'Wait for it to finish; if none is running, the lock frees itself after 30 seconds.',
        cause: error,
      },
    );
  }
  try {
    return await work();
  } finally {
    await release().catch(() => {});
  }
}
