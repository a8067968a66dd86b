import type { KitError, ParamIssue } from '../../_shared/kit-error.js';

/**
 * The one error type Slack handlers throw. `code` is Slack's error string; `extra` is
 * merged into the envelope (`needed`/`provided` for missing_scope, response_metadata for
 * invalid_arguments). Slack answers method errors with HTTP 200; only rate limiting
 * (429) and transport-level failures use other statuses.
 */
export class SlackError extends Error {
  constructor(
    readonly code: string,
    readonly extra: Record<string, unknown> = {},
    readonly status: 200 | 404 | 413 | 429 | 500 | 503 = 200,
    readonly headers: Record<string, string> = {},
  ) {
    super(code);
    this.name = 'SlackError';
  }
}

export const invalidArguments = (messages: string[]) =>
  new SlackError('invalid_arguments', {
    response_metadata: { messages: messages.map((m) => `[ERROR] ${m}`) },
  });

/** Kit parameter issues as Slack's invalid_arguments messages. */
export function describeParamIssues(issues: readonly ParamIssue[]): string[] {
  return issues.map((issue) => {
    const field = issue.path.join('.') || '(arguments)';
    return issue.kind === 'missing'
      ? `missing required field: ${field}`
      : `invalid value for field: ${field} (${issue.message})`;
  });
}

/** What the kit refused, as Slack answers it (the app's one error mapping). */
export function slackErrorFromKit(error: KitError): SlackError {
  switch (error.kind) {
    case 'not_found':
    case 'method_not_allowed':
      return new SlackError('unknown_method', {}, 404);
    case 'not_ready':
      return new SlackError('service_unavailable', {}, 503, { 'Retry-After': '1' });
    case 'malformed_body':
      return new SlackError('invalid_json');
    case 'body_too_large':
      return new SlackError('request_too_large', {}, 413);
    case 'unsupported_media_type':
      return new SlackError('invalid_post_type');
    case 'invalid_params':
      return invalidArguments(describeParamIssues(error.details.issues ?? []));
    default:
      return new SlackError('internal_error', {}, 500);
  }
}
