import { isHash, string } from './params.js';
import { invalidRequest } from './stripe-error.js';

/** The `expand` parameter: `expand[]=a&expand[]=b` (or indexed) as a list of paths. */
export function expandPaths(value: unknown): string[] {
  if (value === undefined || value === '') return [];
  const items = Array.isArray(value) ? value : isHash(value) ? Object.values(value) : [value];
  return items.map((item, index) => string(item, `expand[${index}]`));
}

/**
 * Checks each path against what the resource can expand, with list endpoints prefixing
 * `data.`; returns the top-level names to expand on each object.
 */
export function resolveExpansions(
  paths: string[],
  expandable: readonly string[],
  options: { list: boolean },
): Set<string> {
  const names = new Set<string>();
  for (const path of paths) {
    const inner = options.list ? (path.startsWith('data.') ? path.slice(5) : null) : path;
    if (inner === null || !expandable.includes(inner)) {
      throw invalidRequest(`This property cannot be expanded (${path}).`, { param: 'expand' });
    }
    names.add(inner);
  }
  return names;
}
