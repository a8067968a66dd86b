import { distance } from 'fastest-levenshtein';

/**
 * The candidate the user most plausibly meant, or undefined when none is close. A hint
 * that points at an unrelated word is worse than none, so the match must be within a
 * third of the candidate's length; at least 2 edits are allowed because Levenshtein
 * counts a transposition (`mdoe` for `mode`) as two.
 */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  const needle = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = distance(needle, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best === undefined || best === input) return undefined;
  const limit = Math.max(2, Math.floor(best.length / 3));
  // Replacing every character is not a typo, however short the words are.
  return bestDistance <= limit && bestDistance < best.length ? best : undefined;
}
