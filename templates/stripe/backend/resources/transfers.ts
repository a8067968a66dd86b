import { Hono } from 'hono';
import {
  cancelPayout,
  createPayout,
  createTransfer,
  payoutStatus,
  reverseTransfer,
  transferDestination,
} from '../connect.js';
import { pageOf } from '../list.js';
import {
  chargeAmount,
  currency,
  mergeMetadata,
  metadata,
  missing,
  nullableString,
  oneOf,
  rejectUnknown,
  string,
} from '../params.js';
import { expansionPlans } from '../render.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { saveObject } from '../store/objects.js';
import { invalidRequest, resourceMissing } from '../stripe-error.js';
import { previousAttributes, transact } from '../tx.js';
import type { ChargeObject } from '../views/charge.js';
import type { PayoutObject, TransferObject } from '../views/connect.js';
import { answer, listAnswer, mustFind, retrieveRoute, stringFilter } from './common.js';

/** /v1/transfers: create, retrieve, update, list, and reversals. */
export function transferRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'amount',
      'currency',
      'description',
      'destination',
      'expand',
      'metadata',
      'source_transaction',
      'transfer_group',
    ]);
    expansionPlans(params, 'transfer');
    if (params.amount === undefined) missing('amount');
    if (params.currency === undefined) missing('currency');
    if (params.destination === undefined) missing('destination');
    const amount = chargeAmount(params.amount, 'amount', { min: 1 });
    const code = currency(params.currency);
    const transfer = await transact(deps, c, async (tx) => {
      const destination = await transferDestination(tx, string(params.destination, 'destination'));
      let source: ChargeObject | null = null;
      if (params.source_transaction !== undefined) {
        const id = string(params.source_transaction, 'source_transaction');
        source = await mustFind<ChargeObject>(tx.db, 'charges', 'charge', id, {
          param: 'source_transaction',
        });
        if (source.status !== 'succeeded' || !source.captured) {
          throw invalidRequest(`The charge ${id} has not succeeded, so it cannot fund a transfer.`, {
            param: 'source_transaction',
          });
        }
        if (source.currency !== code) {
          throw invalidRequest('The currency of source_transaction must match the transfer currency.', {
            param: 'currency',
          });
        }
        if (amount > source.amount_captured - source.amount_refunded) {
          throw invalidRequest(
            'The transfer amount is greater than what is left on the source_transaction.',
            {
              param: 'amount',
            },
          );
        }
      }
      return createTransfer(tx, {
        amount,
        currency: code,
        destination,
        description:
          params.description === undefined ? null : nullableString(params.description, 'description'),
        metadata: metadata(params.metadata),
        sourceTransaction: source,
        transferGroup:
          params.transfer_group === undefined
            ? null
            : nullableString(params.transfer_group, 'transfer_group'),
      });
    });
    return c.json(await answer(deps, params, transfer));
  });

  routes.get('/', async (c) =>
    c.json(
      await listAnswer(deps, c, {
        table: 'transfers',
        type: 'transfer',
        noun: 'transfer',
        url: '/v1/transfers',
        params: ['destination', 'transfer_group'],
        filters: (p) => [...stringFilter(p, 'destination'), ...stringFilter(p, 'transfer_group')],
      }),
    ),
  );

  routes.get('/:id/reversals', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['ending_before', 'expand', 'limit', 'starting_after']);
    const transfer = await mustFind<TransferObject>(deps.pool, 'transfers', 'transfer', c.req.param('id'));
    return c.json(
      pageOf(transfer.reversals.data, params, {
        url: `/v1/transfers/${transfer.id}/reversals`,
        noun: 'transfer_reversal',
      }),
    );
  });

  routes.post('/:id/reversals', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['amount', 'description', 'expand', 'metadata', 'refund_application_fee']);
    const amount = params.amount === undefined ? null : chargeAmount(params.amount, 'amount', { min: 1 });
    const reversal = await transact(deps, c, async (tx) => {
      const transfer = await mustFind<TransferObject>(tx.db, 'transfers', 'transfer', c.req.param('id'), {
        forUpdate: true,
      });
      return reverseTransfer(tx, transfer, amount, metadata(params.metadata));
    });
    return c.json(reversal);
  });

  routes.get('/:id/reversals/:reversal', async (c) => {
    rejectUnknown(c.get('params'), ['expand']);
    const transfer = await mustFind<TransferObject>(deps.pool, 'transfers', 'transfer', c.req.param('id'));
    const reversal = transfer.reversals.data.find((each) => each.id === c.req.param('reversal'));
    if (!reversal) throw resourceMissing('transfer_reversal', c.req.param('reversal'));
    return c.json(reversal);
  });

  routes.get('/:id', retrieveRoute(deps, 'transfers', 'transfer'));

  routes.post('/:id', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['description', 'expand', 'metadata']);
    expansionPlans(params, 'transfer');
    const transfer = await transact(deps, c, async (tx) => {
      const current = await mustFind<TransferObject>(tx.db, 'transfers', 'transfer', c.req.param('id'), {
        forUpdate: true,
      });
      const next = structuredClone(current);
      if (params.description !== undefined)
        next.description = nullableString(params.description, 'description');
      if (params.metadata !== undefined) next.metadata = mergeMetadata(next.metadata, params.metadata);
      const previous = previousAttributes(current, next);
      if (Object.keys(previous).length === 0) return current;
      await saveObject(tx.db, 'transfers', next);
      await tx.emit('transfer.updated', next, previous);
      return next;
    });
    return c.json(await answer(deps, params, transfer));
  });

  return routes;
}

/** /v1/payouts: create, retrieve, update, list, cancel (to the platform's test bank account). */
export function payoutRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'amount',
      'currency',
      'description',
      'destination',
      'expand',
      'metadata',
      'method',
      'source_type',
      'statement_descriptor',
    ]);
    expansionPlans(params, 'payout');
    if (params.amount === undefined) missing('amount');
    if (params.currency === undefined) missing('currency');
    const amount = chargeAmount(params.amount, 'amount', { min: 1 });
    const code = currency(params.currency);
    if (params.destination !== undefined) string(params.destination, 'destination');
    if (params.source_type !== undefined) {
      oneOf(params.source_type, 'source_type', ['bank_account', 'card', 'fpx'] as const);
    }
    const payout = await transact(deps, c, async (tx) =>
      createPayout(tx, {
        amount,
        currency: code,
        description:
          params.description === undefined ? null : nullableString(params.description, 'description'),
        method:
          params.method === undefined
            ? 'standard'
            : oneOf(params.method, 'method', ['instant', 'standard'] as const),
        metadata: metadata(params.metadata),
        statementDescriptor:
          params.statement_descriptor === undefined
            ? null
            : nullableString(params.statement_descriptor, 'statement_descriptor', { max: 22 }),
      }),
    );
    return c.json(await answer(deps, params, payout));
  });

  routes.get('/', async (c) => {
    const params = c.get('params');
    const status =
      params.status === undefined
        ? null
        : oneOf(params.status, 'status', ['canceled', 'failed', 'in_transit', 'paid', 'pending'] as const);
    return c.json(
      await listAnswer(deps, c, {
        table: 'payouts',
        type: 'payout',
        noun: 'payout',
        url: '/v1/payouts',
        params: ['arrival_date', 'destination', 'status'],
        filters: (p) => stringFilter(p, 'destination'),
        // A payout's status moves with time (pending → paid), so it is filtered as answered.
        keep: (payout) => status === null || payoutStatus(payout, Math.floor(deps.now() / 1000)) === status,
      }),
    );
  });

  routes.get('/:id', retrieveRoute(deps, 'payouts', 'payout'));

  routes.post('/:id/cancel', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['expand']);
    expansionPlans(params, 'payout');
    const payout = await transact(deps, c, async (tx) =>
      cancelPayout(
        tx,
        await mustFind<PayoutObject>(tx.db, 'payouts', 'payout', c.req.param('id'), { forUpdate: true }),
      ),
    );
    return c.json(await answer(deps, params, payout));
  });

  routes.post('/:id', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['expand', 'metadata']);
    expansionPlans(params, 'payout');
    const payout = await transact(deps, c, async (tx) => {
      const current = await mustFind<PayoutObject>(tx.db, 'payouts', 'payout', c.req.param('id'), {
        forUpdate: true,
      });
      const next = structuredClone(current);
      if (params.metadata !== undefined) next.metadata = mergeMetadata(next.metadata, params.metadata);
      const previous = previousAttributes(current, next);
      if (Object.keys(previous).length === 0) return current;
      await saveObject(tx.db, 'payouts', next);
      await tx.emit('payout.updated', next, previous);
      return next;
    });
    return c.json(await answer(deps, params, payout));
  });

  return routes;
}

/** /v1/application_fees: list and retrieve the fees destination charges collected. */
export function applicationFeeRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();
  routes.get('/', async (c) =>
    c.json(
      await listAnswer(deps, c, {
        table: 'application_fees',
        type: 'application_fee',
        noun: 'application_fee',
        url: '/v1/application_fees',
        params: ['charge'],
        filters: (p) => stringFilter(p, 'charge'),
      }),
    ),
  );
  routes.get('/:id/refunds', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['ending_before', 'expand', 'limit', 'starting_after']);
    const fee = await mustFind(deps.pool, 'application_fees', 'application_fee', c.req.param('id'));
    const refunds = fee.refunds as { data: Array<{ id: string }> };
    return c.json(
      pageOf(refunds.data, params, { url: `/v1/application_fees/${fee.id}/refunds`, noun: 'fee_refund' }),
    );
  });
  routes.get('/:id', retrieveRoute(deps, 'application_fees', 'application_fee'));
  return routes;
}
