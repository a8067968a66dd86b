import { Hono } from 'hono';
import { chargeAmount, mergeMetadata, metadata, oneOf, rejectUnknown, string } from '../params.js';
import { refundCharge } from '../payments.js';
import { expansionPlans } from '../render.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { type StripeObject, saveObject } from '../store/objects.js';
import { invalidRequest } from '../stripe-error.js';
import { previousAttributes, transact } from '../tx.js';
import type { ChargeObject } from '../views/charge.js';
import type { PaymentIntentObject } from '../views/payment-intent.js';
import { answer, listAnswer, mustFind, retrieveRoute, stringFilter } from './common.js';

/** /v1/refunds: create (full or partial), retrieve, update, list, cancel. */
export function refundRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'amount',
      'charge',
      'expand',
      'instructions_email',
      'metadata',
      'payment_intent',
      'reason',
      'refund_application_fee',
      'reverse_transfer',
    ]);
    expansionPlans(params, 'refund');
    if (params.charge === undefined && params.payment_intent === undefined) {
      throw invalidRequest(
        'One of the following params should be provided for this request: payment_intent or charge.',
      );
    }
    const refund = await transact(deps, c, async (tx) => {
      let chargeId: string;
      if (params.payment_intent !== undefined) {
        const pi = await mustFind<PaymentIntentObject>(
          tx.db,
          'payment_intents',
          'payment_intent',
          string(params.payment_intent, 'payment_intent'),
          {
            param: 'payment_intent',
          },
        );
        if (pi.status !== 'succeeded' || pi.latest_charge === null) {
          throw invalidRequest(`This PaymentIntent (${pi.id}) does not have a successful charge to refund.`, {
            code: 'charge_not_refundable',
            param: 'payment_intent',
          });
        }
        chargeId = pi.latest_charge;
      } else {
        chargeId = string(params.charge, 'charge');
      }
      const charge = await mustFind<ChargeObject>(tx.db, 'charges', 'charge', chargeId, {
        param: 'charge',
        forUpdate: true,
      });
      return refundCharge(tx, charge, {
        amount: params.amount === undefined ? null : chargeAmount(params.amount, 'amount', { min: 1 }),
        reason:
          params.reason === undefined
            ? null
            : oneOf(params.reason, 'reason', ['duplicate', 'fraudulent', 'requested_by_customer'] as const),
        metadata: metadata(params.metadata),
      });
    });
    return c.json(await answer(deps, params, refund));
  });

  routes.get('/', async (c) =>
    c.json(
      await listAnswer(deps, c, {
        table: 'refunds',
        type: 'refund',
        noun: 'refund',
        url: '/v1/refunds',
        params: ['charge', 'payment_intent'],
        filters: (params) => [...stringFilter(params, 'charge'), ...stringFilter(params, 'payment_intent')],
      }),
    ),
  );

  routes.get('/:id', retrieveRoute(deps, 'refunds', 'refund'));

  routes.post('/:id', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['expand', 'metadata']);
    const refund = await transact(deps, c, async (tx) => {
      const current = await mustFind<StripeObject & { metadata: Record<string, string> }>(
        tx.db,
        'refunds',
        'refund',
        c.req.param('id'),
        {
          forUpdate: true,
        },
      );
      if (params.metadata === undefined) return current;
      const next = { ...current, metadata: mergeMetadata(current.metadata, params.metadata) };
      const previous = previousAttributes(current, next);
      if (Object.keys(previous).length === 0) return current;
      await saveObject(tx.db, 'refunds', next);
      await tx.emit('refund.updated', next, previous);
      return next;
    });
    return c.json(await answer(deps, params, refund));
  });

  routes.post('/:id/cancel', async (c) => {
    rejectUnknown(c.get('params'), ['expand']);
    const refund = await mustFind(deps.pool, 'refunds', 'refund', c.req.param('id'));
    throw invalidRequest(
      `Refund ${refund.id} has a status of ${String(refund.status)} and cannot be canceled. Only refunds with a status of requires_action can be canceled.`,
    );
  });

  return routes;
}
