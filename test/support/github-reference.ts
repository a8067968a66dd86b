import { readFileSync } from 'node:fs';

/**
 * GitHub's documented example objects (test/support/github-reference/examples.json, from
 * GitHub's REST API description, MIT: see LICENSE there; regenerate with
 * scripts/github-reference-examples.mjs). The clone's objects must carry every key of the
 * example of their shape.
 */
const { examples } = JSON.parse(
  readFileSync(new URL('./github-reference/examples.json', import.meta.url), 'utf8'),
) as { examples: Record<string, unknown> };

/** The top-level keys of GitHub's example `name` (the first item of a list example). */
export function referenceKeys(name: string): string[] {
  const example = examples[name];
  if (example === undefined) throw new Error(`no GitHub example named ${name}`);
  const object = Array.isArray(example) ? example[0] : example;
  return Object.keys(object as Record<string, unknown>).sort();
}

/** The keys of GitHub's example that `object` lacks (empty: the shape matches). */
export function missingKeys(name: string, object: unknown, ignore: readonly string[] = []): string[] {
  const have = new Set(Object.keys(object as Record<string, unknown>));
  return referenceKeys(name).filter((key) => !have.has(key) && !ignore.includes(key));
}
