import type { ContentfulStatusCode } from 'hono/utils/http-status';

const DOCS = 'https://docs.github.com/rest';

export interface ValidationIssue {
  resource: string;
  field?: string;
  code: 'missing' | 'missing_field' | 'invalid' | 'already_exists' | 'unprocessable' | 'custom';
  message?: string;
}

/** The one error every GitHub route throws; app.ts renders it as GitHub's envelope. */
export class GithubError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    readonly details: {
      errors?: ValidationIssue[];
      documentationUrl?: string;
      headers?: Record<string, string>;
    } = {},
  ) {
    super(message);
    this.name = 'GithubError';
  }

  toBody(): Record<string, unknown> {
    return {
      message: this.message,
      ...(this.details.errors ? { errors: this.details.errors } : {}),
      documentation_url: this.details.documentationUrl ?? DOCS,
      status: String(this.status),
    };
  }
}

export const notFound = () => new GithubError(404, 'Not Found');
export const badCredentials = () => new GithubError(401, 'Bad credentials');
export const requiresAuthentication = () => new GithubError(401, 'Requires authentication');
export const forbidden = (message = 'Resource not accessible by personal access token') =>
  new GithubError(403, message);

/** 422 `Validation Failed` with GitHub's `errors[]`. */
export const validationFailed = (...errors: ValidationIssue[]) =>
  new GithubError(422, 'Validation Failed', { errors });

export const missingField = (resource: string, field: string) =>
  validationFailed({ resource, field, code: 'missing_field' });

export const invalidField = (resource: string, field: string, message?: string) =>
  validationFailed({ resource, field, code: 'invalid', ...(message ? { message } : {}) });
