import type { StripeObject } from '../store/objects.js';

/**
 * Connect objects (accounts, transfers, payouts, application fees), each with exactly
 * the keys of the same resource in fixtures3.json.
 */

export type AccountType = 'standard' | 'express' | 'custom';

const requirements = (due: string[] = []) => ({
  alternatives: [],
  current_deadline: null,
  currently_due: due,
  disabled_reason: null,
  errors: [],
  eventually_due: due,
  past_due: [],
  pending_verification: [],
});

export interface AccountObject extends StripeObject {
  object: 'account';
  business_profile: Record<string, unknown>;
  business_type: string | null;
  capabilities: Record<string, 'active' | 'inactive' | 'pending'>;
  charges_enabled: boolean;
  country: string;
  created: number;
  default_currency: string;
  details_submitted: boolean;
  email: string | null;
  metadata: Record<string, string>;
  payouts_enabled: boolean;
  type: AccountType;
}

export function newAccount(fields: {
  id: string;
  created: number;
  type: AccountType;
  country: string;
  email: string | null;
  businessName: string | null;
  businessType: string | null;
  capabilities: string[];
  metadata: Record<string, string>;
  /** The platform's own account: everything enabled, nothing due. */
  platform?: boolean;
}): AccountObject {
  const capabilities = Object.fromEntries(fields.capabilities.map((name) => [name, 'active' as const]));
  const enabled = fields.platform === true || capabilities.card_payments === 'active';
  return {
    id: fields.id,
    object: 'account',
    business_profile: {
      annual_revenue: null,
      estimated_worker_count: null,
      mcc: null,
      minority_owned_business_designation: null,
      name: fields.businessName,
      product_description: null,
      support_address: null,
      support_email: null,
      support_phone: null,
      support_url: null,
      url: null,
    },
    business_type: fields.businessType,
    capabilities,
    charges_enabled: enabled,
    controller:
      fields.platform === true || fields.type === 'standard'
        ? { type: 'account' }
        : {
            fees: { payer: 'application' },
            is_controller: true,
            losses: { payments: 'application' },
            requirement_collection: fields.type === 'custom' ? 'application' : 'stripe',
            stripe_dashboard: { type: fields.type === 'custom' ? 'none' : 'express' },
            type: 'application',
          },
    country: fields.country,
    created: fields.created,
    default_currency: fields.country === 'US' ? 'usd' : 'eur',
    details_submitted: fields.platform === true || fields.type !== 'custom',
    email: fields.email,
    external_accounts: {
      object: 'list',
      data: [],
      has_more: false,
      total_count: 0,
      url: `/v1/accounts/${fields.id}/external_accounts`,
    },
    future_requirements: requirements(),

    metadata: fields.metadata,
    payouts_enabled: fields.platform === true || capabilities.transfers === 'active',
    requirements: requirements(),
    settings: {
      bacs_debit_payments: { display_name: null, service_user_number: null },
      branding: { icon: null, logo: null, primary_color: null, secondary_color: null },
      card_issuing: { tos_acceptance: { date: null, ip: null } },
      card_payments: {
        decline_on: { avs_failure: false, cvc_failure: false },
        statement_descriptor_prefix: null,
        statement_descriptor_prefix_kana: null,
        statement_descriptor_prefix_kanji: null,
      },
      dashboard: { display_name: fields.businessName, timezone: 'Etc/UTC' },
      invoices: { default_account_tax_ids: null, hosted_payment_method_save: 'offer' },
      payments: {
        statement_descriptor: fields.businessName ? fields.businessName.toUpperCase().slice(0, 22) : null,
        statement_descriptor_kana: null,
        statement_descriptor_kanji: null,
        statement_descriptor_prefix_kana: null,
        statement_descriptor_prefix_kanji: null,
      },
      payouts: {
        debit_negative_balances: true,
        schedule: { delay_days: 2, interval: 'daily' },
        statement_descriptor: null,
      },
      sepa_debit_payments: {},
    },
    tos_acceptance: { date: null, ip: null, user_agent: null },
    type: fields.type,
  };
}

export interface TransferObject extends StripeObject {
  object: 'transfer';
  amount: number;
  amount_reversed: number;
  created: number;
  currency: string;
  destination: string;
  metadata: Record<string, string>;
  reversals: { object: 'list'; data: StripeObject[]; has_more: boolean; total_count: number; url: string };
  reversed: boolean;
}

export function newTransfer(fields: {
  id: string;
  created: number;
  amount: number;
  currency: string;
  destination: string;
  destinationPayment: string;
  balanceTransaction: string;
  description: string | null;
  metadata: Record<string, string>;
  sourceTransaction: string | null;
  transferGroup: string | null;
}): TransferObject {
  return {
    id: fields.id,
    object: 'transfer',
    amount: fields.amount,
    amount_reversed: 0,
    balance_transaction: fields.balanceTransaction,
    created: fields.created,
    currency: fields.currency,
    description: fields.description,
    destination: fields.destination,
    destination_payment: fields.destinationPayment,
    livemode: false,
    metadata: fields.metadata,
    reversals: {
      object: 'list',
      data: [],
      has_more: false,
      total_count: 0,
      url: `/v1/transfers/${fields.id}/reversals`,
    },
    reversed: false,
    source_transaction: fields.sourceTransaction,
    source_type: 'card',
    transfer_group: fields.transferGroup,
  };
}

export function newTransferReversal(fields: {
  id: string;
  created: number;
  amount: number;
  currency: string;
  transfer: string;
  balanceTransaction: string;
  metadata: Record<string, string>;
}): StripeObject {
  return {
    id: fields.id,
    object: 'transfer_reversal',
    amount: fields.amount,
    balance_transaction: fields.balanceTransaction,
    created: fields.created,
    currency: fields.currency,
    destination_payment_refund: null,
    metadata: fields.metadata,
    source_refund: null,
    transfer: fields.transfer,
  };
}

export type PayoutStatus = 'pending' | 'in_transit' | 'paid' | 'failed' | 'canceled';

export interface PayoutObject extends StripeObject {
  object: 'payout';
  amount: number;
  arrival_date: number;
  balance_transaction: string;
  created: number;
  currency: string;
  failure_balance_transaction: string | null;
  metadata: Record<string, string>;
  method: 'standard' | 'instant';
  status: PayoutStatus;
}

export function newPayout(fields: {
  id: string;
  created: number;
  amount: number;
  currency: string;
  balanceTransaction: string;
  description: string | null;
  method: 'standard' | 'instant';
  metadata: Record<string, string>;
  statementDescriptor: string | null;
  destination: string;
}): PayoutObject {
  return {
    id: fields.id,
    object: 'payout',
    amount: fields.amount,
    application_fee: null,
    application_fee_amount: null,
    arrival_date: fields.method === 'instant' ? fields.created : fields.created + 2 * 86_400,
    automatic: false,
    balance_transaction: fields.balanceTransaction,
    created: fields.created,
    currency: fields.currency,
    description: fields.description ?? 'STRIPE PAYOUT',
    destination: fields.destination,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    livemode: false,
    metadata: fields.metadata,
    method: fields.method,
    original_payout: null,
    payout_method: null,
    reconciliation_status: 'not_applicable',
    reversed_by: null,
    source_type: 'card',
    statement_descriptor: fields.statementDescriptor,
    status: 'pending',
    trace_id: { status: 'pending', value: null },
    type: 'bank_account',
  };
}

export function newApplicationFee(fields: {
  id: string;
  created: number;
  account: string;
  amount: number;
  currency: string;
  charge: string;
  balanceTransaction: string;
}): StripeObject {
  return {
    id: fields.id,
    object: 'application_fee',
    account: fields.account,
    amount: fields.amount,
    amount_refunded: 0,
    application: 'ca_AsymmetricPlatformApp0000',
    balance_transaction: fields.balanceTransaction,
    charge: fields.charge,
    created: fields.created,
    currency: fields.currency,
    fee_source: { charge: fields.charge, type: 'charge' },
    livemode: false,
    originating_transaction: null,
    refunded: false,
    refunds: {
      object: 'list',
      data: [],
      has_more: false,
      total_count: 0,
      url: `/v1/application_fees/${fields.id}/refunds`,
    },
  };
}
