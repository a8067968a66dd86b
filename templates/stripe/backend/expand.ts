import { isHash, string } from './params.js';

/** The `expand` parameter: `expand[]=a&expand[]=b` (or indexed) as a list of paths. */
export function expandPaths(value: unknown): string[] {
  if (value === undefined || value === '') return [];
  const items = Array.isArray(value) ? value : isHash(value) ? Object.values(value) : [value];
  return items.map((item, index) => string(item, `expand[${index}]`));
}
