import type { AccountRow } from './store.js';

/** What middleware puts on every GitHub request. */
export interface GithubEnv {
  Variables: {
    requestId: string;
    /** The API root clients used: the origin, or the origin plus `/api/v3`. */
    api: string;
    /** The origin (html_url, clone_url). */
    web: string;
    /** The authenticated account; every API route past auth has one. */
    viewer: AccountRow;
    body: Record<string, unknown>;
    /** The GitHub resource a body describes, for `errors[].resource`. */
    resource: string;
  };
}
