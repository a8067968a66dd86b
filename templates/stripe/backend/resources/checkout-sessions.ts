import { Hono } from 'hono';
import { createSession, expireSession, lineItemsFrom } from '../checkout.js';
import { pageOf } from '../list.js';
import { hash, mergeMetadata, missing, oneOf, rejectUnknown } from '../params.js';
import { expansionPlans } from '../render.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { invalidRequest } from '../stripe-error.js';
import { transact } from '../tx.js';
import type { CheckoutSessionObject } from '../views/checkout.js';
import { answer, listAnswer, mustFind, retrieveRoute, stringFilter } from './common.js';
import { updateRoute } from './updates.js';

const CREATE_KEYS = [
  'adaptive_pricing',
  'after_expiration',
  'allow_promotion_codes',
  'automatic_tax',
  'billing_address_collection',
  'cancel_url',
  'client_reference_id',
  'consent_collection',
  'currency',
  'custom_fields',
  'custom_text',
  'customer',
  'customer_creation',
  'customer_email',
  'customer_update',
  'discounts',
  'expand',
  'expires_at',
  'invoice_creation',
  'line_items',
  'locale',
  'metadata',
  'mode',
  'payment_intent_data',
  'payment_method_collection',
  'payment_method_types',
  'phone_number_collection',
  'return_url',
  'setup_intent_data',
  'shipping_address_collection',
  'shipping_options',
  'submit_type',
  'subscription_data',
  'success_url',
  'tax_id_collection',
  'ui_mode',
];

/** /v1/checkout/sessions: create, retrieve, update, list, expire, line items. */
export function checkoutSessionRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, CREATE_KEYS);
    expansionPlans(params, 'checkout.session');
    if (params.mode === undefined) missing('mode');
    const mode = oneOf(params.mode, 'mode', ['payment', 'setup', 'subscription'] as const);
    if (params.ui_mode !== undefined && params.ui_mode !== 'hosted') {
      throw invalidUiMode();
    }
    if (params.payment_method_types !== undefined) {
      const types = Array.isArray(params.payment_method_types)
        ? params.payment_method_types
        : [params.payment_method_types];
      if (types.some((type) => type !== 'card')) {
        throw invalidRequestParam(
          'The asymmetric Stripe clone supports only card payment methods.',
          'payment_method_types',
        );
      }
    }
    const session = await transact(deps, c, async (tx) => {
      const { items, taxRates } =
        params.line_items === undefined
          ? { items: [], taxRates: [] }
          : await lineItemsFrom(tx, params.line_items, { priceData: true });
      return createSession(tx, { mode, params, items, taxRates, paymentLink: null });
    });
    return c.json(await answer(deps, params, session));
  });

  routes.get('/', async (c) => {
    const params = c.get('params');
    if (params.status !== undefined) oneOf(params.status, 'status', ['complete', 'expired', 'open'] as const);
    return c.json(
      await listAnswer(deps, c, {
        table: 'checkout_sessions',
        type: 'checkout.session',
        noun: 'checkout.session',
        url: '/v1/checkout/sessions',
        params: ['customer', 'customer_details', 'payment_intent', 'payment_link', 'status', 'subscription'],
        filters: (p) => [
          ...stringFilter(p, 'customer'),
          ...stringFilter(p, 'payment_intent'),
          ...stringFilter(p, 'payment_link'),
          ...stringFilter(p, 'status'),
          ...stringFilter(p, 'subscription'),
          ...(p.customer_details === undefined
            ? []
            : stringFilter(hash(p.customer_details, 'customer_details', ['email']), 'email', [
                'customer_details',
                'email',
              ])),
        ],
      }),
    );
  });

  routes.get('/:id', retrieveRoute(deps, 'checkout_sessions', 'checkout session'));

  routes.post(
    '/:id',
    updateRoute<CheckoutSessionObject>(deps, {
      table: 'checkout_sessions',
      noun: 'checkout session',
      event: null,
      allowed: ['metadata'],
      apply: (_tx, next, params) => {
        if (params.metadata !== undefined) next.metadata = mergeMetadata(next.metadata, params.metadata);
      },
    }),
  );

  routes.post('/:id/expire', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['expand']);
    const session = await transact(deps, c, async (tx) => {
      const current = await mustFind<CheckoutSessionObject>(
        tx.db,
        'checkout_sessions',
        'checkout session',
        c.req.param('id'),
        {
          forUpdate: true,
        },
      );
      return expireSession(tx, current);
    });
    return c.json(await answer(deps, params, session));
  });

  routes.get('/:id/line_items', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['ending_before', 'expand', 'limit', 'starting_after']);
    const session = await mustFind<CheckoutSessionObject>(
      deps.pool,
      'checkout_sessions',
      'checkout session',
      c.req.param('id'),
    );
    return c.json(
      pageOf(session._line_items, params, {
        url: `/v1/checkout/sessions/${session.id}/line_items`,
        noun: 'line_item',
      }),
    );
  });

  return routes;
}

const invalidRequestParam = (message: string, param: string) => invalidRequest(message, { param });
const invalidUiMode = () =>
  invalidRequest('The asymmetric Stripe clone serves only hosted Checkout (ui_mode=hosted).', {
    param: 'ui_mode',
  });
