import { Hono } from 'hono';
import {
  amount,
  boolean,
  currency,
  hash,
  integer,
  mergeMetadata,
  metadata,
  missing,
  rejectUnknown,
  string,
} from '../params.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { findCustomer } from '../store/customers.js';
import { findLive, insertObject, listObjects, saveObject } from '../store/objects.js';
import { invalidRequest, resourceMissing } from '../stripe-error.js';
import type { Tx } from '../tx.js';
import { transact } from '../tx.js';
import type { CouponObject, DiscountObject } from '../views/billing.js';
import { newPromotionCode, type PromotionCodeObject } from '../views/catalogue.js';
import { answer, booleanFilter, listAnswer, retrieveRoute, stringFilter } from './common.js';
import { redeemCoupon } from './invoices.js';
import { updateRoute } from './updates.js';

const CODE = /^[a-zA-Z0-9]{3,500}$/;

async function liveCode(tx: Tx, code: string): Promise<PromotionCodeObject | null> {
  const rows = await listObjects<PromotionCodeObject>(tx.db, 'promotion_codes', {
    filters: [{ path: ['active'], values: ['true'] }],
  });
  return rows.map((row) => row.data).find((p) => p.code.toLowerCase() === code.toLowerCase()) ?? null;
}

/** Has the customer paid anything yet (`first_time_transaction` is for those who have not)? */
async function hasPaid(tx: Tx, customer: string): Promise<boolean> {
  const rows = await listObjects(tx.db, 'charges', {
    filters: [
      { path: ['customer'], values: [customer] },
      { path: ['status'], values: ['succeeded'] },
    ],
    limit: 1,
  });
  return rows.length > 0;
}

/**
 * Redeems a promotion code (by id `promo_...`) for `owner`: its restrictions checked as
 * Stripe checks them, its coupon redeemed, both redemption counts raised. `amount` is what
 * the discount would apply to (`minimum_amount`), when known.
 */
export async function redeemPromotionCode(
  tx: Tx,
  id: string,
  owner: { customer: string | null; subscription: string | null; invoice?: string | null },
  param: string,
  purchase: { amount: number; currency: string } | null = null,
): Promise<DiscountObject> {
  const promo = await findLive<PromotionCodeObject>(tx.db, 'promotion_codes', id, { forUpdate: true });
  if (!promo) throw resourceMissing('promotion code', id, param);
  const invalid = (why: string) =>
    invalidRequest(`This promotion code cannot be redeemed${why}.`, {
      code: 'promotion_code_invalid',
      param,
    });
  if (!promo.active) throw invalid(' because it is inactive');
  if (promo.expires_at !== null && promo.expires_at <= tx.now) throw invalid(' because it has expired');
  if (promo.max_redemptions !== null && promo.times_redeemed >= promo.max_redemptions) {
    throw invalid(' because it has reached its maximum number of redemptions');
  }
  if (promo.customer !== null && promo.customer !== owner.customer) {
    throw invalid(' by this customer');
  }
  if (promo.restrictions.first_time_transaction && owner.customer && (await hasPaid(tx, owner.customer))) {
    throw invalid(' because it is only for customers who have never made a purchase');
  }
  const { minimum_amount: minimum, minimum_amount_currency: minimumCurrency } = promo.restrictions;
  if (minimum !== null && purchase && (purchase.currency !== minimumCurrency || purchase.amount < minimum)) {
    throw invalid(` because the order is below its minimum amount of ${minimum} ${minimumCurrency}`);
  }
  const discount = await redeemCoupon(tx, promo.promotion.coupon, owner, param);
  promo.times_redeemed += 1;
  await saveObject(tx.db, 'promotion_codes', promo);
  return { ...discount, promotion_code: promo.id };
}

/** The promotion code a customer typed at checkout (`code`, case-insensitive), if live. */
export async function promotionCodeByCode(tx: Tx, code: string): Promise<PromotionCodeObject | null> {
  return liveCode(tx, code);
}

/** /v1/promotion_codes: create, retrieve, update, list. */
export function promotionCodeRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'active',
      'code',
      'customer',
      'expand',
      'expires_at',
      'max_redemptions',
      'metadata',
      'promotion',
      'restrictions',
    ]);
    if (params.promotion === undefined) missing('promotion');
    const promotion = hash(params.promotion, 'promotion', ['coupon', 'type']);
    if (promotion.type === undefined) missing('promotion[type]');
    if (promotion.type !== 'coupon')
      throw invalidRequest('Invalid promotion[type]: must be coupon', { param: 'promotion[type]' });
    if (promotion.coupon === undefined) missing('promotion[coupon]');
    const couponId = string(promotion.coupon, 'promotion[coupon]');
    const restrictions = {
      first_time_transaction: false,
      minimum_amount: null as number | null,
      minimum_amount_currency: null as string | null,
    };
    if (params.restrictions !== undefined) {
      const raw = hash(params.restrictions, 'restrictions', [
        'currency_options',
        'first_time_transaction',
        'minimum_amount',
        'minimum_amount_currency',
      ]);
      if (raw.first_time_transaction !== undefined) {
        restrictions.first_time_transaction = boolean(
          raw.first_time_transaction,
          'restrictions[first_time_transaction]',
        );
      }
      if (raw.minimum_amount !== undefined) {
        restrictions.minimum_amount = amount(raw.minimum_amount, 'restrictions[minimum_amount]', { min: 1 });
        if (raw.minimum_amount_currency === undefined) missing('restrictions[minimum_amount_currency]');
        restrictions.minimum_amount_currency = currency(
          raw.minimum_amount_currency,
          'restrictions[minimum_amount_currency]',
        );
      }
    }
    const promo = await transact(deps, c, async (tx) => {
      const coupon = await findLive<CouponObject>(tx.db, 'coupons', couponId);
      if (!coupon) throw resourceMissing('coupon', couponId, 'promotion[coupon]');
      let code: string;
      if (params.code !== undefined) {
        code = string(params.code, 'code');
        if (!CODE.test(code)) {
          throw invalidRequest('Promotion codes can only contain alphanumeric characters.', {
            param: 'code',
          });
        }
        if (await liveCode(tx, code)) {
          throw invalidRequest('An active promotion code with `code` already exists.', {
            code: 'resource_already_exists',
            param: 'code',
          });
        }
      } else {
        code = tx.ids.secret(8).toUpperCase();
      }
      let customer: string | null = null;
      if (params.customer !== undefined) {
        customer = string(params.customer, 'customer');
        const row = await findCustomer(tx.db, customer);
        if (!row || row.deleted) throw resourceMissing('customer', customer, 'customer');
      }
      const out = newPromotionCode({
        id: tx.ids.object('promo'),
        created: tx.now,
        code,
        coupon: coupon.id,
        customer,
        active: params.active === undefined ? true : boolean(params.active, 'active'),
        expires_at:
          params.expires_at === undefined
            ? null
            : integer(params.expires_at, 'expires_at', { min: tx.now + 1 }),
        max_redemptions:
          params.max_redemptions === undefined
            ? null
            : integer(params.max_redemptions, 'max_redemptions', { min: 1 }),
        metadata: metadata(params.metadata),
        restrictions,
      });
      await insertObject(tx.db, 'promotion_codes', out);
      await tx.emit('promotion_code.created', out);
      return out;
    });
    return c.json(await answer(deps, params, promo));
  });

  routes.get('/', async (c) =>
    c.json(
      await listAnswer(deps, c, {
        table: 'promotion_codes',
        type: 'promotion_code',
        noun: 'promotion_code',
        url: '/v1/promotion_codes',
        params: ['active', 'code', 'coupon', 'customer'],
        filters: (params) => [
          ...booleanFilter(params, 'active'),
          ...stringFilter(params, 'code'),
          ...stringFilter(params, 'coupon', ['promotion', 'coupon']),
          ...stringFilter(params, 'customer'),
        ],
      }),
    ),
  );

  routes.get('/:id', retrieveRoute(deps, 'promotion_codes', 'promotion_code'));

  routes.post(
    '/:id',
    updateRoute<PromotionCodeObject>(deps, {
      table: 'promotion_codes',
      noun: 'promotion_code',
      event: 'promotion_code.updated',
      allowed: ['active', 'metadata', 'restrictions'],
      apply: (_tx, next, params) => {
        if (params.active !== undefined) next.active = boolean(params.active, 'active');
        if (params.metadata !== undefined) next.metadata = mergeMetadata(next.metadata, params.metadata);
        if (params.restrictions !== undefined)
          hash(params.restrictions, 'restrictions', ['currency_options']);
      },
    }),
  );

  return routes;
}
