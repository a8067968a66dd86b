import { Hono } from 'hono';
import { hash, isHash, missing, oneOf, rejectUnknown, string } from '../params.js';
import type { Params } from '../request-params.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { invalidRequest } from '../stripe-error.js';
import { mustFind, nowSeconds } from './common.js';

/** Onboarding links and embedded-component sessions last minutes on Stripe. */
const LINK_TTL = 300;
const SESSION_TTL = 1800;

const COMPONENTS = [
  'account_management',
  'account_onboarding',
  'balances',
  'documents',
  'notification_banner',
  'payment_details',
  'payments',
  'payouts',
  'payouts_list',
  'tax_registrations',
  'tax_settings',
] as const;

/** `components[x][enabled]` given → that component on; every other component listed, off. */
function components(value: unknown): Record<string, { enabled: boolean; features: Record<string, unknown> }> {
  const given = hash(value, 'components', COMPONENTS);
  const out: Record<string, { enabled: boolean; features: Record<string, unknown> }> = {};
  for (const name of COMPONENTS) out[name] = { enabled: false, features: {} };
  for (const [name, raw] of Object.entries(given)) {
    const param = `components[${name}]`;
    const spec = hash(raw, param, ['enabled', 'features']);
    if (spec.enabled === undefined) missing(`${param}[enabled]`);
    const features = spec.features ?? {};
    if (!isHash(features)) throw invalidRequest('Invalid object', { param: `${param}[features]` });
    out[name] = {
      enabled: oneOf(spec.enabled, `${param}[enabled]`, ['true', 'false'] as const) === 'true',
      features: Object.fromEntries(Object.entries(features).map(([k, v]) => [k, v === 'true'])),
    };
  }
  return out;
}

async function connectedAccount(deps: ResourceDeps, params: Params) {
  if (params.account === undefined) missing('account');
  const id = string(params.account, 'account');
  return mustFind(deps.pool, 'accounts', 'account', id, { param: 'account' });
}

/** /v1/account_links: a Connect onboarding link for an existing account; the url is the clone's. */
export function accountLinkRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();
  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'account',
      'collect',
      'collection_options',
      'expand',
      'refresh_url',
      'return_url',
      'type',
    ]);
    if (params.type === undefined) missing('type');
    const type = oneOf(params.type, 'type', ['account_onboarding', 'account_update'] as const);
    const account = await connectedAccount(deps, params);
    for (const key of ['refresh_url', 'return_url'] as const) {
      if (params[key] !== undefined && !/^https?:\/\//.test(string(params[key], key))) {
        throw invalidRequest(`Not a valid URL`, { param: key, code: 'url_invalid' });
      }
    }
    const created = nowSeconds(deps);
    const secret = deps.ids.secret(12);
    return c.json({
      object: 'account_link',
      created,
      expires_at: created + LINK_TTL,
      url: `${deps.publicUrl}/setup/${type === 'account_onboarding' ? 's' : 'e'}/${account.id}/${secret}`,
    });
  });
  return routes;
}

/** /v1/account_sessions: a client secret for Connect's embedded components. */
export function accountSessionRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();
  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['account', 'components', 'expand']);
    if (params.components === undefined) missing('components');
    const parts = components(params.components);
    const account = await connectedAccount(deps, params);
    return c.json({
      object: 'account_session',
      account: account.id,
      client_secret: `accs_secret__${deps.ids.secret(48)}`,
      components: parts,
      expires_at: nowSeconds(deps) + SESSION_TTL,
      livemode: false,
    });
  });
  return routes;
}
