import type pg from 'pg';
import type { KeyedRequest } from './idempotency.js';
import type { StripeIds } from './ids.js';
import type { Params } from './request-params.js';
import type { WebhookDispatcher } from './webhooks.js';

/** Per-request values the app's middleware sets for the resource routes. */
export interface StripeEnv {
  Variables: {
    requestId: string;
    params: Params;
    /** Set by the idempotency middleware for a keyed POST: its key, claimed or deferred. */
    idempotency?: KeyedRequest;
    /**
     * The answer a keyed write stored in its own statement (`writeWithEvent`); the
     * middleware then has nothing left to store.
     */
    answered?: string;
  };
}

/** What resource routes need from the app. */
export interface ResourceDeps {
  pool: pg.Pool;
  /** Milliseconds since the epoch. */
  now: () => number;
  ids: StripeIds;
  webhooks: WebhookDispatcher;
  /** Where the clone is reached from outside (links it hands out); '' when unknown. */
  publicUrl: string;
}
