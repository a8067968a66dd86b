import type { StripeObject } from '../store/objects.js';
import type { PriceObject } from './price.js';

/** Checkout sessions, their line items, payment links and the customer portal, with fixtures3.json's keys. */

export type CheckoutMode = 'payment' | 'setup' | 'subscription';

export interface CheckoutItem extends StripeObject {
  object: 'item';
  amount_discount: number;
  amount_subtotal: number;
  amount_tax: number;
  amount_total: number;
  currency: string;
  description: string | null;
  price: PriceObject;
  quantity: number;
}

export function newCheckoutItem(fields: {
  id: string;
  price: PriceObject;
  quantity: number;
  description: string | null;
  adjustableQuantity?: Record<string, unknown> | null;
}): CheckoutItem {
  const subtotal = (fields.price.unit_amount ?? 0) * fields.quantity;
  return {
    id: fields.id,
    object: 'item',
    adjustable_quantity: fields.adjustableQuantity ?? null,
    amount_discount: 0,
    amount_subtotal: subtotal,
    amount_tax: 0,
    amount_total: subtotal,
    currency: fields.price.currency,
    description: fields.description,
    metadata: {},
    price: fields.price,
    quantity: fields.quantity,
  };
}

export interface CheckoutSessionObject extends StripeObject {
  object: 'checkout.session';
  allow_promotion_codes: boolean | null;
  amount_subtotal: number | null;
  amount_total: number | null;
  cancel_url: string | null;
  client_reference_id: string | null;
  created: number;
  currency: string | null;
  customer: string | null;
  customer_creation: 'always' | 'if_required' | null;
  customer_details: Record<string, unknown> | null;
  customer_email: string | null;
  discounts: Array<{ coupon: string | null; promotion_code: string | null }> | null;
  expires_at: number;
  invoice: string | null;
  metadata: Record<string, string>;
  mode: CheckoutMode;
  payment_intent: string | null;
  payment_link: string | null;
  payment_status: 'no_payment_required' | 'paid' | 'unpaid';
  setup_intent: string | null;
  shipping_cost: Record<string, unknown> | null;
  shipping_options: Array<{ shipping_amount: number; shipping_rate: string }>;
  status: 'complete' | 'expired' | 'open';
  subscription: string | null;
  success_url: string | null;
  total_details: { amount_discount: number; amount_shipping: number; amount_tax: number } | null;
  url: string | null;
  /** The clone's bookkeeping: what completing the session creates. */
  _line_items: CheckoutItem[];
  _intent_data: Record<string, unknown>;
}

export function newCheckoutSession(
  fields: Pick<
    CheckoutSessionObject,
    | 'id'
    | 'created'
    | 'mode'
    | 'expires_at'
    | 'currency'
    | 'customer'
    | 'customer_email'
    | 'client_reference_id'
    | 'metadata'
    | 'success_url'
    | 'cancel_url'
    | 'allow_promotion_codes'
    | 'customer_creation'
    | 'payment_link'
  > & {
    paymentMethodTypes: string[];
    shippingOptions: Array<{ shipping_amount: number; shipping_rate: string }>;
  },
): CheckoutSessionObject {
  return {
    id: fields.id,
    object: 'checkout.session',
    adaptive_pricing: { enabled: false },
    after_expiration: null,
    allow_promotion_codes: fields.allow_promotion_codes,
    amount_subtotal: null,
    amount_total: null,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    cancel_url: fields.cancel_url,
    client_reference_id: fields.client_reference_id,
    client_secret: null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created: fields.created,
    currency: fields.currency,
    currency_conversion: null,
    custom_fields: [],
    custom_text: {
      after_submit: null,
      shipping_address: null,
      submit: null,
      terms_of_service_acceptance: null,
    },
    customer: fields.customer,
    customer_account: null,
    customer_creation: fields.customer_creation,
    customer_details: null,
    customer_email: fields.customer_email,
    discounts: [],
    expires_at: fields.expires_at,
    integration_identifier: null,
    invoice: null,
    invoice_creation: null,
    livemode: false,
    locale: null,
    managed_payments: null,
    metadata: fields.metadata,
    mode: fields.mode,
    origin_context: null,
    payment_intent: null,
    payment_link: fields.payment_link,
    payment_method_collection: fields.mode === 'payment' ? null : 'always',
    payment_method_configuration_details: null,
    payment_method_options: {},
    payment_method_types: fields.paymentMethodTypes,
    payment_status: fields.mode === 'setup' ? 'no_payment_required' : 'unpaid',
    permissions: null,
    phone_number_collection: { enabled: false },
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: fields.shippingOptions,
    status: 'open',
    submit_type: null,
    subscription: null,
    success_url: fields.success_url,
    total_details: null,
    ui_mode: 'hosted',
    url: null,
    wallet_options: null,
    _line_items: [],
    _intent_data: {},
  };
}

export interface PaymentLinkObject extends StripeObject {
  object: 'payment_link';
  active: boolean;
  allow_promotion_codes: boolean;
  currency: string;
  metadata: Record<string, string>;
  restrictions: { completed_sessions: { count: number; limit: number } } | null;
  url: string;
  _line_items: CheckoutItem[];
}

export function newPaymentLink(
  fields: Pick<
    PaymentLinkObject,
    'id' | 'active' | 'allow_promotion_codes' | 'currency' | 'metadata' | 'restrictions' | 'url'
  > & {
    afterCompletion: Record<string, unknown>;
    customerCreation: 'always' | 'if_required';
    shippingOptions: Array<{ shipping_amount: number; shipping_rate: string }>;
    paymentIntentData: Record<string, unknown> | null;
    subscriptionData: Record<string, unknown> | null;
  },
): PaymentLinkObject {
  return {
    id: fields.id,
    object: 'payment_link',
    active: fields.active,
    after_completion: fields.afterCompletion,
    allow_promotion_codes: fields.allow_promotion_codes,
    application: null,
    application_fee_amount: null,
    application_fee_percent: null,
    automatic_tax: { enabled: false, liability: null },
    billing_address_collection: 'auto',
    consent_collection: null,
    currency: fields.currency,
    custom_fields: [],
    custom_text: {
      after_submit: null,
      shipping_address: null,
      submit: null,
      terms_of_service_acceptance: null,
    },
    customer_creation: fields.customerCreation,
    inactive_message: null,
    invoice_creation: null,
    livemode: false,
    managed_payments: null,
    metadata: fields.metadata,
    on_behalf_of: null,
    payment_intent_data: fields.paymentIntentData,
    payment_method_collection: 'always',
    payment_method_options: null,
    payment_method_types: null,
    phone_number_collection: { enabled: false },
    restrictions: fields.restrictions,
    shipping_address_collection: null,
    shipping_options: fields.shippingOptions,
    submit_type: 'auto',
    subscription_data: fields.subscriptionData,
    tax_id_collection: { enabled: false, required: 'never' },
    transfer_data: null,
    url: fields.url,
    _line_items: [],
  };
}

/** What customers may do in the portal when a configuration does not say otherwise. */
export const defaultPortalFeatures = (): Record<string, Record<string, unknown>> => ({
  customer_update: { allowed_updates: [], enabled: false },
  invoice_history: { enabled: true },
  payment_method_update: { enabled: true, payment_method_configuration: null },
  subscription_cancel: {
    cancellation_reason: {
      enabled: false,
      options: ['too_expensive', 'missing_features', 'switched_service', 'unused', 'other'],
    },
    enabled: false,
    mode: 'at_period_end',
    proration_behavior: 'none',
  },
  subscription_update: {
    billing_cycle_anchor: null,
    default_allowed_updates: [],
    enabled: false,
    products: [],
    proration_behavior: 'none',
    schedule_at_period_end: { conditions: [] },
    trial_update_behavior: 'end_trial',
  },
});

export function newPortalConfiguration(fields: {
  id: string;
  created: number;
  isDefault: boolean;
  businessProfile?: Record<string, unknown>;
  defaultReturnUrl?: string | null;
  features?: Record<string, Record<string, unknown>>;
  metadata?: Record<string, string>;
  name?: string | null;
}): StripeObject {
  return {
    id: fields.id,
    object: 'billing_portal.configuration',
    active: true,
    application: null,
    business_profile: fields.businessProfile ?? {
      headline: null,
      privacy_policy_url: null,
      terms_of_service_url: null,
    },
    created: fields.created,
    default_return_url: fields.defaultReturnUrl ?? null,
    features: fields.features ?? defaultPortalFeatures(),
    is_default: fields.isDefault,
    livemode: false,
    login_page: { enabled: false, url: null },
    metadata: fields.metadata ?? {},
    name: fields.name ?? null,
    updated: fields.created,
  };
}
