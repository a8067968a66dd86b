import { createHash } from 'node:crypto';
import type { Queryable } from '../../_shared/db.js';
import { findLive } from './store/objects.js';
import { invalidRequest, resourceMissing } from './stripe-error.js';
import type { Tx } from './tx.js';
import type { MeterObject } from './views/meter.js';

/**
 * Usage-based billing: meters aggregate the meter events sent for a customer, and a
 * metered price bills what its meter aggregated over the period an invoice closes.
 */

export async function liveMeter(tx: Tx, id: string, param = 'id'): Promise<MeterObject> {
  const meter = await findLive<MeterObject>(tx.db, 'billing_meters', id);
  if (!meter) throw resourceMissing('billing.meter', id, param);
  return meter;
}

/** `meter`'s events for `customer` in `[start, end)`, by timestamp: `[timestamp, value]`. */
async function meterEvents(
  db: Queryable,
  meter: MeterObject,
  customer: string,
  start: number,
  end: number,
): Promise<Array<[number, number]>> {
  const { rows } = await db.query<{ at: string; value: string | null }>(
    `SELECT data->>'timestamp' AS at, data->'payload'->>$3 AS value FROM billing_meter_events
      WHERE data->>'event_name' = $1 AND data->'payload'->>$2 = $4
        AND (data->>'timestamp')::bigint >= $5 AND (data->>'timestamp')::bigint < $6
      ORDER BY (data->>'timestamp')::bigint, seq`,
    [
      meter.event_name,
      meter.customer_mapping.event_payload_key,
      meter.value_settings.event_payload_key,
      customer,
      start,
      end,
    ],
  );
  return rows.map((row) => [Number(row.at), Number(row.value)]);
}

/** The sum or count of events, or the value of the last one (Stripe's three formulas). */
function aggregate(meter: MeterObject, events: Array<[number, number]>): number {
  const formula = meter.default_aggregation.formula;
  if (formula === 'count') return events.length;
  const values = events.map(([, value]) => value).filter((value) => Number.isFinite(value));
  if (formula === 'last') return values.at(-1) ?? 0;
  return values.reduce((sum, value) => sum + value, 0);
}

/** What `meter` aggregated for `customer` over `[start, end)`, by event timestamp. */
export async function meterUsage(
  db: Queryable,
  meter: MeterObject,
  customer: string,
  start: number,
  end: number,
): Promise<number> {
  return aggregate(meter, await meterEvents(db, meter, customer, start, end));
}

/** The aggregate of each bucket, read in one query. */
export async function bucketUsage(
  db: Queryable,
  meter: MeterObject,
  customer: string,
  buckets: ReadonlyArray<{ start: number; end: number }>,
): Promise<number[]> {
  const first = buckets[0];
  const last = buckets.at(-1);
  if (!first || !last) return [];
  const events = await meterEvents(db, meter, customer, first.start, last.end);
  return buckets.map((bucket) =>
    aggregate(
      meter,
      events.filter(([at]) => at >= bucket.start && at < bucket.end),
    ),
  );
}

/** A summary's id: the same bucket of the same meter and customer always has the same one. */
export const summaryId = (meter: string, customer: string, start: number, end: number) =>
  `mtrusg_test_${createHash('sha256').update(`${meter}:${customer}:${start}:${end}`).digest('hex').slice(0, 24)}`;

export const DAY = 86_400;
const HOUR = 3_600;
const MAX_BUCKETS = 2_000;

/** Buckets of `[start, end)` for `event_summaries`: one, or one per hour or day (UTC). */
export function summaryBuckets(
  start: number,
  end: number,
  window: 'day' | 'hour' | null,
): Array<{ start: number; end: number }> {
  if (window === null) return [{ start, end }];
  const size = window === 'day' ? DAY : HOUR;
  const buckets: Array<{ start: number; end: number }> = [];
  for (let at = start; at < end; ) {
    if (buckets.length >= MAX_BUCKETS) {
      throw invalidRequest(
        `The time range holds more than ${MAX_BUCKETS} ${window} windows: narrow start_time and end_time.`,
        { param: 'value_grouping_window' },
      );
    }
    const next = Math.min(end, (Math.floor(at / size) + 1) * size);
    buckets.push({ start: at, end: next });
    at = next;
  }
  return buckets;
}

/** Meter event timestamps Stripe takes: the past 35 days up to 5 minutes ahead. */
export function checkEventTime(timestamp: number, now: number): void {
  if (timestamp < now - 35 * DAY || timestamp > now + 300) {
    throw invalidRequest(
      'Timestamp must be within the past 35 calendar days and not more than 5 minutes in the future.',
      { param: 'timestamp' },
    );
  }
}
