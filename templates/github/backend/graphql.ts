import { Hono } from 'hono';
import type { GithubDeps } from './deps.js';
import type { GithubEnv } from './route-env.js';

export function createGraphqlRoutes(_deps: GithubDeps): Hono<GithubEnv> {
  return new Hono<GithubEnv>();
}
