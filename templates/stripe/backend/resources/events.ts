import { Hono } from 'hono';
import { string, stringList } from '../params.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import type { ObjectFilter } from '../store/objects.js';
import { invalidRequest } from '../stripe-error.js';
import { listAnswer, retrieveRoute } from './common.js';

/** A `type` filter: exact, or with one `*` wildcard (`charge.*`). */
function typeMatcher(pattern: string): (type: string) => boolean {
  if (!pattern.includes('*')) return (type) => type === pattern;
  const [head, tail] = pattern.split('*', 2) as [string, string];
  return (type) => type.startsWith(head) && type.endsWith(tail) && type.length >= head.length + tail.length;
}

/** /v1/events: retrieve, list (newest first, filtered by type or types). */
export function eventRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.get('/', async (c) => {
    const params = c.get('params');
    if (params.type !== undefined && params.types !== undefined) {
      throw invalidRequest('You may only specify one of these parameters: type, types.', { param: 'type' });
    }
    const patterns =
      params.type !== undefined
        ? [string(params.type, 'type')]
        : params.types !== undefined
          ? stringList(params.types, 'types')
          : [];
    const exact = patterns.every((p) => !p.includes('*'));
    const matchers = patterns.map(typeMatcher);
    return c.json(
      await listAnswer(deps, c, {
        table: 'events',
        type: 'event',
        noun: 'event',
        url: '/v1/events',
        params: ['delivery_success', 'type', 'types'],
        filters: (): ObjectFilter[] =>
          patterns.length > 0 && exact ? [{ path: ['type'], values: patterns }] : [],
        keep:
          patterns.length > 0 && !exact
            ? (event) => matchers.some((m) => m(event.type as string))
            : undefined,
      }),
    );
  });

  routes.get('/:id', retrieveRoute(deps, 'events', 'event'));

  return routes;
}
