import { z } from 'zod';
import { findUnsafeInput } from '../../_shared/input-guard.js';
import { parseTs } from './slack-ts.js';

/**
 * Argument types as Slack receives them: form posts carry every value as a string, JSON
 * bodies carry real types, and the SDK sends nested values (blocks) as JSON strings. Each
 * helper accepts all of those. An empty string counts as absent, like Slack.
 */
const absentIfEmpty = (value: unknown) => (value === '' || value === null ? undefined : value);

/** Wraps a value schema as an optional or a required argument. */
function argument<T extends z.ZodType>(value: T) {
  return {
    optional: () => z.preprocess(absentIfEmpty, value.optional()),
    required: () => z.preprocess(absentIfEmpty, value),
  };
}

export const slackString = argument(
  z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v)),
);

export const slackBoolean = argument(
  z.union([z.boolean(), z.number(), z.string()]).transform((value, ctx) => {
    if (typeof value === 'boolean') return value;
    const text = String(value).trim().toLowerCase();
    if (text === 'true' || text === '1') return true;
    if (text === 'false' || text === '0') return false;
    ctx.addIssue({ code: 'custom', message: 'expected a boolean' });
    return z.NEVER;
  }),
);

export const slackInteger = argument(
  z.union([z.number(), z.string()]).transform((value, ctx) => {
    const number =
      typeof value === 'number' ? value : /^\s*-?\d+\s*$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(number)) {
      ctx.addIssue({ code: 'custom', message: 'expected an integer' });
      return z.NEVER;
    }
    return number;
  }),
);

/** A Slack timestamp, as microseconds. */
export const slackTimestamp = argument(
  z.union([z.number(), z.string()]).transform((value, ctx) => {
    const us = parseTs(String(value));
    if (us === null) {
      ctx.addIssue({ code: 'custom', message: 'expected a timestamp' });
      return z.NEVER;
    }
    return us;
  }),
);

// A JSON argument nests inside the arguments object, which request-args.ts already bounds
// at 64 levels; a JSON string is bounded the same way once parsed.
const MAX_JSON_DEPTH = 63;

/** A JSON argument: a JSON string (form posts, the SDK) or the value itself (JSON bodies). */
export const slackJson = argument(
  z.unknown().transform((value, ctx) => {
    let parsed = value;
    if (typeof value === 'string') {
      try {
        parsed = JSON.parse(value) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'expected JSON' });
        return z.NEVER;
      }
    }
    const problem = findUnsafeInput(parsed, MAX_JSON_DEPTH);
    if (problem) {
      ctx.addIssue({
        code: 'custom',
        message: problem.kind === 'nul' ? 'contains a NUL byte' : 'nested too deeply',
      });
      return z.NEVER;
    }
    return parsed;
  }),
);

/** Zod issues as Slack's invalid_arguments messages. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const field = issue.path.join('.') || '(arguments)';
    return issue.code === 'invalid_type' && /undefined/.test(issue.message)
      ? `missing required field: ${field}`
      : `invalid value for field: ${field} (${issue.message})`;
  });
}
