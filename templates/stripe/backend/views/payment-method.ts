import { cardFingerprint, type TestCard } from '../cards.js';
import type { Address } from '../params.js';
import type { StripeObject } from '../store/objects.js';

export interface BillingDetails {
  address: Address;
  email: string | null;
  name: string | null;
  phone: string | null;
  tax_id: string | null;
}

export interface PaymentMethodCard {
  brand: string;
  checks: {
    address_line1_check: string | null;
    address_postal_code_check: string | null;
    cvc_check: string | null;
  };
  country: string;
  display_brand: string;
  exp_month: number;
  exp_year: number;
  fingerprint: string;
  funding: string;
  generated_from: null;
  last4: string;
  networks: { available: string[]; preferred: string | null };
  regulated_status: string | null;
  three_d_secure_usage: { supported: boolean };
  wallet: null;
}

export interface PaymentMethodObject extends StripeObject {
  object: 'payment_method';
  billing_details: BillingDetails;
  card: PaymentMethodCard;
  created: number;
  customer: string | null;
  metadata: Record<string, string>;
}

export const EMPTY_ADDRESS: Address = {
  city: null,
  country: null,
  line1: null,
  line2: null,
  postal_code: null,
  state: null,
};

export const emptyBillingDetails = (): BillingDetails => ({
  address: { ...EMPTY_ADDRESS },
  email: null,
  name: null,
  phone: null,
  tax_id: null,
});

/** A card payment method with exactly the keys of `resources.payment_method` in fixtures3.json. */
export function newCardPaymentMethod(fields: {
  id: string;
  created: number;
  card: TestCard;
  expMonth: number;
  expYear: number;
  customer?: string | null;
  billingDetails?: BillingDetails;
  metadata?: Record<string, string>;
  allowRedisplay?: string;
}): PaymentMethodObject {
  const { card } = fields;
  const brand = card.brand === 'amex' ? 'amex' : card.brand;
  return {
    id: fields.id,
    object: 'payment_method',
    allow_redisplay: fields.allowRedisplay ?? 'unspecified',
    billing_details: fields.billingDetails ?? emptyBillingDetails(),
    card: {
      brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
      country: card.country,
      display_brand: brand === 'amex' ? 'american_express' : brand,
      exp_month: fields.expMonth,
      exp_year: fields.expYear,
      fingerprint: cardFingerprint(card.number),
      funding: card.funding,
      generated_from: null,
      last4: card.number.slice(-4),
      networks: { available: [brand], preferred: null },
      regulated_status: 'unregulated',
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: fields.created,
    customer: fields.customer ?? null,
    customer_account: null,
    livemode: false,
    metadata: fields.metadata ?? {},
    type: 'card',
  };
}
