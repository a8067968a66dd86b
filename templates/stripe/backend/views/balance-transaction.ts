import type { StripeObject } from '../store/objects.js';

const DAY = 86_400;

/** Card payments become available two days later in test mode. */
export const AVAILABLE_AFTER_SECONDS = 2 * DAY;

/** Stripe's standard US card pricing: 2.9% + 30¢. */
export const stripeFee = (amount: number) => Math.round(amount * 0.029) + 30;

/** Stripe's reporting category of each balance transaction type. */
const REPORTING_CATEGORY: Record<string, string> = {
  charge: 'charge',
  payment: 'charge',
  transfer: 'transfer',
  payout: 'payout',
  payout_cancel: 'payout_reversal',
  application_fee: 'platform_earning',
  topup: 'topup',
  topup_reversal: 'topup_reversal',
};

/** A balance transaction with exactly the keys of `resources.balance_transaction` in fixtures3.json. */
export function newBalanceTransaction(fields: {
  id: string;
  created: number;
  amount: number;
  currency: string;
  description: string | null;
  fee: number;
  source: string;
  type:
    | 'charge'
    | 'refund'
    | 'payment_failure_refund'
    | 'transfer'
    | 'payout'
    | 'payout_cancel'
    | 'application_fee'
    | 'payment'
    | 'adjustment'
    | 'topup'
    | 'topup_reversal';
  availableOn?: number;
  /** Defaults from `type`; a dispute's adjustments are `dispute` and `dispute_reversal`. */
  reportingCategory?: string;
  feeDescription?: string;
}): StripeObject {
  return {
    id: fields.id,
    object: 'balance_transaction',
    amount: fields.amount,
    available_on: fields.availableOn ?? fields.created + AVAILABLE_AFTER_SECONDS,
    balance_type: 'payments',
    created: fields.created,
    currency: fields.currency,
    description: fields.description,
    exchange_rate: null,
    fee: fields.fee,
    fee_details:
      fields.fee === 0
        ? []
        : [
            {
              amount: fields.fee,
              application: null,
              currency: fields.currency,
              description: fields.feeDescription ?? 'Stripe processing fees',
              type: 'stripe_fee',
            },
          ],
    net: fields.amount - fields.fee,
    reporting_category: fields.reportingCategory ?? REPORTING_CATEGORY[fields.type] ?? 'refund',
    source: fields.source,
    // Computed when answered (render.ts present()).
    status: 'pending',
    type: fields.type,
  };
}
