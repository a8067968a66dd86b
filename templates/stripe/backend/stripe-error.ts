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
