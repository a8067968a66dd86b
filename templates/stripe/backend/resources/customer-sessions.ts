import { Hono } from 'hono';
import { hash, isHash, missing, rejectUnknown, string } from '../params.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { findCustomer } from '../store/customers.js';
import { insertObject, markDeleted, type StripeObject } from '../store/objects.js';
import { invalidRequest, resourceMissing } from '../stripe-error.js';
import { transact } from '../tx.js';
import { mustFind, nowSeconds } from './common.js';

/** Stripe's customer sessions last 30 minutes; ephemeral keys an hour. */
const SESSION_TTL = 1800;
const KEY_TTL = 3600;

const SESSION_COMPONENTS = [
  'buy_button',
  'customer_sheet',
  'mobile_payment_element',
  'payment_element',
  'pricing_table',
] as const;

async function liveCustomer(deps: ResourceDeps, value: unknown) {
  if (value === undefined) missing('customer');
  const id = string(value, 'customer');
  const row = await findCustomer(deps.pool, id);
  if (!row || row.deleted) throw resourceMissing('customer', id, 'customer');
  return row;
}

/** /v1/customer_sessions: a client secret that lets a pricing table or Payment Element act for a customer. */
export function customerSessionRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();
  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['components', 'customer', 'customer_account', 'expand']);
    if (params.components === undefined) missing('components');
    const given = hash(params.components, 'components', SESSION_COMPONENTS);
    const components: Record<string, Record<string, unknown>> = {};
    for (const name of SESSION_COMPONENTS) components[name] = { enabled: false };
    for (const [name, raw] of Object.entries(given)) {
      const param = `components[${name}]`;
      if (!isHash(raw)) throw invalidRequest('Invalid object', { param });
      if (raw.enabled === undefined) missing(`${param}[enabled]`);
      if (raw.enabled !== 'true' && raw.enabled !== 'false') {
        throw invalidRequest(`Invalid boolean: ${JSON.stringify(raw.enabled)}`, {
          param: `${param}[enabled]`,
        });
      }
      components[name] = { enabled: raw.enabled === 'true' };
    }
    if (!Object.values(components).some((part) => part.enabled)) {
      throw invalidRequest('At least one component must be enabled.', { param: 'components' });
    }
    const customer = await liveCustomer(deps, params.customer);
    const created = nowSeconds(deps);
    return c.json({
      object: 'customer_session',
      client_secret: `cuss_secret_${deps.ids.secret(48)}`,
      components,
      created,
      customer: customer.id,
      customer_account: null,
      expires_at: created + SESSION_TTL,
      livemode: false,
    });
  });
  return routes;
}

interface EphemeralKeyObject extends StripeObject {
  object: 'ephemeral_key';
  expires: number;
  livemode: false;
  _associated: Array<{ id: string; type: string }>;
}

const shown = (key: EphemeralKeyObject) => ({
  id: key.id,
  object: key.object,
  created: key.created,
  expires: key.expires,
  livemode: key.livemode,
});

/** /v1/ephemeral_keys: short-lived keys for mobile SDKs (a customer's), created and revoked. */
export function ephemeralKeyRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();
  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['customer', 'expand', 'issuing_card', 'nonce', 'verification_session']);
    // Stripe's mobile SDKs pin the key to their API version; the header is required.
    if (!c.req.header('stripe-version')) {
      throw invalidRequest('Stripe-Version header is required when creating an ephemeral key.');
    }
    const customer = await liveCustomer(deps, params.customer);
    const secret = `ek_test_${deps.ids.secret(64)}`;
    const key = await transact(deps, c, async (tx) => {
      const out: EphemeralKeyObject = {
        id: tx.ids.object('ephkey'),
        object: 'ephemeral_key',
        created: tx.now,
        expires: tx.now + KEY_TTL,
        livemode: false,
        _associated: [{ id: customer.id, type: 'customer' }],
      };
      await insertObject(tx.db, 'ephemeral_keys', out);
      return out;
    });
    return c.json({ ...shown(key), associated_objects: key._associated, secret });
  });
  routes.delete('/:id', async (c) => {
    rejectUnknown(c.get('params'), ['expand']);
    const key = await transact(deps, c, async (tx) => {
      const found = await mustFind<EphemeralKeyObject>(
        tx.db,
        'ephemeral_keys',
        'ephemeral_key',
        c.req.param('id'),
        {
          forUpdate: true,
        },
      );
      await markDeleted(tx.db, 'ephemeral_keys', found.id);
      return { ...found, expires: tx.now };
    });
    return c.json(shown(key));
  });
  return routes;
}
