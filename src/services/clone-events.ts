import { AsymError } from '../errors.js';
import { requireClone } from '../registry/lookup.js';
import { getTemplate } from '../templates/catalog.js';
import { AdminRefusal, adminCall } from './clone-admin.js';
import type { AppContext } from './context.js';

export interface EventsSubscription {
  id: string;
  url: string | null;
  events: string[];
  /** Set with --interactivity-url: where interactions and slash commands go (null: to `url`). */
  interactivityUrl?: string | null;
}

/**
 * A clone's Request URL (one endpoint the vendor POSTs every event to): shown, set (after
 * the verification handshake, which the clone performs) or turned off, for templates whose
 * manifest says `deliveries.requestUrl`. Others take webhook endpoints through their own API
 * (`deliveries.register` says how).
 */
export async function cloneEvents(
  ctx: AppContext,
  id: string,
  change: { url: string } | { off: true } | null,
  interactivity?: { url: string | null },
): Promise<EventsSubscription> {
  const clone = requireClone(await ctx.store.read(), id);
  const deliveries = getTemplate(clone.template).deliveries;
  if (!deliveries?.requestUrl) {
    throw new AsymError(
      'INVALID_ARGUMENT',
      `Clone ${id} is a ${clone.template} clone, which has no Request URL.`,
      {
        hint: deliveries?.register ?? 'Use a clone whose template takes one (see `asymmetric templates`).',
      },
    );
  }
  // The Interactivity Request URL (block actions, modals, shortcuts, slash commands).
  let interactivityUrl: { interactivityUrl: string | null } | undefined;
  if (interactivity) {
    try {
      const set = await adminCall<{ url: string | null }>(
        clone,
        '/_asym/interactivity',
        interactivity,
        10_000,
      );
      interactivityUrl = { interactivityUrl: set.url };
    } catch (error) {
      if (error instanceof AdminRefusal) {
        throw new AsymError(
          'INVALID_ARGUMENT',
          `The Interactivity Request URL was not accepted: ${error.reason.message}`,
          {
            hint: 'Pass an absolute http(s) URL, the one your app serves interactions on.',
          },
        );
      }
      throw error;
    }
  }
  if (change === null) {
    const current = await adminCall<{ url: string | null; events: string[] }>(
      clone,
      '/_asym/events',
      {},
      10_000,
      'GET',
    );
    return { id, url: current.url, events: current.events, ...interactivityUrl };
  }
  try {
    const body = 'url' in change ? { url: change.url } : { url: null };
    const result = await adminCall<{ url: string | null; events: string[] }>(
      clone,
      '/_asym/events',
      body,
      30_000,
    );
    return { id, url: result.url, events: result.events, ...interactivityUrl };
  } catch (error) {
    if (error instanceof AdminRefusal) {
      throw new AsymError('INVALID_ARGUMENT', `The Request URL was not accepted: ${error.reason.message}`, {
        hint: deliveries.verification ?? 'The URL must answer the verification request the clone sends it.',
      });
    }
    throw error;
  }
}
