import { readFileSync } from 'node:fs';
import { AsymError, homeAccessError } from '../errors.js';
import { emptyRegistry, parseRegistry, REGISTRY_CORRUPT_HINT, type Registry } from './schema.js';

// The lock and the atomic writer (with graceful-fs and signal-exit behind them) are loaded
// on the first change: commands that only read the registry, `reset` first, start without them.
const lockfile = () => import('proper-lockfile').then((m) => m.default);
const writeFileAtomic = () => import('write-file-atomic').then((m) => m.default);

/**
 * The registry file: read freely, changed only under an exclusive lock, written
 * atomically (temp file + rename) with mode 0600. Several CLIs at once each get the lock
 * in turn, re-read, apply their change and write, so no update is lost.
 */
export class RegistryStore {
  constructor(readonly path: string) {}

  async read(): Promise<Registry> {
    let text: string;
    try {
      // Synchronous on purpose: a few kilobytes, and node:fs/promises (with readline behind
      // it) is a module `reset` would load for this one read.
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyRegistry();
      throw homeAccessError(error, this.path, 'read') ?? error;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new AsymError('REGISTRY_CORRUPT', `${this.path} is not valid JSON.`, {
        hint: REGISTRY_CORRUPT_HINT,
      });
    }
    return parseRegistry(raw, this.path);
  }

  /** Applies `change` to the current registry under the lock and saves the result. */
  async update<T>(change: (registry: Registry) => T | Promise<T>): Promise<T> {
    const release = await this.lock();
    try {
      const registry = await this.read();
      const result = await change(registry);
      await this.write(registry);
      return result;
    } finally {
      await release().catch(() => {});
    }
  }

  async write(registry: Registry): Promise<void> {
    try {
      await (await writeFileAtomic())(this.path, `${JSON.stringify(registry, null, 2)}\n`, {
        mode: 0o600,
        fsync: true,
      });
    } catch (error) {
      throw homeAccessError(error, this.path, 'write') ?? error;
    }
  }

  private async lock(): Promise<() => Promise<void>> {
    try {
      return await (await lockfile()).lock(this.path, {
        // The registry may not exist yet; lock its path, not its real path.
        realpath: false,
        // A CLI killed while holding the lock leaves it behind; it is stale after 10 s.
        stale: 10_000,
        retries: { retries: 200, minTimeout: 10, maxTimeout: 100, factor: 1.3 },
      });
    } catch (error) {
      const denied = homeAccessError(error, `${this.path}.lock`, 'write');
      if (denied) throw denied;
      throw new AsymError('REGISTRY_LOCKED', `Another asymmetric process holds ${this.path}.lock.`, {
        hint: 'Wait for it to finish; if none is running, the lock frees itself after 10 seconds.',
        cause: error,
      });
    }
  }
}
