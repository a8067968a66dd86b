import type { StripeObject } from '../store/objects.js';

/** Tax rates, shipping rates and promotion codes, with exactly fixtures3.json's keys. */

export interface TaxRateObject extends StripeObject {
  object: 'tax_rate';
  active: boolean;
  created: number;
  display_name: string;
  inclusive: boolean;
  percentage: number;
  metadata: Record<string, string>;
}

export function newTaxRate(
  fields: Pick<TaxRateObject, 'id' | 'created' | 'display_name' | 'inclusive' | 'percentage'> & {
    active?: boolean;
    metadata?: Record<string, string>;
    country?: string | null;
    description?: string | null;
    jurisdiction?: string | null;
    state?: string | null;
    tax_type?: string | null;
  },
): TaxRateObject {
  return {
    id: fields.id,
    object: 'tax_rate',
    active: fields.active ?? true,
    country: fields.country ?? null,
    created: fields.created,
    description: fields.description ?? null,
    display_name: fields.display_name,
    // Stripe computes this only for rates whose percentage varies (Stripe Tax); fixed rates carry it too.
    effective_percentage: fields.percentage,
    flat_amount: null,
    inclusive: fields.inclusive,
    jurisdiction: fields.jurisdiction ?? null,
    jurisdiction_level: null,
    livemode: false,
    metadata: fields.metadata ?? {},
    percentage: fields.percentage,
    rate_type: 'percentage',
    state: fields.state ?? null,
    tax_type: fields.tax_type ?? null,
  };
}

export interface ShippingRateObject extends StripeObject {
  object: 'shipping_rate';
  active: boolean;
  display_name: string | null;
  fixed_amount: { amount: number; currency: string };
  metadata: Record<string, string>;
  tax_behavior: string | null;
}

export function newShippingRate(
  fields: Pick<ShippingRateObject, 'id' | 'created' | 'display_name' | 'fixed_amount'> & {
    active?: boolean;
    metadata?: Record<string, string>;
    delivery_estimate?: Record<string, unknown> | null;
    tax_behavior?: string;
    tax_code?: string | null;
  },
): ShippingRateObject {
  return {
    id: fields.id,
    object: 'shipping_rate',
    active: fields.active ?? true,
    created: fields.created,
    delivery_estimate: fields.delivery_estimate ?? null,
    display_name: fields.display_name,
    fixed_amount: fields.fixed_amount,
    livemode: false,
    metadata: fields.metadata ?? {},
    tax_behavior: fields.tax_behavior ?? 'unspecified',
    tax_code: fields.tax_code ?? null,
    type: 'fixed_amount',
  };
}

export interface PromotionCodeObject extends StripeObject {
  object: 'promotion_code';
  active: boolean;
  code: string;
  created: number;
  customer: string | null;
  expires_at: number | null;
  max_redemptions: number | null;
  metadata: Record<string, string>;
  promotion: { coupon: string; type: 'coupon' };
  restrictions: {
    first_time_transaction: boolean;
    minimum_amount: number | null;
    minimum_amount_currency: string | null;
  };
  times_redeemed: number;
}

export function newPromotionCode(
  fields: Pick<
    PromotionCodeObject,
    'id' | 'created' | 'code' | 'customer' | 'expires_at' | 'max_redemptions' | 'metadata' | 'restrictions'
  > & { coupon: string; active?: boolean },
): PromotionCodeObject {
  return {
    id: fields.id,
    object: 'promotion_code',
    active: fields.active ?? true,
    code: fields.code,
    created: fields.created,
    customer: fields.customer,
    customer_account: null,
    expires_at: fields.expires_at,
    livemode: false,
    max_redemptions: fields.max_redemptions,
    metadata: fields.metadata,
    promotion: { coupon: fields.coupon, type: 'coupon' },
    restrictions: fields.restrictions,
    times_redeemed: 0,
  };
}
