import { bracketPath, type KitError, type ParamIssue } from '../../_shared/kit-error.js';

/**
 * The one error type Stripe handlers throw, rendered by the app as
 * `{ error: { type, code, message, param, doc_url } }` with `status`.
 */
export type StripeErrorType = 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';

export interface StripeErrorDetails {
  code?: string;
  param?: string;
  headers?: Record<string, string>;
  /** More fields of the error object (`decline_code`, `payment_intent`, `charge`...). */
  extra?: Record<string, unknown>;
}

export class StripeError extends Error {
  constructor(
    readonly status: 400 | 401 | 402 | 403 | 404 | 409 | 413 | 429 | 500 | 503,
    readonly type: StripeErrorType,
    message: string,
    readonly details: StripeErrorDetails = {},
  ) {
    super(message);
    this.name = 'StripeError';
  }

  toBody(): { error: Record<string, unknown> } {
    const { code, param, extra } = this.details;
    return {
      error: {
        ...(code
          ? { code, doc_url: `https://stripe.com/docs/error-codes/${code.replaceAll('_', '-')}` }
          : {}),
        message: this.message,
        ...(param ? { param } : {}),
        type: this.type,
        ...extra,
      },
    };
  }
}

export const invalidRequest = (message: string, details: { code?: string; param?: string } = {}) =>
  new StripeError(400, 'invalid_request_error', message, details);

export const unknownParameter = (param: string) =>
  invalidRequest(`Received unknown parameter: ${param}`, { code: 'parameter_unknown', param });

export const resourceMissing = (noun: string, id: string, param = 'id') =>
  new StripeError(404, 'invalid_request_error', `No such ${noun}: '${id}'`, {
    code: 'resource_missing',
    param,
  });

const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/** A kit parameter issue as Stripe words it (params.ts's messages, one per issue). */
export function stripeParamError(issue: ParamIssue): StripeError {
  const param = bracketPath(issue.path);
  if (issue.kind === 'unknown') return unknownParameter(param);
  if (issue.kind === 'missing')
    return invalidRequest(`Missing required param: ${param}.`, { code: 'parameter_missing', param });
  if (issue.minimum !== undefined)
    return invalidRequest(`This value must be greater than or equal to ${issue.minimum}.`, { param });
  if (issue.maximum !== undefined)
    return issue.expected === 'string'
      ? invalidRequest(
          `Invalid string: ${show(issue.received).slice(0, 20)}...; must be at most ${issue.maximum} characters`,
          { param },
        )
      : invalidRequest(`This value must be less than or equal to ${issue.maximum}.`, { param });
  switch (issue.expected) {
    case 'integer':
      return invalidRequest(`Invalid integer: ${show(issue.received)}`, {
        code: 'parameter_invalid_integer',
        param,
      });
    case 'boolean':
      return invalidRequest(`Invalid boolean: ${show(issue.received)}`, { param });
    case 'enum': {
      const allowed = issue.allowed ?? [];
      const list =
        allowed.length > 1 ? `${allowed.slice(0, -1).join(', ')}, or ${allowed.at(-1)}` : allowed[0];
      return invalidRequest(`Invalid ${param}: must be one of ${list}`, { param });
    }
    case 'array':
      return invalidRequest('Invalid array', { param });
    case 'object':
      return invalidRequest('Invalid object', { param });
    default:
      return invalidRequest(`Invalid string: ${show(issue.received)}`, { param });
  }
}

/** What the kit refused, as Stripe answers it (the app's one error mapping). */
export function stripeErrorFromKit(
  error: KitError,
  c: { req: { method: string; path: string } },
): StripeError {
  switch (error.kind) {
    case 'not_found':
    case 'method_not_allowed':
      return new StripeError(
        404,
        'invalid_request_error',
        `Unrecognized request URL (${c.req.method}: ${c.req.path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
      );
    case 'not_ready':
      return new StripeError(503, 'api_error', 'The clone is still starting. Please retry shortly.', {
        headers: { 'Retry-After': '1' },
      });
    case 'body_too_large':
      return new StripeError(413, 'invalid_request_error', 'Request body too large.');
    case 'malformed_body':
    case 'unsupported_media_type':
      return invalidRequest(`Invalid request: ${error.message}`);
    case 'invalid_params': {
      // Stripe names one parameter per error: an unknown one first, as it checks those first.
      const issues = error.details.issues ?? [];
      const issue = issues.find((one) => one.kind === 'unknown') ?? issues[0];
      return issue ? stripeParamError(issue) : invalidRequest(error.message);
    }
    default:
      return new StripeError(500, 'api_error', 'An unknown error occurred on the server.');
  }
}
