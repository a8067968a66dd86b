import { Hono } from 'hono';
import { chargeAmount, currency, metadata, missing, nullableString, rejectUnknown } from '../params.js';
import type { Params } from '../request-params.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { insertObject, type StripeObject, saveObject } from '../store/objects.js';
import { invalidRequest, resourceMissing } from '../stripe-error.js';
import { previousAttributes, transact } from '../tx.js';
import { newBalanceTransaction } from '../views/balance-transaction.js';
import { answer, listAnswer, mustFind, nowSeconds, stringFilter } from './common.js';

/** Test-mode top-ups from the platform's bank arrive (become available) after five days. */
const ARRIVES_AFTER = 5 * 86_400;

interface TopupObject extends StripeObject {
  object: 'topup';
  amount: number;
  currency: string;
  status: 'pending' | 'succeeded' | 'canceled' | 'failed' | 'reversed';
  expected_availability_date: number;
  balance_transaction: string | null;
  metadata: Record<string, string>;
}

/** A pending top-up has succeeded once its funds are available. */
const present = (topup: StripeObject, now: number) =>
  topup.status === 'pending' && (topup.expected_availability_date as number) <= now
    ? { ...topup, status: 'succeeded' }
    : topup;

const statusNow = (topup: TopupObject, now: number) => present(topup, now).status as TopupObject['status'];

async function shown(deps: ResourceDeps, params: Params, topup: StripeObject) {
  return present(await answer(deps, params, topup), nowSeconds(deps));
}

/**
 * /v1/topups: add funds to the platform's balance from its bank. The amount is pending in
 * the balance until the availability date; canceling a pending top-up takes it back out.
 */
export function topupRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'amount',
      'currency',
      'description',
      'expand',
      'metadata',
      'source',
      'statement_descriptor',
      'transfer_group',
    ]);
    if (params.amount === undefined) missing('amount');
    if (params.currency === undefined) missing('currency');
    const amount = chargeAmount(params.amount, 'amount', { min: 1 });
    const code = currency(params.currency);
    const text = (key: string, max = 5000) =>
      params[key] === undefined ? null : nullableString(params[key], key, { max });
    const description = text('description');
    const statementDescriptor = text('statement_descriptor', 15);
    const transferGroup = text('transfer_group');
    const meta = metadata(params.metadata);
    const topup = await transact(deps, c, async (tx) => {
      const id = tx.ids.object('tu');
      const availableOn = tx.now + ARRIVES_AFTER;
      const txn = newBalanceTransaction({
        id: tx.ids.object('txn'),
        created: tx.now,
        amount,
        currency: code,
        description: description ?? 'STRIPE TOPUP',
        fee: 0,
        source: id,
        type: 'topup',
        availableOn,
      });
      await insertObject(tx.db, 'balance_transactions', txn);
      const out: TopupObject = {
        id,
        object: 'topup',
        amount,
        balance_transaction: txn.id,
        created: tx.now,
        currency: code,
        description,
        expected_availability_date: availableOn,
        failure_code: null,
        failure_message: null,
        initiated_by: null,
        livemode: false,
        metadata: meta,
        source: null,
        statement_descriptor: statementDescriptor,
        status: 'pending',
        transfer_group: transferGroup,
      };
      await insertObject(tx.db, 'topups', out);
      await tx.emit('topup.created', out);
      return out;
    });
    return c.json(await shown(deps, params, topup));
  });

  routes.get('/', async (c) => {
    const params = c.get('params');
    const status = params.status;
    if (status !== undefined && !['canceled', 'failed', 'pending', 'succeeded'].includes(status as string)) {
      throw invalidRequest(`Invalid status: must be one of canceled, failed, pending or succeeded`, {
        param: 'status',
      });
    }
    const now = nowSeconds(deps);
    const list = await listAnswer(deps, c, {
      table: 'topups',
      type: 'topup',
      noun: 'topup',
      url: '/v1/topups',
      params: ['amount', 'status'],
      filters: (p) => stringFilter(p, 'amount'),
      keep: (topup) => status === undefined || statusNow(topup as TopupObject, now) === status,
    });
    return c.json({ ...list, data: list.data.map((topup) => present(topup as StripeObject, now)) });
  });

  routes.get('/:id', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['expand']);
    return c.json(await shown(deps, params, await mustFind(deps.pool, 'topups', 'topup', c.req.param('id'))));
  });

  routes.post('/:id/cancel', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['expand']);
    const topup = await transact(deps, c, async (tx) => {
      const current = await mustFind<TopupObject>(tx.db, 'topups', 'topup', c.req.param('id'), {
        forUpdate: true,
      });
      const status = statusNow(current, tx.now);
      if (status !== 'pending') {
        throw invalidRequest(
          `This topup cannot be canceled because it has a status of ${status}. Only pending topups can be canceled.`,
          { code: 'topup_not_cancelable' },
        );
      }
      await insertObject(
        tx.db,
        'balance_transactions',
        newBalanceTransaction({
          id: tx.ids.object('txn'),
          created: tx.now,
          amount: -current.amount,
          currency: current.currency,
          description: 'STRIPE TOPUP CANCEL',
          fee: 0,
          source: current.id,
          type: 'topup_reversal',
          availableOn: current.expected_availability_date,
        }),
      );
      const next: TopupObject = { ...structuredClone(current), status: 'canceled' };
      await saveObject(tx.db, 'topups', next);
      await tx.emit('topup.canceled', next, previousAttributes(current, next));
      return next;
    });
    return c.json(await shown(deps, params, topup));
  });

  return routes;
}

/** /v1/test_helpers/refunds/:id/expire: only refunds awaiting customer action expire; the clone's never wait. */
export function testRefundRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();
  routes.post('/:id/expire', async (c) => {
    rejectUnknown(c.get('params'), ['expand']);
    const refund = await mustFind(deps.pool, 'refunds', 'refund', c.req.param('id'));
    throw invalidRequest(
      `Only refunds with a status of requires_action can be expired; this refund has a status of ${refund.status as string}.`,
      { code: 'refund_not_expirable' },
    );
  });
  return routes;
}

/** /v1/radar/early_fraud_warnings: card networks send none in the clone, so lists are empty. */
export function earlyFraudWarningRoutes(_deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();
  routes.get('/', (c) => {
    rejectUnknown(c.get('params'), [
      'charge',
      'created',
      'ending_before',
      'expand',
      'limit',
      'payment_intent',
      'starting_after',
    ]);
    return c.json({ object: 'list', data: [], has_more: false, url: '/v1/radar/early_fraud_warnings' });
  });
  routes.get('/:id', (c) => {
    rejectUnknown(c.get('params'), ['expand']);
    throw resourceMissing('radar.early_fraud_warning', c.req.param('id'));
  });
  return routes;
}
