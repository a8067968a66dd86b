import { Hono } from 'hono';
import { cardByNumber, cardFingerprint, type TestCard } from '../cards.js';
import { hash, integer, missing, nullableString, rejectUnknown, string } from '../params.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { findLive, insertObject, type StripeObject, saveObject } from '../store/objects.js';
import { invalidRequest, resourceMissing, StripeError } from '../stripe-error.js';
import { type Tx, transact } from '../tx.js';
import { answer, mustFind, nowSeconds, retrieveRoute } from './common.js';

export interface TokenObject extends StripeObject {
  object: 'token';
  type: 'card';
  used: boolean;
  card: Record<string, unknown> & { exp_month: number; exp_year: number };
  /** The test card's number, so a payment method made from the token behaves like it. */
  _number: string;
}

const BRANDS: Record<TestCard['brand'], string> = {
  visa: 'Visa',
  mastercard: 'MasterCard',
  amex: 'American Express',
  discover: 'Discover',
  unknown: 'Unknown',
};

/**
 * A minted `tok_`, spent once: `card[token]` of a new payment method. Null when `id` is
 * no stored token (the caller then tries Stripe's `tok_visa`-style shortcuts).
 */
export async function spendToken(
  tx: Tx,
  id: string,
  param: string,
): Promise<{ card: TestCard; expMonth: number; expYear: number } | null> {
  const token = await findLive<TokenObject>(tx.db, 'tokens', id, { forUpdate: true });
  if (!token) return null;
  if (token.used) throw invalidRequest(`You cannot use a Stripe token more than once: ${id}.`, { param });
  await saveObject(tx.db, 'tokens', { ...token, used: true });
  return {
    card: cardByNumber(token._number, param),
    expMonth: token.card.exp_month,
    expYear: token.card.exp_year,
  };
}

/** /v1/tokens: card tokens from test card numbers, and retrieve. */
export function tokenRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();
  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['card', 'customer', 'expand']);
    if (params.card === undefined) {
      throw invalidRequest(
        'The asymmetric Stripe clone mints card tokens only: pass card[number], card[exp_month] and card[exp_year].',
        { param: 'card' },
      );
    }
    const raw = hash(params.card, 'card', [
      'address_city',
      'address_country',
      'address_line1',
      'address_line2',
      'address_state',
      'address_zip',
      'currency',
      'cvc',
      'exp_month',
      'exp_year',
      'name',
      'networks',
      'number',
    ]);
    if (raw.number === undefined) missing('card[number]');
    if (raw.exp_month === undefined) missing('card[exp_month]');
    if (raw.exp_year === undefined) missing('card[exp_year]');
    const card = cardByNumber(string(raw.number, 'card[number]'), 'card[number]');
    const expMonth = integer(raw.exp_month, 'card[exp_month]');
    if (expMonth < 1 || expMonth > 12) {
      throw new StripeError(402, 'card_error', "Your card's expiration month is invalid.", {
        code: 'invalid_expiry_month',
        param: 'card[exp_month]',
      });
    }
    let expYear = integer(raw.exp_year, 'card[exp_year]');
    if (expYear < 100) expYear += 2000;
    const now = new Date(nowSeconds(deps) * 1000);
    if (
      expYear < now.getUTCFullYear() ||
      (expYear === now.getUTCFullYear() && expMonth < now.getUTCMonth() + 1)
    ) {
      throw new StripeError(402, 'card_error', "Your card's expiration year is invalid.", {
        code: 'invalid_expiry_year',
        param: 'card[exp_year]',
      });
    }
    const text = (key: string) =>
      raw[key] === undefined ? null : nullableString(raw[key], `card[${key}]`, { max: 5000 });
    const token = await transact(deps, c, async (tx) => {
      const out: TokenObject = {
        id: tx.ids.object('tok'),
        object: 'token',
        card: {
          id: tx.ids.object('card'),
          object: 'card',
          address_city: text('address_city'),
          address_country: text('address_country'),
          address_line1: text('address_line1'),
          address_line1_check: raw.address_line1 === undefined ? null : 'pass',
          address_line2: text('address_line2'),
          address_state: text('address_state'),
          address_zip: text('address_zip'),
          address_zip_check: raw.address_zip === undefined ? null : 'pass',
          brand: BRANDS[card.brand],
          country: card.country,
          cvc_check: raw.cvc === undefined ? null : 'unchecked',
          dynamic_last4: null,
          exp_month: expMonth,
          exp_year: expYear,
          fingerprint: cardFingerprint(card.number),
          funding: card.funding,
          last4: card.number.slice(-4),
          metadata: {},
          name: text('name'),
          networks: { preferred: null },
          regulated_status: 'unregulated',
          tokenization_method: null,
        },
        client_ip: c.req.header('x-forwarded-for') ?? null,
        created: tx.now,
        livemode: false,
        type: 'card',
        used: false,
        _number: card.number,
      };
      await insertObject(tx.db, 'tokens', out);
      return out;
    });
    return c.json(await answer(deps, params, token));
  });
  routes.get('/:id', retrieveRoute(deps, 'tokens', 'token'));
  return routes;
}

/**
 * /v1/setup_attempts: one attempt per confirmed setup intent, derived from the intent (the
 * clone confirms a setup intent in one step, so its attempt is the intent's outcome).
 */
export function setupAttemptRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();
  routes.get('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['created', 'ending_before', 'expand', 'limit', 'setup_intent', 'starting_after']);
    if (params.setup_intent === undefined) missing('setup_intent');
    const intentId = string(params.setup_intent, 'setup_intent');
    const intent = await mustFind(deps.pool, 'setup_intents', 'setup_intent', intentId, {
      param: 'setup_intent',
    });
    const attempted = intent.payment_method !== null && intent.status !== 'requires_payment_method';
    const data = attempted
      ? [
          {
            id: `setatt_${intentId.replace(/^seti_/, '')}`,
            object: 'setup_attempt',
            application: null,
            created: intent.created,
            customer: intent.customer ?? null,
            customer_account: null,
            flow_directions: null,
            livemode: false,
            on_behalf_of: null,
            payment_method: intent.payment_method,
            payment_method_details: { card: { three_d_secure: null }, type: 'card' },
            setup_error: intent.last_setup_error ?? null,
            setup_intent: intentId,
            status:
              intent.status === 'succeeded'
                ? 'succeeded'
                : intent.status === 'canceled'
                  ? 'abandoned'
                  : intent.last_setup_error
                    ? 'failed'
                    : 'requires_action',
            usage: intent.usage,
          },
        ]
      : [];
    return c.json({ object: 'list', data, has_more: false, url: '/v1/setup_attempts' });
  });
  return routes;
}

/** /v1/mandates/:id: the clone takes card payments only, which Stripe makes no mandates for. */
export function mandateRoutes(_deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();
  routes.get('/:id', (c) => {
    rejectUnknown(c.get('params'), ['expand']);
    throw resourceMissing('mandate', c.req.param('id'));
  });
  return routes;
}
