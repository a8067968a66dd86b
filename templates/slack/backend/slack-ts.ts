/**
 * Slack message timestamps ("1700000000.000100") are stored as integer microseconds so
 * they compare and sort exactly; these convert at the API boundary.
 */
const MAX_US = 9_000_000_000_000_000; // below 2^53, far past any real date

export function formatTs(us: number): string {
  const seconds = Math.floor(us / 1_000_000);
  return `${seconds}.${String(us - seconds * 1_000_000).padStart(6, '0')}`;
}

/** Parses "1700000000", "1700000000.0001" or "1700000000.000100"; null when malformed. */
export function parseTs(text: string): number | null {
  const match = /^(\d{1,16})(?:\.(\d{0,6})\d*)?$/.exec(text.trim());
  if (!match) return null;
  const seconds = Number(match[1]);
  const micros = Number((match[2] ?? '').padEnd(6, '0'));
  return Math.min(seconds * 1_000_000 + micros, MAX_US);
}
