import type { CloneTemplate, Timeline } from '../../_shared/template.js';
import { acmeCorp } from '../fixtures/acme-corp.js';
import { SEED_NOW } from '../fixtures/acme-corp-billing.js';
import { stripeDiffSources } from './diff-sources.js';
import { emptyAccount } from './seed/account.js';
import { OBJECT_TABLES } from './store/objects.js';
import { mintStripeTokens, type StripeIdentity, type StripeTokens, stripeIdentity } from './tokens.js';

/**
 * Every time in the Stripe schema: the `created` columns lists order by, and inside each
 * stored object (and every object nested in it: an invoice's lines, an event's
 * data.object) the fields Stripe gives as Unix seconds.
 */
export const STRIPE_TIMELINE: Timeline = {
  anchors: { 'acme-corp': SEED_NOW, '': 1_700_006_400 },
  columns: {
    account: { created: 's' },
    customers: { created: 's', discount: 'json' },
    ...Object.fromEntries(OBJECT_TABLES.map((table) => [table, { created: 's', data: 'json' }])),
  },
  jsonTimeKeys: [
    'accepted_at',
    'arrival_date',
    'available_on',
    'billing_cycle_anchor',
    'cancel_at',
    'canceled_at',
    'completed_at',
    'created',
    'current_period_end',
    'current_period_start',
    'date',
    'deactivated_at',
    'due_by',
    'due_date',
    'effective_at',
    'end',
    'end_date',
    'expected_availability_date',
    'expires',
    'expires_at',
    'ended_at',
    'expires_at',
    'finalized_at',
    'frozen_time',
    'marked_uncollectible_at',
    'next_payment_attempt',
    'paid_at',
    'period_end',
    'period_start',
    'redeem_by',
    'released_at',
    'resumes_at',
    'start',
    'start_date',
    'timestamp',
    'trial_end',
    'trial_start',
    'updated',
    'voided_at',
    'webhooks_delivered_at',
  ],
};

/** The Stripe template as the shared runtime sees it. Fixture names match manifest.yaml. */
export const stripeTemplate: CloneTemplate<StripeIdentity, StripeTokens> = {
  name: 'stripe',
  fixtures: { 'acme-corp': acmeCorp },
  emptyFixture: emptyAccount,
  timeline: STRIPE_TIMELINE,
  identity: stripeIdentity,
  credentialTables: ['api_keys', 'webhook_secrets'],
  mintTokens: mintStripeTokens,
  diffSources: stripeDiffSources,
};
