import { bypassesPending, chargeDecline, outcomeOf } from './cards.js';
import { settleDestinationCharge } from './connect.js';
import { disputeIfTestCard } from './disputes.js';
import { setCustomerBilling } from './store/customers.js';
import { findLive, insertObject, type StripeObject, saveObject } from './store/objects.js';
import { invalidRequest, StripeError } from './stripe-error.js';
import { previousAttributes, type Tx } from './tx.js';
import { newBalanceTransaction, stripeFee } from './views/balance-transaction.js';
import { type ChargeObject, newCharge } from './views/charge.js';
import type { PaymentIntentObject } from './views/payment-intent.js';
import type { PaymentMethodObject } from './views/payment-method.js';
import { newRefund } from './views/refund.js';

/**
 * The payment engine: confirming an intent charges its card (test cards decide the
 * outcome), capturing and refunding move money through balance transactions, and each
 * step emits Stripe's events.
 */

const unexpectedState = (message: string) =>
  invalidRequest(message, { code: 'payment_intent_unexpected_state' });

/** The error body Stripe returns (and keeps as `last_payment_error`) for a declined card. */
function cardErrorBody(
  decline: { code: string; declineCode: string; message: string },
  chargeId: string | null,
  pm: PaymentMethodObject,
) {
  return {
    ...(chargeId ? { charge: chargeId } : {}),
    code: decline.code,
    decline_code: decline.declineCode,
    doc_url: `https://stripe.com/docs/error-codes/${decline.code.replaceAll('_', '-')}`,
    message: decline.message,
    payment_method: pm,
    type: 'card_error',
  };
}

/** The 402 a declined confirmation answers with, carrying the intent as it now is. */
export function declinedError(pi: PaymentIntentObject): StripeError {
  const last = pi.last_payment_error as Record<string, unknown>;
  return new StripeError(402, 'card_error', last.message as string, {
    code: last.code as string,
    extra: {
      ...(last.charge ? { charge: last.charge } : {}),
      decline_code: last.decline_code,
      payment_intent: pi,
      payment_method: last.payment_method,
      request_log_url: `https://dashboard.stripe.com/test/logs`,
    },
  });
}

async function emitUpdate(tx: Tx, type: string, before: StripeObject, after: StripeObject) {
  await tx.emit(type, after, previousAttributes(before, after));
}

async function recordCharge(tx: Tx, charge: ChargeObject): Promise<ChargeObject> {
  if (charge.captured) {
    const card = (charge.payment_method_details as { card?: { fingerprint?: string } } | null)?.card;
    const txn = newBalanceTransaction({
      id: tx.ids.object('txn'),
      created: tx.now,
      amount: charge.amount_captured,
      currency: charge.currency,
      description: charge.description,
      fee: stripeFee(charge.amount_captured),
      source: charge.id,
      type: 'charge',
      ...(bypassesPending(card?.fingerprint) ? { availableOn: tx.now } : {}),
    });
    await insertObject(tx.db, 'balance_transactions', txn);
    charge.balance_transaction = txn.id;
    await settleDestinationCharge(tx, charge);
  }
  return charge;
}

export type ConfirmResult = { intent: PaymentIntentObject; declined: boolean };

/**
 * Confirms `pi` with its payment method: succeeded (or requires_capture for manual
 * capture), requires_action for cards that need authentication on session, or back to
 * requires_payment_method with a failed charge when the card is declined. `authenticated`:
 * the customer has just passed 3-D Secure on the clone's authentication page.
 */
export async function confirmIntent(
  tx: Tx,
  pi: PaymentIntentObject,
  options: { offSession: boolean; authenticated?: boolean },
): Promise<ConfirmResult> {
  if (!['requires_payment_method', 'requires_confirmation', 'requires_action'].includes(pi.status)) {
    throw unexpectedState(
      `You cannot confirm this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be confirmed: requires_confirmation, requires_action, requires_payment_method.`,
    );
  }
  if (pi.payment_method === null) {
    throw unexpectedState(
      "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent, specify a payment method with `payment_method`.",
    );
  }
  const pm = await findLive<PaymentMethodObject>(tx.db, 'payment_methods', pi.payment_method);
  if (!pm)
    throw invalidRequest(`No such PaymentMethod: '${pi.payment_method}'`, {
      code: 'resource_missing',
      param: 'payment_method',
    });
  if (pm.customer !== null && pm.customer !== pi.customer) {
    throw invalidRequest(
      `The provided PaymentMethod belongs to a different Customer (${pm.customer}) than this PaymentIntent.`,
      { param: 'payment_method' },
    );
  }
  const before = structuredClone(pi);
  const carded = outcomeOf(pm.card.fingerprint);
  const outcome = carded === 'authentication_required' && options.authenticated ? 'succeed' : carded;
  pi.next_action = null;

  if (outcome === 'authentication_required' && !options.offSession) {
    pi.status = 'requires_action';
    pi.next_action = {
      type: 'use_stripe_sdk',
      use_stripe_sdk: {
        type: 'three_d_secure_redirect',
        // Stripe's hosted test page, served by the clone: it completes or fails the check.
        stripe_js: authenticationUrl(tx, pi),
      },
    };
    await saveObject(tx.db, 'payment_intents', pi);
    await emitUpdate(tx, 'payment_intent.requires_action', before, pi);
    return { intent: pi, declined: false };
  }

  const decline = chargeDecline(outcome);
  const manual = pi.capture_method === 'manual';
  const charge = newCharge({
    id: tx.ids.object('ch'),
    created: tx.now,
    amount: pi.amount,
    currency: pi.currency,
    customer: pi.customer,
    description: pi.description,
    paymentIntent: pi.id,
    paymentMethod: pm,
    metadata: pi.metadata,
    receiptEmail: pi.receipt_email,
    captured: !manual,
    failure: decline,
    statementDescriptor: pi.statement_descriptor,
  });
  // A destination charge (Connect): the charge carries where its funds go.
  charge.transfer_data = pi.transfer_data ?? null;
  charge.application_fee_amount = pi.application_fee_amount ?? null;
  charge.transfer_group = pi.transfer_group ?? null;
  await recordCharge(tx, charge);
  await insertObject(tx.db, 'charges', charge);
  pi.latest_charge = charge.id;

  if (decline) {
    pi.status = 'requires_payment_method';
    pi.last_payment_error = cardErrorBody(decline, charge.id, pm);
    await saveObject(tx.db, 'payment_intents', pi);
    await tx.emit('charge.failed', charge);
    await emitUpdate(tx, 'payment_intent.payment_failed', before, pi);
    return { intent: pi, declined: true };
  }

  pi.last_payment_error = null;
  if (pi.setup_future_usage && pi.customer && pm.customer === null) {
    const pmBefore = structuredClone(pm);
    pm.customer = pi.customer;
    await saveObject(tx.db, 'payment_methods', pm);
    await emitUpdate(tx, 'payment_method.attached', pmBefore, pm);
  }
  if (pi.customer) await setCustomerBilling(tx.db, pi.customer, { currency: pi.currency });
  await tx.emit('charge.succeeded', charge);
  if (manual) {
    pi.status = 'requires_capture';
    pi.amount_capturable = pi.amount;
    await saveObject(tx.db, 'payment_intents', pi);
    await emitUpdate(tx, 'payment_intent.amount_capturable_updated', before, pi);
  } else {
    pi.status = 'succeeded';
    pi.amount_received = pi.amount;
    await saveObject(tx.db, 'payment_intents', pi);
    await emitUpdate(tx, 'payment_intent.succeeded', before, pi);
    await disputeIfTestCard(tx, charge, pm, pi);
  }
  return { intent: pi, declined: false };
}

/** The clone's stand-in for Stripe's hosted 3-D Secure test page for `pi`. */
export const authenticationUrl = (tx: Tx, pi: PaymentIntentObject) =>
  `${tx.publicUrl}/_asym/3ds/${pi.id}?client_secret=${encodeURIComponent(pi.client_secret)}`;

/**
 * The customer failed 3-D Secure: the intent goes back to requires_payment_method with
 * Stripe's `payment_intent_authentication_failure`, and no charge is made.
 */
export async function failAuthentication(tx: Tx, pi: PaymentIntentObject): Promise<PaymentIntentObject> {
  const before = structuredClone(pi);
  const pm = pi.payment_method
    ? await findLive<PaymentMethodObject>(tx.db, 'payment_methods', pi.payment_method)
    : null;
  pi.status = 'requires_payment_method';
  pi.next_action = null;
  pi.last_payment_error = {
    code: 'payment_intent_authentication_failure',
    doc_url: 'https://stripe.com/docs/error-codes/payment-intent-authentication-failure',
    message:
      'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.',
    ...(pm ? { payment_method: pm } : {}),
    type: 'invalid_request_error',
  };
  await saveObject(tx.db, 'payment_intents', pi);
  await emitUpdate(tx, 'payment_intent.payment_failed', before, pi);
  return pi;
}

export async function captureIntent(
  tx: Tx,
  pi: PaymentIntentObject,
  amountToCapture: number | null,
): Promise<PaymentIntentObject> {
  if (pi.status !== 'requires_capture') {
    throw unexpectedState(
      `This PaymentIntent could not be captured because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.`,
    );
  }
  const amount = amountToCapture ?? pi.amount_capturable;
  if (amount > pi.amount_capturable) {
    throw invalidRequest(
      `The amount_to_capture (${amount}) must be less than or equal to the PaymentIntent's amount_capturable (${pi.amount_capturable}).`,
      { code: 'amount_too_large', param: 'amount_to_capture' },
    );
  }
  const charge = await findLive<ChargeObject>(tx.db, 'charges', pi.latest_charge as string, {
    forUpdate: true,
  });
  if (!charge) throw new StripeError(500, 'api_error', 'The PaymentIntent has lost its charge.');
  const chargeBefore = structuredClone(charge);
  charge.captured = true;
  charge.amount_captured = amount;
  // The uncaptured rest is released, and shows as refunded.
  charge.amount_refunded = charge.amount - amount;
  await recordCharge(tx, charge);
  await saveObject(tx.db, 'charges', charge);
  await emitUpdate(tx, 'charge.captured', chargeBefore, charge);
  const before = structuredClone(pi);
  pi.status = 'succeeded';
  pi.amount_capturable = 0;
  pi.amount_received = amount;
  await saveObject(tx.db, 'payment_intents', pi);
  await emitUpdate(tx, 'payment_intent.succeeded', before, pi);
  const pm = pi.payment_method
    ? await findLive<PaymentMethodObject>(tx.db, 'payment_methods', pi.payment_method)
    : null;
  if (pm) await disputeIfTestCard(tx, charge, pm, pi);
  return pi;
}

const CANCELABLE = [
  'requires_payment_method',
  'requires_capture',
  'requires_confirmation',
  'requires_action',
  'processing',
];

export async function cancelIntent(
  tx: Tx,
  pi: PaymentIntentObject,
  reason: string | null,
): Promise<PaymentIntentObject> {
  if (!CANCELABLE.includes(pi.status)) {
    throw unexpectedState(
      `You cannot cancel this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${CANCELABLE.join(', ')}.`,
    );
  }
  if (pi.status === 'requires_capture' && pi.latest_charge) {
    const charge = await findLive<ChargeObject>(tx.db, 'charges', pi.latest_charge, { forUpdate: true });
    if (charge) {
      const chargeBefore = structuredClone(charge);
      charge.amount_refunded = charge.amount;
      charge.refunded = true;
      await saveObject(tx.db, 'charges', charge);
      await emitUpdate(tx, 'charge.refunded', chargeBefore, charge);
    }
  }
  const before = structuredClone(pi);
  pi.status = 'canceled';
  pi.canceled_at = tx.now;
  pi.cancellation_reason = reason;
  pi.amount_capturable = 0;
  pi.next_action = null;
  await saveObject(tx.db, 'payment_intents', pi);
  await emitUpdate(tx, 'payment_intent.canceled', before, pi);
  return pi;
}

/** Refunds `amount` (default: what is left) of a captured charge. */
export async function refundCharge(
  tx: Tx,
  charge: ChargeObject,
  options: { amount: number | null; reason: string | null; metadata: Record<string, string> },
): Promise<StripeObject> {
  if (charge.status !== 'succeeded' || !charge.captured) {
    throw invalidRequest(`Charge ${charge.id} has not been captured; cancel its PaymentIntent instead.`, {
      code: 'charge_not_refundable',
    });
  }
  // What was captured and not yet refunded (a partial capture's rest counts as refunded).
  const refundable = charge.amount - charge.amount_refunded;
  if (refundable <= 0) {
    throw invalidRequest(`Charge ${charge.id} has already been refunded.`, {
      code: 'charge_already_refunded',
    });
  }
  const amount = options.amount ?? refundable;
  if (amount > refundable) {
    const money = (n: number) => `$${(n / 100).toFixed(2)}`;
    throw invalidRequest(
      `Refund amount (${money(amount)}) is greater than unrefunded amount on charge (${money(refundable)})`,
      { param: 'amount' },
    );
  }
  const refundId = tx.ids.object('re');
  const txn = newBalanceTransaction({
    id: tx.ids.object('txn'),
    created: tx.now,
    amount: -amount,
    currency: charge.currency,
    description: 'REFUND FOR CHARGE',
    fee: 0,
    source: refundId,
    type: 'refund',
    availableOn: tx.now,
  });
  await insertObject(tx.db, 'balance_transactions', txn);
  const refund = newRefund({
    id: refundId,
    created: tx.now,
    amount,
    currency: charge.currency,
    charge: charge.id,
    paymentIntent: charge.payment_intent,
    balanceTransaction: txn.id as string,
    reason: options.reason,
    metadata: options.metadata,
  });
  await insertObject(tx.db, 'refunds', refund);
  const before = structuredClone(charge);
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded >= charge.amount;
  charge.refunds = {
    ...charge.refunds,
    data: [refund, ...charge.refunds.data],
    total_count: charge.refunds.total_count + 1,
  };
  await saveObject(tx.db, 'charges', charge);
  await tx.emit('refund.created', refund);
  await emitUpdate(tx, 'charge.refunded', before, charge);
  return refund;
}

/**
 * A charge made without a payment intent (the legacy Charges API): the card's outcome
 * decides it, and a decline is committed and answered as a 402 carrying the charge.
 */
export async function directCharge(
  tx: Tx,
  input: {
    amount: number;
    currency: string;
    customer: string | null;
    paymentMethod: PaymentMethodObject;
    capture: boolean;
    description: string | null;
    metadata: Record<string, string>;
    receiptEmail: string | null;
    statementDescriptor: string | null;
  },
): Promise<{ charge: ChargeObject; error: StripeError | null }> {
  const outcome = outcomeOf(input.paymentMethod.card.fingerprint);
  const decline = chargeDecline(outcome);
  const charge = newCharge({
    id: tx.ids.object('ch'),
    created: tx.now,
    amount: input.amount,
    currency: input.currency,
    customer: input.customer,
    description: input.description,
    paymentIntent: null,
    paymentMethod: input.paymentMethod,
    metadata: input.metadata,
    receiptEmail: input.receiptEmail,
    captured: input.capture,
    failure: decline,
    statementDescriptor: input.statementDescriptor,
  });
  await recordCharge(tx, charge);
  await insertObject(tx.db, 'charges', charge);
  if (decline) {
    await tx.emit('charge.failed', charge);
    return {
      charge,
      error: new StripeError(402, 'card_error', decline.message, {
        code: decline.code,
        extra: { charge: charge.id, decline_code: decline.declineCode },
      }),
    };
  }
  if (input.customer) await setCustomerBilling(tx.db, input.customer, { currency: input.currency });
  await tx.emit('charge.succeeded', charge);
  await disputeIfTestCard(tx, charge, input.paymentMethod);
  return { charge, error: null };
}

/** Captures an uncaptured charge made without a payment intent. */
export async function captureCharge(
  tx: Tx,
  charge: ChargeObject,
  amount: number | null,
): Promise<ChargeObject> {
  if (charge.captured || charge.status !== 'succeeded' || charge.refunded) {
    throw invalidRequest(`Charge ${charge.id} has already been captured.`, {
      code: 'charge_already_captured',
    });
  }
  const captured = amount ?? charge.amount;
  if (captured > charge.amount) {
    throw invalidRequest('The amount to capture must be at most the amount of the charge.', {
      code: 'amount_too_large',
      param: 'amount',
    });
  }
  const before = structuredClone(charge);
  charge.captured = true;
  charge.amount_captured = captured;
  charge.amount_refunded = charge.amount - captured;
  await recordCharge(tx, charge);
  await saveObject(tx.db, 'charges', charge);
  await emitUpdate(tx, 'charge.captured', before, charge);
  return charge;
}
