/** An Events API event as the `event` field of an event_callback carries it. */
export interface SlackEvent {
  type: string;
  [key: string]: unknown;
}

/** Where methods report what they changed; the Events API dispatcher listens here. */
export interface EventSink {
  emit(event: SlackEvent): void;
}

export const noEvents: EventSink = { emit: () => undefined };
