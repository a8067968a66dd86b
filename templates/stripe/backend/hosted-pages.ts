import type { Context } from 'hono';
import { Hono } from 'hono';
import { completeSession, createSession } from './checkout.js';
import { mustFind } from './resources/common.js';
import type { ResourceDeps } from './route-env.js';
import { findCustomer } from './store/customers.js';
import { listObjects, type StripeObject } from './store/objects.js';
import { invalidRequest, StripeError } from './stripe-error.js';
import { DEFAULT_API_VERSION, transact } from './tx.js';
import type { CheckoutSessionObject, PaymentLinkObject } from './views/checkout.js';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const money = (amount: number | null, currency: string | null) =>
  `${((amount ?? 0) / 100).toFixed(2)} ${(currency ?? 'usd').toUpperCase()}`;
const page = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 32rem; margin: 4rem auto">
<h1>${escapeHtml(title)}</h1>
${body}
</body></html>`;

/** Form fields (a browser's POST) or query parameters (a script's), whichever were sent. */
async function formOf(c: Context): Promise<URLSearchParams> {
  const fields = new URLSearchParams(new URL(c.req.url).search);
  const type = c.req.header('content-type') ?? '';
  if (type.startsWith('application/x-www-form-urlencoded')) {
    for (const [key, value] of new URLSearchParams(await c.req.text())) fields.set(key, value);
  }
  return fields;
}

const wantsHtml = (c: Context) => (c.req.header('accept') ?? '').includes('text/html');

const request = { requestId: null, idempotencyKey: null, apiVersion: DEFAULT_API_VERSION };

/**
 * The clone's stand-ins for Stripe's hosted pages, like the 3-D Secure one: Checkout
 * (`checkout.session.url`: "Pay" completes the session), payment links (`payment_link.url`:
 * opening one starts a session) and the customer portal (`billing_portal.session.url`).
 * A session's id, as on Stripe, is the only credential: it is what a browser is handed.
 */
export function createHostedPageRoutes(deps: ResourceDeps): Hono {
  const routes = new Hono();

  routes.get('/checkout/:id', async (c) => {
    const session = await mustFind<CheckoutSessionObject>(
      deps.pool,
      'checkout_sessions',
      'checkout session',
      c.req.param('id'),
    );
    if (session.status !== 'open') {
      return c.html(page('Checkout', `<p>This Checkout Session is ${escapeHtml(session.status)}.</p>`));
    }
    const items = session._line_items
      .map(
        (item) =>
          `<li>${escapeHtml(item.description ?? item.price.id)} × ${item.quantity}: ${money(item.amount_total, item.currency)}</li>`,
      )
      .join('');
    const action = `/_asym/checkout/${encodeURIComponent(session.id)}/complete`;
    return c.html(
      page(
        'Checkout (test mode)',
        `<ul>${items}</ul>
<p>Total: ${escapeHtml(session.mode === 'setup' ? 'no payment (saving a card)' : money(session.amount_total, session.currency))}</p>
<form method="post" action="${escapeHtml(action)}">
  <label>Email <input name="email" value="${escapeHtml(session.customer_email ?? '')}"></label><br>
  <label>Test card <select name="payment_method">
    <option value="pm_card_visa">Visa 4242 (succeeds)</option>
    <option value="pm_card_chargeDeclined">4000 0000 0000 0002 (declined)</option>
  </select></label><br>
  ${session.allow_promotion_codes ? '<label>Promotion code <input name="promotion_code"></label><br>' : ''}
  <button>${session.mode === 'setup' ? 'Save card' : session.mode === 'subscription' ? 'Subscribe' : 'Pay'}</button>
</form>${session.cancel_url ? `<p><a href="${escapeHtml(session.cancel_url)}">Cancel</a></p>` : ''}`,
      ),
    );
  });

  // Completing: `payment_method` (a test card, pm_card_visa by default), `email`, `name`,
  // `promotion_code`. A browser is sent on to `success_url`; a script gets JSON.
  routes.post('/checkout/:id/complete', async (c) => {
    const form = await formOf(c);
    const session = await transact(deps, request, async (tx) => {
      const current = await mustFind<CheckoutSessionObject>(
        tx.db,
        'checkout_sessions',
        'checkout session',
        c.req.param('id'),
        {
          forUpdate: true,
        },
      );
      return completeSession(tx, current, {
        paymentMethod: form.get('payment_method') || 'pm_card_visa',
        email: form.get('email') || null,
        name: form.get('name') || null,
        promotionCode: form.get('promotion_code') || null,
      });
    });
    const next = session.success_url?.replaceAll('{CHECKOUT_SESSION_ID}', session.id) ?? null;
    if (wantsHtml(c)) {
      return next ? c.redirect(next, 303) : c.html(page('Thanks!', '<p>Your payment is complete.</p>'));
    }
    return c.json({
      id: session.id,
      object: 'checkout.session',
      status: session.status,
      payment_status: session.payment_status,
      payment_intent: session.payment_intent,
      subscription: session.subscription,
      setup_intent: session.setup_intent,
      customer: session.customer,
      redirect_url: next,
    });
  });

  // Opening a payment link starts a Checkout Session for its items, as buy.stripe.com does.
  routes.get('/pay/:id', async (c) => {
    const session = await transact(deps, request, async (tx) => {
      const link = await mustFind<PaymentLinkObject>(
        tx.db,
        'payment_links',
        'payment_link',
        c.req.param('id'),
      );
      if (!link.active) {
        throw invalidRequest(
          (link.inactive_message as string | null) ?? 'This payment link is no longer active.',
          {
            code: 'payment_link_inactive',
          },
        );
      }
      const recurring = link._line_items.some((item) => item.price.type === 'recurring');
      const data = (recurring ? link.subscription_data : link.payment_intent_data) as Record<
        string,
        unknown
      > | null;
      const after = link.after_completion as { type: string; redirect?: { url: string } };
      const items = link._line_items.map((item) => ({ ...structuredClone(item), id: tx.ids.object('li') }));
      return createSession(tx, {
        mode: recurring ? 'subscription' : 'payment',
        params: {
          ...(link.allow_promotion_codes ? { allow_promotion_codes: 'true' } : {}),
          ...(recurring ? {} : { customer_creation: link.customer_creation as string }),
          ...(after.type === 'redirect' && after.redirect ? { success_url: after.redirect.url } : {}),
          ...(data
            ? {
                [recurring ? 'subscription_data' : 'payment_intent_data']: Object.fromEntries(
                  Object.entries({
                    metadata: data.metadata,
                    description: data.description ?? undefined,
                    ...(recurring ? { trial_period_days: data.trial_period_days ?? undefined } : {}),
                  })
                    .filter(
                      ([, v]) =>
                        v !== undefined &&
                        !(typeof v === 'object' && v !== null && Object.keys(v).length === 0),
                    )
                    .map(([k, v]) => [k, typeof v === 'number' ? String(v) : v]),
                ),
              }
            : {}),
          metadata: link.metadata,
        },
        items,
        taxRates: [],
        paymentLink: link,
      });
    });
    return c.redirect(session.url ?? `/_asym/checkout/${session.id}`, 303);
  });

  routes.get('/portal/:id', async (c) => {
    const portal = await mustFind(
      deps.pool,
      'billing_portal_sessions',
      'billing portal session',
      c.req.param('id'),
    );
    const customer = await findCustomer(deps.pool, portal.customer as string);
    if (!customer) throw new StripeError(404, 'invalid_request_error', 'No such customer.');
    const subs = await listObjects(deps.pool, 'subscriptions', {
      filters: [{ path: ['customer'], values: [customer.id] }],
    });
    const invoices = await listObjects(deps.pool, 'invoices', {
      filters: [{ path: ['customer'], values: [customer.id] }],
    });
    const row = (o: StripeObject, text: string) => `<li>${escapeHtml(o.id)}: ${escapeHtml(text)}</li>`;
    return c.html(
      page(
        `Billing portal: ${customer.name ?? customer.email ?? customer.id}`,
        `<h2>Subscriptions</h2><ul>${subs.map((s) => row(s.data, String(s.data.status))).join('')}</ul>
<h2>Invoices</h2><ul>${invoices
          .map((i) =>
            row(i.data, `${i.data.status} ${money(i.data.total as number, i.data.currency as string)}`),
          )
          .join(
            '',
          )}</ul>${portal.return_url ? `<p><a href="${escapeHtml(portal.return_url as string)}">Return</a></p>` : ''}`,
      ),
    );
  });

  return routes;
}
