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
    readonly status: 200 | 413 | 429 | 500 | 503 = 200,
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
