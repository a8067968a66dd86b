import { randomString } from '../../../_shared/crypto.js';
import { SlackError } from '../slack-error.js';

/** What an interaction's trigger_id lets the app do: open a view for this person. */
export interface TriggerGrant {
  userId: string;
  /** The modal the interaction happened in (views.push stacks onto it). */
  viewId: string | null;
}

interface Trigger extends TriggerGrant {
  expiresAt: number;
  exchanged: boolean;
}

// Slack: a trigger_id is good for 3 seconds, once.
const TRIGGER_TTL_MS = 3_000;
const KEPT = 1_000;

/**
 * trigger_ids handed to the app with each interaction (`12345.98765.abcd...`): single use
 * and expiring 3 s after the interaction by the clone's clock. In memory: a trigger lives
 * seconds, and reset forgets them all.
 */
export class TriggerStore {
  private readonly triggers = new Map<string, Trigger>();

  constructor(private readonly now: () => number) {}

  mint(grant: TriggerGrant): string {
    const now = this.now();
    for (const [id, trigger] of this.triggers) {
      if (trigger.expiresAt <= now || this.triggers.size > KEPT) this.triggers.delete(id);
    }
    const id = `${Math.floor(now / 1000)}.${randomString(10, 'digits')}.${randomString(32, 'hex')}`;
    this.triggers.set(id, { ...grant, expiresAt: now + TRIGGER_TTL_MS, exchanged: false });
    return id;
  }

  /** Spends a trigger: Slack's invalid / exchanged / expired errors otherwise. */
  exchange(id: string | undefined): TriggerGrant {
    if (id === undefined) throw new SlackError('invalid_trigger_id');
    const trigger = this.triggers.get(id);
    if (!trigger) throw new SlackError('invalid_trigger_id');
    if (trigger.exchanged) throw new SlackError('exchanged_trigger_id');
    if (trigger.expiresAt <= this.now()) throw new SlackError('expired_trigger_id');
    trigger.exchanged = true;
    return { userId: trigger.userId, viewId: trigger.viewId };
  }

  clear(): void {
    this.triggers.clear();
  }
}
