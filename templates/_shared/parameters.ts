import { z } from 'zod';
import { KitError, type ParamIssue } from './kit-error.js';

/**
 * One way to declare and validate a call's parameters, for every template: a zod object of
 * the kit's value types, which read values as any transport carries them (form posts give
 * strings, JSON bodies real types). A failure is a KitError `invalid_params` listing every
 * issue in the kit's terms (missing / unknown / invalid, with the path and what was
 * expected), and the template's one error mapping renders it the vendor's way: Slack's
 * `invalid_arguments`, Stripe's `parameter_missing` / `parameter_invalid_integer` /
 * `parameter_unknown` with `param`, GitHub's 422 `Validation Failed` with `errors[]`.
 */

type Detail = Omit<ParamIssue, 'path' | 'message'> & { message?: string };

/** The issue a kit value type reports, carried through zod in a custom issue's params. */
function report(ctx: z.RefinementCtx, detail: Detail): typeof z.NEVER {
  ctx.addIssue({
    code: 'custom',
    message: detail.message ?? `expected ${detail.expected}`,
    params: { kit: detail },
  });
  return z.NEVER;
}

/** A value type: `undefined` is `missing` (wrap it in `.optional()` to allow that). */
function valueType<T>(expected: string, read: (value: unknown, ctx: z.RefinementCtx) => T) {
  return z.unknown().transform((value, ctx): T => {
    if (value === undefined) return report(ctx, { kind: 'missing', expected, message: 'is required' }) as T;
    return read(value, ctx);
  });
}

const invalid = (ctx: z.RefinementCtx, expected: string, received: unknown, message?: string) =>
  report(ctx, { kind: 'invalid', expected, received, ...(message ? { message } : {}) });

export interface StringOptions {
  min?: number;
  max?: number;
  pattern?: RegExp;
}

/** Strings; numbers and booleans are taken as their text (form posts and JSON alike). */
function string(options: StringOptions = {}) {
  return valueType('string', (value, ctx) => {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
      return invalid(ctx, 'string', value);
    const text = String(value);
    if (options.min !== undefined && text.length < options.min)
      return report(ctx, {
        kind: 'invalid',
        expected: 'string',
        received: value,
        minimum: options.min,
        message: `must be at least ${options.min} characters`,
      });
    if (options.max !== undefined && text.length > options.max)
      return report(ctx, {
        kind: 'invalid',
        expected: 'string',
        received: value,
        maximum: options.max,
        message: `must be at most ${options.max} characters`,
      });
    if (options.pattern && !options.pattern.test(text))
      return invalid(ctx, 'string', value, `does not match ${options.pattern}`);
    return text;
  });
}

export interface IntegerOptions {
  min?: number;
  max?: number;
}

/** A whole number, or its decimal digits (`0x10`, `1e3`, `16.0` are refused). */
function integer(options: IntegerOptions = {}) {
  return valueType('integer', (value, ctx) => {
    const number =
      typeof value === 'number'
        ? value
        : typeof value === 'string' && /^\s*-?\d{1,16}\s*$/.test(value)
          ? Number(value)
          : Number.NaN;
    if (!Number.isSafeInteger(number)) return invalid(ctx, 'integer', value, 'expected an integer');
    if (options.min !== undefined && number < options.min)
      return report(ctx, {
        kind: 'invalid',
        expected: 'integer',
        received: value,
        minimum: options.min,
        message: `must be greater than or equal to ${options.min}`,
      });
    if (options.max !== undefined && number > options.max)
      return report(ctx, {
        kind: 'invalid',
        expected: 'integer',
        received: value,
        maximum: options.max,
        message: `must be less than or equal to ${options.max}`,
      });
    return number;
  });
}

/** `true`/`false` as booleans or text; `1`/`0` too. */
function boolean() {
  return valueType('boolean', (value, ctx) => {
    if (typeof value === 'boolean') return value;
    const text =
      typeof value === 'string' || typeof value === 'number' ? String(value).trim().toLowerCase() : '';
    if (text === 'true' || text === '1') return true;
    if (text === 'false' || text === '0') return false;
    return invalid(ctx, 'boolean', value, 'expected a boolean');
  });
}

/** One of `values`. */
function oneOf<const T extends string>(values: readonly T[]) {
  return valueType('enum', (value, ctx): T => {
    if (typeof value === 'string' && (values as readonly string[]).includes(value)) return value as T;
    return report(ctx, {
      kind: 'invalid',
      expected: 'enum',
      received: value,
      allowed: values,
      message: `must be one of ${values.join(', ')}`,
    }) as T;
  });
}

/**
 * A list: an array, a bracket-indexed hash (`a[0]=x&a[1]=y` parses to `{ 0: x, 1: y }`),
 * or (with `commaSeparated`) a single `a,b,c` string, each item validated by `item`.
 */
function list<T extends z.ZodType>(item: T, options: { commaSeparated?: boolean; max?: number } = {}) {
  return z
    .unknown()
    .transform((value, ctx) => {
      if (value === undefined)
        return report(ctx, { kind: 'missing', expected: 'array', message: 'is required' });
      if (Array.isArray(value)) return value;
      if (typeof value === 'object' && value !== null) return Object.values(value);
      if (options.commaSeparated && typeof value === 'string')
        return value === '' ? [] : value.split(',').map((part) => part.trim());
      return invalid(ctx, 'array', value, 'expected a list');
    })
    .pipe(z.array(item).max(options.max ?? 10_000));
}

/** A nested object of declared fields; any other key is `unknown`. */
function object<S extends z.ZodRawShape>(shape: S) {
  return z.object(shape).strict();
}

/** JSON: a JSON string (form posts, SDKs that send nested values as text) or the value itself. */
function json() {
  return valueType('json', (value, ctx) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return invalid(ctx, 'json', value, 'expected JSON');
    }
  });
}

/** The kit's value types, for `declareParams` shapes. */
export const param = { string, integer, boolean, oneOf, list, object, json };

export interface DeclareOptions {
  /** `reject` (default): an undeclared parameter is an `unknown` issue; `strip`: ignored. */
  unknownKeys?: 'reject' | 'strip';
}

/** A call's parameters: a zod object (strict unless told otherwise). */
export function declareParams<S extends z.ZodRawShape>(shape: S, options: DeclareOptions = {}) {
  const schema = z.object(shape);
  return options.unknownKeys === 'strip' ? schema.strip() : schema.strict();
}

export interface ValidateOptions {
  /** Top-level `''` and `null` count as absent (Slack: an empty argument is no argument). */
  emptyIsAbsent?: boolean;
}

/** Validates `raw` against a declaration; a failure throws KitError `invalid_params` with every issue. */
export function validateParams<S extends z.ZodType>(
  schema: S,
  raw: Record<string, unknown>,
  options: ValidateOptions = {},
): z.output<S> {
  const input = options.emptyIsAbsent
    ? Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== '' && value !== null))
    : raw;
  const parsed = schema.safeParse(input, { reportInput: true });
  if (parsed.success) return parsed.data;
  const issues = paramIssues(parsed.error);
  throw new KitError(
    'invalid_params',
    issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '),
    {
      issues,
    },
  );
}

const keyPath = (path: ReadonlyArray<PropertyKey>) =>
  path.map((key) => (typeof key === 'number' ? key : String(key)));

/** A zod error in the kit's terms (for schemas written with plain zod too). */
export function paramIssues(error: z.ZodError): ParamIssue[] {
  const issues: ParamIssue[] = [];
  for (const issue of error.issues) {
    const path = keyPath(issue.path);
    if (issue.code === 'custom' && issue.params?.kit) {
      const detail = issue.params.kit as Detail;
      issues.push({ ...detail, path, message: issue.message });
    } else if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        issues.push({
          kind: 'unknown',
          path: [...path, key],
          expected: null,
          message: 'is not a known parameter',
        });
    } else if (issue.code === 'invalid_type') {
      const absent = issue.input === undefined;
      issues.push({
        kind: absent ? 'missing' : 'invalid',
        path,
        expected: String(issue.expected),
        ...(absent ? {} : { received: issue.input }),
        message: absent ? 'is required' : `expected ${issue.expected}`,
      });
    } else if (issue.code === 'invalid_value') {
      issues.push({
        kind: 'invalid',
        path,
        expected: 'enum',
        received: issue.input,
        allowed: issue.values.map(String),
        message: issue.message,
      });
    } else if (issue.code === 'too_small' || issue.code === 'too_big') {
      const bound = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
      issues.push({
        kind: 'invalid',
        path,
        expected: String(issue.origin),
        received: issue.input,
        ...(issue.code === 'too_small' ? { minimum: bound } : { maximum: bound }),
        message: issue.message,
      });
    } else {
      issues.push({ kind: 'invalid', path, expected: null, received: issue.input, message: issue.message });
    }
  }
  return issues;
}
