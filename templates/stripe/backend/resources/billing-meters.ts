import { Hono } from 'hono';
import { pageOf } from '../list.js';
import { bucketUsage, checkEventTime, summaryBuckets, summaryId } from '../meters.js';
import { hash, integer, isHash, missing, oneOf, rejectUnknown, string } from '../params.js';
import { expansionPlans } from '../render.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { findCustomer } from '../store/customers.js';
import { findLive, listObjects, saveObject } from '../store/objects.js';
import { invalidRequest } from '../stripe-error.js';
import { previousAttributes, type Tx, transact } from '../tx.js';
import type { TestClockObject } from '../views/billing.js';
import { type MeterObject, meterEventSummary, newMeter, newMeterEvent } from '../views/meter.js';
import { answer, listAnswer, mustFind, retrieveRoute, stringFilter } from './common.js';

/** /v1/billing/meters: create, retrieve, update, list, deactivate, reactivate, event summaries. */
export function meterRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'customer_mapping',
      'default_aggregation',
      'display_name',
      'event_name',
      'event_time_window',
      'expand',
      'value_settings',
    ]);
    expansionPlans(params, 'billing.meter');
    if (params.default_aggregation === undefined) missing('default_aggregation');
    if (params.display_name === undefined) missing('display_name');
    if (params.event_name === undefined) missing('event_name');
    const aggregation = hash(params.default_aggregation, 'default_aggregation', ['formula']);
    if (aggregation.formula === undefined) missing('default_aggregation[formula]');
    const formula = oneOf(aggregation.formula, 'default_aggregation[formula]', [
      'count',
      'last',
      'sum',
    ] as const);
    let customerKey = 'stripe_customer_id';
    if (params.customer_mapping !== undefined) {
      const mapping = hash(params.customer_mapping, 'customer_mapping', ['event_payload_key', 'type']);
      if (mapping.event_payload_key === undefined) missing('customer_mapping[event_payload_key]');
      if (mapping.type === undefined) missing('customer_mapping[type]');
      oneOf(mapping.type, 'customer_mapping[type]', ['by_id'] as const);
      customerKey = string(mapping.event_payload_key, 'customer_mapping[event_payload_key]', { max: 100 });
    }
    let valueKey = 'value';
    if (params.value_settings !== undefined) {
      const settings = hash(params.value_settings, 'value_settings', ['event_payload_key']);
      if (settings.event_payload_key === undefined) missing('value_settings[event_payload_key]');
      valueKey = string(settings.event_payload_key, 'value_settings[event_payload_key]', { max: 100 });
    }
    const displayName = string(params.display_name, 'display_name', { max: 250 });
    const eventName = string(params.event_name, 'event_name', { max: 100 });
    if (displayName === '') missing('display_name');
    if (eventName === '') missing('event_name');
    const eventTimeWindow =
      params.event_time_window === undefined
        ? null
        : oneOf(params.event_time_window, 'event_time_window', ['day', 'hour'] as const);
    const meter = await transact(deps, c, async (tx) => {
      const same = await listObjects<MeterObject>(tx.db, 'billing_meters', {
        filters: [
          { path: ['event_name'], values: [eventName] },
          { path: ['status'], values: ['active'] },
        ],
      });
      if (same.length > 0) {
        throw invalidRequest(`An active meter with the event_name \`${eventName}\` already exists.`, {
          param: 'event_name',
        });
      }
      const created = newMeter({
        id: tx.ids.object('mtr_test', 32),
        created: tx.now,
        displayName,
        eventName,
        formula,
        customerKey,
        valueKey,
        eventTimeWindow,
      });
      await tx.db.query('INSERT INTO billing_meters (id, created, data) VALUES ($1, $2, $3)', [
        created.id,
        created.created,
        JSON.stringify(created),
      ]);
      await tx.emit('billing.meter.created', created);
      return created;
    });
    return c.json(await answer(deps, params, meter));
  });

  routes.get('/', async (c) => {
    const params = c.get('params');
    if (params.status !== undefined) oneOf(params.status, 'status', ['active', 'inactive'] as const);
    return c.json(
      await listAnswer(deps, c, {
        table: 'billing_meters',
        type: 'billing.meter',
        noun: 'billing.meter',
        url: '/v1/billing/meters',
        params: ['status'],
        noCreated: true,
        filters: (p) => stringFilter(p, 'status'),
      }),
    );
  });

  routes.get('/:id/event_summaries', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'customer',
      'end_time',
      'ending_before',
      'expand',
      'limit',
      'start_time',
      'starting_after',
      'value_grouping_window',
    ]);
    const meter = await mustFind<MeterObject>(
      deps.pool,
      'billing_meters',
      'billing.meter',
      c.req.param('id'),
    );
    if (params.customer === undefined) missing('customer');
    if (params.start_time === undefined) missing('start_time');
    if (params.end_time === undefined) missing('end_time');
    const customer = string(params.customer, 'customer');
    const start = integer(params.start_time, 'start_time', { min: 0 });
    const end = integer(params.end_time, 'end_time', { min: 0 });
    if (end <= start) {
      throw invalidRequest('The end_time must be after the start_time.', { param: 'end_time' });
    }
    const window =
      params.value_grouping_window === undefined
        ? null
        : oneOf(params.value_grouping_window, 'value_grouping_window', ['day', 'hour'] as const);
    const buckets = summaryBuckets(start, end, window);
    const values = await bucketUsage(deps.pool, meter, customer, buckets);
    const summaries = buckets.map((bucket, index) =>
      meterEventSummary({
        id: summaryId(meter.id, customer, bucket.start, bucket.end),
        meter: meter.id,
        start: bucket.start,
        end: bucket.end,
        value: values[index] ?? 0,
      }),
    );
    const url = `/v1/billing/meters/${meter.id}/event_summaries`;
    return c.json(pageOf(summaries, params, { url, noun: 'billing.meter_event_summary' }));
  });

  routes.get('/:id', retrieveRoute(deps, 'billing_meters', 'billing.meter'));

  const change = (
    path: string,
    allowed: readonly string[],
    apply: (tx: Tx, meter: MeterObject, params: Record<string, unknown>) => string,
  ) =>
    routes.post(path, async (c) => {
      const params = c.get('params');
      rejectUnknown(params, allowed);
      expansionPlans(params, 'billing.meter');
      const meter = await transact(deps, c, async (tx) => {
        const current = await mustFind<MeterObject>(
          tx.db,
          'billing_meters',
          'billing.meter',
          c.req.param('id') as string,
          {
            forUpdate: true,
          },
        );
        const next = structuredClone(current);
        const type = apply(tx, next, params);
        const previous = previousAttributes(current, next);
        if (Object.keys(previous).length === 0) return current;
        next.updated = tx.now;
        await saveObject(tx.db, 'billing_meters', next);
        await tx.emit(type, next, previousAttributes(current, next));
        return next;
      });
      return c.json(await answer(deps, params, meter));
    });

  change('/:id/deactivate', ['expand'], (tx, meter) => {
    if (meter.status === 'inactive') {
      throw invalidRequest(`The meter \`${meter.id}\` is already inactive.`, {
        code: 'billing_meter_inactive',
      });
    }
    meter.status = 'inactive';
    meter.status_transitions = { deactivated_at: tx.now };
    return 'billing.meter.deactivated';
  });
  change('/:id/reactivate', ['expand'], (_tx, meter) => {
    if (meter.status === 'active') {
      throw invalidRequest(`The meter \`${meter.id}\` is already active.`);
    }
    meter.status = 'active';
    meter.status_transitions = { deactivated_at: null };
    return 'billing.meter.reactivated';
  });
  change('/:id', ['display_name', 'expand'], (_tx, meter, params) => {
    if (params.display_name !== undefined) {
      meter.display_name = string(params.display_name, 'display_name', { max: 250 });
      if (meter.display_name === '') missing('display_name');
    }
    return 'billing.meter.updated';
  });

  return routes;
}

/** Now for the customer a meter event names: its test clock's time if it has one. */
async function eventNow(tx: Tx, customerId: string | undefined): Promise<number> {
  if (customerId === undefined) return tx.now;
  const customer = await findCustomer(tx.db, customerId);
  if (!customer?.test_clock) return tx.now;
  const clock = await findLive<TestClockObject>(tx.db, 'test_clocks', customer.test_clock);
  return clock?.frozen_time ?? tx.now;
}

/** /v1/billing/meter_events: create (usage for the meters listening to `event_name`). */
export function meterEventRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();
  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, ['event_name', 'expand', 'identifier', 'payload', 'timestamp']);
    if (params.event_name === undefined) missing('event_name');
    if (params.payload === undefined) missing('payload');
    const eventName = string(params.event_name, 'event_name', { max: 100 });
    if (!isHash(params.payload)) throw invalidRequest('Invalid object', { param: 'payload' });
    const payload: Record<string, string> = {};
    for (const [key, value] of Object.entries(params.payload)) {
      payload[key] = string(value, `payload[${key}]`, { max: 5000 });
    }
    const identifier =
      params.identifier === undefined ? null : string(params.identifier, 'identifier', { max: 100 });
    const event = await transact(deps, c, async (tx) => {
      // Usage is aggregated against the customer's meter: their test clock sets its "now".
      const meters = await listObjects<MeterObject>(tx.db, 'billing_meters', {
        filters: [{ path: ['event_name'], values: [eventName] }],
      });
      const key = meters[0]?.data.customer_mapping.event_payload_key ?? 'stripe_customer_id';
      const now = await eventNow(tx, payload[key]);
      const timestamp =
        params.timestamp === undefined ? now : integer(params.timestamp, 'timestamp', { min: 0 });
      checkEventTime(timestamp, now);
      const id = identifier ?? tx.ids.object('mev', 24);
      const created = newMeterEvent({ created: now, eventName, identifier: id, payload, timestamp });
      const { rowCount } = await tx.db.query(
        'INSERT INTO billing_meter_events (id, created, data) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING',
        [id, created.created, JSON.stringify(created)],
      );
      if (rowCount === 0) {
        throw invalidRequest(`An event with identifier \`${id}\` already exists.`, {
          code: 'resource_already_exists',
          param: 'identifier',
        });
      }
      return created;
    });
    return c.json(event);
  });
  return routes;
}
