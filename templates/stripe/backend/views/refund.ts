import type { StripeObject } from '../store/objects.js';

/** A refund with exactly the keys of `resources.refund` in fixtures3.json. */
export function newRefund(fields: {
  id: string;
  created: number;
  amount: number;
  currency: string;
  charge: string;
  paymentIntent: string | null;
  balanceTransaction: string;
  reason: string | null;
  metadata: Record<string, string>;
}): StripeObject {
  return {
    id: fields.id,
    object: 'refund',
    amount: fields.amount,
    balance_transaction: fields.balanceTransaction,
    charge: fields.charge,
    created: fields.created,
    currency: fields.currency,
    customer: null,
    customer_account: null,
    destination_details: {
      card: {
        reference: null,
        reference_status: 'pending',
        reference_type: 'acquirer_reference_number',
        type: 'refund',
      },
      type: 'card',
    },
    metadata: fields.metadata,
    payment_intent: fields.paymentIntent,
    payment_method: null,
    reason: fields.reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: null,
  };
}
