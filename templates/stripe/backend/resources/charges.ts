import { Hono } from 'hono';
import { namedCard } from '../cards.js';
import { balanceObject, balanceOf } from '../connect.js';
import {
  boolean,
  chargeAmount,
  currency,
  email,
  mergeMetadata,
  metadata,
  missing,
  nullableString,
  rejectUnknown,
  string,
} from '../params.js';
import { captureCharge, captureIntent, directCharge } from '../payments.js';
import { expansionPlans } from '../render.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { findCustomer } from '../store/customers.js';
import { saveObject } from '../store/objects.js';
import { invalidRequest, resourceMissing } from '../stripe-error.js';
import { previousAttributes, transact } from '../tx.js';
import type { ChargeObject } from '../views/charge.js';
import type { PaymentIntentObject } from '../views/payment-intent.js';
import type { PaymentMethodObject } from '../views/payment-method.js';
import {
  answer,
  listAnswer,
  mustFind,
  nowSeconds,
  retrieveRoute,
  searchRoute,
  stringFilter,
} from './common.js';
import { insertCardPaymentMethod, resolvePaymentMethod } from './payment-methods.js';

/** What `charges.search` queries may name (https://docs.stripe.com/search#query-fields-for-charges). */
const SEARCH_FIELDS = {
  amount: (o: Record<string, unknown>) => o.amount,
  created: (o: Record<string, unknown>) => o.created,
  currency: (o: Record<string, unknown>) => o.currency,
  customer: (o: Record<string, unknown>) => o.customer,
  disputed: (o: Record<string, unknown>) => String(o.disputed),
  payment_intent: (o: Record<string, unknown>) => o.payment_intent,
  refunded: (o: Record<string, unknown>) => String(o.refunded),
  status: (o: Record<string, unknown>) => o.status,
  'billing_details.address.postal_code': (o: Record<string, unknown>) =>
    (o.billing_details as { address?: { postal_code?: string | null } } | null)?.address?.postal_code ?? null,
  'payment_method_details.card.last4': (o: Record<string, unknown>) =>
    (o.payment_method_details as { card?: { last4?: string } } | null)?.card?.last4 ?? null,
  'payment_method_details.card.brand': (o: Record<string, unknown>) =>
    (o.payment_method_details as { card?: { brand?: string } } | null)?.card?.brand ?? null,
};

/** /v1/charges: retrieve, update, list (charges are made by confirming payment intents). */
export function chargeRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.get('/', async (c) =>
    c.json(
      await listAnswer(deps, c, {
        table: 'charges',
        type: 'charge',
        noun: 'charge',
        url: '/v1/charges',
        params: ['customer', 'payment_intent', 'transfer_group'],
        filters: (params) => [...stringFilter(params, 'customer'), ...stringFilter(params, 'payment_intent')],
      }),
    ),
  );

  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'amount',
      'capture',
      'currency',
      'customer',
      'description',
      'expand',
      'metadata',
      'payment_method',
      'receipt_email',
      'source',
      'statement_descriptor',
      'statement_descriptor_suffix',
    ]);
    expansionPlans(params, 'charge');
    if (params.amount === undefined) missing('amount');
    if (params.currency === undefined) missing('currency');
    const amount = chargeAmount(params.amount, 'amount', { min: 50 });
    const code = currency(params.currency);
    const result = await transact(deps, c, async (tx) => {
      const customerId = params.customer === undefined ? null : string(params.customer, 'customer');
      if (customerId !== null) {
        const row = await findCustomer(tx.db, customerId);
        if (!row || row.deleted) throw resourceMissing('customer', customerId, 'customer');
      }
      const sourceId =
        params.source !== undefined
          ? string(params.source, 'source')
          : params.payment_method !== undefined
            ? string(params.payment_method, 'payment_method')
            : null;
      let pm: PaymentMethodObject;
      if (sourceId !== null) {
        const card = namedCard(sourceId, 'tok_');
        pm = card
          ? await insertCardPaymentMethod(tx, card)
          : await resolvePaymentMethod(
              tx,
              sourceId,
              params.source !== undefined ? 'source' : 'payment_method',
            );
      } else if (customerId !== null) {
        const row = await findCustomer(tx.db, customerId);
        const id = row?.invoice_settings.default_payment_method;
        if (!id) {
          throw invalidRequest('Cannot charge a customer that has no active card', {
            code: 'missing',
            param: 'card',
          });
        }
        pm = await mustFind<PaymentMethodObject>(tx.db, 'payment_methods', 'PaymentMethod', id);
      } else {
        throw invalidRequest('Must provide source or customer.');
      }
      return directCharge(tx, {
        amount,
        currency: code,
        customer: customerId,
        paymentMethod: pm,
        capture: params.capture === undefined || boolean(params.capture, 'capture'),
        description:
          params.description === undefined ? null : nullableString(params.description, 'description'),
        metadata: metadata(params.metadata),
        receiptEmail:
          params.receipt_email === undefined ? null : email(params.receipt_email, 'receipt_email'),
        statementDescriptor:
          params.statement_descriptor === undefined
            ? null
            : nullableString(params.statement_descriptor, 'statement_descriptor', { max: 22 }),
      });
    });
    if (result.error) throw result.error;
    return c.json(await answer(deps, params, result.charge));
  });

  routes.post('/:id/capture', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'amount',
      'expand',
      'receipt_email',
      'statement_descriptor',
      'statement_descriptor_suffix',
    ]);
    expansionPlans(params, 'charge');
    const charge = await transact(deps, c, async (tx) => {
      const current = await mustFind<ChargeObject>(tx.db, 'charges', 'charge', c.req.param('id'), {
        forUpdate: true,
      });
      const amount = params.amount === undefined ? null : chargeAmount(params.amount, 'amount', { min: 1 });
      if (current.payment_intent) {
        const pi = await mustFind<PaymentIntentObject>(
          tx.db,
          'payment_intents',
          'payment_intent',
          current.payment_intent,
          {
            forUpdate: true,
          },
        );
        await captureIntent(tx, pi, amount);
        return mustFind<ChargeObject>(tx.db, 'charges', 'charge', current.id);
      }
      return captureCharge(tx, current, amount);
    });
    return c.json(await answer(deps, params, charge));
  });

  // Before `/:id`, which would otherwise take `search` for an id.
  routes.get(
    '/search',
    searchRoute(deps, { type: 'charge', table: 'charges', fields: SEARCH_FIELDS, url: '/v1/charges/search' }),
  );

  routes.get('/:id', retrieveRoute(deps, 'charges', 'charge'));

  routes.post('/:id', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'description',
      'expand',
      'fraud_details',
      'metadata',
      'receipt_email',
      'shipping',
      'transfer_group',
    ]);
    const charge = await transact(deps, c, async (tx) => {
      const current = await mustFind<ChargeObject>(tx.db, 'charges', 'charge', c.req.param('id'), {
        forUpdate: true,
      });
      const next = structuredClone(current);
      if (params.description !== undefined)
        next.description = nullableString(params.description, 'description');
      if (params.metadata !== undefined) next.metadata = mergeMetadata(current.metadata, params.metadata);
      if (params.receipt_email !== undefined)
        next.receipt_email = email(params.receipt_email, 'receipt_email');
      const previous = previousAttributes(current, next);
      if (Object.keys(previous).length === 0) return current;
      await saveObject(tx.db, 'charges', next);
      await tx.emit('charge.updated', next, previous);
      return next;
    });
    return c.json(await answer(deps, params, charge));
  });

  routes.get('/:id/refunds', async (c) => {
    const charge = await mustFind(deps.pool, 'charges', 'charge', c.req.param('id'));
    return c.json(
      await listAnswer(deps, c, {
        table: 'refunds',
        type: 'refund',
        noun: 'refund',
        url: `/v1/charges/${charge.id}/refunds`,
        noCreated: true,
        filters: () => [{ path: ['charge'], values: [charge.id] }],
      }),
    );
  });

  return routes;
}

/** /v1/balance_transactions: retrieve, list. */
export function balanceTransactionRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();
  routes.get('/', async (c) =>
    c.json(
      await listAnswer(deps, c, {
        table: 'balance_transactions',
        type: 'balance_transaction',
        noun: 'balance_transaction',
        url: '/v1/balance_transactions',
        params: ['currency', 'payout', 'source', 'type'],
        filters: (params) => [
          ...stringFilter(params, 'currency'),
          ...stringFilter(params, 'source'),
          ...stringFilter(params, 'type'),
        ],
      }),
    ),
  );
  routes.get('/:id', retrieveRoute(deps, 'balance_transactions', 'balance transaction'));
  return routes;
}

/** /v1/balance: what the balance transactions add up to, available or still pending. */
export function balanceRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();
  routes.get('/', async (c) => {
    rejectUnknown(c.get('params'), ['expand']);
    return c.json(balanceObject(await balanceOf(deps.pool, nowSeconds(deps), null)));
  });
  return routes;
}
