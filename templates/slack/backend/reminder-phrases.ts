import { parseRecurringPhrase, type Recurrence } from './reminder-recurrence.js';

/**
 * reminders.add's `time` as people type it (and as Slack reads it): a Unix timestamp, a
 * number of seconds (within a day), "in 3 days", "at 9am", "tomorrow at 9am", "next Monday
 * at 10am", "on Friday", "on December 5 at 3pm", ISO dates ("2026-12-05", "2026-12-05T14:30",
 * with or without a zone), and the recurring "every ..." phrases. Times of day and dates are
 * the person's (their zone's offset); a day without a time is at 9am, Slack's default.
 * Pure: the clock and the zone are arguments. Null when the phrase means nothing, or a
 * moment that has passed.
 */
export function parseReminderPhrase(
  text: string,
  nowSeconds: number,
  tzOffsetSeconds: number,
): { time: number; recurrence: Recurrence | null } | null {
  const phrase = text
    .trim()
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/[.!]+$/, '');
  if (phrase === '') return null;
  const recurring = parseRecurringPhrase(phrase, nowSeconds, tzOffsetSeconds);
  if (recurring) return { time: recurring.first, recurrence: recurring.recurrence };
  const time =
    numeric(phrase, nowSeconds) ??
    relative(phrase, nowSeconds) ??
    iso(phrase, tzOffsetSeconds) ??
    dayAndTime(phrase, nowSeconds, tzOffsetSeconds);
  return time !== null && time > nowSeconds && time <= nowSeconds + FIVE_YEARS
    ? { time, recurrence: null }
    : null;
}

const MINUTE = 60;
const HOUR = 3_600;
const DAY = 86_400;
const FIVE_YEARS = 5 * 365 * DAY;
const DEFAULT_HOUR = 9;
const UNITS: Record<string, number> = {
  sec: 1,
  second: 1,
  min: MINUTE,
  minute: MINUTE,
  hr: HOUR,
  hour: HOUR,
  day: DAY,
  week: 7 * DAY,
};
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const NUMBER_WORDS: Record<string, number> = { a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5 };

/** "1767225600" (a timestamp) or "300" (seconds from now, within a day), as Slack reads numbers. */
function numeric(phrase: string, now: number): number | null {
  if (!/^\d+(\.\d+)?$/.test(phrase)) return null;
  const value = Math.floor(Number(phrase));
  return value <= DAY ? now + value : value;
}

/** "in 15 minutes", "in an hour", "in 3 days", "in 2 weeks", "in 1 month", "in half an hour". */
function relative(phrase: string, now: number): number | null {
  if (phrase === 'in half an hour') return now + 30 * MINUTE;
  const match =
    /^in (\d+|an?|one|two|three|four|five) (sec|second|min|minute|hr|hour|day|week|month|year)s?$/.exec(
      phrase,
    );
  if (!match) return null;
  const count = NUMBER_WORDS[match[1] as string] ?? Number(match[1]);
  const unit = match[2] as string;
  if (unit === 'month' || unit === 'year') {
    const date = new Date(now * 1000);
    if (unit === 'month') date.setUTCMonth(date.getUTCMonth() + count);
    else date.setUTCFullYear(date.getUTCFullYear() + count);
    return Math.floor(date.getTime() / 1000);
  }
  return now + count * (UNITS[unit] ?? 0);
}

/** "2026-12-05", "2026-12-05 14:30", "2026-12-05T14:30:00", with "Z" or "+01:00" for a zone. */
function iso(phrase: string, tz: number): number | null {
  const match =
    /^(?:on )?(\d{4})-(\d{2})-(\d{2})(?:[t ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(z|[+-]\d{2}:?\d{2})?)?$/.exec(
      phrase,
    );
  if (!match) return null;
  const [, y, mo, d, h, mi, s, zone] = match;
  const hour = h === undefined ? DEFAULT_HOUR : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (hour > 23 || minute > 59 || second > 59) return null;
  const local = localDate(Number(y), Number(mo), Number(d));
  if (local === null) return null;
  const wall = local + hour * HOUR + minute * MINUTE + second;
  if (zone === undefined) return wall - tz;
  if (zone === 'z') return wall;
  const offset = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (!offset) return null;
  const seconds = Number(offset[2]) * HOUR + Number(offset[3]) * MINUTE;
  return wall - (offset[1] === '-' ? -seconds : seconds);
}

/** Seconds of a calendar date's midnight on the UTC timeline, or null when it is no date. */
function localDate(year: number, month: number, day: number): number | null {
  const ms = Date.UTC(year, month - 1, day);
  const date = new Date(ms);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return ms / 1000;
}

/** "9am", "9:30 pm", "14:30", "noon", "midnight" as seconds after midnight. */
function timeOfDay(text: string): number | null {
  if (text === 'noon' || text === 'midday') return 12 * HOUR;
  if (text === 'midnight') return 0;
  const match = /^(\d{1,2})(?::(\d{2}))? ?(am|pm|a\.m\.|p\.m\.)?$/.exec(text);
  if (!match) return null;
  let hour = Number(match[1]);
  const minute = match[2] === undefined ? 0 : Number(match[2]);
  const meridiem = match[3]?.replaceAll('.', '');
  if (meridiem !== undefined) {
    if (hour < 1 || hour > 12) return null;
    if (meridiem === 'pm' && hour < 12) hour += 12;
    if (meridiem === 'am' && hour === 12) hour = 0;
  } else if (match[2] === undefined && hour > 23) {
    return null;
  }
  if (hour > 23 || minute > 59) return null;
  return hour * HOUR + minute * MINUTE;
}

/** The days a phrase names, as days after today (local): the first still ahead at the time is it. */
interface DayChoice {
  candidates: number[];
}

function dayOf(text: string, now: number, tz: number): DayChoice | null {
  const today = new Date((now + tz) * 1000);
  if (text === 'today' || text === 'tonight') return { candidates: [0] };
  if (text === 'tomorrow') return { candidates: [1] };
  const weekday = /^(?:(on|next|this) )?(sun|mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?)(?:day)?$/.exec(
    text,
  );
  if (weekday) {
    const target = WEEKDAYS.findIndex((day) => day.startsWith((weekday[2] as string).slice(0, 3)));
    const ahead = (target - today.getUTCDay() + 7) % 7;
    // "next Monday" is never today; "on Monday" / "Monday" is today while the time is ahead.
    if (weekday[1] === 'next') return { candidates: [ahead === 0 ? 7 : ahead] };
    return { candidates: ahead === 0 ? [0, 7] : [ahead] };
  }
  const month = MONTHS.map((m) => m.slice(0, 3)).join('|');
  const date =
    new RegExp(`^(?:on )?(${month})[a-z]* (\\d{1,2})(?:st|nd|rd|th)?(?:,? (\\d{4}))?$`).exec(text) ??
    new RegExp(`^(?:on )?(?:the )?(\\d{1,2})(?:st|nd|rd|th)? (?:of )?(${month})[a-z]*(?:,? (\\d{4}))?$`).exec(
      text,
    );
  if (date) {
    const monthFirst = Number.isNaN(Number(date[1]));
    const monthName = (monthFirst ? date[1] : date[2]) as string;
    const day = Number(monthFirst ? date[2] : date[1]);
    const monthIndex = MONTHS.findIndex((m) => m.startsWith(monthName.slice(0, 3)));
    const todayStart = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()) / 1000;
    const years = date[3] ? [Number(date[3])] : [today.getUTCFullYear(), today.getUTCFullYear() + 1];
    const candidates = years.flatMap((year) => {
      const start = localDate(year, monthIndex + 1, day);
      return start === null || start < todayStart ? [] : [(start - todayStart) / DAY];
    });
    return candidates.length > 0 ? { candidates } : null;
  }
  return null;
}

/**
 * A day and/or a time of day: "at 9am", "9am", "tomorrow", "tomorrow at 9am",
 * "at 9am tomorrow", "next Monday at 10am", "on Friday", "Friday 5pm", "on Dec 5 at 3pm".
 */
function dayAndTime(phrase: string, now: number, tz: number): number | null {
  const localMidnight = Math.floor((now + tz) / DAY) * DAY - tz;
  let day: DayChoice | null = null;
  let time: number | null = null;
  const at = /^(.*?)\s*\bat (.+)$/.exec(phrase);
  if (at) {
    time = timeOfDay(at[2] as string);
    const rest = (at[1] as string).trim();
    if (time === null) {
      // "at 9am tomorrow": the day follows the time.
      const trailing = /^(\S+(?: ?[ap]m)?) (.+)$/.exec(at[2] as string);
      if (!trailing || rest !== '') return null;
      time = timeOfDay(trailing[1] as string);
      day = dayOf(trailing[2] as string, now, tz);
      if (time === null || day === null) return null;
    } else if (rest !== '') {
      day = dayOf(rest, now, tz);
      if (day === null) return null;
    }
  } else {
    day = dayOf(phrase, now, tz);
    if (day === null) {
      // "9am", "9am tomorrow", "tomorrow 9am", "Friday 5pm".
      const split = /^(.+?) (.+)$/.exec(phrase);
      time = timeOfDay(phrase);
      if (time === null && split) {
        const [first, second] = [split[1] as string, split[2] as string];
        if (timeOfDay(first) !== null && dayOf(second, now, tz)) {
          time = timeOfDay(first);
          day = dayOf(second, now, tz);
        } else if (timeOfDay(second) !== null && dayOf(first, now, tz)) {
          time = timeOfDay(second);
          day = dayOf(first, now, tz);
        }
      }
      // A bare number is a count of seconds (numeric), not a time of day.
      if (time === null || /^\d+$/.test(phrase)) return null;
    }
  }
  const seconds = time ?? (phrase === 'tonight' ? 20 * HOUR : DEFAULT_HOUR * HOUR);
  if (day === null) {
    // A time alone: today while it is ahead, else tomorrow.
    const todayAt = localMidnight + seconds;
    return todayAt > now ? todayAt : todayAt + DAY;
  }
  for (const offset of day.candidates) {
    const candidate = localMidnight + offset * DAY + seconds;
    if (candidate > now) return candidate;
  }
  // A named day whose moment has passed ("today at 8am" at noon): nothing to remind of.
  return null;
}
