/**
 * A small structural checker for the CLI's own JSON files (registry.json, config.json).
 * These are read at every start, `reset` between every trial; zod's classic build with its
 * locales cost about as much as Node's own start-up, for a few kilobytes of our own JSON.
 * Each reader takes an unknown value and its path and answers the typed value, or throws
 * a ShapeError naming where the file is wrong; unknown keys are dropped (what zod did) or,
 * for a strict object, refused. The environment spec and the manifests keep zod.
 */
export type ShapePath = ReadonlyArray<string | number>;

export class ShapeError extends Error {
  constructor(
    readonly path: ShapePath,
    message: string,
  ) {
    super(message);
    this.name = 'ShapeError';
  }

  /** `clones.c-1a2b.ports.backend: expected an integer, received string` */
  describe(root = ''): string {
    return `${this.path.join('.') || root}: ${this.message}`;
  }
}

export type Reader<T> = (value: unknown, path: ShapePath) => T;

const received = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;

const expected = (what: string, value: unknown, path: ShapePath): never => {
  throw new ShapeError(path, `expected ${what}, received ${received(value)}`);
};

export const string: Reader<string> = (value, path) =>
  typeof value === 'string' ? value : expected('string', value, path);

export const boolean: Reader<boolean> = (value, path) =>
  typeof value === 'boolean' ? value : expected('boolean', value, path);

export const integer: Reader<number> = (value, path) =>
  typeof value === 'number' && Number.isInteger(value) ? value : expected('an integer', value, path);

/** An integer within [min, max]. */
export const integerIn =
  (min: number, max: number): Reader<number> =>
  (value, path) => {
    const n = integer(value, path);
    if (n < min || n > max) throw new ShapeError(path, `expected an integer from ${min} to ${max}, got ${n}`);
    return n;
  };

export const literal =
  <const T extends string | number>(wanted: T): Reader<T> =>
  (value, path) =>
    value === wanted ? wanted : expected(JSON.stringify(wanted), value, path);

export const oneOf =
  <const T extends string>(values: readonly T[]): Reader<T> =>
  (value, path) =>
    values.includes(value as T) ? (value as T) : expected(`one of ${values.join(', ')}`, value, path);

export const nullable =
  <T>(read: Reader<T>): Reader<T | null> =>
  (value, path) =>
    value === null ? null : read(value, path);

/** A plain JSON object (not null, not an array). */
export const object: Reader<Record<string, unknown>> = (value, path) =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : expected('object', value, path);

export const array =
  <T>(read: Reader<T>): Reader<T[]> =>
  (value, path) =>
    Array.isArray(value) ? value.map((item, i) => read(item, [...path, i])) : expected('array', value, path);

export const record =
  <T>(read: Reader<T>): Reader<Record<string, T>> =>
  (value, path) => {
    const out: Record<string, T> = {};
    for (const [key, item] of Object.entries(object(value, path))) out[key] = read(item, [...path, key]);
    return out;
  };

/** Reads `source[key]`; `fallback` stands in for an absent key (undefined). */
export function field<T>(source: Record<string, unknown>, key: string, path: ShapePath, read: Reader<T>): T;
export function field<T>(
  source: Record<string, unknown>,
  key: string,
  path: ShapePath,
  read: Reader<T>,
  fallback: T,
): T;
export function field<T>(
  source: Record<string, unknown>,
  key: string,
  path: ShapePath,
  read: Reader<T>,
  ...fallback: [T?]
): T {
  const value = source[key];
  if (value === undefined && fallback.length > 0) return fallback[0] as T;
  return read(value, [...path, key]);
}

/** `{ [key]: value }` when the key is present, `{}` when absent: optional keys stay absent. */
export function optionalField<K extends string, T>(
  source: Record<string, unknown>,
  key: K,
  path: ShapePath,
  read: Reader<T>,
): { [P in K]?: T } {
  const value = source[key];
  if (value === undefined) return {};
  return { [key]: read(value, [...path, key]) } as { [P in K]?: T };
}

/** Refuses keys outside `allowed` (a strict object). */
export function onlyKeys(source: Record<string, unknown>, allowed: readonly string[], path: ShapePath): void {
  for (const key of Object.keys(source)) {
    if (!allowed.includes(key)) throw new ShapeError([...path, key], 'unrecognized key');
  }
}
