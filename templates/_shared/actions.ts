/**
 * Person actions: what a template lets a test or harness do as a person of its vendor
 * (`asymmetric act <clone> <action> --<param> <value>`): click a button, submit a form,
 * write a message. A template declares them in its manifest (`actions:`, which the CLI
 * reads for `--list` and to check parameters) and implements each as a handler here,
 * served by the admin route `POST /_asym/act/<action>` `{ params }`.
 */

/** String parameters as the CLI passes them (`--user U1` → `{ user: 'U1' }`). */
export type ActionParams = Readonly<Record<string, string>>;

/** What a handler learns of the request: where the clone is reached (links it hands out). */
export interface ActionRequest {
  baseUrl: string;
}

/**
 * A handler's answer. `acked: false` says the person's action reached nothing, or the
 * vendor's receiver did not answer in time (the CLI exits 1 with ACTION_NOT_ACKNOWLEDGED).
 */
export interface ActionOutcome {
  acked: boolean;
  /** Why it was not acknowledged (`timeout`, `no_request_url` ...), when it was not. */
  reason?: string;
  detail?: string;
  [key: string]: unknown;
}

export type ActionHandler = (params: ActionParams, request: ActionRequest) => Promise<ActionOutcome>;

export type TemplateActions = Readonly<Record<string, ActionHandler>>;

/** A person action refused as asked (unknown object, missing parameter): a 400 or 404 with `code`. */
export class ActionError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: 400 | 404 = 400,
  ) {
    super(message);
    this.name = 'ActionError';
  }
}

/** A required parameter, or ActionError `missing_param`. */
export function requireParam(params: ActionParams, name: string): string {
  const value = params[name];
  if (value === undefined || value === '') throw new ActionError('missing_param', `--${name} is required`);
  return value;
}
