import { Hono } from 'hono';
import { settleInvoiceOf } from '../billing.js';
import { applyDestination } from '../connect.js';
import {
  boolean,
  chargeAmount,
  currency,
  email,
  hash,
  integer,
  MAX_AMOUNT,
  mergeMetadata,
  metadata,
  missing,
  nullableString,
  oneOf,
  rejectUnknown,
  string,
  stringList,
} from '../params.js';
import { cancelIntent, captureIntent, confirmIntent, declinedError } from '../payments.js';
import { expansionPlans } from '../render.js';
import type { Params } from '../request-params.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { findCustomer } from '../store/customers.js';
import { insertObject, saveObject } from '../store/objects.js';
import { invalidRequest, resourceMissing } from '../stripe-error.js';
import { previousAttributes, type Tx, transact } from '../tx.js';
import { newPaymentIntent, type PaymentIntentObject } from '../views/payment-intent.js';
import { answer, listAnswer, mustFind, searchRoute, stringFilter } from './common.js';
import { resolvePaymentMethod } from './payment-methods.js';

const EDITABLE = [
  'amount',
  'currency',
  'customer',
  'description',
  'expand',
  'metadata',
  'payment_method',
  'payment_method_types',
  'receipt_email',
  'setup_future_usage',
  'shipping',
  'statement_descriptor',
  'statement_descriptor_suffix',
  'capture_method',
] as const;

const CREATE_ONLY = [
  'application_fee_amount',
  'transfer_data',
  'transfer_group',
  'automatic_payment_methods',
  'confirm',
  'confirmation_method',
  'error_on_requires_action',
  'off_session',
  'payment_method_options',
  'return_url',
  'use_stripe_sdk',
  'mandate_data',
] as const;

/** Confirm parameters that change the intent before it is confirmed. */
const CONFIRM_FIELDS = [
  'capture_method',
  'payment_method',
  'payment_method_types',
  'receipt_email',
  'setup_future_usage',
  'shipping',
];

const MODIFIABLE_STATUSES = ['requires_payment_method', 'requires_confirmation', 'requires_action'];

/** Stripe's minimum charge per currency (smallest unit); 50 for the common ones. */
const MINIMUM_AMOUNT: Record<string, number> = {
  gbp: 30,
  jpy: 50,
  hkd: 400,
  mxn: 1000,
  sek: 300,
  nok: 300,
  dkk: 250,
};

function checkAmount(amount: number, code: string) {
  const minimum = MINIMUM_AMOUNT[code] ?? 50;
  if (amount < minimum) {
    const shown = code === 'jpy' ? `¥${minimum}` : `$${(minimum / 100).toFixed(2)}`;
    throw invalidRequest(`Amount must be at least ${shown} ${code}`, {
      code: 'amount_too_small',
      param: 'amount',
    });
  }
  if (amount > MAX_AMOUNT) {
    throw invalidRequest('Amount must be no more than $999,999.99', {
      code: 'amount_too_large',
      param: 'amount',
    });
  }
}

function shipping(value: unknown): Record<string, unknown> | null {
  if (value === '') return null;
  const raw = hash(value, 'shipping', ['address', 'carrier', 'name', 'phone', 'tracking_number']);
  if (raw.name === undefined) missing('shipping[name]');
  if (raw.address === undefined) missing('shipping[address]');
  const addr = hash(raw.address, 'shipping[address]', [
    'city',
    'country',
    'line1',
    'line2',
    'postal_code',
    'state',
  ]);
  const text = (v: unknown, p: string) => (v === undefined ? null : nullableString(v, p, { max: 5000 }));
  return {
    address: {
      city: text(addr.city, 'shipping[address][city]'),
      country: text(addr.country, 'shipping[address][country]'),
      line1: text(addr.line1, 'shipping[address][line1]'),
      line2: text(addr.line2, 'shipping[address][line2]'),
      postal_code: text(addr.postal_code, 'shipping[address][postal_code]'),
      state: text(addr.state, 'shipping[address][state]'),
    },
    carrier: text(raw.carrier, 'shipping[carrier]'),
    name: string(raw.name, 'shipping[name]'),
    phone: text(raw.phone, 'shipping[phone]'),
    tracking_number: text(raw.tracking_number, 'shipping[tracking_number]'),
  };
}

/** Applies the editable parameters onto `pi` (payment method resolution included). */
async function applyFields(tx: Tx, pi: PaymentIntentObject, params: Params): Promise<void> {
  if (params.amount !== undefined) pi.amount = integer(params.amount, 'amount');
  if (params.currency !== undefined) pi.currency = currency(params.currency);
  if (params.customer !== undefined) {
    const id = nullableString(params.customer, 'customer');
    if (id !== null) {
      const row = await findCustomer(tx.db, id);
      if (!row || row.deleted) throw resourceMissing('customer', id, 'customer');
    }
    pi.customer = id;
  }
  if (params.description !== undefined)
    pi.description = nullableString(params.description, 'description', { max: 1000 });
  if (params.metadata !== undefined) pi.metadata = mergeMetadata(pi.metadata, params.metadata);
  if (params.receipt_email !== undefined) pi.receipt_email = email(params.receipt_email, 'receipt_email');
  if (params.setup_future_usage !== undefined) {
    pi.setup_future_usage =
      params.setup_future_usage === ''
        ? null
        : oneOf(params.setup_future_usage, 'setup_future_usage', ['off_session', 'on_session'] as const);
  }
  if (params.shipping !== undefined) pi.shipping = shipping(params.shipping);
  if (params.statement_descriptor !== undefined) {
    pi.statement_descriptor = nullableString(params.statement_descriptor, 'statement_descriptor', {
      max: 22,
    });
  }
  if (params.statement_descriptor_suffix !== undefined) {
    pi.statement_descriptor_suffix = nullableString(
      params.statement_descriptor_suffix,
      'statement_descriptor_suffix',
      {
        max: 22,
      },
    );
  }
  if (params.capture_method !== undefined) {
    pi.capture_method = oneOf(params.capture_method, 'capture_method', [
      'automatic',
      'automatic_async',
      'manual',
    ] as const);
  }
  if (params.payment_method_types !== undefined) {
    const types = stringList(params.payment_method_types, 'payment_method_types');
    const other = types.find((type) => type !== 'card');
    if (other) {
      throw invalidRequest(`The asymmetric Stripe clone supports only card payments, not ${other}.`, {
        param: 'payment_method_types',
      });
    }
    pi.payment_method_types = types;
  }
  if (params.payment_method !== undefined) {
    const id = nullableString(params.payment_method, 'payment_method');
    pi.payment_method = id === null ? null : (await resolvePaymentMethod(tx, id, 'payment_method')).id;
    if (pi.status === 'requires_payment_method' && pi.payment_method) pi.status = 'requires_confirmation';
    if (pi.payment_method === null && pi.status !== 'canceled') pi.status = 'requires_payment_method';
  }
  checkAmount(pi.amount, pi.currency);
}

/** Confirms and saves; a decline is committed, then answered as a 402 by the caller. */
async function confirmAndReport(tx: Tx, pi: PaymentIntentObject, params: Params) {
  const offSession =
    params.off_session !== undefined &&
    (params.off_session === 'one_off' ||
      params.off_session === 'recurring' ||
      boolean(params.off_session, 'off_session'));
  const result = await confirmIntent(tx, pi, { offSession });
  // An invoice's payment intent (its confirmation_secret) pays the invoice.
  await settleInvoiceOf(tx, result.intent);
  return result;
}

const SEARCH_FIELDS = {
  amount: (o: Record<string, unknown>) => o.amount,
  created: (o: Record<string, unknown>) => o.created,
  currency: (o: Record<string, unknown>) => o.currency,
  customer: (o: Record<string, unknown>) => o.customer,
  status: (o: Record<string, unknown>) => o.status,
};

/** /v1/payment_intents: create, retrieve, update, confirm, capture, cancel, list, search. */
export function paymentIntentRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [...EDITABLE, ...CREATE_ONLY]);
    expansionPlans(params, 'payment_intent');
    if (params.amount === undefined) missing('amount');
    if (params.currency === undefined) missing('currency');
    if (params.automatic_payment_methods !== undefined && params.payment_method_types !== undefined) {
      throw invalidRequest(
        'You may only specify one of these parameters: automatic_payment_methods, payment_method_types.',
        {
          param: 'automatic_payment_methods',
        },
      );
    }
    let automatic: Record<string, unknown> | null = { enabled: true };
    if (params.automatic_payment_methods !== undefined) {
      const raw = hash(params.automatic_payment_methods, 'automatic_payment_methods', [
        'allow_redirects',
        'enabled',
      ]);
      if (raw.enabled === undefined) missing('automatic_payment_methods[enabled]');
      automatic = {
        ...(raw.allow_redirects === undefined
          ? {}
          : {
              allow_redirects: oneOf(raw.allow_redirects, 'automatic_payment_methods[allow_redirects]', [
                'always',
                'never',
              ] as const),
            }),
        enabled: boolean(raw.enabled, 'automatic_payment_methods[enabled]'),
      };
    }
    if (params.payment_method_types !== undefined) automatic = null;
    const confirm = params.confirm !== undefined && boolean(params.confirm, 'confirm');
    if (params.off_session !== undefined && !confirm) {
      throw invalidRequest('You can only use `off_session` when `confirm=true`.', { param: 'off_session' });
    }
    const result = await transact(deps, c, async (tx) => {
      const pi = newPaymentIntent({
        id: tx.ids.object('pi'),
        created: tx.now,
        amount: 0,
        currency: 'usd',
        client_secret: '',
        automatic_payment_methods: automatic,
        confirmation_method:
          params.confirmation_method === undefined
            ? 'automatic'
            : oneOf(params.confirmation_method, 'confirmation_method', ['automatic', 'manual'] as const),
        metadata: metadata(params.metadata),
      });
      pi.client_secret = `${pi.id}_secret_${tx.ids.secret(25)}`;
      await applyFields(tx, pi, { ...params, metadata: undefined });
      await applyDestination(tx, pi, params);
      pi.status = pi.payment_method ? 'requires_confirmation' : 'requires_payment_method';
      await insertObject(tx.db, 'payment_intents', pi);
      await tx.emit('payment_intent.created', pi);
      if (!confirm) return { intent: pi, declined: false };
      return confirmAndReport(tx, pi, params);
    });
    if (result.declined) throw declinedError((await answer(deps, {}, result.intent)) as PaymentIntentObject);
    return c.json(await answer(deps, params, result.intent));
  });

  routes.get('/', async (c) =>
    c.json(
      await listAnswer(deps, c, {
        table: 'payment_intents',
        type: 'payment_intent',
        noun: 'payment_intent',
        url: '/v1/payment_intents',
        params: ['customer'],
        filters: (params) => stringFilter(params, 'customer'),
      }),
    ),
  );

  routes.get(
    '/search',
    searchRoute(deps, {
      type: 'payment_intent',
      table: 'payment_intents',
      fields: SEARCH_FIELDS,
      url: '/v1/payment_intents/search',
    }),
  );

  routes.get('/:id', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['client_secret', 'expand']);
    const pi = await mustFind(deps.pool, 'payment_intents', 'payment_intent', c.req.param('id'));
    return c.json(await answer(deps, params, pi));
  });

  routes.post('/:id', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [...EDITABLE, 'payment_method_options']);
    expansionPlans(params, 'payment_intent');
    const pi = await transact(deps, c, async (tx) => {
      const current = await mustFind<PaymentIntentObject>(
        tx.db,
        'payment_intents',
        'payment_intent',
        c.req.param('id'),
        {
          forUpdate: true,
        },
      );
      const onlyNotes = Object.keys(params).every((key) =>
        ['description', 'metadata', 'expand', 'receipt_email', 'shipping'].includes(key),
      );
      if (!onlyNotes && !MODIFIABLE_STATUSES.includes(current.status)) {
        throw invalidRequest(
          `This PaymentIntent's ${Object.keys(params).find((k) => !['description', 'metadata', 'expand'].includes(k))} could not be updated because it has a status of ${current.status}. You may only update the amount of a PaymentIntent with one of the following statuses: ${MODIFIABLE_STATUSES.join(', ')}.`,
          { code: 'payment_intent_unexpected_state' },
        );
      }
      const next = structuredClone(current);
      await applyFields(tx, next, params);
      const previous = previousAttributes(current, next);
      if (Object.keys(previous).length === 0) return current;
      await saveObject(tx.db, 'payment_intents', next);
      await tx.emit('payment_intent.updated', next, previous);
      return next;
    });
    return c.json(await answer(deps, params, pi));
  });

  routes.post('/:id/confirm', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'capture_method',
      'error_on_requires_action',
      'expand',
      'mandate_data',
      'off_session',
      'payment_method',
      'payment_method_options',
      'payment_method_types',
      'receipt_email',
      'return_url',
      'setup_future_usage',
      'shipping',
      'use_stripe_sdk',
    ]);
    expansionPlans(params, 'payment_intent');
    const result = await transact(deps, c, async (tx) => {
      const pi = await mustFind<PaymentIntentObject>(
        tx.db,
        'payment_intents',
        'payment_intent',
        c.req.param('id'),
        {
          forUpdate: true,
        },
      );
      // Confirming a finished intent fails in confirmIntent, before anything changes.
      if (!['succeeded', 'canceled', 'requires_capture', 'processing'].includes(pi.status)) {
        const fields = Object.fromEntries(
          Object.entries(params).filter(([key]) => CONFIRM_FIELDS.includes(key)),
        );
        await applyFields(tx, pi, fields);
      }
      return confirmAndReport(tx, pi, params);
    });
    if (result.declined) throw declinedError((await answer(deps, {}, result.intent)) as PaymentIntentObject);
    return c.json(await answer(deps, params, result.intent));
  });

  routes.post('/:id/capture', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'amount_to_capture',
      'expand',
      'metadata',
      'statement_descriptor',
      'statement_descriptor_suffix',
      'final_capture',
    ]);
    expansionPlans(params, 'payment_intent');
    const pi = await transact(deps, c, async (tx) => {
      const current = await mustFind<PaymentIntentObject>(
        tx.db,
        'payment_intents',
        'payment_intent',
        c.req.param('id'),
        {
          forUpdate: true,
        },
      );
      if (params.metadata !== undefined) current.metadata = mergeMetadata(current.metadata, params.metadata);
      const amount =
        params.amount_to_capture === undefined
          ? null
          : chargeAmount(params.amount_to_capture, 'amount_to_capture', { min: 1 });
      return captureIntent(tx, current, amount);
    });
    return c.json(await answer(deps, params, pi));
  });

  routes.post('/:id/cancel', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['cancellation_reason', 'expand']);
    expansionPlans(params, 'payment_intent');
    const reason =
      params.cancellation_reason === undefined
        ? null
        : oneOf(params.cancellation_reason, 'cancellation_reason', [
            'abandoned',
            'duplicate',
            'fraudulent',
            'requested_by_customer',
          ] as const);
    const pi = await transact(deps, c, async (tx) => {
      const current = await mustFind<PaymentIntentObject>(
        tx.db,
        'payment_intents',
        'payment_intent',
        c.req.param('id'),
        {
          forUpdate: true,
        },
      );
      return cancelIntent(tx, current, reason);
    });
    return c.json(await answer(deps, params, pi));
  });

  return routes;
}
