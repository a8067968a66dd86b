import type { Context } from 'hono';
import { Hono } from 'hono';
import type { Queryable } from '../../../_shared/db.js';
import { balanceObject, balanceOf } from '../connect.js';
import {
  boolean,
  currency,
  email,
  hash,
  integer,
  isHash,
  mergeMetadata,
  metadata,
  nullableString,
  oneOf,
  rejectUnknown,
  string,
} from '../params.js';
import { expansionPlans } from '../render.js';
import type { Params } from '../request-params.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { findLive, insertObject, markDeleted, saveObject } from '../store/objects.js';
import { invalidRequest, StripeError } from '../stripe-error.js';
import { previousAttributes, transact } from '../tx.js';
import { type AccountObject, type AccountType, newAccount } from '../views/connect.js';
import { answer, listAnswer, mustFind, nowSeconds, retrieveRoute } from './common.js';

const CAPABILITIES = ['card_payments', 'transfers'] as const;

/** The platform's own account, from the `account` row every seed writes. */
export async function platformAccount(db: Queryable): Promise<AccountObject> {
  const { rows } = await db.query<{ id: string; business_name: string; created: string }>(
    'SELECT id, business_name, created FROM account LIMIT 1',
  );
  const row = rows[0];
  return newAccount({
    id: row?.id ?? 'acct_1AsymTestAcct00',
    created: Number(row?.created ?? 0),
    type: 'standard',
    country: 'US',
    email: null,
    businessName: row?.business_name ?? null,
    businessType: 'company',
    capabilities: [...CAPABILITIES],
    metadata: {},
    platform: true,
  });
}

/**
 * The connected account a `Stripe-Account` header names (null without one): reads on its
 * behalf answer from its own records; Stripe's 403 when it is not one of the platform's.
 */
export async function actingAccount(
  deps: ResourceDeps,
  c: Context<StripeEnv>,
): Promise<AccountObject | null> {
  const id = c.req.header('stripe-account');
  if (id === undefined || id === '') return null;
  const account = await findLive<AccountObject>(deps.pool, 'accounts', id);
  if (!account) {
    throw new StripeError(
      403,
      'invalid_request_error',
      `The provided key does not have access to account '${id}' (or that account does not exist). Application access may have been revoked.`,
      { code: 'account_invalid' },
    );
  }
  return account;
}

/** `capabilities[transfers][requested]=true`: the names requested. */
function requestedCapabilities(value: unknown, current: string[] = []): string[] {
  if (!isHash(value)) throw invalidRequest('Invalid object', { param: 'capabilities' });
  const names = new Set(current);
  for (const [name, raw] of Object.entries(value)) {
    const param = `capabilities[${name}]`;
    if (!(CAPABILITIES as readonly string[]).includes(name)) {
      throw invalidRequest(
        `The asymmetric Stripe clone supports only these capabilities: ${CAPABILITIES.join(', ')}.`,
        {
          param,
        },
      );
    }
    const spec = hash(raw, param, ['requested']);
    if (spec.requested === undefined)
      throw invalidRequest(`Missing required param: ${param}[requested].`, { param });
    if (boolean(spec.requested, `${param}[requested]`)) names.add(name);
    else names.delete(name);
  }
  return [...names].sort();
}

/** `controller[...]` as an account type: no Stripe dashboard is custom, express is express. */
function typeFromController(value: unknown): AccountType {
  const controller = hash(value, 'controller', [
    'fees',
    'losses',
    'requirement_collection',
    'stripe_dashboard',
  ]);
  if (controller.stripe_dashboard === undefined) return 'standard';
  const dashboard = hash(controller.stripe_dashboard, 'controller[stripe_dashboard]', ['type']);
  const type =
    dashboard.type === undefined
      ? 'full'
      : oneOf(dashboard.type, 'controller[stripe_dashboard][type]', ['express', 'full', 'none'] as const);
  return type === 'none' ? 'custom' : type === 'express' ? 'express' : 'standard';
}

function businessProfile(account: AccountObject, value: unknown) {
  const profile = hash(value, 'business_profile', [
    'mcc',
    'name',
    'product_description',
    'support_email',
    'support_phone',
    'support_url',
    'url',
  ]);
  const next = { ...account.business_profile };
  for (const [key, raw] of Object.entries(profile)) {
    next[key] =
      key === 'support_email'
        ? email(raw, `business_profile[${key}]`)
        : nullableString(raw, `business_profile[${key}]`, { max: 5000 });
  }
  account.business_profile = next;
  if (profile.name !== undefined) {
    (account.settings as { dashboard: Record<string, unknown> }).dashboard.display_name = next.name;
  }
}

function applyAccountFields(account: AccountObject, params: Params) {
  if (params.email !== undefined) account.email = email(params.email, 'email');
  if (params.business_type !== undefined) {
    account.business_type =
      params.business_type === ''
        ? null
        : oneOf(params.business_type, 'business_type', [
            'company',
            'government_entity',
            'individual',
            'non_profit',
          ] as const);
  }
  if (params.business_profile !== undefined) businessProfile(account, params.business_profile);
  if (params.default_currency !== undefined)
    account.default_currency = currency(params.default_currency, 'default_currency');
  if (params.capabilities !== undefined) {
    const names = requestedCapabilities(params.capabilities, Object.keys(account.capabilities));
    account.capabilities = Object.fromEntries(names.map((name) => [name, 'active' as const]));
    account.charges_enabled = account.capabilities.card_payments === 'active';
    account.payouts_enabled = account.capabilities.transfers === 'active';
  }
  if (params.tos_acceptance !== undefined) {
    const tos = hash(params.tos_acceptance, 'tos_acceptance', [
      'date',
      'ip',
      'service_agreement',
      'user_agent',
    ]);
    account.tos_acceptance = {
      date: tos.date === undefined ? null : integer(tos.date, 'tos_acceptance[date]', { min: 0 }),
      ip: tos.ip === undefined ? null : string(tos.ip, 'tos_acceptance[ip]'),
      user_agent: tos.user_agent === undefined ? null : string(tos.user_agent, 'tos_acceptance[user_agent]'),
    };
  }
}

/** /v1/account: the platform's account (or, with `Stripe-Account`, that connected account). */
export function platformAccountRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();
  routes.get('/', async (c) => {
    rejectUnknown(c.get('params'), ['expand']);
    const acting = await actingAccount(deps, c);
    return c.json(acting ?? (await platformAccount(deps.pool)));
  });
  return routes;
}

/** /v1/accounts: connected accounts (express, custom, standard) in test mode. */
export function accountRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'business_profile',
      'business_type',
      'capabilities',
      'controller',
      'country',
      'default_currency',
      'email',
      'expand',
      'metadata',
      'tos_acceptance',
      'type',
    ]);
    expansionPlans(params, 'account');
    if (params.type !== undefined && params.controller !== undefined) {
      throw invalidRequest('You may only specify one of these parameters: controller, type.', {
        param: 'type',
      });
    }
    const type: AccountType =
      params.type !== undefined
        ? oneOf(params.type, 'type', ['custom', 'express', 'standard'] as const)
        : params.controller !== undefined
          ? typeFromController(params.controller)
          : 'standard';
    const country =
      params.country === undefined ? 'US' : string(params.country, 'country', { max: 2 }).toUpperCase();
    if (!/^[A-Z]{2}$/.test(country)) {
      throw invalidRequest(
        `Country '${country}' is unknown. Try using a 2-character alphanumeric country code instead, such as 'US', 'EG', or 'GB'.`,
        {
          param: 'country',
        },
      );
    }
    if (type === 'custom' && params.capabilities === undefined) {
      throw invalidRequest(
        'When creating a custom account, you must request at least one capability with `capabilities`.',
        { param: 'capabilities' },
      );
    }
    const account = await transact(deps, c, async (tx) => {
      const created = newAccount({
        id: tx.ids.object('acct', 16),
        created: tx.now,
        type,
        country,
        email: null,
        businessName: null,
        businessType: null,
        // Express and standard accounts can take payments and transfers once onboarded:
        // test accounts here are onboarded at once.
        capabilities: params.capabilities === undefined ? [...CAPABILITIES] : [],
        metadata: metadata(params.metadata),
      });
      applyAccountFields(created, { ...params, metadata: undefined });
      await insertObject(tx.db, 'accounts', created);
      return created;
    });
    return c.json(await answer(deps, params, account));
  });

  routes.get('/', async (c) =>
    c.json(
      await listAnswer(deps, c, { table: 'accounts', type: 'account', noun: 'account', url: '/v1/accounts' }),
    ),
  );

  routes.get('/:id', retrieveRoute(deps, 'accounts', 'account'));

  routes.post('/:id', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'business_profile',
      'business_type',
      'capabilities',
      'default_currency',
      'email',
      'expand',
      'metadata',
      'tos_acceptance',
    ]);
    expansionPlans(params, 'account');
    const account = await transact(deps, c, async (tx) => {
      const current = await mustFind<AccountObject>(tx.db, 'accounts', 'account', c.req.param('id'), {
        forUpdate: true,
      });
      const next = structuredClone(current);
      applyAccountFields(next, params);
      if (params.metadata !== undefined) next.metadata = mergeMetadata(next.metadata, params.metadata);
      const previous = previousAttributes(current, next);
      if (Object.keys(previous).length === 0) return current;
      await saveObject(tx.db, 'accounts', next);
      await tx.emit('account.updated', next, previous);
      return next;
    });
    return c.json(await answer(deps, params, account));
  });

  routes.delete('/:id', async (c) => {
    rejectUnknown(c.get('params'), []);
    const id = c.req.param('id');
    await transact(deps, c, async (tx) => {
      const account = await mustFind<AccountObject>(tx.db, 'accounts', 'account', id, { forUpdate: true });
      const { available, pending } = await balanceOf(tx.db, nowSeconds(deps), account.id);
      if ([...available.values(), ...pending.values()].some((amount) => amount !== 0)) {
        throw invalidRequest(
          'This account cannot be deleted because it has a non-zero balance. Pay out or reverse its funds first.',
        );
      }
      await markDeleted(tx.db, 'accounts', id);
    });
    return c.json({ id, object: 'account', deleted: true });
  });

  return routes;
}

/** /v1/balance with `Stripe-Account`: the connected account's balance; otherwise the platform's route. */
export function connectedBalanceRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();
  routes.get('/', async (c, next) => {
    const acting = await actingAccount(deps, c);
    if (!acting) return next();
    rejectUnknown(c.get('params'), ['expand']);
    return c.json(balanceObject(await balanceOf(deps.pool, nowSeconds(deps), acting.id)));
  });
  return routes;
}
