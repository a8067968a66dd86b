import { SlackError } from './slack-error.js';

/** How a recurring reminder repeats, in the shape Slack's `recurrence` argument takes. */
export interface Recurrence {
  frequency: 'daily' | 'weekly' | 'monthly' | 'yearly';
  /** For weekly ones: the days it falls on. */
  weekdays?: Weekday[];
}

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
type Weekday = (typeof WEEKDAYS)[number];
const FREQUENCIES = ['daily', 'weekly', 'monthly', 'yearly'] as const;
const DAY = 86_400;
// Slack's default hour for "every Monday" and the like.
const DEFAULT_HOUR = 9;

const isWeekday = (value: unknown): value is Weekday => WEEKDAYS.includes(value as Weekday);

/** The `recurrence` argument (an object, or its JSON from the SDK), or cannot_parse. */
export function readRecurrence(value: unknown): Recurrence {
  const object = value as { frequency?: unknown; weekdays?: unknown } | null;
  if (typeof object !== 'object' || object === null) throw new SlackError('cannot_parse');
  const frequency = FREQUENCIES.find((f) => f === object.frequency);
  if (!frequency) throw new SlackError('cannot_parse');
  if (frequency !== 'weekly') return { frequency };
  const days = object.weekdays;
  if (!Array.isArray(days) || days.length === 0 || !days.every(isWeekday))
    throw new SlackError('cannot_parse');
  return { frequency, weekdays: WEEKDAYS.filter((d) => days.includes(d)) };
}

/**
 * Slack's recurring phrases: "every day", "every weekday", "every week", "every Monday and
 * Thursday", "every month", "every year", each optionally "at 9am" / "at 14:30" (the
 * person's time zone; 9am when no time is given). Null when `text` is not one of them.
 */
export function parseRecurringPhrase(
  text: string,
  nowSeconds: number,
  tzOffsetSeconds: number,
): { recurrence: Recurrence; first: number } | null {
  const match = /^every (.+?)(?: at (\d{1,2})(?::(\d{2}))? ?(am|pm)?)?$/.exec(text.trim().toLowerCase());
  if (!match) return null;
  const [, what = '', hourText, minuteText, meridiem] = match;
  let hour = hourText === undefined ? DEFAULT_HOUR : Number(hourText);
  const minute = minuteText === undefined ? 0 : Number(minuteText);
  if (meridiem === 'pm' && hour < 12) hour += 12;
  if (meridiem === 'am' && hour === 12) hour = 0;
  if (hour > 23 || minute > 59) return null;

  let recurrence: Recurrence;
  if (what === 'day') recurrence = { frequency: 'daily' };
  else if (what === 'month') recurrence = { frequency: 'monthly' };
  else if (what === 'year') recurrence = { frequency: 'yearly' };
  else if (what === 'weekday') {
    recurrence = { frequency: 'weekly', weekdays: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'] };
  } else if (what === 'week') {
    const today = WEEKDAYS[new Date((nowSeconds + tzOffsetSeconds) * 1000).getUTCDay()] as Weekday;
    recurrence = { frequency: 'weekly', weekdays: [today] };
  } else {
    const days = what.split(/\s*(?:,|\band\b)\s*/).map((d) => d.replace(/s$/, ''));
    if (days.length === 0 || !days.every(isWeekday)) return null;
    recurrence = { frequency: 'weekly', weekdays: WEEKDAYS.filter((d) => days.includes(d)) };
  }
  // The anchor: today at that time of day, in the person's zone.
  const localMidnight = Math.floor((nowSeconds + tzOffsetSeconds) / DAY) * DAY - tzOffsetSeconds;
  const anchor = localMidnight + hour * 3_600 + minute * 60;
  const first =
    occursOn(recurrence, anchor, anchor, tzOffsetSeconds) && anchor > nowSeconds
      ? anchor
      : nextOccurrence(recurrence, anchor, Math.max(anchor, nowSeconds), tzOffsetSeconds);
  return { recurrence, first };
}

/** Whether a reminder anchored at `anchor` falls at `time` (same local time of day assumed). */
function occursOn(recurrence: Recurrence, anchor: number, time: number, tzOffsetSeconds: number): boolean {
  const local = new Date((time + tzOffsetSeconds) * 1000);
  const start = new Date((anchor + tzOffsetSeconds) * 1000);
  switch (recurrence.frequency) {
    case 'daily':
      return true;
    case 'weekly':
      return (recurrence.weekdays ?? []).includes(WEEKDAYS[local.getUTCDay()] as Weekday);
    case 'monthly':
      return local.getUTCDate() === start.getUTCDate();
    case 'yearly':
      return local.getUTCDate() === start.getUTCDate() && local.getUTCMonth() === start.getUTCMonth();
  }
}

/** The first time after `after` a reminder anchored at `anchor` falls due again. */
export function nextOccurrence(
  recurrence: Recurrence,
  anchor: number,
  after: number,
  tzOffsetSeconds: number,
): number {
  // Day by day from the anchor's time of day: at most a year and a day (Feb 29 aside).
  const steps = Math.max(1, Math.ceil((after - anchor) / DAY));
  for (let day = steps - 1, tries = 0; tries < 400 * 4; day++, tries++) {
    const candidate = anchor + day * DAY;
    if (candidate > after && occursOn(recurrence, anchor, candidate, tzOffsetSeconds)) return candidate;
  }
  throw new Error(`no next occurrence for ${JSON.stringify(recurrence)}`);
}
