/**
 * What the kit itself refuses, before or around a template's handler: an unknown route, a
 * known path with another method, a body that does not parse, a clone still starting,
 * parameters that fail their declaration, or a handler that threw something unexpected.
 * A template never renders these itself: it gives the app factory one `fromKit` that turns
 * each into its vendor's error (templates/_shared/app-factory.ts), so every path answers
 * in the vendor's envelope.
 */
export type KitErrorKind =
  | 'not_found'
  | 'method_not_allowed'
  | 'malformed_body'
  | 'body_too_large'
  | 'unsupported_media_type'
  | 'not_ready'
  | 'invalid_params'
  | 'unexpected';

/** One parameter that failed its declaration (parameters.ts). */
export interface ParamIssue {
  /** `missing`: required and absent; `unknown`: not declared; `invalid`: present but wrong. */
  kind: 'missing' | 'unknown' | 'invalid';
  /** Where, from the top of the parameters (`['address', 'city']`, `['items', 0, 'price']`). */
  path: ReadonlyArray<string | number>;
  /** What was expected, in the kit's words: `string`, `integer`, `boolean`, `enum`, `array`, `object`, `json`, or a custom one. */
  expected: string | null;
  /** The value sent (invalid issues only). */
  received?: unknown;
  /** The allowed values of an enum. */
  allowed?: readonly string[];
  /** Bounds that were crossed (too_small / too_big). */
  minimum?: number;
  maximum?: number;
  /** A readable English sentence (vendors whose messages are free text use it). */
  message: string;
}

export interface KitErrorDetails {
  /** method_not_allowed: the methods the path does take. */
  allowed?: readonly string[];
  /** invalid_params: every issue, in declaration order. */
  issues?: readonly ParamIssue[];
  /** body_too_large: the limit in bytes. */
  limit?: number;
  /** unsupported_media_type: what was sent. */
  contentType?: string;
  /** unexpected: what was thrown (already logged by the kit). */
  cause?: unknown;
}

export class KitError extends Error {
  constructor(
    readonly kind: KitErrorKind,
    message: string,
    readonly details: KitErrorDetails = {},
  ) {
    super(message);
    this.name = 'KitError';
  }
}

/** `a[b][0]`: a parameter path in bracket notation (Stripe, Rails-style forms). */
export const bracketPath = (path: ReadonlyArray<string | number>): string =>
  path.map((key, index) => (index === 0 ? String(key) : `[${key}]`)).join('');

/** `a.b.0`: a parameter path in dot notation (JSON APIs). */
export const dotPath = (path: ReadonlyArray<string | number>): string => path.map(String).join('.');
