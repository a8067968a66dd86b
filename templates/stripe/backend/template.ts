import type { CloneTemplate } from '../../_shared/template.js';
import { acmeCorp } from '../fixtures/acme-corp.js';
import { stripeDiffSources } from './diff-sources.js';
import { emptyAccount } from './seed/account.js';
import { mintStripeTokens, type StripeIdentity, type StripeTokens, stripeIdentity } from './tokens.js';

/** The Stripe template as the shared runtime sees it. Fixture names match manifest.yaml. */
export const stripeTemplate: CloneTemplate<StripeIdentity, StripeTokens> = {
  name: 'stripe',
  fixtures: { 'acme-corp': acmeCorp },
  emptyFixture: emptyAccount,
  identity: stripeIdentity,
  credentialTables: ['api_keys', 'webhook_secrets'],
  mintTokens: mintStripeTokens,
  diffSources: stripeDiffSources,
};
