import { describe, expect, it } from 'vitest';
import { parseReminderPhrase } from '../../templates/slack/backend/reminder-phrases.js';

// The clone's clock at Wednesday 2 December 2026, 10:00 in the person's zone (UTC-8).
const TZ = -8 * 3_600;
const local = (month: number, day: number, hour: number, minute = 0, year = 2026) =>
  Date.UTC(year, month - 1, day, hour, minute) / 1000 - TZ;
const NOW = local(12, 2, 10);

const timeOf = (phrase: string, now = NOW) => parseReminderPhrase(phrase, now, TZ)?.time ?? null;

describe('reminder phrases', () => {
  it('reads a time of day as today while it is ahead, else tomorrow', () => {
    expect(timeOf('at 3pm')).toBe(local(12, 2, 15));
    expect(timeOf('at 9am')).toBe(local(12, 3, 9));
    expect(timeOf('at 9:30 am')).toBe(local(12, 3, 9, 30));
    expect(timeOf('at 14:45')).toBe(local(12, 2, 14, 45));
    expect(timeOf('at noon')).toBe(local(12, 2, 12));
    expect(timeOf('5pm')).toBe(local(12, 2, 17));
  });

  it('reads named days, with or without a time (9am by default)', () => {
    expect(timeOf('tomorrow at 9am')).toBe(local(12, 3, 9));
    expect(timeOf('at 9am tomorrow')).toBe(local(12, 3, 9));
    expect(timeOf('tomorrow')).toBe(local(12, 3, 9));
    expect(timeOf('Tomorrow 6pm')).toBe(local(12, 3, 18));
    expect(timeOf('today at 4pm')).toBe(local(12, 2, 16));
    expect(timeOf('on Friday')).toBe(local(12, 4, 9));
    expect(timeOf('friday at 5pm')).toBe(local(12, 4, 17));
    expect(timeOf('next Monday at 10am')).toBe(local(12, 7, 10));
    // Today is a Wednesday: "on Wednesday" is today while the time is ahead, "next" a week on.
    expect(timeOf('on Wednesday at 11am')).toBe(local(12, 2, 11));
    expect(timeOf('on Wednesday at 8am')).toBe(local(12, 9, 8));
    expect(timeOf('next Wednesday')).toBe(local(12, 9, 9));
    expect(timeOf('on December 24 at 3pm')).toBe(local(12, 24, 15));
    expect(timeOf('on Jan 5th')).toBe(local(1, 5, 9, 0, 2027));
  });

  it('reads relative times and numbers', () => {
    expect(timeOf('in 3 days')).toBe(NOW + 3 * 86_400);
    expect(timeOf('in 15 minutes')).toBe(NOW + 900);
    expect(timeOf('in an hour')).toBe(NOW + 3_600);
    expect(timeOf('in 2 weeks')).toBe(NOW + 14 * 86_400);
    expect(timeOf('300')).toBe(NOW + 300);
    expect(timeOf(String(NOW + 7 * 86_400))).toBe(NOW + 7 * 86_400);
  });

  it('reads ISO dates in the person zone unless they name one', () => {
    expect(timeOf('2026-12-05')).toBe(local(12, 5, 9));
    expect(timeOf('2026-12-05T14:30')).toBe(local(12, 5, 14, 30));
    expect(timeOf('2026-12-05 14:30:00')).toBe(local(12, 5, 14, 30));
    expect(timeOf('2026-12-05T14:30:00Z')).toBe(Date.UTC(2026, 11, 5, 14, 30) / 1000);
    expect(timeOf('2026-12-05T14:30:00+01:00')).toBe(Date.UTC(2026, 11, 5, 13, 30) / 1000);
  });

  it('reads recurring phrases with their first time', () => {
    expect(parseReminderPhrase('every weekday at 9am', NOW, TZ)).toEqual({
      time: local(12, 3, 9),
      recurrence: {
        frequency: 'weekly',
        weekdays: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
      },
    });
    expect(parseReminderPhrase('every day at 11am', NOW, TZ)).toEqual({
      time: local(12, 2, 11),
      recurrence: { frequency: 'daily' },
    });
  });

  it('refuses what means nothing or has passed', () => {
    for (const phrase of [
      'whenever',
      '',
      'at 25pm',
      'today at 8am',
      '2026-02-30',
      '2020-01-01',
      'on Funday',
      'in many days',
      'at 9am on',
    ]) {
      expect(parseReminderPhrase(phrase, NOW, TZ), phrase).toBeNull();
    }
  });
});
