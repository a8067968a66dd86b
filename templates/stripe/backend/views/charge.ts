import type { Decline } from '../cards.js';
import type { StripeObject } from '../store/objects.js';
import type { BillingDetails, PaymentMethodObject } from './payment-method.js';

export interface ChargeObject extends StripeObject {
  object: 'charge';
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  balance_transaction: string | null;
  billing_details: BillingDetails;
  captured: boolean;
  created: number;
  currency: string;
  customer: string | null;
  description: string | null;
  failure_code: string | null;
  failure_message: string | null;
  metadata: Record<string, string>;
  outcome: Record<string, unknown>;
  paid: boolean;
  payment_intent: string | null;
  payment_method: string | null;
  refunded: boolean;
  refunds: { object: 'list'; data: StripeObject[]; has_more: boolean; total_count: number; url: string };
  status: 'succeeded' | 'pending' | 'failed';
}

/** A card charge with exactly the keys of `resources.charge` in fixtures3.json. */
export function newCharge(fields: {
  id: string;
  created: number;
  amount: number;
  currency: string;
  customer: string | null;
  description: string | null;
  paymentIntent: string | null;
  paymentMethod: PaymentMethodObject;
  metadata: Record<string, string>;
  receiptEmail: string | null;
  captured: boolean;
  failure: Decline | null;
  statementDescriptor?: string | null;
}): ChargeObject {
  const { card } = fields.paymentMethod;
  const failed = fields.failure !== null;
  const riskScore = (fields.id.charCodeAt(4) % 60) + 5;
  return {
    id: fields.id,
    object: 'charge',
    amount: fields.amount,
    amount_captured: fields.captured && !failed ? fields.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: null,
    billing_details: fields.paymentMethod.billing_details,
    calculated_statement_descriptor: fields.statementDescriptor ?? 'ACME CORP',
    captured: fields.captured && !failed,
    created: fields.created,
    currency: fields.currency,
    customer: fields.customer,
    description: fields.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: fields.failure?.code ?? null,
    failure_message: fields.failure?.message ?? null,
    fraud_details: {},
    livemode: false,
    metadata: fields.metadata,
    on_behalf_of: null,
    outcome: fields.failure
      ? {
          advice_code: null,
          network_advice_code: null,
          network_decline_code: null,
          network_status: 'declined_by_network',
          reason: fields.failure.declineCode,
          risk_level: 'normal',
          risk_score: riskScore,
          seller_message: fields.failure.sellerMessage,
          type: fields.failure.outcomeType,
        }
      : {
          advice_code: null,
          network_advice_code: null,
          network_decline_code: null,
          network_status: 'approved_by_network',
          reason: null,
          risk_level: 'normal',
          risk_score: riskScore,
          seller_message: 'Payment complete.',
          type: 'authorized',
        },
    paid: !failed,
    payment_intent: fields.paymentIntent,
    payment_method: fields.paymentMethod.id,
    payment_method_details: {
      card: {
        amount_authorized: failed ? null : fields.amount,
        authorization_code: failed ? null : String(100000 + (fields.created % 900000)),
        brand: card.brand,
        checks: card.checks,
        country: card.country,
        exp_month: card.exp_month,
        exp_year: card.exp_year,
        extended_authorization: { status: 'disabled' },
        fingerprint: card.fingerprint,
        funding: card.funding,
        incremental_authorization: { status: 'unavailable' },
        installments: null,
        last4: card.last4,
        mandate: null,
        multicapture: { status: 'unavailable' },
        network: card.brand,
        network_token: { used: false },
        network_transaction_id: failed ? null : `${fields.created}${riskScore}`,
        overcapture: { maximum_amount_capturable: fields.amount, status: 'unavailable' },
        regulated_status: 'unregulated',
        three_d_secure: null,
        transaction_link_id: null,
        wallet: null,
      },
      type: 'card',
    },
    receipt_email: fields.receiptEmail,
    receipt_number: null,
    receipt_url: failed ? null : `https://pay.stripe.com/receipts/payment/asym_${fields.id}`,
    refunded: false,
    refunds: {
      object: 'list',
      data: [],
      has_more: false,
      total_count: 0,
      url: `/v1/charges/${fields.id}/refunds`,
    },
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: fields.statementDescriptor ?? null,
    statement_descriptor_suffix: null,
    status: failed ? 'failed' : 'succeeded',
    transfer_data: null,
    transfer_group: null,
  };
}
