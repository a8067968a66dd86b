import { Hono } from 'hono';
import { customerNow, endSubscription, liveCustomer } from '../billing.js';
import {
  boolean,
  hash,
  integer,
  isHash,
  mergeMetadata,
  metadata,
  missing,
  nullableString,
  oneOf,
  rejectUnknown,
  string,
} from '../params.js';
import { expansionPlans } from '../render.js';
import type { ResourceDeps, StripeEnv } from '../route-env.js';
import { applyPhaseItems, phaseEnd, startSchedule } from '../schedules.js';
import { insertObject, saveObject } from '../store/objects.js';
import { invalidRequest } from '../stripe-error.js';
import { previousAttributes, type Tx, transact } from '../tx.js';
import type { SubscriptionObject } from '../views/billing.js';
import type { PriceObject } from '../views/price.js';
import {
  newPhase,
  newSchedule,
  phaseItem,
  type ScheduleObject,
  type SchedulePhase,
} from '../views/subscription-schedule.js';
import { answer, listAnswer, mustFind, retrieveRoute, stringFilter } from './common.js';

const list = (value: unknown, param: string): unknown[] => {
  const items = Array.isArray(value) ? value : isHash(value) ? Object.values(value) : null;
  if (items === null) throw invalidRequest('Invalid array', { param });
  return items;
};

/** `phases[n]` from `start`: each phase starts where the one before ends. */
async function phasesFrom(tx: Tx, value: unknown, start: number): Promise<SchedulePhase[]> {
  const raw = list(value, 'phases');
  if (raw.length === 0) throw invalidRequest('You must specify at least one phase.', { param: 'phases' });
  if (raw.length > 10)
    throw invalidRequest('A subscription schedule can have at most 10 phases.', { param: 'phases' });
  const phases: SchedulePhase[] = [];
  let at = start;
  for (const [index, entry] of raw.entries()) {
    const p = `phases[${index}]`;
    const phase = hash(entry, p, [
      'collection_method',
      'currency',
      'default_payment_method',
      'description',
      'duration',
      'end_date',
      'items',
      'metadata',
      'proration_behavior',
      'start_date',
      'trial',
      'trial_end',
    ]);
    if (phase.items === undefined) missing(`${p}[items]`);
    const rawItems = list(phase.items, `${p}[items]`);
    if (rawItems.length === 0)
      throw invalidRequest('You must specify at least one item.', { param: `${p}[items]` });
    const prices: PriceObject[] = [];
    const items = [];
    for (const [n, itemEntry] of rawItems.entries()) {
      const q = `${p}[items][${n}]`;
      const item = hash(itemEntry, q, ['discounts', 'metadata', 'price', 'quantity', 'tax_rates']);
      if (item.price === undefined) missing(`${q}[price]`);
      const price = await mustFind<PriceObject>(tx.db, 'prices', 'price', string(item.price, `${q}[price]`), {
        param: `${q}[price]`,
      });
      if (price.recurring === null) {
        throw invalidRequest(
          'The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.',
          { param: `${q}[price]` },
        );
      }
      const first = prices[0];
      if (
        first &&
        (first.currency !== price.currency || first.recurring?.interval !== price.recurring.interval)
      ) {
        throw invalidRequest(
          'All prices in a phase must have the same `currency`, `recurring.interval` and `recurring.interval_count`.',
          { param: `${q}[price]` },
        );
      }
      prices.push(price);
      items.push(
        phaseItem(
          price,
          item.quantity === undefined ? 1 : integer(item.quantity, `${q}[quantity]`, { min: 0 }),
          metadata(item.metadata, `${q}[metadata]`),
        ),
      );
    }
    if (phase.start_date !== undefined && index === 0) {
      const given = phase.start_date === 'now' ? start : integer(phase.start_date, `${p}[start_date]`);
      if (given !== start) {
        throw invalidRequest(
          "The first phase must start when the schedule does (its current phase's start).",
          {
            param: `${p}[start_date]`,
          },
        );
      }
    }
    let duration: { interval: string; count: number } | null = null;
    if (phase.duration !== undefined) {
      const d = hash(phase.duration, `${p}[duration]`, ['interval', 'interval_count']);
      if (d.interval === undefined) missing(`${p}[duration][interval]`);
      duration = {
        interval: oneOf(d.interval, `${p}[duration][interval]`, ['day', 'month', 'week', 'year'] as const),
        count:
          d.interval_count === undefined
            ? 1
            : integer(d.interval_count, `${p}[duration][interval_count]`, { min: 1, max: 36 }),
      };
    }
    const endDate = phase.end_date === undefined ? null : integer(phase.end_date, `${p}[end_date]`);
    if (endDate !== null && duration !== null) {
      throw invalidRequest('You may only specify one of these parameters: duration, end_date.', {
        param: `${p}[end_date]`,
      });
    }
    if (endDate === null && duration === null && index < raw.length - 1) missing(`${p}[end_date]`);
    const end = phaseEnd(at, prices, endDate, duration);
    if (end <= at) {
      throw invalidRequest('The phase end_date must be after its start date.', { param: `${p}[end_date]` });
    }
    let trialEnd: number | null = null;
    if (phase.trial_end !== undefined) {
      trialEnd = integer(phase.trial_end, `${p}[trial_end]`);
      if (trialEnd <= at || trialEnd > end) {
        throw invalidRequest('The trial_end must fall within its phase.', { param: `${p}[trial_end]` });
      }
    } else if (phase.trial !== undefined && boolean(phase.trial, `${p}[trial]`)) trialEnd = end;
    phases.push(
      newPhase({
        start: at,
        end,
        currency: (prices[0] as PriceObject).currency,
        items,
        collectionMethod:
          phase.collection_method === undefined
            ? null
            : oneOf(phase.collection_method, `${p}[collection_method]`, [
                'charge_automatically',
                'send_invoice',
              ] as const),
        description:
          phase.description === undefined
            ? null
            : nullableString(phase.description, `${p}[description]`, { max: 500 }),
        metadata: metadata(phase.metadata, `${p}[metadata]`),
        prorationBehavior:
          phase.proration_behavior === undefined
            ? 'create_prorations'
            : oneOf(phase.proration_behavior, `${p}[proration_behavior]`, [
                'always_invoice',
                'create_prorations',
                'none',
              ] as const),
        trialEnd,
        defaultPaymentMethod:
          phase.default_payment_method === undefined
            ? null
            : string(phase.default_payment_method, `${p}[default_payment_method]`),
      }),
    );
    at = end;
  }
  return phases;
}

const endBehavior = (value: unknown) => oneOf(value, 'end_behavior', ['cancel', 'release'] as const);

const closed = (sched: ScheduleObject, verb: string) =>
  invalidRequest(
    `You cannot ${verb} a subscription schedule that is ${sched.status}. Only schedules that are not_started or active can be changed.`,
  );

/** /v1/subscription_schedules: create (from phases or from a subscription), retrieve, update, list, release, cancel. */
export function subscriptionScheduleRoutes(deps: ResourceDeps): Hono<StripeEnv> {
  const routes = new Hono<StripeEnv>();

  routes.post('/', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'customer',
      'default_settings',
      'end_behavior',
      'expand',
      'from_subscription',
      'metadata',
      'phases',
      'start_date',
    ]);
    expansionPlans(params, 'subscription_schedule');
    if (params.from_subscription !== undefined) {
      for (const other of ['customer', 'phases', 'start_date', 'end_behavior', 'default_settings']) {
        if (params[other] !== undefined) {
          throw invalidRequest(`You cannot set \`${other}\` if \`from_subscription\` is set.`, {
            param: other,
          });
        }
      }
    } else {
      if (params.customer === undefined) missing('customer');
      if (params.phases === undefined) missing('phases');
    }
    if (params.default_settings !== undefined) {
      hash(params.default_settings, 'default_settings', ['collection_method', 'description']);
    }
    const sched = await transact(deps, c, async (tx) => {
      if (params.from_subscription !== undefined) {
        const sub = await mustFind<SubscriptionObject>(
          tx.db,
          'subscriptions',
          'subscription',
          string(params.from_subscription, 'from_subscription'),
          { param: 'from_subscription', forUpdate: true },
        );
        if (sub.status === 'canceled') {
          throw invalidRequest('You cannot create a subscription schedule from a canceled subscription.', {
            param: 'from_subscription',
          });
        }
        if (sub.schedule) {
          throw invalidRequest(
            `You cannot migrate a subscription that is already attached to a schedule: \`${sub.schedule}\`.`,
            { param: 'from_subscription' },
          );
        }
        const customer = await liveCustomer(tx, sub.customer);
        tx.now = await customerNow(tx, customer);
        const first = sub.items.data[0];
        const phase = newPhase({
          start: first?.current_period_start ?? tx.now,
          end: first?.current_period_end ?? tx.now,
          currency: sub.currency,
          items: sub.items.data.map((item) => phaseItem(item.price, item.quantity, item.metadata)),
          collectionMethod: sub.collection_method,
          description: sub.description,
          metadata: sub.metadata,
          defaultPaymentMethod: sub.default_payment_method,
          trialEnd: sub.trial_end,
        });
        const created = newSchedule({
          id: tx.ids.object('sub_sched'),
          created: tx.now,
          customer: customer.id,
          endBehavior: 'release',
          metadata: metadata(params.metadata),
          phases: [phase],
          testClock: customer.test_clock,
        });
        created.status = 'active';
        created.subscription = sub.id;
        created.current_phase = { start_date: phase.start_date, end_date: phase.end_date };
        await insertObject(tx.db, 'subscription_schedules', created);
        await tx.emit('subscription_schedule.created', created);
        const before = structuredClone(sub);
        sub.schedule = created.id;
        await saveObject(tx.db, 'subscriptions', sub);
        await tx.emit('customer.subscription.updated', sub, previousAttributes(before, sub));
        return created;
      }
      const customer = await liveCustomer(tx, string(params.customer, 'customer'));
      tx.now = await customerNow(tx, customer);
      let start = tx.now;
      if (params.start_date !== undefined && params.start_date !== 'now') {
        start = integer(params.start_date, 'start_date');
        if (start < tx.now) {
          throw invalidRequest(
            'The asymmetric Stripe clone does not backdate subscription schedules: start_date must be now or in the future.',
            { param: 'start_date' },
          );
        }
      }
      const created = newSchedule({
        id: tx.ids.object('sub_sched'),
        created: tx.now,
        customer: customer.id,
        endBehavior: params.end_behavior === undefined ? 'release' : endBehavior(params.end_behavior),
        metadata: metadata(params.metadata),
        phases: await phasesFrom(tx, params.phases, start),
        testClock: customer.test_clock,
      });
      await insertObject(tx.db, 'subscription_schedules', created);
      await tx.emit('subscription_schedule.created', created);
      if (start <= tx.now) await startSchedule(tx, created);
      return created;
    });
    return c.json(await answer(deps, params, sched));
  });

  routes.get('/', async (c) => {
    const params = c.get('params');
    const scheduled = params.scheduled === undefined ? null : boolean(params.scheduled, 'scheduled');
    return c.json(
      await listAnswer(deps, c, {
        table: 'subscription_schedules',
        type: 'subscription_schedule',
        noun: 'subscription_schedule',
        url: '/v1/subscription_schedules',
        params: ['customer', 'scheduled'],
        filters: (p) => stringFilter(p, 'customer'),
        keep: (sched) => scheduled === null || (sched.status === 'not_started') === scheduled,
      }),
    );
  });

  routes.get('/:id', retrieveRoute(deps, 'subscription_schedules', 'subscription_schedule'));

  routes.post('/:id', async (c) => {
    const params = c.get('params');
    rejectUnknown(params, [
      'default_settings',
      'end_behavior',
      'expand',
      'metadata',
      'phases',
      'proration_behavior',
    ]);
    expansionPlans(params, 'subscription_schedule');
    if (params.default_settings !== undefined) {
      hash(params.default_settings, 'default_settings', ['collection_method', 'description']);
    }
    const proration =
      params.proration_behavior === undefined
        ? null
        : oneOf(params.proration_behavior, 'proration_behavior', [
            'always_invoice',
            'create_prorations',
            'none',
          ] as const);
    const sched = await transact(deps, c, async (tx) => {
      const current = await mustFind<ScheduleObject>(
        tx.db,
        'subscription_schedules',
        'subscription_schedule',
        c.req.param('id'),
        { forUpdate: true },
      );
      if (current.status !== 'not_started' && current.status !== 'active') throw closed(current, 'update');
      const customer = await liveCustomer(tx, current.customer);
      tx.now = await customerNow(tx, customer);
      const next = structuredClone(current);
      if (params.end_behavior !== undefined) next.end_behavior = endBehavior(params.end_behavior);
      if (params.metadata !== undefined) next.metadata = mergeMetadata(next.metadata, params.metadata);
      if (params.phases !== undefined) {
        // An active schedule's phases start with its current one, which keeps its start.
        const start = next.current_phase?.start_date ?? next.phases[0]?.start_date ?? tx.now;
        next.phases = await phasesFrom(tx, params.phases, start);
        const phase = next.phases[0] as SchedulePhase;
        if (proration) phase.proration_behavior = proration;
        if (phase.end_date <= tx.now && next.status === 'active') {
          throw invalidRequest('The current phase must end in the future.', { param: 'phases[0][end_date]' });
        }
        if (next.status === 'active') {
          next.current_phase = { start_date: phase.start_date, end_date: phase.end_date };
        }
      }
      const previous = previousAttributes(current, next);
      if (Object.keys(previous).length === 0) return current;
      await saveObject(tx.db, 'subscription_schedules', next);
      await tx.emit('subscription_schedule.updated', next, previous);
      if (params.phases !== undefined && next.status === 'active' && next.subscription) {
        const sub = await mustFind<SubscriptionObject>(
          tx.db,
          'subscriptions',
          'subscription',
          next.subscription,
        );
        await applyPhaseItems(tx, sub, next.phases[0] as SchedulePhase);
      }
      return next;
    });
    return c.json(await answer(deps, params, sched));
  });

  const ending = (path: string, verb: 'release' | 'cancel', allowed: readonly string[]) =>
    routes.post(path, async (c) => {
      const params = c.get('params');
      rejectUnknown(params, allowed);
      expansionPlans(params, 'subscription_schedule');
      for (const flag of ['invoice_now', 'prorate', 'preserve_cancel_date']) {
        if (params[flag] !== undefined) boolean(params[flag], flag);
      }
      const sched = await transact(deps, c, async (tx) => {
        const current = await mustFind<ScheduleObject>(
          tx.db,
          'subscription_schedules',
          'subscription_schedule',
          c.req.param('id') as string,
          { forUpdate: true },
        );
        if (current.status !== 'not_started' && current.status !== 'active') throw closed(current, verb);
        const customer = await liveCustomer(tx, current.customer);
        tx.now = await customerNow(tx, customer);
        return endSchedule(tx, current, verb);
      });
      return c.json(await answer(deps, params, sched));
    });
  ending('/:id/release', 'release', ['expand', 'preserve_cancel_date']);
  ending('/:id/cancel', 'cancel', ['expand', 'invoice_now', 'prorate']);

  return routes;
}

/** Releases (the subscription carries on alone) or cancels (the subscription too) a schedule. */
async function endSchedule(
  tx: Tx,
  sched: ScheduleObject,
  verb: 'release' | 'cancel',
): Promise<ScheduleObject> {
  const before = structuredClone(sched);
  const sub = sched.subscription
    ? await mustFind<SubscriptionObject>(tx.db, 'subscriptions', 'subscription', sched.subscription, {
        forUpdate: true,
      })
    : null;
  if (sub) {
    if (verb === 'cancel' && sub.status !== 'canceled')
      await endSubscription(tx, sub, tx.now, 'cancellation_requested');
    const fresh = await mustFind<SubscriptionObject>(tx.db, 'subscriptions', 'subscription', sub.id);
    const subBefore = structuredClone(fresh);
    fresh.schedule = null;
    await saveObject(tx.db, 'subscriptions', fresh);
    if (verb === 'release')
      await tx.emit('customer.subscription.updated', fresh, previousAttributes(subBefore, fresh));
  }
  if (verb === 'release') {
    sched.status = 'released';
    sched.released_at = tx.now;
    sched.released_subscription = sched.subscription;
    sched.subscription = null;
  } else {
    sched.status = 'canceled';
    sched.canceled_at = tx.now;
  }
  sched.current_phase = null;
  await saveObject(tx.db, 'subscription_schedules', sched);
  await tx.emit(
    `subscription_schedule.${verb === 'release' ? 'released' : 'canceled'}`,
    sched,
    previousAttributes(before, sched),
  );
  return sched;
}
