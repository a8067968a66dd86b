import { createHash } from 'node:crypto';
import { StripeError } from './stripe-error.js';

/**
 * Stripe's test cards: numbers, their `tok_*` / `pm_card_*` shortcuts, and what happens
 * when they are charged. https://docs.stripe.com/testing
 */
export type CardOutcome =
  | 'succeed'
  | 'generic_decline'
  | 'insufficient_funds'
  | 'lost_card'
  | 'stolen_card'
  | 'expired_card'
  | 'incorrect_cvc'
  | 'processing_error'
  | 'authentication_required'
  /** Attaching works; every charge is declined (4000 0000 0000 0341). */
  | 'charge_customer_fail'
  /** The charge succeeds, then its cardholder disputes it (4000 0000 0000 0259 and kin). */
  | 'dispute_fraudulent'
  | 'dispute_product_not_received'
  | 'dispute_inquiry'
  /** The charge succeeds and Radar opens a review of it (4000 0000 0000 9235). */
  | 'elevated_risk';

export interface TestCard {
  number: string;
  brand: 'visa' | 'mastercard' | 'amex' | 'discover' | 'unknown';
  funding: 'credit' | 'debit';
  country: string;
  outcome: CardOutcome;
}

const card = (
  number: string,
  brand: TestCard['brand'],
  outcome: CardOutcome = 'succeed',
  funding: TestCard['funding'] = 'credit',
): TestCard => ({
  number,
  brand,
  funding,
  country: 'US',
  outcome,
});

/** Shortcut names: `tok_<name>` and `pm_card_<name>`. */
const NAMED: Record<string, TestCard> = {
  visa: card('4242424242424242', 'visa'),
  visa_debit: card('4000056655665556', 'visa', 'succeed', 'debit'),
  mastercard: card('5555555555554444', 'mastercard'),
  amex: card('378282246310005', 'amex'),
  discover: card('6011111111111117', 'discover'),
  bypassPending: card('4000000000000077', 'visa'),
  chargeDeclined: card('4000000000000002', 'visa', 'generic_decline'),
  chargeDeclinedInsufficientFunds: card('4000000000009995', 'visa', 'insufficient_funds', 'debit'),
  chargeDeclinedLostCard: card('4000000000009987', 'visa', 'lost_card'),
  chargeDeclinedStolenCard: card('4000000000009979', 'visa', 'stolen_card'),
  chargeDeclinedExpiredCard: card('4000000000000069', 'visa', 'expired_card'),
  chargeDeclinedIncorrectCvc: card('4000000000000127', 'visa', 'incorrect_cvc'),
  chargeDeclinedProcessingError: card('4000000000000119', 'visa', 'processing_error'),
  chargeCustomerFail: card('4000000000000341', 'visa', 'charge_customer_fail'),
  createDispute: card('4000000000000259', 'visa', 'dispute_fraudulent'),
  createDisputeProductNotReceived: card('4000000000002685', 'visa', 'dispute_product_not_received'),
  createDisputeInquiry: card('4000000000001976', 'visa', 'dispute_inquiry'),
  riskLevelElevated: card('4000000000009235', 'visa', 'elevated_risk'),
  authenticationRequired: card('4000002760003184', 'visa', 'authentication_required'),
  threeDSecure2Required: card('4000000000003220', 'visa', 'authentication_required'),
};

const BY_NUMBER = new Map(Object.values(NAMED).map((c) => [c.number, c]));

export const cardFingerprint = (number: string) =>
  createHash('sha256')
    .update(`asym-card:${number}`)
    .digest('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 16);

const BY_FINGERPRINT = new Map(Object.values(NAMED).map((c) => [cardFingerprint(c.number), c]));

export function namedCard(shortcut: string, prefix: 'tok_' | 'pm_card_'): TestCard | null {
  if (!shortcut.startsWith(prefix)) return null;
  const name = shortcut.slice(prefix.length);
  return Object.hasOwn(NAMED, name) ? (NAMED[name] as TestCard) : null;
}

const luhn = (number: string) => {
  let sum = 0;
  for (let i = 0; i < number.length; i++) {
    let digit = Number(number[number.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
};

/** A raw card number: a known test card, or any Luhn-valid number (which succeeds). */
export function cardByNumber(raw: string, param: string): TestCard {
  const number = raw.replace(/[\s-]/g, '');
  const known = BY_NUMBER.get(number);
  if (known) return known;
  if (!/^\d{12,19}$/.test(number) || !luhn(number)) {
    throw new StripeError(402, 'card_error', 'Your card number is incorrect.', {
      code: 'incorrect_number',
      param,
    });
  }
  const brand = number.startsWith('4')
    ? 'visa'
    : /^5[1-5]|^2[2-7]/.test(number)
      ? 'mastercard'
      : /^3[47]/.test(number)
        ? 'amex'
        : number.startsWith('6')
          ? 'discover'
          : 'unknown';
  return card(number, brand);
}

/** The card whose charges are available at once (4000 0000 0000 0077), by fingerprint. */
export const bypassesPending = (fingerprint: string | undefined): boolean =>
  fingerprint !== undefined && BY_FINGERPRINT.get(fingerprint)?.number === '4000000000000077';

/** The test behaviour of a stored card, found by its fingerprint. */
export const outcomeOf = (fingerprint: string | undefined): CardOutcome =>
  (fingerprint && BY_FINGERPRINT.get(fingerprint)?.outcome) || 'succeed';

export interface Decline {
  code: string;
  declineCode: string;
  message: string;
  /** `outcome` on the failed charge. */
  outcomeType: 'issuer_declined' | 'blocked';
  sellerMessage: string;
}

const AUTHENTICATION_REQUIRED: Decline = {
  code: 'authentication_required',
  declineCode: 'authentication_required',
  message: 'Your card was declined. This transaction requires authentication.',
  outcomeType: 'issuer_declined',
  sellerMessage: 'The bank returned the decline code `authentication_required`.',
};

/**
 * What a charge on a card with `outcome` fails with; null if it goes through. A card that
 * needs authentication is declined when charged without it (off session, or directly);
 * confirming on session asks for 3-D Secure before any charge is made.
 */
export const chargeDecline = (outcome: CardOutcome): Decline | null =>
  outcome === 'authentication_required' ? AUTHENTICATION_REQUIRED : declineFor(outcome);

/** What checking a card with `outcome` (on attach or setup) fails with; null if it passes. */
export function declineFor(outcome: CardOutcome): Decline | null {
  const bank = 'The bank did not return any further details with this decline.';
  switch (outcome) {
    case 'succeed':
    case 'authentication_required':
    case 'dispute_fraudulent':
    case 'dispute_product_not_received':
    case 'dispute_inquiry':
    case 'elevated_risk':
      return null;
    case 'generic_decline':
    case 'charge_customer_fail':
      return {
        code: 'card_declined',
        declineCode: 'generic_decline',
        message: 'Your card was declined.',
        outcomeType: 'issuer_declined',
        sellerMessage: bank,
      };
    case 'insufficient_funds':
      return {
        code: 'card_declined',
        declineCode: 'insufficient_funds',
        message: 'Your card has insufficient funds.',
        outcomeType: 'issuer_declined',
        sellerMessage: 'The bank returned the decline code `insufficient_funds`.',
      };
    case 'lost_card':
    case 'stolen_card':
      return {
        code: 'card_declined',
        declineCode: outcome,
        message: 'Your card was declined.',
        outcomeType: 'issuer_declined',
        sellerMessage: `The bank returned the decline code \`${outcome}\`.`,
      };
    case 'expired_card':
      return {
        code: 'expired_card',
        declineCode: 'expired_card',
        message: 'Your card has expired.',
        outcomeType: 'issuer_declined',
        sellerMessage: 'The bank returned the decline code `expired_card`.',
      };
    case 'incorrect_cvc':
      return {
        code: 'incorrect_cvc',
        declineCode: 'incorrect_cvc',
        message: "Your card's security code is incorrect.",
        outcomeType: 'issuer_declined',
        sellerMessage: 'The bank returned the decline code `incorrect_cvc`.',
      };
    case 'processing_error':
      return {
        code: 'processing_error',
        declineCode: 'processing_error',
        message: 'An error occurred while processing your card. Try again in a little bit.',
        outcomeType: 'issuer_declined',
        sellerMessage: 'The bank returned the decline code `processing_error`.',
      };
  }
}
