import type { StripeObject } from '../store/objects.js';

/** Billing meters and their events, with exactly the keys of fixtures3.json's examples. */

export type MeterFormula = 'sum' | 'count' | 'last';

export interface MeterObject extends StripeObject {
  object: 'billing.meter';
  created: number;
  customer_mapping: { event_payload_key: string; type: 'by_id' };
  default_aggregation: { formula: MeterFormula };
  display_name: string;
  event_name: string;
  event_time_window: 'day' | 'hour' | null;
  status: 'active' | 'inactive';
  status_transitions: { deactivated_at: number | null };
  updated: number;
  value_settings: { event_payload_key: string };
}

export function newMeter(fields: {
  id: string;
  created: number;
  displayName: string;
  eventName: string;
  formula: MeterFormula;
  customerKey: string;
  valueKey: string;
  eventTimeWindow: 'day' | 'hour' | null;
}): MeterObject {
  return {
    id: fields.id,
    object: 'billing.meter',
    created: fields.created,
    customer_mapping: { event_payload_key: fields.customerKey, type: 'by_id' },
    default_aggregation: { formula: fields.formula },
    display_name: fields.displayName,
    event_name: fields.eventName,
    event_time_window: fields.eventTimeWindow,
    livemode: false,
    status: 'active',
    status_transitions: { deactivated_at: null },
    updated: fields.created,
    value_settings: { event_payload_key: fields.valueKey },
  };
}

/** A meter event as Stripe answers it: it has no id (the row is keyed by `identifier`). */
export interface MeterEventObject {
  object: 'billing.meter_event';
  created: number;
  event_name: string;
  identifier: string;
  livemode: false;
  payload: Record<string, string>;
  timestamp: number;
}

export function newMeterEvent(fields: {
  created: number;
  eventName: string;
  identifier: string;
  payload: Record<string, string>;
  timestamp: number;
}): MeterEventObject {
  return {
    object: 'billing.meter_event',
    created: fields.created,
    event_name: fields.eventName,
    identifier: fields.identifier,
    livemode: false,
    payload: fields.payload,
    timestamp: fields.timestamp,
  };
}

export function meterEventSummary(fields: {
  id: string;
  meter: string;
  start: number;
  end: number;
  value: number;
}): StripeObject {
  return {
    id: fields.id,
    object: 'billing.meter_event_summary',
    aggregated_value: fields.value,
    end_time: fields.end,
    livemode: false,
    meter: fields.meter,
    start_time: fields.start,
  };
}
