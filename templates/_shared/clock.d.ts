/**
 * The clone's notion of "now": real time, or a pinned anchor (`ASYM_CLOCK`) that every
 * reset returns to and that then advances in real time. Every vendor-visible time a
 * backend produces (Slack `ts`, Stripe `created`, ...) reads this clock, and the seeded
 * timeline is shifted relative to it, so a pinned clone reports byte-identical times.
 *
 * Transport timestamps that the other side checks against its own wall clock (webhook and
 * Events API signatures) keep real time: a pinned past anchor would fail their tolerance.
 */
export declare class CloneClock {
  /** The pinned anchor in ms since the epoch, or null for real time. */
  readonly pinnedMs: number | null;
  /** The real clock (tests inject one). */
  readonly real: () => number;
  private offsetMs;
  constructor(
    /** The pinned anchor in ms since the epoch, or null for real time. */
    pinnedMs?: number | null,
    /** The real clock (tests inject one). */
    real?: () => number,
  );
  /** Milliseconds since the epoch, as the clone reports them. */
  readonly now: () => number;
  /** At a reset: a pinned clock starts again from its anchor; a real one stays real. */
  rewind(): void;
  /** After a restart: a pinned clock carries on from the last reset, at `resetAtRealMs`. */
  resumeFrom(resetAtRealMs: number): void;
}
/** `ASYM_CLOCK` as ms since the epoch: an ISO 8601 date-time with a zone, or null. */
export declare function parseClock(value: string | undefined): number | null;
/** `2026-03-02T09:00:00Z`, `2026-03-02T09:00:00.250+01:00`: a full instant, never local time. */
export declare const ISO_INSTANT: RegExp;
/**
 * The one shift (whole days, in seconds) that moves a fixture written around `anchorS`
 * (the instant its data treats as "now", a UTC midnight) to `nowMs`: the anchor lands on
 * the latest midnight (UTC) at or before now. Whole days keep times of day, so "yesterday"
 * holds the same seeded day whatever the hour of the spin or reset.
 */
export declare function timelineShift(anchorS: number, nowMs: number): number;
