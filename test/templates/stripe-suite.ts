import Stripe from 'stripe';
import { createStripeApp } from '../../templates/stripe/backend/app.js';
import { stripeTemplate } from '../../templates/stripe/backend/template.js';
import type { StripeTokens } from '../../templates/stripe/backend/tokens.js';
import { type CloneUnderTest, openClone } from './harness.js';

/**
 * What every Stripe SDK suite opens first: a clone (in process, or the spun container under
 * the containers tier), its tokens, and the official client pointed at it.
 */
export async function openStripeSuite(
  database: string,
  seedFixture: string | null,
): Promise<{ backend: CloneUnderTest; tokens: StripeTokens; stripe: Stripe }> {
  const backend = await openClone({
    template: stripeTemplate,
    createApp: (deps) => createStripeApp(deps),
    database,
    seedFixture,
  });
  const tokens = (await backend.admin('/tokens')).body as StripeTokens;
  const stripe = new Stripe(tokens.secretKey, {
    host: '127.0.0.1',
    port: backend.port,
    protocol: 'http',
    maxNetworkRetries: 0,
  });
  return { backend, tokens, stripe };
}
