import type { StripeObject } from '../store/objects.js';
import { planOf } from './billing.js';
import type { PriceObject } from './price.js';

/** Subscription schedules and their phases, with exactly the keys of fixtures3.json's example. */

export interface PhaseItem {
  billing_thresholds: null;
  discounts: [];
  metadata: Record<string, string>;
  plan: string;
  price: string;
  quantity: number;
  tax_rates: [];
}

export interface SchedulePhase {
  add_invoice_items: [];
  application_fee_percent: null;
  billing_cycle_anchor: null;
  billing_thresholds: null;
  collection_method: 'charge_automatically' | 'send_invoice' | null;
  currency: string;
  default_payment_method: string | null;
  default_tax_rates: [];
  description: string | null;
  discounts: [];
  end_date: number;
  invoice_settings: null;
  items: PhaseItem[];
  metadata: Record<string, string>;
  on_behalf_of: null;
  proration_behavior: 'always_invoice' | 'create_prorations' | 'none';
  start_date: number;
  transfer_data: null;
  trial_end: number | null;
}

export const phaseItem = (
  price: PriceObject,
  quantity: number,
  metadata: Record<string, string> = {},
): PhaseItem => ({
  billing_thresholds: null,
  discounts: [],
  metadata,
  plan: planOf(price).id,
  price: price.id,
  quantity,
  tax_rates: [],
});

export function newPhase(fields: {
  start: number;
  end: number;
  currency: string;
  items: PhaseItem[];
  collectionMethod?: 'charge_automatically' | 'send_invoice' | null;
  description?: string | null;
  metadata?: Record<string, string>;
  prorationBehavior?: SchedulePhase['proration_behavior'];
  trialEnd?: number | null;
  defaultPaymentMethod?: string | null;
}): SchedulePhase {
  return {
    add_invoice_items: [],
    application_fee_percent: null,
    billing_cycle_anchor: null,
    billing_thresholds: null,
    collection_method: fields.collectionMethod ?? null,
    currency: fields.currency,
    default_payment_method: fields.defaultPaymentMethod ?? null,
    default_tax_rates: [],
    description: fields.description ?? null,
    discounts: [],
    end_date: fields.end,
    invoice_settings: null,
    items: fields.items,
    metadata: fields.metadata ?? {},
    on_behalf_of: null,
    proration_behavior: fields.prorationBehavior ?? 'create_prorations',
    start_date: fields.start,
    transfer_data: null,
    trial_end: fields.trialEnd ?? null,
  };
}

export type ScheduleStatus = 'not_started' | 'active' | 'completed' | 'released' | 'canceled';

export interface ScheduleObject extends StripeObject {
  object: 'subscription_schedule';
  canceled_at: number | null;
  completed_at: number | null;
  created: number;
  current_phase: { start_date: number; end_date: number } | null;
  customer: string;
  end_behavior: 'cancel' | 'release';
  metadata: Record<string, string>;
  phases: SchedulePhase[];
  released_at: number | null;
  released_subscription: string | null;
  status: ScheduleStatus;
  subscription: string | null;
  test_clock: string | null;
}

export function newSchedule(fields: {
  id: string;
  created: number;
  customer: string;
  endBehavior: 'cancel' | 'release';
  metadata: Record<string, string>;
  phases: SchedulePhase[];
  testClock: string | null;
}): ScheduleObject {
  return {
    id: fields.id,
    object: 'subscription_schedule',
    application: null,
    billing_mode: { flexible: null, type: 'classic' },
    canceled_at: null,
    completed_at: null,
    created: fields.created,
    current_phase: null,
    customer: fields.customer,
    customer_account: null,
    default_settings: {
      application_fee_percent: null,
      automatic_tax: { disabled_reason: null, enabled: false, liability: null },
      billing_cycle_anchor: 'automatic',
      billing_thresholds: null,
      collection_method: 'charge_automatically',
      default_payment_method: null,
      description: null,
      invoice_settings: { account_tax_ids: null, days_until_due: null, issuer: { type: 'self' } },
      on_behalf_of: null,
      transfer_data: null,
    },
    end_behavior: fields.endBehavior,
    livemode: false,
    metadata: fields.metadata,
    phases: fields.phases,
    released_at: null,
    released_subscription: null,
    status: 'not_started',
    subscription: null,
    test_clock: fields.testClock,
  };
}
