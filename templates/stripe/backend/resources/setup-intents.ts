import { Hono } from 'hono';
import { declineFor, outcomeOf } from '../cards.js';
import {
  boolean,
  mergeMetadata,
  metadata,
  nullableString,
  oneOf,
  rejectUnknown,
  string,
  stringList,
} from '../params.js';
import { expansionPlans } from '../render.js';
import type { Params } from '../request-params.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { findCustomer } from '../store/customers.js';
import { insertObject, saveObject } from '../store/objects.js';
import { invalidRequest, resourceMissing, StripeError } from '../stripe-error.js';
import { previousAttributes, type Tx, transact } from '../tx.js';
import type { PaymentMethodObject } from '../views/payment-method.js';
import { newSetupIntent, type SetupIntentObject } from '../views/setup-intent.js';
import { answer, listAnswer, mustFind, stringFilter } from './common.js';
import { attachForCustomer, resolvePaymentMethod } from './payment-methods.js';

async function applyFields(tx: Tx, si: SetupIntentObject, params: Params) {
  if (params.customer !== undefined) {
    const id = nullableString(params.customer, 'customer');
    if (id !== null) {
      const row = await findCustomer(tx.db, id);
      if (!row || row.deleted) throw resourceMissing('customer', id, 'customer');
    }
    si.customer = id;
  }
  if (params.description !== undefined)
    si.description = nullableString(params.description, 'description', { max: 1000 });
  if (params.metadata !== undefined) si.metadata = mergeMetadata(si.metadata, params.metadata);
  if (params.payment_method_types !== undefined) {
    const types = stringList(params.payment_method_types, 'payment_method_types');
    if (types.some((type) => type !== 'card')) {
      throw invalidRequest('The asymmetric Stripe clone supports only card payment methods.', {
        param: 'payment_method_types',
      });
    }
    si.payment_method_types = types;
  }
  if (params.payment_method !== undefined) {
    const id = nullableString(params.payment_method, 'payment_method');
    si.payment_method = id === null ? null : (await resolvePaymentMethod(tx, id, 'payment_method')).id;
    if (si.status === 'requires_payment_method' && si.payment_method) si.status = 'requires_confirmation';
  }
}

type ConfirmResult = { intent: SetupIntentObject; error: StripeError | null };

/** Sets up the card: succeeded (attached to the customer), requires_action, or a decline. */
export async function confirmSetup(tx: Tx, si: SetupIntentObject): Promise<ConfirmResult> {
  if (!['requires_payment_method', 'requires_confirmation', 'requires_action'].includes(si.status)) {
    throw invalidRequest(
      `You cannot confirm this SetupIntent because it has a status of ${si.status}. Only a SetupIntent with one of the following statuses may be confirmed: requires_confirmation, requires_action, requires_payment_method.`,
      { code: 'setup_intent_unexpected_state' },
    );
  }
  if (si.payment_method === null) {
    throw invalidRequest("You cannot confirm this SetupIntent because it's missing a payment method.", {
      code: 'setup_intent_unexpected_state',
    });
  }
  const pm = await mustFind<PaymentMethodObject>(
    tx.db,
    'payment_methods',
    'PaymentMethod',
    si.payment_method,
    {
      param: 'payment_method',
    },
  );
  const before = structuredClone(si);
  const outcome = outcomeOf(pm.card.fingerprint);
  si.next_action = null;
  if (outcome === 'authentication_required') {
    si.status = 'requires_action';
    si.next_action = {
      type: 'use_stripe_sdk',
      use_stripe_sdk: {
        type: 'three_d_secure_redirect',
        stripe_js: `https://hooks.stripe.com/3d_secure_2/hosted?setup_intent=${si.id}`,
      },
    };
    await saveObject(tx.db, 'setup_intents', si);
    await tx.emit('setup_intent.requires_action', si, previousAttributes(before, si));
    return { intent: si, error: null };
  }
  const decline = outcome === 'charge_customer_fail' ? null : declineFor(outcome);
  if (decline) {
    si.status = 'requires_payment_method';
    si.last_setup_error = {
      code: decline.code,
      decline_code: decline.declineCode,
      doc_url: `https://stripe.com/docs/error-codes/${decline.code.replaceAll('_', '-')}`,
      message: decline.message,
      payment_method: pm,
      type: 'card_error',
    };
    await saveObject(tx.db, 'setup_intents', si);
    await tx.emit('setup_intent.setup_failed', si, previousAttributes(before, si));
    return {
      intent: si,
      error: new StripeError(402, 'card_error', decline.message, {
        code: decline.code,
        extra: { decline_code: decline.declineCode, setup_intent: si, payment_method: pm },
      }),
    };
  }
  if (si.customer) await attachForCustomer(tx, pm.id, si.customer);
  si.status = 'succeeded';
  si.last_setup_error = null;
  await saveObject(tx.db, 'setup_intents', si);
  await tx.emit('setup_intent.succeeded', si, previousAttributes(before, si));
  return { intent: si, error: null };
}

/** /v1/setup_intents: create, retrieve, update, confirm, cancel, list. */
export function setupIntentRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'automatic_payment_methods',
      'confirm',
      'customer',
      'description',
      'expand',
      'metadata',
      'payment_method',
      'payment_method_options',
      'payment_method_types',
      'return_url',
      'usage',
      'use_stripe_sdk',
      'mandate_data',
    ]);
    expansionPlans(params, 'setup_intent');
    const confirm = params.confirm !== undefined && boolean(params.confirm, 'confirm');
    const result = await transact(deps, c, async (tx): Promise<ConfirmResult> => {
      const id = tx.ids.object('seti');
      const si = newSetupIntent({
        id,
        created: tx.now,
        client_secret: `${id}_secret_${tx.ids.secret(32)}`,
        automatic_payment_methods:
          params.payment_method_types === undefined ? { allow_redirects: 'always', enabled: true } : null,
        metadata: metadata(params.metadata),
        usage:
          params.usage === undefined
            ? 'off_session'
            : oneOf(params.usage, 'usage', ['off_session', 'on_session'] as const),
      });
      await applyFields(tx, si, { ...params, metadata: undefined });
      await insertObject(tx.db, 'setup_intents', si);
      await tx.emit('setup_intent.created', si);
      return confirm ? confirmSetup(tx, si) : { intent: si, error: null };
    });
    if (result.error) throw result.error;
    return c.json(await answer(deps, params, result.intent));
  });

  routes.get('/', async (c) =>
    c.json(
      await listAnswer(deps, c, {
        table: 'setup_intents',
        type: 'setup_intent',
        noun: 'setup_intent',
        url: '/v1/setup_intents',
        params: ['customer', 'payment_method', 'attach_to_self'],
        filters: (params) => [...stringFilter(params, 'customer'), ...stringFilter(params, 'payment_method')],
      }),
    ),
  );

  routes.get('/:id', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['client_secret', 'expand']);
    const si = await mustFind(deps.pool, 'setup_intents', 'setup_intent', c.req.param('id'));
    return c.json(await answer(deps, params, si));
  });

  routes.post('/:id', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'customer',
      'description',
      'expand',
      'metadata',
      'payment_method',
      'payment_method_types',
    ]);
    expansionPlans(params, 'setup_intent');
    const si = await transact(deps, c, async (tx) => {
      const current = await mustFind<SetupIntentObject>(
        tx.db,
        'setup_intents',
        'setup_intent',
        c.req.param('id'),
        { forUpdate: true },
      );
      const next = structuredClone(current);
      await applyFields(tx, next, params);
      const previous = previousAttributes(current, next);
      if (Object.keys(previous).length === 0) return current;
      await saveObject(tx.db, 'setup_intents', next);
      return next;
    });
    return c.json(await answer(deps, params, si));
  });

  routes.post('/:id/confirm', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'expand',
      'mandate_data',
      'payment_method',
      'payment_method_options',
      'return_url',
      'use_stripe_sdk',
    ]);
    expansionPlans(params, 'setup_intent');
    const result = await transact(deps, c, async (tx) => {
      const si = await mustFind<SetupIntentObject>(
        tx.db,
        'setup_intents',
        'setup_intent',
        c.req.param('id'),
        { forUpdate: true },
      );
      if (params.payment_method !== undefined && si.status !== 'succeeded' && si.status !== 'canceled') {
        si.payment_method = (
          await resolvePaymentMethod(tx, string(params.payment_method, 'payment_method'), 'payment_method')
        ).id;
      }
      return confirmSetup(tx, si);
    });
    if (result.error) throw result.error;
    return c.json(await answer(deps, params, result.intent));
  });

  routes.post('/:id/cancel', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['cancellation_reason', 'expand']);
    const reason =
      params.cancellation_reason === undefined
        ? null
        : oneOf(params.cancellation_reason, 'cancellation_reason', [
            'abandoned',
            'duplicate',
            'requested_by_customer',
          ] as const);
    const si = await transact(deps, c, async (tx) => {
      const current = await mustFind<SetupIntentObject>(
        tx.db,
        'setup_intents',
        'setup_intent',
        c.req.param('id'),
        { forUpdate: true },
      );
      if (current.status === 'succeeded' || current.status === 'canceled') {
        throw invalidRequest(
          `You cannot cancel this SetupIntent because it has a status of ${current.status}. Only a SetupIntent with one of the following statuses may be canceled: requires_payment_method, requires_confirmation, requires_action.`,
          { code: 'setup_intent_unexpected_state' },
        );
      }
      const next = {
        ...current,
        status: 'canceled' as const,
        cancellation_reason: reason,
        next_action: null,
      };
      await saveObject(tx.db, 'setup_intents', next);
      await tx.emit('setup_intent.canceled', next, previousAttributes(current, next));
      return next;
    });
    return c.json(await answer(deps, params, si));
  });

  return routes;
}
