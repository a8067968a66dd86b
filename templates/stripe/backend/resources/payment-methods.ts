import { Hono } from 'hono';
import { cardByNumber, declineFor, namedCard, outcomeOf, type TestCard } from '../cards.js';
import {
  address,
  email,
  hash,
  integer,
  isHash,
  mergeMetadata,
  metadata,
  missing,
  nullableString,
  oneOf,
  rejectUnknown,
  string,
} from '../params.js';
import { expansionPlans } from '../render.js';
import type { Params } from '../request-params.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { findCustomer } from '../store/customers.js';
import { insertObject, saveObject } from '../store/objects.js';
import { invalidRequest, resourceMissing, StripeError } from '../stripe-error.js';
import { previousAttributes, type Tx, transact } from '../tx.js';
import {
  type BillingDetails,
  EMPTY_ADDRESS,
  emptyBillingDetails,
  newCardPaymentMethod,
  type PaymentMethodObject,
} from '../views/payment-method.js';
import { answer, listAnswer, mustFind, retrieveRoute, stringFilter } from './common.js';
import { spendToken } from './tokens.js';

// Test cards expire in the future; Stripe's docs use any future date.
const DEFAULT_EXP_MONTH = 12;
const DEFAULT_EXP_YEAR = 2034;

function billingDetails(value: unknown, current: BillingDetails, param = 'billing_details'): BillingDetails {
  const raw = hash(value, param, ['address', 'email', 'name', 'phone', 'tax_id']);
  const next = structuredClone(current);
  if (raw.address !== undefined)
    next.address = address(raw.address, `${param}[address]`) ?? { ...EMPTY_ADDRESS };
  if (raw.email !== undefined) next.email = email(raw.email, `${param}[email]`);
  if (raw.name !== undefined) next.name = nullableString(raw.name, `${param}[name]`, { max: 5000 });
  if (raw.phone !== undefined) next.phone = nullableString(raw.phone, `${param}[phone]`, { max: 5000 });
  if (raw.tax_id !== undefined) next.tax_id = nullableString(raw.tax_id, `${param}[tax_id]`);
  return next;
}

function expiry(raw: Params, param: string, now: number): { expMonth: number; expYear: number } {
  const expMonth =
    raw.exp_month === undefined ? DEFAULT_EXP_MONTH : integer(raw.exp_month, `${param}[exp_month]`);
  let expYear = raw.exp_year === undefined ? DEFAULT_EXP_YEAR : integer(raw.exp_year, `${param}[exp_year]`);
  if (expYear < 100) expYear += 2000;
  if (expMonth < 1 || expMonth > 12) {
    throw new StripeError(402, 'card_error', "Your card's expiration month is invalid.", {
      code: 'invalid_expiry_month',
      param: `${param}[exp_month]`,
    });
  }
  const today = new Date(now * 1000);
  if (
    expYear < today.getUTCFullYear() ||
    (expYear === today.getUTCFullYear() && expMonth < today.getUTCMonth() + 1)
  ) {
    throw new StripeError(402, 'card_error', "Your card's expiration year is invalid.", {
      code: 'invalid_expiry_year',
      param: `${param}[exp_year]`,
    });
  }
  return { expMonth, expYear };
}

/** The card a `card` hash describes: `{ token: 'tok_visa' }` or `{ number, exp_month, exp_year, cvc }`. */
async function cardFrom(
  tx: Tx,
  value: unknown,
): Promise<{ card: TestCard; expMonth: number; expYear: number }> {
  const now = tx.now;
  if (!isHash(value)) throw invalidRequest('Invalid object', { param: 'card' });
  if (value.token !== undefined) {
    rejectUnknown(value, ['token'], 'card');
    const token = string(value.token, 'card[token]');
    const minted = await spendToken(tx, token, 'card[token]');
    if (minted) return minted;
    const card = namedCard(token, 'tok_');
    if (!card) throw resourceMissing('token', token, 'card[token]');
    return { card, expMonth: DEFAULT_EXP_MONTH, expYear: DEFAULT_EXP_YEAR };
  }
  rejectUnknown(value, ['cvc', 'exp_month', 'exp_year', 'number', 'networks'], 'card');
  if (value.number === undefined) missing('card[number]');
  if (value.exp_month === undefined) missing('card[exp_month]');
  if (value.exp_year === undefined) missing('card[exp_year]');
  const card = cardByNumber(string(value.number, 'card[number]'), 'card[number]');
  return { card, ...expiry(value, 'card', now) };
}

/** Creates a card payment method from `pm_card_<name>` (Stripe mints a new one per use). */
async function fromShortcut(tx: Tx, shortcut: string): Promise<PaymentMethodObject | null> {
  const card = namedCard(shortcut, 'pm_card_');
  return card ? insertCardPaymentMethod(tx, card) : null;
}

/** A new, unattached card payment method for a test card. */
export async function insertCardPaymentMethod(tx: Tx, card: TestCard): Promise<PaymentMethodObject> {
  const pm = newCardPaymentMethod({
    id: tx.ids.object('pm'),
    created: tx.now,
    card,
    expMonth: DEFAULT_EXP_MONTH,
    expYear: DEFAULT_EXP_YEAR,
  });
  await insertObject(tx.db, 'payment_methods', pm);
  return pm;
}

/** A payment method by id, or a new one for a `pm_card_*` test shortcut. */
export async function resolvePaymentMethod(tx: Tx, id: string, param: string): Promise<PaymentMethodObject> {
  return (
    (await fromShortcut(tx, id)) ??
    (await mustFind<PaymentMethodObject>(tx.db, 'payment_methods', 'PaymentMethod', id, {
      param,
      forUpdate: true,
    }))
  );
}

/**
 * Attaches a payment method to a customer. Stripe validates the card while attaching, so
 * the decline test cards fail here (all but `chargeCustomerFail`).
 */
export async function attachForCustomer(
  tx: Tx,
  paymentMethodId: string,
  customerId: string,
  param = 'payment_method',
): Promise<PaymentMethodObject> {
  const pm = await resolvePaymentMethod(tx, paymentMethodId, param);
  if (pm.customer === customerId) return pm;
  if (pm.customer !== null) {
    throw invalidRequest('The payment method you provided has already been attached to a customer.', {
      code: 'payment_method_unexpected_state',
      param,
    });
  }
  const outcome = outcomeOf(pm.card.fingerprint);
  const decline = outcome === 'charge_customer_fail' ? null : declineFor(outcome);
  if (decline) {
    throw new StripeError(402, 'card_error', decline.message, {
      code: decline.code,
      param: '',
      extra: { decline_code: decline.declineCode },
    });
  }
  const before = structuredClone(pm);
  pm.customer = customerId;
  await saveObject(tx.db, 'payment_methods', pm);
  await tx.emit('payment_method.attached', pm, previousAttributes(before, pm));
  return pm;
}

async function liveCustomerId(tx: Tx, id: string, param: string): Promise<string> {
  const row = await findCustomer(tx.db, id);
  if (!row || row.deleted) throw resourceMissing('customer', id, param);
  return row.id;
}

/** /v1/payment_methods: create, retrieve, update, list, attach, detach. */
export function paymentMethodRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'allow_redisplay',
      'billing_details',
      'card',
      'customer',
      'expand',
      'metadata',
      'payment_method',
      'type',
    ]);
    expansionPlans(params, 'payment_method');
    if (params.type === undefined) missing('type');
    const type = string(params.type, 'type');
    if (type !== 'card') {
      throw invalidRequest(
        `The asymmetric Stripe clone supports only type=card payment methods, not ${type}.`,
        {
          param: 'type',
        },
      );
    }
    if (params.card === undefined) missing('card');
    const pm = await transact(deps, c, async (tx) => {
      const { card, expMonth, expYear } = await cardFrom(tx, params.card);
      const created = newCardPaymentMethod({
        id: tx.ids.object('pm'),
        created: tx.now,
        card,
        expMonth,
        expYear,
        billingDetails:
          params.billing_details === undefined
            ? emptyBillingDetails()
            : billingDetails(params.billing_details, emptyBillingDetails()),
        metadata: metadata(params.metadata),
        allowRedisplay:
          params.allow_redisplay === undefined
            ? 'unspecified'
            : oneOf(params.allow_redisplay, 'allow_redisplay', ['always', 'limited', 'unspecified'] as const),
      });
      await insertObject(tx.db, 'payment_methods', created);
      return created;
    });
    return c.json(await answer(deps, params, pm));
  });

  routes.get('/', async (c) =>
    c.json(
      await listAnswer(deps, c, {
        table: 'payment_methods',
        type: 'payment_method',
        noun: 'payment_method',
        url: '/v1/payment_methods',
        params: ['customer', 'type', 'allow_redisplay'],
        noCreated: true,
        filters: (params) => [
          ...stringFilter(params, 'customer'),
          ...stringFilter(params, 'type'),
          ...stringFilter(params, 'allow_redisplay'),
        ],
      }),
    ),
  );

  routes.get('/:id', retrieveRoute(deps, 'payment_methods', 'PaymentMethod'));

  routes.post('/:id', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['allow_redisplay', 'billing_details', 'card', 'expand', 'metadata']);
    expansionPlans(params, 'payment_method');
    const pm = await transact(deps, c, async (tx) => {
      const current = await mustFind<PaymentMethodObject>(
        tx.db,
        'payment_methods',
        'PaymentMethod',
        c.req.param('id'),
        {
          forUpdate: true,
        },
      );
      if (current.customer === null) {
        throw invalidRequest('You must save this PaymentMethod to a customer before you can update it.');
      }
      const next = structuredClone(current);
      if (params.billing_details !== undefined)
        next.billing_details = billingDetails(params.billing_details, current.billing_details);
      if (params.metadata !== undefined) next.metadata = mergeMetadata(current.metadata, params.metadata);
      if (params.allow_redisplay !== undefined) {
        next.allow_redisplay = oneOf(params.allow_redisplay, 'allow_redisplay', [
          'always',
          'limited',
          'unspecified',
        ] as const);
      }
      if (params.card !== undefined) {
        const raw = hash(params.card, 'card', ['exp_month', 'exp_year', 'networks']);
        const { expMonth, expYear } = expiry(
          {
            exp_month: raw.exp_month ?? String(current.card.exp_month),
            exp_year: raw.exp_year ?? String(current.card.exp_year),
          },
          'card',
          tx.now,
        );
        next.card.exp_month = expMonth;
        next.card.exp_year = expYear;
      }
      const previous = previousAttributes(current, next);
      if (Object.keys(previous).length === 0) return current;
      await saveObject(tx.db, 'payment_methods', next);
      await tx.emit('payment_method.updated', next, previous);
      return next;
    });
    return c.json(await answer(deps, params, pm));
  });

  routes.post('/:id/attach', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['customer', 'expand']);
    expansionPlans(params, 'payment_method');
    if (params.customer === undefined) missing('customer');
    const pm = await transact(deps, c, async (tx) => {
      const customer = await liveCustomerId(tx, string(params.customer, 'customer'), 'customer');
      return attachForCustomer(tx, c.req.param('id'), customer, 'payment_method');
    });
    return c.json(await answer(deps, params, pm));
  });

  routes.post('/:id/detach', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['expand']);
    expansionPlans(params, 'payment_method');
    const pm = await transact(deps, c, async (tx) => {
      const current = await mustFind<PaymentMethodObject>(
        tx.db,
        'payment_methods',
        'PaymentMethod',
        c.req.param('id'),
        {
          forUpdate: true,
        },
      );
      if (current.customer === null) {
        throw invalidRequest(
          'The payment method you provided is not attached to a customer so detachment is impossible.',
          {
            code: 'payment_method_unexpected_state',
          },
        );
      }
      const next = { ...current, customer: null };
      await saveObject(tx.db, 'payment_methods', next);
      // A customer's default stops pointing at a detached method.
      await tx.db.query(
        `UPDATE customers SET invoice_settings = jsonb_set(invoice_settings, '{default_payment_method}', 'null')
         WHERE id = $1 AND invoice_settings->>'default_payment_method' = $2`,
        [current.customer, current.id],
      );
      await tx.emit('payment_method.detached', next, { customer: current.customer });
      return next;
    });
    return c.json(await answer(deps, params, pm));
  });

  return routes;
}

/** /v1/customers/:id/payment_methods (list, retrieve). */
export function customerPaymentMethodRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();
  routes.get('/:customer/payment_methods', async (c) => {
    const customer = c.req.param('customer');
    const row = await findCustomer(deps.pool, customer);
    if (!row || row.deleted) throw resourceMissing('customer', customer);
    return c.json(
      await listAnswer(deps, c, {
        table: 'payment_methods',
        type: 'payment_method',
        noun: 'payment_method',
        url: `/v1/customers/${customer}/payment_methods`,
        params: ['type', 'allow_redisplay'],
        noCreated: true,
        filters: (params) => [{ path: ['customer'], values: [customer] }, ...stringFilter(params, 'type')],
      }),
    );
  });
  routes.get('/:customer/payment_methods/:id', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['expand']);
    const pm = await mustFind<PaymentMethodObject>(
      deps.pool,
      'payment_methods',
      'PaymentMethod',
      c.req.param('id'),
    );
    if (pm.customer !== c.req.param('customer')) throw resourceMissing('PaymentMethod', pm.id);
    return c.json(await answer(deps, params, pm));
  });
  return routes;
}
