import type { Hono } from 'hono';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { customerRoutes } from './customers.js';

/** The route table under /v1: one entry per resource; a new resource adds a line. */
export const RESOURCES: ReadonlyArray<
  readonly [path: string, routes: (deps: ResourceDeps) => Hono<StripeEnv>]
> = [['/customers', customerRoutes]];
