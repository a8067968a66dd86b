import { Hono } from 'hono';
import { liveCustomer } from '../billing.js';
import {
  boolean,
  hash,
  isHash,
  mergeMetadata,
  metadata,
  nullableString,
  oneOf,
  rejectUnknown,
  string,
  stringList,
} from '../params.js';
import type { Params } from '../request-params.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { insertObject, listObjects, type StripeObject } from '../store/objects.js';
import { invalidRequest, resourceMissing } from '../stripe-error.js';
import type { Tx } from '../tx.js';
import { transact } from '../tx.js';
import { defaultPortalFeatures, newPortalConfiguration } from '../views/checkout.js';
import { answer, booleanFilter, listAnswer, retrieveRoute } from './common.js';
import { updateRoute } from './updates.js';

/**
 * The customer portal: configurations (what customers may do there) and sessions (a link
 * for one customer, served by the clone as a page listing their subscriptions and invoices).
 */
type Features = Record<string, Record<string, unknown>>;

/** `features[...]` merged onto `current`: each feature's `enabled` and its main settings. */
function mergeFeatures(current: Features, value: unknown): Features {
  const raw = hash(value, 'features', [
    'customer_update',
    'invoice_history',
    'payment_method_update',
    'subscription_cancel',
    'subscription_update',
  ]);
  const next = structuredClone(current);
  for (const [name, entry] of Object.entries(raw)) {
    const at = `features[${name}]`;
    const feature = hash(entry, at, [
      'allowed_updates',
      'cancellation_reason',
      'default_allowed_updates',
      'enabled',
      'mode',
      'payment_method_configuration',
      'products',
      'proration_behavior',
      'schedule_at_period_end',
      'trial_update_behavior',
      'billing_cycle_anchor',
    ]);
    const target = next[name] as Record<string, unknown>;
    if (feature.enabled !== undefined) target.enabled = boolean(feature.enabled, `${at}[enabled]`);
    if (feature.allowed_updates !== undefined)
      target.allowed_updates = stringList(feature.allowed_updates, `${at}[allowed_updates]`);
    if (feature.default_allowed_updates !== undefined) {
      target.default_allowed_updates = stringList(
        feature.default_allowed_updates,
        `${at}[default_allowed_updates]`,
      );
    }
    if (feature.mode !== undefined)
      target.mode = oneOf(feature.mode, `${at}[mode]`, ['at_period_end', 'immediately'] as const);
    if (feature.proration_behavior !== undefined) {
      target.proration_behavior = oneOf(feature.proration_behavior, `${at}[proration_behavior]`, [
        'always_invoice',
        'create_prorations',
        'none',
      ] as const);
    }
    if (feature.products !== undefined && Array.isArray(feature.products)) target.products = feature.products;
  }
  return next;
}

function businessProfile(value: unknown, current: Record<string, unknown> | null) {
  const raw = hash(value, 'business_profile', ['headline', 'privacy_policy_url', 'terms_of_service_url']);
  const out = {
    headline: null,
    privacy_policy_url: null,
    terms_of_service_url: null,
    ...(current ?? {}),
  } as Record<string, unknown>;
  for (const key of ['headline', 'privacy_policy_url', 'terms_of_service_url'] as const) {
    if (raw[key] !== undefined)
      out[key] = nullableString(raw[key], `business_profile[${key}]`, { max: 5000 });
  }
  return out;
}

function newConfiguration(tx: Tx, params: Params, isDefault: boolean): StripeObject {
  return newPortalConfiguration({
    id: tx.ids.object('bpc'),
    created: tx.now,
    isDefault,
    ...(params.business_profile === undefined
      ? {}
      : { businessProfile: businessProfile(params.business_profile, null) }),
    defaultReturnUrl:
      params.default_return_url === undefined
        ? null
        : nullableString(params.default_return_url, 'default_return_url'),
    features:
      params.features === undefined
        ? defaultPortalFeatures()
        : mergeFeatures(defaultPortalFeatures(), params.features),
    metadata: metadata(params.metadata),
    name: params.name === undefined ? null : nullableString(params.name, 'name', { max: 256 }),
  });
}

/** /v1/billing_portal/configurations: create, retrieve, update, list. */
export function billingPortalConfigurationRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'business_profile',
      'default_return_url',
      'expand',
      'features',
      'login_page',
      'metadata',
      'name',
    ]);
    if (params.features === undefined) {
      throw invalidRequest('Missing required param: features.', {
        code: 'parameter_missing',
        param: 'features',
      });
    }
    const config = await transact(deps, c, async (tx) => {
      const existing = await listObjects(tx.db, 'billing_portal_configurations', { limit: 1 });
      const out = newConfiguration(tx, params, existing.length === 0);
      await insertObject(tx.db, 'billing_portal_configurations', out);
      await tx.emit('billing_portal.configuration.created', out);
      return out;
    });
    return c.json(await answer(deps, params, config));
  });

  routes.get('/', async (c) =>
    c.json(
      await listAnswer(deps, c, {
        table: 'billing_portal_configurations',
        type: 'billing_portal.configuration',
        noun: 'billing_portal.configuration',
        url: '/v1/billing_portal/configurations',
        params: ['active', 'is_default'],
        noCreated: true,
        filters: (params) => [...booleanFilter(params, 'active'), ...booleanFilter(params, 'is_default')],
      }),
    ),
  );

  routes.get('/:id', retrieveRoute(deps, 'billing_portal_configurations', 'configuration'));

  routes.post(
    '/:id',
    updateRoute<StripeObject & { features: Features; metadata: Record<string, string> }>(deps, {
      table: 'billing_portal_configurations',
      noun: 'configuration',
      event: 'billing_portal.configuration.updated',
      allowed: [
        'active',
        'business_profile',
        'default_return_url',
        'features',
        'login_page',
        'metadata',
        'name',
      ],
      apply: (tx, next, params) => {
        if (params.active !== undefined) next.active = boolean(params.active, 'active');
        if (params.business_profile !== undefined) {
          next.business_profile = businessProfile(
            params.business_profile,
            next.business_profile as Record<string, unknown>,
          );
        }
        if (params.default_return_url !== undefined) {
          next.default_return_url = nullableString(params.default_return_url, 'default_return_url');
        }
        if (params.features !== undefined) next.features = mergeFeatures(next.features, params.features);
        if (params.login_page !== undefined) {
          const login = hash(params.login_page, 'login_page', ['enabled']);
          if (login.enabled !== undefined) {
            const enabled = boolean(login.enabled, 'login_page[enabled]');
            next.login_page = {
              enabled,
              url: enabled ? `${tx.publicUrl}/_asym/portal/login/${next.id}` : null,
            };
          }
        }
        if (params.name !== undefined) next.name = nullableString(params.name, 'name', { max: 256 });
        if (params.metadata !== undefined) next.metadata = mergeMetadata(next.metadata, params.metadata);
        next.updated = tx.now;
      },
    }),
  );

  return routes;
}

/** /v1/billing_portal/sessions: create (Stripe has no retrieve or list for them). */
export function billingPortalSessionRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'configuration',
      'customer',
      'customer_account',
      'expand',
      'flow_data',
      'locale',
      'on_behalf_of',
      'return_url',
    ]);
    if (params.customer === undefined) {
      throw invalidRequest('Missing required param: customer.', {
        code: 'parameter_missing',
        param: 'customer',
      });
    }
    if (params.flow_data !== undefined && !isHash(params.flow_data)) {
      throw invalidRequest('Invalid object', { param: 'flow_data' });
    }
    const session = await transact(deps, c, async (tx) => {
      const customer = await liveCustomer(tx, string(params.customer, 'customer'));
      let config: StripeObject | undefined;
      if (params.configuration !== undefined) {
        const id = string(params.configuration, 'configuration');
        const rows = await listObjects(tx.db, 'billing_portal_configurations', {
          filters: [{ path: ['id'], values: [id] }],
        });
        config = rows[0]?.data;
        if (!config) throw resourceMissing('configuration', id, 'configuration');
        if (!config.active)
          throw invalidRequest(`The configuration ${id} is not active.`, { param: 'configuration' });
      } else {
        const rows = await listObjects(tx.db, 'billing_portal_configurations', {
          filters: [{ path: ['is_default'], values: ['true'] }],
        });
        config = rows[0]?.data;
        if (!config) {
          // Stripe's dashboard saves a default configuration on first use; the clone does so here.
          config = newConfiguration(tx, {}, true);
          await insertObject(tx.db, 'billing_portal_configurations', config);
          await tx.emit('billing_portal.configuration.created', config);
        }
      }
      const returnUrl =
        params.return_url === undefined
          ? ((config.default_return_url as string | null) ?? null)
          : string(params.return_url, 'return_url', { max: 5000 });
      const id = tx.ids.object('bps');
      const out: StripeObject = {
        id,
        object: 'billing_portal.session',
        configuration: config.id,
        created: tx.now,
        customer: customer.id,
        customer_account: null,
        flow: null,
        livemode: false,
        locale: params.locale === undefined ? null : string(params.locale, 'locale'),
        on_behalf_of: null,
        return_url: returnUrl,
        url: `${tx.publicUrl}/_asym/portal/${id}`,
      };
      await insertObject(tx.db, 'billing_portal_sessions', out);
      await tx.emit('billing_portal.session.created', out);
      return out;
    });
    return c.json(await answer(deps, params, session));
  });

  return routes;
}
