/** An Events API event as the `event` field of an event_callback carries it. */
export interface SlackEvent {
  type: string;
  [key: string]: unknown;
}

/** Where methods report what they changed; the Events API dispatcher listens here. */
export interface EventSink {
  emit(event: SlackEvent): void;
  /**
   * Whether an app may hear events now (a Request URL, Socket Mode, a live feed), and whose
   * bot: false when none may; the Events API bot's user id when the dispatcher knows it;
   * null when it does not yet (the writer then reads it too). A writer that is told an app
   * hears reads the bot's membership for the dispatcher (`noteBotPresence`). Without it, or
   * false, the dispatcher asks Postgres itself.
   */
  heardBy?(): string | null | false;
}

export const noEvents: EventSink = { emit: () => undefined };

/**
 * The app whose bot the Events API delivers to: the workspace's first app. Kept as one
 * fragment (alias `a` on apps) so a writer can read what the dispatcher would ask about.
 */
export const EVENT_APP = 'ORDER BY a.created, a.id LIMIT 1';

/**
 * Whether the app's bot was a member of the event's conversation, as read by the statement
 * that wrote the event's row: the dispatcher then skips its own membership query (one
 * round trip per event on the API's pool). Kept beside the event, never inside it.
 */
const botPresence = new WeakMap<SlackEvent, { botUserId: string; member: boolean }>();

/** The Events API's bot (null: no app) and whether it is in a conversation, as a writer read it. */
export interface AppBotPresence {
  userId: string | null;
  member: boolean;
}

export function noteBotPresence(event: SlackEvent, { userId, member }: AppBotPresence): void {
  if (userId !== null) botPresence.set(event, { botUserId: userId, member });
}

/** The noted membership of `botUserId` for `event` (or for the event it was derived from). */
export function notedBotPresence(event: SlackEvent, botUserId: string): boolean | undefined {
  const noted = botPresence.get(event);
  return noted?.botUserId === botUserId ? noted.member : undefined;
}
