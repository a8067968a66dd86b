import { Hono } from 'hono';
import {
  boolean,
  mergeMetadata,
  metadata,
  missing,
  nullableString,
  rejectUnknown,
  string,
  stringList,
} from '../params.js';
import type { Params } from '../request-params.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { insertObject, markDeleted, type StripeObject, saveObject } from '../store/objects.js';
import { invalidRequest, resourceMissing } from '../stripe-error.js';
import { transact } from '../tx.js';
import { answer, listAnswer, mustFind, retrieveRoute } from './common.js';

const EVENT_TYPE = /^(\*|[a-z_]+(\.[a-z_]+)+)$/;

function enabledEvents(value: unknown): string[] {
  const events = stringList(value, 'enabled_events');
  if (events.length === 0) {
    throw invalidRequest('You must specify at least one event type in `enabled_events`.', {
      param: 'enabled_events',
    });
  }
  for (const [index, event] of events.entries()) {
    if (!EVENT_TYPE.test(event)) {
      throw invalidRequest(`Invalid event type: ${event}`, { param: `enabled_events[${index}]` });
    }
  }
  return events;
}

function endpointUrl(value: unknown): string {
  const text = string(value, 'url', { max: 5000 });
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidRequest(`Invalid URL: ${text}`, { code: 'url_invalid', param: 'url' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidRequest(`Invalid URL: ${text}. URLs must use http or https.`, {
      code: 'url_invalid',
      param: 'url',
    });
  }
  return text;
}

/** /v1/webhook_endpoints: create (answering the signing secret once), retrieve, update, delete, list. */
export function webhookEndpointRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'api_version',
      'connect',
      'description',
      'enabled_events',
      'expand',
      'metadata',
      'url',
    ]);
    if (params.url === undefined) missing('url');
    if (params.enabled_events === undefined) missing('enabled_events');
    const endpoint = await transact(deps, c, async (tx) => {
      const created: StripeObject = {
        id: tx.ids.object('we'),
        object: 'webhook_endpoint',
        api_version: params.api_version === undefined ? null : string(params.api_version, 'api_version'),
        application: null,
        created: tx.now,
        description:
          params.description === undefined
            ? null
            : nullableString(params.description, 'description', { max: 5000 }),
        enabled_events: enabledEvents(params.enabled_events),
        livemode: false,
        metadata: metadata(params.metadata),
        secret: `whsec_${tx.ids.secret(32)}`,
        status: 'enabled',
        url: endpointUrl(params.url),
      };
      await insertObject(tx.db, 'webhook_endpoints', created);
      return created;
    });
    deps.webhooks.invalidate();
    // The one answer that carries the secret.
    return c.json({ ...(await answer(deps, params, endpoint)), secret: endpoint.secret });
  });

  routes.get('/', async (c) =>
    c.json(
      await listAnswer(deps, c, {
        table: 'webhook_endpoints',
        type: 'webhook_endpoint',
        noun: 'webhook_endpoint',
        url: '/v1/webhook_endpoints',
        noCreated: true,
      }),
    ),
  );

  routes.get('/:id', retrieveRoute(deps, 'webhook_endpoints', 'webhook_endpoint'));

  routes.post('/:id', async (c) => {
    const params: Params = c.get('params');
    rejectUnknown(params, ['description', 'disabled', 'enabled_events', 'expand', 'metadata', 'url']);
    const endpoint = await transact(deps, c, async (tx) => {
      const current = await mustFind(tx.db, 'webhook_endpoints', 'webhook_endpoint', c.req.param('id'), {
        forUpdate: true,
      });
      const next = { ...current };
      if (params.description !== undefined)
        next.description = nullableString(params.description, 'description', { max: 5000 });
      if (params.enabled_events !== undefined) next.enabled_events = enabledEvents(params.enabled_events);
      if (params.metadata !== undefined)
        next.metadata = mergeMetadata(current.metadata as Record<string, string>, params.metadata);
      if (params.url !== undefined) next.url = endpointUrl(params.url);
      if (params.disabled !== undefined)
        next.status = boolean(params.disabled, 'disabled') ? 'disabled' : 'enabled';
      await saveObject(tx.db, 'webhook_endpoints', next);
      return { current, next };
    }).then(({ current, next }) => {
      // Disabled or moved: what waited for it is not sent there any more.
      if (next.status !== 'enabled' || next.url !== current.url) deps.webhooks.forget(next.id);
      else deps.webhooks.invalidate();
      return next;
    });
    return c.json(await answer(deps, params, endpoint));
  });

  routes.delete('/:id', async (c) => {
    rejectUnknown(c.get('params'), []);
    const id = c.req.param('id');
    await transact(deps, c, async (tx) => {
      if (!(await markDeleted(tx.db, 'webhook_endpoints', id))) throw resourceMissing('webhook_endpoint', id);
    });
    deps.webhooks.forget(id);
    return c.json({ id, object: 'webhook_endpoint', deleted: true });
  });

  return routes;
}
