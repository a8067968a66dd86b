import { Hono } from 'hono';
import {
  amount,
  currency,
  decimal,
  integer,
  mergeMetadata,
  metadata,
  missing,
  nullableString,
  oneOf,
  rejectUnknown,
  string,
} from '../params.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { findObject, insertObject, markDeleted, saveObject } from '../store/objects.js';
import { invalidRequest, resourceMissing } from '../stripe-error.js';
import { previousAttributes, transact } from '../tx.js';
import { type CouponObject, newCoupon } from '../views/billing.js';
import { answer, listAnswer, mustFind, retrieveRoute } from './common.js';

/** /v1/coupons: create, retrieve, update, delete, list. */
export function couponRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'amount_off',
      'applies_to',
      'currency',
      'duration',
      'duration_in_months',
      'expand',
      'id',
      'max_redemptions',
      'metadata',
      'name',
      'percent_off',
      'redeem_by',
    ]);
    if ((params.percent_off === undefined) === (params.amount_off === undefined)) {
      throw invalidRequest('You must pass exactly one of `percent_off` or `amount_off`.', {
        param: 'percent_off',
      });
    }
    let percentOff: number | null = null;
    if (params.percent_off !== undefined) {
      percentOff = decimal(string(params.percent_off, 'percent_off'), 'percent_off');
      if (percentOff <= 0 || percentOff > 100) {
        throw invalidRequest('Invalid percent_off: must be greater than 0 and at most 100', {
          param: 'percent_off',
        });
      }
    }
    const amountOff =
      params.amount_off === undefined ? null : amount(params.amount_off, 'amount_off', { min: 1 });
    if (amountOff !== null && params.currency === undefined) missing('currency');
    const duration =
      params.duration === undefined
        ? 'once'
        : oneOf(params.duration, 'duration', ['forever', 'once', 'repeating'] as const);
    if (duration === 'repeating' && params.duration_in_months === undefined) missing('duration_in_months');
    const coupon = await transact(deps, c, async (tx) => {
      const id = params.id === undefined ? tx.ids.secret(8) : string(params.id, 'id', { max: 200 });
      if (await findObject(tx.db, 'coupons', id)) {
        throw invalidRequest('Coupon already exists.', { code: 'resource_already_exists', param: 'id' });
      }
      const created = newCoupon({
        id,
        created: tx.now,
        amount_off: amountOff,
        currency: amountOff === null ? null : currency(params.currency),
        duration,
        duration_in_months:
          duration === 'repeating'
            ? integer(params.duration_in_months, 'duration_in_months', { min: 1 })
            : null,
        max_redemptions:
          params.max_redemptions === undefined
            ? null
            : integer(params.max_redemptions, 'max_redemptions', { min: 1 }),
        metadata: metadata(params.metadata),
        name: params.name === undefined ? null : nullableString(params.name, 'name', { max: 40 }),
        percent_off: percentOff,
        redeem_by: params.redeem_by === undefined ? null : integer(params.redeem_by, 'redeem_by'),
      });
      await insertObject(tx.db, 'coupons', created);
      await tx.emit('coupon.created', created);
      return created;
    });
    return c.json(await answer(deps, params, coupon));
  });

  routes.get('/', async (c) =>
    c.json(
      await listAnswer(deps, c, { table: 'coupons', type: 'coupon', noun: 'coupon', url: '/v1/coupons' }),
    ),
  );

  routes.get('/:id', retrieveRoute(deps, 'coupons', 'coupon'));

  routes.post('/:id', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['expand', 'metadata', 'name']);
    const coupon = await transact(deps, c, async (tx) => {
      const current = await mustFind<CouponObject>(tx.db, 'coupons', 'coupon', c.req.param('id'), {
        forUpdate: true,
      });
      const next = structuredClone(current);
      if (params.metadata !== undefined) next.metadata = mergeMetadata(current.metadata, params.metadata);
      if (params.name !== undefined) next.name = nullableString(params.name, 'name', { max: 40 });
      const previous = previousAttributes(current, next);
      if (Object.keys(previous).length === 0) return current;
      await saveObject(tx.db, 'coupons', next);
      await tx.emit('coupon.updated', next, previous);
      return next;
    });
    return c.json(await answer(deps, params, coupon));
  });

  routes.delete('/:id', async (c) => {
    rejectUnknown(c.get('params'), []);
    const id = c.req.param('id');
    await transact(deps, c, async (tx) => {
      const coupon = await mustFind(tx.db, 'coupons', 'coupon', id);
      if (!(await markDeleted(tx.db, 'coupons', id))) throw resourceMissing('coupon', id);
      await tx.emit('coupon.deleted', { ...coupon, valid: false });
    });
    return c.json({ id, object: 'coupon', deleted: true });
  });

  return routes;
}
