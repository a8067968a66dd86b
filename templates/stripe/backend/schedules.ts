import {
  advanceSubscription,
  endSubscription,
  liveCustomer,
  periodEnd,
  prorate,
  startSubscription,
} from './billing.js';
import { findLive, listObjects, saveObject } from './store/objects.js';
import { invalidRequest } from './stripe-error.js';
import { previousAttributes, type Tx } from './tx.js';
import {
  newSubscriptionItem,
  planOf,
  type SubscriptionItemObject,
  type SubscriptionObject,
} from './views/billing.js';
import type { PriceObject } from './views/price.js';
import type { ScheduleObject, SchedulePhase } from './views/subscription-schedule.js';

/**
 * Subscription schedules: a schedule starts its subscription when its first phase
 * begins, gives it each next phase's items at the phase's start, and at the end of the
 * last phase releases it (or cancels it, with `end_behavior=cancel`). Time moves them
 * through test clocks, like every other billing object.
 */

const phaseIndex = (sched: ScheduleObject) =>
  sched.current_phase === null
    ? -1
    : sched.phases.findIndex((phase) => phase.start_date === sched.current_phase?.start_date);

async function phasePrices(tx: Tx, phase: SchedulePhase): Promise<PriceObject[]> {
  const prices: PriceObject[] = [];
  for (const item of phase.items) {
    const price = await findLive<PriceObject>(tx.db, 'prices', item.price);
    if (!price) throw invalidRequest(`No such price: '${item.price}'`, { code: 'resource_missing' });
    prices.push(price);
  }
  return prices;
}

async function reload(tx: Tx, id: string): Promise<SubscriptionObject | null> {
  return findLive<SubscriptionObject>(tx.db, 'subscriptions', id);
}

/** Starts the schedule's subscription with its first phase, at `tx.now`. */
export async function startSchedule(tx: Tx, sched: ScheduleObject): Promise<void> {
  const phase = sched.phases[0] as SchedulePhase;
  const customer = await liveCustomer(tx, sched.customer);
  const prices = await phasePrices(tx, phase);
  const before = structuredClone(sched);
  const { sub } = await startSubscription(tx, {
    customer,
    items: phase.items.map((item, index) => ({
      price: prices[index] as PriceObject,
      quantity: item.quantity,
      metadata: item.metadata,
    })),
    collectionMethod: phase.collection_method ?? 'charge_automatically',
    daysUntilDue: phase.collection_method === 'send_invoice' ? 30 : null,
    defaultPaymentMethod: phase.default_payment_method,
    description: phase.description,
    metadata: phase.metadata,
    trialEnd: phase.trial_end !== null && phase.trial_end > tx.now ? phase.trial_end : null,
    schedule: sched.id,
  });
  sched.status = 'active';
  sched.subscription = sub.id;
  sched.current_phase = { start_date: phase.start_date, end_date: phase.end_date };
  await saveObject(tx.db, 'subscription_schedules', sched);
  await tx.emit('subscription_schedule.updated', sched, previousAttributes(before, sched));
}

/**
 * Gives `sub` the items of `phase` at `tx.now`: kept prices keep their items (with the
 * phase's quantity), others are added or removed; prorated unless the change falls on the
 * subscription's own period boundary or the phase says `none`.
 */
export async function applyPhaseItems(tx: Tx, sub: SubscriptionObject, phase: SchedulePhase): Promise<void> {
  const prices = await phasePrices(tx, phase);
  const before = structuredClone(sub);
  const first = sub.items.data[0];
  const period = {
    start: first?.current_period_start ?? tx.now,
    end: first?.current_period_end ?? tx.now,
  };
  const items: SubscriptionItemObject[] = phase.items.map((item, index) => {
    const price = prices[index] as PriceObject;
    const existing = sub.items.data.find((each) => each.price.id === price.id);
    if (existing) return { ...existing, quantity: item.quantity, price, plan: planOf(price) };
    return newSubscriptionItem({
      id: tx.ids.object('si', 14),
      created: tx.now,
      price,
      quantity: item.quantity,
      subscription: sub.id,
      period,
      metadata: item.metadata,
    });
  });
  sub.items = { ...sub.items, data: items, total_count: items.length };
  if (phase.metadata && Object.keys(phase.metadata).length > 0) sub.metadata = { ...phase.metadata };
  const previous = previousAttributes(before, sub);
  if (Object.keys(previous).length === 0) return;
  await saveObject(tx.db, 'subscriptions', sub);
  await tx.emit('customer.subscription.updated', sub, previous);
  const onBoundary = period.start === tx.now || period.end === tx.now;
  if (!onBoundary && phase.proration_behavior !== 'none' && ['active', 'past_due'].includes(sub.status)) {
    await prorate(tx, sub, before.items.data, sub.items.data);
  }
}

/** Ends a schedule after its last phase: the subscription is released, or canceled. */
async function completeSchedule(
  tx: Tx,
  sched: ScheduleObject,
  sub: SubscriptionObject | null,
): Promise<void> {
  const before = structuredClone(sched);
  if (sub && sub.status !== 'canceled') {
    if (sched.end_behavior === 'cancel') await endSubscription(tx, sub, tx.now, 'cancellation_requested');
    const fresh = (await reload(tx, sub.id)) ?? sub;
    const subBefore = structuredClone(fresh);
    fresh.schedule = null;
    await saveObject(tx.db, 'subscriptions', fresh);
    if (fresh.status !== 'canceled') {
      await tx.emit('customer.subscription.updated', fresh, previousAttributes(subBefore, fresh));
    }
  }
  sched.status = 'completed';
  sched.completed_at = tx.now;
  sched.current_phase = null;
  await saveObject(tx.db, 'subscription_schedules', sched);
  await tx.emit('subscription_schedule.completed', sched, previousAttributes(before, sched));
}

/** Moves one schedule to `to`: its start, each phase change, its end. */
export async function advanceSchedule(tx: Tx, sched: ScheduleObject, to: number): Promise<void> {
  for (let guard = 0; guard < 200; guard++) {
    if (sched.status === 'not_started') {
      const start = sched.phases[0]?.start_date ?? Number.POSITIVE_INFINITY;
      if (start > to) return;
      tx.now = start;
      await startSchedule(tx, sched);
      continue;
    }
    if (sched.status !== 'active' || sched.subscription === null) return;
    const index = phaseIndex(sched);
    const phase = sched.phases[index];
    if (!phase || phase.end_date > to) return;
    const boundary = phase.end_date;
    // The subscription runs to just before the boundary with the old phase's items.
    const sub = await reload(tx, sched.subscription);
    if (sub) await advanceSubscription(tx, sub, boundary - 1);
    tx.now = boundary;
    const current = sub ? await reload(tx, sub.id) : null;
    const next = sched.phases[index + 1];
    if (!next) {
      await completeSchedule(tx, sched, current);
      return;
    }
    if (current && current.status !== 'canceled') await applyPhaseItems(tx, current, next);
    const before = structuredClone(sched);
    sched.current_phase = { start_date: next.start_date, end_date: next.end_date };
    await saveObject(tx.db, 'subscription_schedules', sched);
    await tx.emit('subscription_schedule.updated', sched, previousAttributes(before, sched));
  }
}

/** Every schedule on a test clock, moved to `to`. */
export async function advanceSchedules(tx: Tx, clock: string, to: number): Promise<void> {
  const requestNow = tx.now;
  const rows = await listObjects<ScheduleObject>(tx.db, 'subscription_schedules', {
    filters: [{ path: ['test_clock'], values: [clock] }],
  });
  for (const { data: sched } of rows.reverse()) await advanceSchedule(tx, sched, to);
  tx.now = requestNow;
}

/** Where a phase of `prices` starting at `start` ends: `end_date`, `duration`, or one interval. */
export function phaseEnd(
  start: number,
  prices: PriceObject[],
  end: number | null,
  duration: { interval: string; count: number } | null,
): number {
  if (end !== null) return end;
  if (duration) return periodEnd(start, duration.interval, duration.count);
  const recurring = prices[0]?.recurring;
  return periodEnd(start, recurring?.interval ?? 'month', recurring?.interval_count ?? 1);
}
