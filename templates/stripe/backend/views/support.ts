import type { StripeObject } from '../store/objects.js';

/**
 * Support objects (disputes, credit notes and their lines, customer balance transactions,
 * files, file links, reviews), each with exactly the keys of the same resource in
 * fixtures3.json.
 */

export const EVIDENCE_TEXT_KEYS = [
  'access_activity_log',
  'billing_address',
  'cancellation_policy_disclosure',
  'cancellation_rebuttal',
  'customer_email_address',
  'customer_name',
  'customer_purchase_ip',
  'duplicate_charge_explanation',
  'duplicate_charge_id',
  'product_description',
  'refund_policy_disclosure',
  'refund_refusal_explanation',
  'service_date',
  'shipping_address',
  'shipping_carrier',
  'shipping_date',
  'shipping_tracking_number',
  'uncategorized_text',
] as const;

/** Evidence fields that take the id of a file uploaded with `purpose=dispute_evidence`. */
export const EVIDENCE_FILE_KEYS = [
  'cancellation_policy',
  'customer_communication',
  'customer_signature',
  'duplicate_charge_documentation',
  'receipt',
  'refund_policy',
  'service_documentation',
  'shipping_documentation',
  'uncategorized_file',
] as const;

export type DisputeStatus =
  | 'warning_needs_response'
  | 'warning_under_review'
  | 'warning_closed'
  | 'needs_response'
  | 'under_review'
  | 'won'
  | 'lost';

export interface DisputeObject extends StripeObject {
  object: 'dispute';
  amount: number;
  balance_transactions: StripeObject[];
  charge: string;
  created: number;
  currency: string;
  evidence: Record<string, unknown>;
  evidence_details: {
    due_by: number | null;
    has_evidence: boolean;
    past_due: boolean;
    submission_count: number;
    enhanced_eligibility: Record<string, unknown>;
  };
  is_charge_refundable: boolean;
  metadata: Record<string, string>;
  payment_intent: string | null;
  reason: string;
  status: DisputeStatus;
}

export function newDispute(fields: {
  id: string;
  created: number;
  amount: number;
  currency: string;
  charge: string;
  paymentIntent: string | null;
  brand: string;
  inquiry: boolean;
  reason: string;
  dueBy: number;
}): DisputeObject {
  const evidence: Record<string, unknown> = {};
  for (const key of [...EVIDENCE_TEXT_KEYS, ...EVIDENCE_FILE_KEYS].sort()) evidence[key] = null;
  evidence.enhanced_evidence = {};
  return {
    id: fields.id,
    object: 'dispute',
    amount: fields.amount,
    balance_transactions: [],
    charge: fields.charge,
    created: fields.created,
    currency: fields.currency,
    enhanced_eligibility_types: [],
    evidence,
    evidence_details: {
      due_by: fields.dueBy,
      enhanced_eligibility: {},
      has_evidence: false,
      past_due: false,
      submission_count: 0,
    },
    // An inquiry is not yet a chargeback: the charge can still be refunded.
    is_charge_refundable: fields.inquiry,
    livemode: false,
    metadata: {},
    payment_intent: fields.paymentIntent,
    payment_method_details: {
      card: {
        brand: fields.brand,
        case_type: fields.inquiry ? 'inquiry' : 'chargeback',
        network_reason_code: fields.reason === 'fraudulent' ? '10.4' : '13.1',
        network: fields.brand,
      },
      type: 'card',
    },
    reason: fields.reason,
    status: fields.inquiry ? 'warning_needs_response' : 'needs_response',
  };
}

export interface CustomerBalanceTransactionObject extends StripeObject {
  object: 'customer_balance_transaction';
  amount: number;
  created: number;
  credit_note: string | null;
  currency: string;
  customer: string;
  description: string | null;
  ending_balance: number;
  invoice: string | null;
  metadata: Record<string, string> | null;
  type: string;
}

export function newCustomerBalanceTransaction(fields: {
  id: string;
  created: number;
  amount: number;
  currency: string;
  customer: string;
  endingBalance: number;
  type: string;
  description?: string | null;
  invoice?: string | null;
  creditNote?: string | null;
  metadata?: Record<string, string>;
}): CustomerBalanceTransactionObject {
  return {
    id: fields.id,
    object: 'customer_balance_transaction',
    amount: fields.amount,
    checkout_session: null,
    created: fields.created,
    credit_note: fields.creditNote ?? null,
    currency: fields.currency,
    customer: fields.customer,
    customer_account: null,
    description: fields.description ?? null,
    ending_balance: fields.endingBalance,
    invoice: fields.invoice ?? null,
    livemode: false,
    metadata: fields.metadata ?? {},
    type: fields.type,
  };
}

export interface CreditNoteLineObject extends StripeObject {
  object: 'credit_note_line_item';
  amount: number;
  description: string | null;
  invoice_line_item?: string;
  quantity: number | null;
  type: 'invoice_line_item' | 'custom_line_item';
  unit_amount: number | null;
}

export function newCreditNoteLine(fields: {
  id: string;
  amount: number;
  description: string | null;
  quantity: number | null;
  invoiceLineItem: string | null;
  unitAmount: number | null;
  metadata?: Record<string, string>;
}): CreditNoteLineObject {
  return {
    id: fields.id,
    object: 'credit_note_line_item',
    amount: fields.amount,
    description: fields.description,
    discount_amount: 0,
    discount_amounts: [],
    ...(fields.invoiceLineItem ? { invoice_line_item: fields.invoiceLineItem } : {}),
    livemode: false,
    metadata: fields.metadata ?? {},
    pretax_credit_amounts: [],
    quantity: fields.quantity,
    tax_rates: [],
    taxes: [],
    type: fields.invoiceLineItem ? 'invoice_line_item' : 'custom_line_item',
    unit_amount: fields.unitAmount,
    unit_amount_decimal: fields.unitAmount === null ? null : String(fields.unitAmount),
  };
}

export interface CreditNoteObject extends StripeObject {
  object: 'credit_note';
  amount: number;
  created: number;
  currency: string;
  customer: string;
  customer_balance_transaction: string | null;
  invoice: string;
  lines: { object: 'list'; data: CreditNoteLineObject[]; has_more: boolean; url: string };
  metadata: Record<string, string>;
  number: string;
  out_of_band_amount: number | null;
  post_payment_amount: number;
  pre_payment_amount: number;
  refunds: Array<{ amount_refunded: number; refund: string; payment_record_refund: null; type: 'refund' }>;
  status: 'issued' | 'void';
  total: number;
  type: 'pre_payment' | 'post_payment' | 'mixed';
  voided_at: number | null;
}

export function newCreditNote(fields: {
  id: string;
  created: number;
  currency: string;
  customer: string;
  invoice: string;
  number: string;
  amount: number;
  lines: CreditNoteLineObject[];
  memo: string | null;
  metadata: Record<string, string>;
  reason: string | null;
  prePayment: number;
  postPayment: number;
  outOfBand: number | null;
}): CreditNoteObject {
  const { amount } = fields;
  return {
    id: fields.id,
    object: 'credit_note',
    amount,
    amount_shipping: 0,
    created: fields.created,
    currency: fields.currency,
    customer: fields.customer,
    customer_account: null,
    customer_balance_transaction: null,
    discount_amount: 0,
    discount_amounts: [],
    effective_at: fields.created,
    invoice: fields.invoice,
    lines: {
      object: 'list',
      data: fields.lines,
      has_more: false,
      url: `/v1/credit_notes/${fields.id}/lines`,
    },
    livemode: false,
    memo: fields.memo,
    metadata: fields.metadata,
    number: fields.number,
    out_of_band_amount: fields.outOfBand,
    pdf: `https://pay.stripe.com/credit_notes/asym_${fields.id}/pdf`,
    post_payment_amount: fields.postPayment,
    pre_payment_amount: fields.prePayment,
    pretax_credit_amounts: [],
    reason: fields.reason,
    refunds: [],
    shipping_cost: null,
    status: 'issued',
    subtotal: amount,
    subtotal_excluding_tax: amount,
    total: amount,
    total_excluding_tax: amount,
    total_taxes: [],
    type:
      fields.prePayment > 0 && fields.postPayment > 0
        ? 'mixed'
        : fields.postPayment > 0
          ? 'post_payment'
          : 'pre_payment',
    voided_at: null,
  };
}

export interface FileObject extends StripeObject {
  object: 'file';
  created: number;
  filename: string;
  links: { object: 'list'; data: StripeObject[]; has_more: boolean; url: string };
  purpose: string;
  size: number;
  type: string | null;
  url: string;
}

export function newFile(fields: {
  id: string;
  created: number;
  filename: string;
  purpose: string;
  size: number;
  type: string | null;
  url: string;
}): FileObject {
  return {
    id: fields.id,
    object: 'file',
    created: fields.created,
    expires_at: null,
    filename: fields.filename,
    links: { object: 'list', data: [], has_more: false, url: `/v1/file_links?file=${fields.id}` },
    purpose: fields.purpose,
    size: fields.size,
    title: null,
    type: fields.type,
    url: fields.url,
  };
}

export interface FileLinkObject extends StripeObject {
  object: 'file_link';
  created: number;
  expired: boolean;
  expires_at: number | null;
  file: string;
  metadata: Record<string, string>;
  url: string;
  /** The clone's own: the public token the url ends with. */
  _token?: string;
}

export function newFileLink(fields: {
  id: string;
  created: number;
  file: string;
  expiresAt: number | null;
  metadata: Record<string, string>;
  url: string;
}): FileLinkObject {
  return {
    id: fields.id,
    object: 'file_link',
    created: fields.created,
    expired: false,
    expires_at: fields.expiresAt,
    file: fields.file,
    livemode: false,
    metadata: fields.metadata,
    url: fields.url,
  };
}

export interface ReviewObject extends StripeObject {
  object: 'review';
  charge: string;
  closed_reason: string | null;
  open: boolean;
  reason: string;
}

export function newReview(fields: { id: string; created: number; charge: string }): ReviewObject {
  return {
    id: fields.id,
    object: 'review',
    billing_zip: null,
    charge: fields.charge,
    closed_reason: null,
    created: fields.created,
    ip_address: null,
    ip_address_location: null,
    livemode: false,
    open: true,
    opened_reason: 'rule',
    reason: 'rule',
    session: null,
  };
}
