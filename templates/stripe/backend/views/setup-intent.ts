import type { StripeObject } from '../store/objects.js';

export interface SetupIntentObject extends StripeObject {
  object: 'setup_intent';
  client_secret: string;
  created: number;
  customer: string | null;
  description: string | null;
  last_setup_error: Record<string, unknown> | null;
  metadata: Record<string, string>;
  next_action: Record<string, unknown> | null;
  payment_method: string | null;
  status:
    | 'requires_payment_method'
    | 'requires_confirmation'
    | 'requires_action'
    | 'processing'
    | 'canceled'
    | 'succeeded';
  usage: 'off_session' | 'on_session';
}

/** A setup intent with exactly the keys of `resources.setup_intent` in fixtures3.json. */
export function newSetupIntent(
  fields: Pick<SetupIntentObject, 'id' | 'created' | 'client_secret'> & Partial<SetupIntentObject>,
): SetupIntentObject {
  return {
    id: fields.id,
    object: 'setup_intent',
    application: null,
    automatic_payment_methods: fields.automatic_payment_methods ?? null,
    cancellation_reason: null,
    client_secret: fields.client_secret,
    created: fields.created,
    customer: fields.customer ?? null,
    description: fields.description ?? null,
    excluded_payment_method_types: null,
    flow_directions: null,
    last_setup_error: null,
    latest_attempt: null,
    livemode: false,
    mandate: null,
    metadata: fields.metadata ?? {},
    next_action: null,
    on_behalf_of: null,
    payment_method: fields.payment_method ?? null,
    payment_method_configuration_details: null,
    payment_method_options: {
      card: { mandate_options: null, network: null, request_three_d_secure: 'automatic' },
    },
    payment_method_types: fields.payment_method_types ?? ['card'],
    single_use_mandate: null,
    status: fields.status ?? (fields.payment_method ? 'requires_confirmation' : 'requires_payment_method'),
    usage: fields.usage ?? 'off_session',
  };
}
