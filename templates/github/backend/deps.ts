import type pg from 'pg';
import type { Logger } from '../../_shared/log.js';
import type { GitStore } from './git/store.js';
import type { HookDispatcher } from './webhooks.js';

/** What every route family gets. */
export interface GithubDeps {
  pool: pg.Pool;
  git: GitStore;
  /** Milliseconds since the epoch (the clone's clock). */
  now: () => number;
  hooks: HookDispatcher;
  log: Logger;
}
