import { Hono } from 'hono';
import type { Queryable } from '../../_shared/db.js';
import { settleInvoiceOf } from './billing.js';
import { confirmIntent, failAuthentication } from './payments.js';
import { mustFind } from './resources/common.js';
import type { ResourceDeps } from './route-env.js';
import { StripeError } from './stripe-error.js';
import { DEFAULT_API_VERSION, transact } from './tx.js';
import type { PaymentIntentObject } from './views/payment-intent.js';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Stripe's hosted 3-D Secure test page, which a payment intent in `requires_action` points
 * at (`next_action.use_stripe_sdk.stripe_js`): `GET` shows it with "Complete" and "Fail"
 * buttons; `POST .../complete` and `.../fail` do what they say, as the customer would by
 * clicking, and answer with the intent's new status. Like Stripe's page, the intent's
 * client secret is the only credential: it is what a browser would be handed.
 */
export function createAuthenticationRoutes(deps: ResourceDeps): Hono {
  const routes = new Hono();

  /** The intent named in the path, if the client secret matches and it awaits authentication. */
  async function awaiting(db: Queryable, id: string, secret: string | undefined) {
    const pi = await mustFind<PaymentIntentObject>(db, 'payment_intents', 'payment_intent', id, {
      forUpdate: true,
    });
    if (!secret || secret !== pi.client_secret) {
      throw new StripeError(404, 'invalid_request_error', `No such payment_intent: '${id}'`, {
        code: 'resource_missing',
      });
    }
    if (pi.status !== 'requires_action') {
      throw new StripeError(
        400,
        'invalid_request_error',
        `This PaymentIntent has a status of ${pi.status}; there is nothing to authenticate.`,
        {
          code: 'payment_intent_unexpected_state',
        },
      );
    }
    return pi;
  }

  const request = { requestId: null, idempotencyKey: null, apiVersion: DEFAULT_API_VERSION };

  routes.get('/:id', async (c) => {
    const id = c.req.param('id');
    const secret = c.req.query('client_secret');
    const pi = await awaiting(deps.pool, id, secret);
    const action = (verb: string) =>
      `/_asym/3ds/${encodeURIComponent(id)}/${verb}?client_secret=${encodeURIComponent(secret ?? '')}`;
    const amount = `${(pi.amount / 100).toFixed(2)} ${pi.currency.toUpperCase()}`;
    return c.html(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>3D Secure test payment</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 28rem; margin: 4rem auto">
  <h1>3D Secure test payment</h1>
  <p>${escapeHtml(amount)} for payment ${escapeHtml(id)}.</p>
  <form method="post" action="${escapeHtml(action('complete'))}"><button>Complete authentication</button></form>
  <form method="post" action="${escapeHtml(action('fail'))}"><button>Fail authentication</button></form>
</body></html>`);
  });

  routes.post('/:id/:outcome{complete|fail}', async (c) => {
    const id = c.req.param('id');
    const secret = c.req.query('client_secret');
    const pi = await transact(deps, request, async (tx) => {
      const current = await awaiting(tx.db, id, secret);
      if (c.req.param('outcome') === 'fail') return failAuthentication(tx, current);
      const { intent } = await confirmIntent(tx, current, { offSession: false, authenticated: true });
      await settleInvoiceOf(tx, intent);
      return intent;
    });
    return c.json({ id: pi.id, object: 'payment_intent', status: pi.status });
  });

  return routes;
}
