import type { ParamIssue } from '../../_shared/kit-error.js';
import type { Params } from './request-params.js';
import { invalidRequest, stripeParamError, unknownParameter } from './stripe-error.js';

/**
 * Validators in Stripe's terms. Each takes the raw parsed value and the parameter's
 * display path (`address[city]`) and throws the error Stripe would send. Form bodies
 * carry strings only; an empty string means "unset" where Stripe allows it.
 */
export type Unset = null;
export const UNSET: Unset = null;

/**
 * A refusal worded by the one Stripe renderer of parameter issues (stripe-error.ts), which
 * also words the kit's `invalid_params` for routes that declare their parameters.
 */
const refuse = (param: string, expected: string, detail: Partial<ParamIssue> = {}) =>
  stripeParamError({ kind: 'invalid', path: [param], expected, message: '', ...detail });

const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

export const isHash = (value: unknown): value is Params =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Throws parameter_unknown for the first key not in `allowed`. */
export function rejectUnknown(params: Params, allowed: readonly string[], prefix = ''): void {
  for (const key of Object.keys(params)) {
    if (!allowed.includes(key)) throw unknownParameter(prefix ? `${prefix}[${key}]` : key);
  }
}

export function string(value: unknown, param: string, options: { max?: number } = {}): string {
  if (typeof value !== 'string') throw refuse(param, 'string', { received: value });
  if (options.max !== undefined && value.length > options.max) {
    throw invalidRequest(
      `Invalid string: ${value.slice(0, 20)}...; must be at most ${options.max} characters`,
      {
        param,
      },
    );
  }
  return value;
}

/** A string that `''` unsets. */
export function nullableString(
  value: unknown,
  param: string,
  options: { max?: number } = {},
): string | Unset {
  return value === '' ? UNSET : string(value, param, options);
}

/** A whole number written in decimal digits: `0x10`, `1e3`, `16.0` and `Infinity` are not. */
export function integer(value: unknown, param: string, options: { min?: number; max?: number } = {}): number {
  const text = typeof value === 'string' ? value.trim() : '';
  const number = /^-?\d{1,15}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(number)) {
    throw refuse(param, 'integer', { received: value });
  }
  if (options.min !== undefined && number < options.min)
    throw refuse(param, 'integer', { received: value, minimum: options.min });
  if (options.max !== undefined && number > options.max)
    throw refuse(param, 'integer', { received: value, maximum: options.max });
  return number;
}

/** Stripe's amounts support up to eight digits (99999999 is $999,999.99). */
export const MAX_AMOUNT = 99_999_999;

/** An amount in the currency's smallest unit: an integer within Stripe's eight digits. */
export const amount = (value: unknown, param: string, options: { min?: number } = {}) =>
  integer(value, param, { min: options.min ?? -MAX_AMOUNT, max: MAX_AMOUNT });

/** The amount of a charge or payment intent: over eight digits is Stripe's amount_too_large. */
export function chargeAmount(value: unknown, param: string, options: { min?: number } = {}): number {
  const number = integer(value, param, options);
  if (number > MAX_AMOUNT) {
    throw invalidRequest('Amount must be no more than $999,999.99', { code: 'amount_too_large', param });
  }
  return number;
}

/** A decimal number as Stripe reads one: digits with an optional fraction, nothing else. */
export function decimal(value: unknown, param: string, options: { min?: number; max?: number } = {}): number {
  const text = typeof value === 'string' ? value : '';
  const number = /^-?(\d+(\.\d*)?|\.\d+)$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(number)) throw invalidRequest(`Invalid decimal: ${show(value)}`, { param });
  if (options.min !== undefined && number < options.min) {
    throw invalidRequest(`This value must be greater than or equal to ${options.min}.`, { param });
  }
  if (options.max !== undefined && number > options.max) {
    throw invalidRequest(`This value must be less than or equal to ${options.max}.`, { param });
  }
  return number;
}

export function oneOf<T extends string>(value: unknown, param: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw refuse(param, 'enum', { received: value, allowed });
  }
  return value as T;
}

export function email(value: unknown, param: string): string | Unset {
  const text = nullableString(value, param, { max: 512 });
  if (text !== UNSET && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text)) {
    throw invalidRequest(`Invalid email address: ${text}`, { code: 'email_invalid', param });
  }
  return text;
}

/** A list of strings, or `''` for none. */
export function stringList(value: unknown, param: string): string[] {
  if (value === '') return [];
  const items = Array.isArray(value) ? value : isHash(value) ? Object.values(value) : null;
  if (items === null) throw refuse(param, 'array', { received: value });
  return items.map((item, index) => string(item, `${param}[${index}]`));
}

const METADATA_KEYS = 50;
const METADATA_KEY_LENGTH = 40;
const METADATA_VALUE_LENGTH = 500;

/**
 * Merges a metadata update into `current`: `metadata=''` clears everything, a key set to
 * `''` is removed, other keys are set.
 */
export function mergeMetadata(
  current: Record<string, string>,
  value: unknown,
  param = 'metadata',
): Record<string, string> {
  if (value === '') return {};
  if (!isHash(value)) throw invalidRequest('Invalid object', { param });
  const next = { ...current };
  for (const [key, raw] of Object.entries(value)) {
    const at = `${param}[${key}]`;
    if (key.length > METADATA_KEY_LENGTH) {
      throw invalidRequest(`Metadata keys can have a maximum length of ${METADATA_KEY_LENGTH} characters.`, {
        param: at,
      });
    }
    if (typeof raw !== 'string') throw invalidRequest(`Invalid string: ${show(raw)}`, { param: at });
    if (raw.length > METADATA_VALUE_LENGTH) {
      throw invalidRequest(
        `Metadata values can have a maximum length of ${METADATA_VALUE_LENGTH} characters.`,
        {
          param: at,
        },
      );
    }
    if (raw === '') delete next[key];
    else next[key] = raw;
  }
  if (Object.keys(next).length > METADATA_KEYS) {
    throw invalidRequest(`Metadata can have up to ${METADATA_KEYS} keys.`, { param });
  }
  return next;
}

export interface Address {
  city: string | null;
  country: string | null;
  line1: string | null;
  line2: string | null;
  postal_code: string | null;
  state: string | null;
}

const ADDRESS_KEYS = ['city', 'country', 'line1', 'line2', 'postal_code', 'state'] as const;

export function address(value: unknown, param: string): Address | Unset {
  if (value === '') return UNSET;
  if (!isHash(value)) throw invalidRequest('Invalid object', { param });
  rejectUnknown(value, ADDRESS_KEYS, param);
  const out: Address = {
    city: null,
    country: null,
    line1: null,
    line2: null,
    postal_code: null,
    state: null,
  };
  for (const key of ADDRESS_KEYS) {
    const raw = value[key];
    if (raw !== undefined) out[key] = nullableString(raw, `${param}[${key}]`, { max: 5000 });
  }
  return out;
}

export function missing(param: string): never {
  throw stripeParamError({ kind: 'missing', path: [param], expected: null, message: 'is required' });
}

export function boolean(value: unknown, param: string): boolean {
  if (value === 'true' || value === true) return true;
  if (value === 'false' || value === false) return false;
  throw refuse(param, 'boolean', { received: value });
}

/** A three-letter ISO currency code, lowercased as Stripe answers it. */
export function currency(value: unknown, param = 'currency'): string {
  const code = string(value, param).toLowerCase();
  if (!/^[a-z]{3}$/.test(code)) {
    throw invalidRequest(
      `Invalid currency: ${code}. Stripe currently supports these currencies: usd, eur, gbp, ...`,
      {
        param,
      },
    );
  }
  return code;
}

/** A hash parameter (or missing). */
export function hash(value: unknown, param: string, allowed: readonly string[]): Params {
  if (!isHash(value)) throw invalidRequest('Invalid object', { param });
  rejectUnknown(value, allowed, param);
  return value;
}

/** Metadata on create: the same rules as an update onto nothing. */
export const metadata = (value: unknown, param = 'metadata') =>
  value === undefined ? {} : mergeMetadata({}, value, param);
