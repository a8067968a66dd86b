import { AsymError } from '../errors.js';
import { requireClone } from '../registry/lookup.js';
import { AdminRefusal, adminCall } from './clone-admin.js';
import type { AppContext } from './context.js';

export interface EventsSubscription {
  id: string;
  url: string | null;
  events: string[];
}

/**
 * A Slack clone's Events API Request URL: shown, set (after Slack's url_verification
 * handshake, which the clone performs) or turned off. Stripe clones take webhook endpoints
 * through their own API instead, as Stripe does.
 */
export async function cloneEvents(
  ctx: AppContext,
  id: string,
  change: { url: string } | { off: true } | null,
): Promise<EventsSubscription> {
  const clone = requireClone(await ctx.store.read(), id);
  if (clone.template !== 'slack') {
    throw new AsymError(
      'INVALID_ARGUMENT',
      `Clone ${id} is a ${clone.template} clone; only Slack clones have a Request URL.`,
      {
        hint:
          clone.template === 'stripe'
            ? 'Register webhooks through the API, as with Stripe: POST /v1/webhook_endpoints.'
            : 'Use a Slack clone.',
      },
    );
  }
  if (change === null) {
    const current = await adminCall<{ url: string | null; events: string[] }>(
      clone,
      '/_asym/events',
      {},
      10_000,
      'GET',
    );
    return { id, url: current.url, events: current.events };
  }
  try {
    const body = 'url' in change ? { url: change.url } : { url: null };
    const result = await adminCall<{ url: string | null; events: string[] }>(
      clone,
      '/_asym/events',
      body,
      30_000,
    );
    return { id, url: result.url, events: result.events };
  } catch (error) {
    if (error instanceof AdminRefusal) {
      throw new AsymError('INVALID_ARGUMENT', `The Request URL was not accepted: ${error.reason.message}`, {
        hint: 'The URL must answer Slack\'s url_verification POST with its "challenge" (Bolt does this), and listen on all interfaces if it is on localhost.',
      });
    }
    throw error;
  }
}
