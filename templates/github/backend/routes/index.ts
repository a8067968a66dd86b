import { Hono } from 'hono';
import type { GithubDeps } from '../deps.js';
import type { GithubEnv } from '../route-env.js';
import { commitRoutes } from './commits.js';
import { contentRoutes } from './contents.js';
import { extraRoutes } from './extras.js';
import { gitDataRoutes } from './gitdata.js';
import { issueRoutes } from './issues.js';
import { pullRoutes } from './pulls.js';
import { repoRoutes } from './repos.js';
import { searchRoutes } from './search.js';
import { userRoutes } from './users.js';

/** GitHub's REST API, routes grouped by family. */
export function createRestRoutes(deps: GithubDeps): Hono<GithubEnv> {
  const app = new Hono<GithubEnv>();
  for (const family of [
    userRoutes,
    repoRoutes,
    contentRoutes,
    gitDataRoutes,
    commitRoutes,
    issueRoutes,
    pullRoutes,
    extraRoutes,
    searchRoutes,
  ])
    app.route('/', family(deps));
  return app;
}
