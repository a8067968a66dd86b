import { type CardOutcome, outcomeOf } from './cards.js';
import { insertObject, saveObject } from './store/objects.js';
import { invalidRequest } from './stripe-error.js';
import { previousAttributes, type Tx } from './tx.js';
import { newBalanceTransaction } from './views/balance-transaction.js';
import type { ChargeObject } from './views/charge.js';
import type { PaymentIntentObject } from './views/payment-intent.js';
import type { PaymentMethodObject } from './views/payment-method.js';
import {
  type DisputeObject,
  type DisputeStatus,
  newDispute,
  newReview,
  type ReviewObject,
} from './views/support.js';

/**
 * The dispute engine: the test cards that dispute open one on their charge (funds
 * withdrawn with Stripe's $15 fee), submitted evidence moves it to review, and Stripe's
 * test evidence (`winning_evidence` / `losing_evidence` as `uncategorized_text`) decides it.
 * https://docs.stripe.com/testing#disputes
 */

const DAY = 86_400;
/** Stripe's dispute fee in the US: withdrawn with the disputed amount, returned if won. */
export const DISPUTE_FEE = 1_500;

const DISPUTES: Partial<Record<CardOutcome, { reason: string; inquiry: boolean }>> = {
  dispute_fraudulent: { reason: 'fraudulent', inquiry: false },
  dispute_product_not_received: { reason: 'product_not_received', inquiry: false },
  dispute_inquiry: { reason: 'general', inquiry: true },
};

async function moveFunds(tx: Tx, dispute: DisputeObject, direction: 'withdrawn' | 'reinstated') {
  const sign = direction === 'withdrawn' ? -1 : 1;
  const txn = newBalanceTransaction({
    id: tx.ids.object('txn'),
    created: tx.now,
    amount: sign * dispute.amount,
    currency: dispute.currency,
    description: `${direction === 'withdrawn' ? 'Chargeback withdrawal' : 'Chargeback reversal'} for ${dispute.charge}`,
    fee: sign * -DISPUTE_FEE,
    feeDescription: 'Dispute fee',
    source: dispute.id,
    type: 'adjustment',
    availableOn: tx.now,
    reportingCategory: direction === 'withdrawn' ? 'dispute' : 'dispute_reversal',
  });
  await insertObject(tx.db, 'balance_transactions', txn);
  dispute.balance_transactions = [...dispute.balance_transactions, txn];
}

/**
 * Opens the dispute a test card asks for on its newly captured charge (nothing for other
 * cards): `charge.dispute.created`, then, for a chargeback, `charge.dispute.funds_withdrawn`.
 * The elevated-risk card opens a Radar review instead.
 */
export async function disputeIfTestCard(
  tx: Tx,
  charge: ChargeObject,
  pm: PaymentMethodObject,
  pi: PaymentIntentObject | null = null,
): Promise<DisputeObject | null> {
  const outcome = outcomeOf(pm.card.fingerprint);
  if (outcome === 'elevated_risk') await openReview(tx, charge, pi);
  const kind = DISPUTES[outcome];
  if (!kind || !charge.captured) return null;
  return openDispute(tx, charge, { ...kind, brand: pm.card.brand });
}

export async function openDispute(
  tx: Tx,
  charge: ChargeObject,
  kind: { reason: string; inquiry: boolean; brand: string },
): Promise<DisputeObject> {
  const dispute = newDispute({
    id: tx.ids.object('dp'),
    created: tx.now,
    amount: charge.amount_captured - charge.amount_refunded,
    currency: charge.currency,
    charge: charge.id,
    paymentIntent: charge.payment_intent,
    brand: kind.brand,
    inquiry: kind.inquiry,
    reason: kind.reason,
    // Evidence is due by the end of the day a week from now.
    dueBy: Math.floor(tx.now / DAY) * DAY + 8 * DAY - 1,
  });
  if (!kind.inquiry) await moveFunds(tx, dispute, 'withdrawn');
  await insertObject(tx.db, 'disputes', dispute);
  const before = structuredClone(charge);
  charge.disputed = true;
  await saveObject(tx.db, 'charges', charge);
  await tx.emit('charge.dispute.created', dispute);
  if (!kind.inquiry) await tx.emit('charge.dispute.funds_withdrawn', dispute);
  await tx.emit('charge.updated', charge, previousAttributes(before, charge));
  return dispute;
}

const OPEN: readonly DisputeStatus[] = ['needs_response', 'warning_needs_response'];

export const isOpen = (dispute: DisputeObject) => OPEN.includes(dispute.status);

/**
 * Submits a dispute's evidence: to review, and at once decided when the evidence is one of
 * Stripe's test phrases. Emits `charge.dispute.updated`, then `closed` (and for a won
 * chargeback `funds_reinstated`).
 */
export async function submitEvidence(tx: Tx, before: DisputeObject, dispute: DisputeObject): Promise<void> {
  if (!isOpen(before)) {
    throw invalidRequest(
      `This dispute has a status of ${before.status}; evidence can only be submitted while it needs a response.`,
      { code: 'dispute_already_submitted' },
    );
  }
  const inquiry = before.status === 'warning_needs_response';
  dispute.status = inquiry ? 'warning_under_review' : 'under_review';
  dispute.evidence_details.submission_count += 1;
  dispute.is_charge_refundable = false;
  await saveObject(tx.db, 'disputes', dispute);
  await tx.emit('charge.dispute.updated', dispute, previousAttributes(before, dispute));
  const text = dispute.evidence.uncategorized_text;
  if (text === 'winning_evidence') await closeDispute(tx, dispute, inquiry ? 'warning_closed' : 'won');
  else if (text === 'losing_evidence') await closeDispute(tx, dispute, inquiry ? 'warning_closed' : 'lost');
}

/** Closes a dispute as `status`: a won chargeback gets its funds and fee back. */
export async function closeDispute(tx: Tx, dispute: DisputeObject, status: DisputeStatus): Promise<void> {
  const before = structuredClone(dispute);
  dispute.status = status;
  dispute.is_charge_refundable = false;
  if (status === 'won') await moveFunds(tx, dispute, 'reinstated');
  await saveObject(tx.db, 'disputes', dispute);
  await tx.emit('charge.dispute.closed', dispute, previousAttributes(before, dispute));
  if (status === 'won') await tx.emit('charge.dispute.funds_reinstated', dispute);
}

/** Radar's review of a risky charge (`review.opened`); the charge and its intent point to it. */
async function openReview(tx: Tx, charge: ChargeObject, pi: PaymentIntentObject | null): Promise<void> {
  const review = newReview({ id: tx.ids.object('prv'), created: tx.now, charge: charge.id });
  await insertObject(tx.db, 'reviews', review);
  charge.review = review.id;
  charge.outcome = { ...(charge.outcome as object), risk_level: 'elevated', risk_score: 72 };
  await saveObject(tx.db, 'charges', charge);
  if (pi) {
    pi.review = review.id;
    await saveObject(tx.db, 'payment_intents', pi);
  }
  await tx.emit('review.opened', review);
}

/** A reviewer approves the charge: the review closes as `approved` (`review.closed`). */
export async function approveReview(tx: Tx, review: ReviewObject): Promise<ReviewObject> {
  if (!review.open) {
    throw invalidRequest(`This review is already closed (${review.closed_reason}).`, {
      code: 'review_already_closed',
    });
  }
  const before = structuredClone(review);
  review.open = false;
  review.closed_reason = 'approved';
  review.reason = 'approved';
  await saveObject(tx.db, 'reviews', review);
  await tx.emit('review.closed', review, previousAttributes(before, review));
  return review;
}
