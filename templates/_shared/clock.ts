/**
 * The clone's notion of "now": real time, or a pinned anchor (`ASYM_CLOCK`) that every
 * reset returns to and that then advances in real time. Every vendor-visible time a
 * backend produces (Slack `ts`, Stripe `created`, ...) reads this clock, and the seeded
 * timeline is shifted relative to it, so a pinned clone reports byte-identical times.
 *
 * Transport timestamps that the other side checks against its own wall clock (webhook and
 * Events API signatures) keep real time: a pinned past anchor would fail their tolerance.
 */
export class CloneClock {
  private offsetMs = 0;

  constructor(
    /** The pinned anchor in ms since the epoch, or null for real time. */
    readonly pinnedMs: number | null = null,
    /** The real clock (tests inject one). */
    readonly real: () => number = Date.now,
  ) {
    this.rewind();
  }

  /** Milliseconds since the epoch, as the clone reports them. */
  readonly now = (): number => this.real() + this.offsetMs;

  /** At a reset: a pinned clock starts again from its anchor; a real one stays real. */
  rewind(): void {
    this.offsetMs = this.pinnedMs === null ? 0 : this.pinnedMs - this.real();
  }

  /** After a restart: a pinned clock carries on from the last reset, at `resetAtRealMs`. */
  resumeFrom(resetAtRealMs: number): void {
    if (this.pinnedMs !== null) this.offsetMs = this.pinnedMs - resetAtRealMs;
  }
}

/** `ASYM_CLOCK` as ms since the epoch: an ISO 8601 date-time with a zone, or null. */
export function parseClock(value: string | undefined): number | null {
  if (value === undefined || value.trim() === '') return null;
  const text = value.trim();
  if (!ISO_INSTANT.test(text)) throw new Error(`not an ISO 8601 date-time with a zone: ${text}`);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new Error(`not a valid date-time: ${text}`);
  return ms;
}

/** `2026-03-02T09:00:00Z`, `2026-03-02T09:00:00.250+01:00`: a full instant, never local time. */
export const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

const DAY_S = 86_400;

/**
 * The one shift (whole days, in seconds) that moves a fixture written around `anchorS`
 * (the instant its data treats as "now", a UTC midnight) to `nowMs`: the anchor lands on
 * the latest midnight (UTC) at or before now. Whole days keep times of day, so "yesterday"
 * holds the same seeded day whatever the hour of the spin or reset.
 */
export function timelineShift(anchorS: number, nowMs: number): number {
  return Math.floor((Math.floor(nowMs / 1000) - anchorS) / DAY_S) * DAY_S;
}
