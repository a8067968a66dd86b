import { Hono } from 'hono';
import { lineItemsFrom, paymentLinkUrl, shippingOptionsFrom } from '../checkout.js';
import { pageOf } from '../list.js';
import {
  boolean,
  hash,
  integer,
  mergeMetadata,
  metadata,
  missing,
  nullableString,
  oneOf,
  rejectUnknown,
  string,
} from '../params.js';
import type { Params } from '../request-params.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { insertObject } from '../store/objects.js';
import { invalidRequest } from '../stripe-error.js';
import { transact } from '../tx.js';
import { newPaymentLink, type PaymentLinkObject } from '../views/checkout.js';
import { answer, booleanFilter, listAnswer, mustFind, retrieveRoute } from './common.js';
import { updateRoute } from './updates.js';

function afterCompletion(value: unknown): Record<string, unknown> {
  const raw = hash(value, 'after_completion', ['hosted_confirmation', 'redirect', 'type']);
  if (raw.type === undefined) missing('after_completion[type]');
  const type = oneOf(raw.type, 'after_completion[type]', ['hosted_confirmation', 'redirect'] as const);
  if (type === 'redirect') {
    if (raw.redirect === undefined) missing('after_completion[redirect]');
    const redirect = hash(raw.redirect, 'after_completion[redirect]', ['url']);
    if (redirect.url === undefined) missing('after_completion[redirect][url]');
    return {
      redirect: { url: string(redirect.url, 'after_completion[redirect][url]', { max: 2048 }) },
      type,
    };
  }
  const hosted =
    raw.hosted_confirmation === undefined
      ? {}
      : hash(raw.hosted_confirmation, 'after_completion[hosted_confirmation]', ['custom_message']);
  return {
    hosted_confirmation: {
      custom_message:
        hosted.custom_message === undefined
          ? null
          : nullableString(hosted.custom_message, 'after_completion[hosted_confirmation][custom_message]', {
              max: 500,
            }),
    },
    type,
  };
}

function restrictions(value: unknown) {
  const raw = hash(value, 'restrictions', ['completed_sessions']);
  if (raw.completed_sessions === undefined) missing('restrictions[completed_sessions]');
  const sessions = hash(raw.completed_sessions, 'restrictions[completed_sessions]', ['limit']);
  if (sessions.limit === undefined) missing('restrictions[completed_sessions][limit]');
  return {
    completed_sessions: {
      count: 0,
      limit: integer(sessions.limit, 'restrictions[completed_sessions][limit]', { min: 1 }),
    },
  };
}

function intentData(params: Params, key: 'payment_intent_data' | 'subscription_data') {
  if (params[key] === undefined) return null;
  const raw = hash(
    params[key],
    key,
    key === 'payment_intent_data'
      ? ['capture_method', 'description', 'metadata', 'setup_future_usage', 'statement_descriptor']
      : ['description', 'metadata', 'trial_period_days'],
  );
  if (key === 'payment_intent_data') {
    return {
      capture_method:
        raw.capture_method === undefined
          ? null
          : oneOf(raw.capture_method, `${key}[capture_method]`, [
              'automatic',
              'automatic_async',
              'manual',
            ] as const),
      description:
        raw.description === undefined ? null : string(raw.description, `${key}[description]`, { max: 1000 }),
      metadata: metadata(raw.metadata, `${key}[metadata]`),
      setup_future_usage:
        raw.setup_future_usage === undefined
          ? null
          : oneOf(raw.setup_future_usage, `${key}[setup_future_usage]`, [
              'off_session',
              'on_session',
            ] as const),
      statement_descriptor:
        raw.statement_descriptor === undefined
          ? null
          : string(raw.statement_descriptor, `${key}[statement_descriptor]`, { max: 22 }),
      statement_descriptor_suffix: null,
      transfer_group: null,
    };
  }
  return {
    description:
      raw.description === undefined ? null : string(raw.description, `${key}[description]`, { max: 500 }),
    invoice_settings: { issuer: { type: 'self' } },
    metadata: metadata(raw.metadata, `${key}[metadata]`),
    trial_period_days:
      raw.trial_period_days === undefined
        ? null
        : integer(raw.trial_period_days, `${key}[trial_period_days]`, { min: 1, max: 730 }),
    trial_settings: null,
  };
}

/** /v1/payment_links: create, retrieve, update, list, line items. */
export function paymentLinkRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'after_completion',
      'allow_promotion_codes',
      'billing_address_collection',
      'currency',
      'customer_creation',
      'expand',
      'inactive_message',
      'line_items',
      'metadata',
      'payment_intent_data',
      'payment_method_collection',
      'payment_method_types',
      'phone_number_collection',
      'restrictions',
      'shipping_address_collection',
      'shipping_options',
      'submit_type',
      'subscription_data',
    ]);
    if (params.line_items === undefined) missing('line_items');
    const link = await transact(deps, c, async (tx) => {
      const { items } = await lineItemsFrom(tx, params.line_items, { priceData: false });
      const first = items[0];
      if (!first) missing('line_items');
      if (items.some((item) => item.currency !== first.currency)) {
        throw invalidRequest('All line items must have the same currency.', { param: 'line_items' });
      }
      const recurring = items.some((item) => item.price.type === 'recurring');
      if (recurring && params.payment_intent_data !== undefined) {
        throw invalidRequest(
          'You can not pass `payment_intent_data` when a line item has a recurring price.',
          {
            param: 'payment_intent_data',
          },
        );
      }
      const id = tx.ids.object('plink');
      const out = newPaymentLink({
        id,
        active: true,
        allow_promotion_codes:
          params.allow_promotion_codes !== undefined &&
          boolean(params.allow_promotion_codes, 'allow_promotion_codes'),
        currency: first.currency,
        metadata: metadata(params.metadata),
        restrictions: params.restrictions === undefined ? null : restrictions(params.restrictions),
        url: paymentLinkUrl(tx, id),
        afterCompletion:
          params.after_completion === undefined
            ? { hosted_confirmation: { custom_message: null }, type: 'hosted_confirmation' }
            : afterCompletion(params.after_completion),
        customerCreation:
          params.customer_creation === undefined
            ? 'if_required'
            : oneOf(params.customer_creation, 'customer_creation', ['always', 'if_required'] as const),
        shippingOptions:
          params.shipping_options === undefined
            ? []
            : await shippingOptionsFrom(tx, params.shipping_options, first.currency),
        paymentIntentData: recurring ? null : intentData(params, 'payment_intent_data'),
        subscriptionData: recurring ? intentData(params, 'subscription_data') : null,
      });
      out.inactive_message =
        params.inactive_message === undefined
          ? null
          : string(params.inactive_message, 'inactive_message', { max: 500 });
      out._line_items = items;
      await insertObject(tx.db, 'payment_links', out, tx.now);
      await tx.emit('payment_link.created', out);
      return out;
    });
    return c.json(await answer(deps, params, link));
  });

  routes.get('/', async (c) =>
    c.json(
      await listAnswer(deps, c, {
        table: 'payment_links',
        type: 'payment_link',
        noun: 'payment_link',
        url: '/v1/payment_links',
        params: ['active'],
        noCreated: true,
        filters: (params) => booleanFilter(params, 'active'),
      }),
    ),
  );

  routes.get('/:id', retrieveRoute(deps, 'payment_links', 'payment_link'));

  routes.post(
    '/:id',
    updateRoute<PaymentLinkObject>(deps, {
      table: 'payment_links',
      noun: 'payment_link',
      event: 'payment_link.updated',
      allowed: [
        'active',
        'after_completion',
        'allow_promotion_codes',
        'inactive_message',
        'metadata',
        'restrictions',
      ],
      apply: (_tx, next, params) => {
        if (params.active !== undefined) next.active = boolean(params.active, 'active');
        if (params.allow_promotion_codes !== undefined) {
          next.allow_promotion_codes = boolean(params.allow_promotion_codes, 'allow_promotion_codes');
        }
        if (params.after_completion !== undefined)
          next.after_completion = afterCompletion(params.after_completion);
        if (params.inactive_message !== undefined) {
          next.inactive_message = nullableString(params.inactive_message, 'inactive_message', { max: 500 });
        }
        if (params.restrictions !== undefined) {
          next.restrictions =
            params.restrictions === ''
              ? null
              : {
                  completed_sessions: {
                    ...restrictions(params.restrictions).completed_sessions,
                    count: next.restrictions?.completed_sessions.count ?? 0,
                  },
                };
        }
        if (params.metadata !== undefined) next.metadata = mergeMetadata(next.metadata, params.metadata);
      },
    }),
  );

  routes.get('/:id/line_items', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['ending_before', 'expand', 'limit', 'starting_after']);
    const link = await mustFind<PaymentLinkObject>(
      deps.pool,
      'payment_links',
      'payment_link',
      c.req.param('id'),
    );
    return c.json(
      pageOf(link._line_items, params, { url: `/v1/payment_links/${link.id}/line_items`, noun: 'line_item' }),
    );
  });

  return routes;
}
