import { createHmac } from 'node:crypto';
import type pg from 'pg';
import { randomEncoded, randomString } from '../../../_shared/crypto.js';
import type { DeliveryFeed } from '../../../_shared/delivery-feed.js';
import type { Logger } from '../../../_shared/log.js';
import { type FailureReason, OutboundDelivery, PgRetryStore } from '../../../_shared/outbound.js';
import { outboundUrl } from '../../../_shared/outbound-url.js';
import { formatTs } from '../slack-ts.js';
import type { SocketModeTransport } from '../socket-mode/socket-hub.js';
import { EVENT_APP, type EventSink, notedBotPresence, type SlackEvent } from './event-sink.js';

/** Event types the clone delivers, and the subscription name each is filed under. */
const SUBSCRIPTION_NAMES: Record<string, string> = {
  app_mention: 'app_mention',
  reaction_added: 'reaction_added',
  reaction_removed: 'reaction_removed',
  member_joined_channel: 'member_joined_channel',
  member_left_channel: 'member_left_channel',
  channel_created: 'channel_created',
  channel_archive: 'channel_archive',
  channel_unarchive: 'channel_unarchive',
  channel_rename: 'channel_rename',
  pin_added: 'pin_added',
  pin_removed: 'pin_removed',
  user_change: 'user_change',
  file_deleted: 'file_deleted',
  dnd_updated_user: 'dnd_updated_user',
  assistant_thread_started: 'assistant_thread_started',
  assistant_thread_context_changed: 'assistant_thread_context_changed',
  app_home_opened: 'app_home_opened',
};
const MESSAGE_SUBSCRIPTIONS: Record<string, string> = {
  channel: 'message.channels',
  group: 'message.groups',
  im: 'message.im',
  mpim: 'message.mpim',
};
export const SUPPORTED_SUBSCRIPTIONS = [
  ...Object.values(MESSAGE_SUBSCRIPTIONS),
  ...Object.values(SUBSCRIPTION_NAMES),
];

export interface EventSubscription {
  url: string;
  /** Subscription names (message.channels, app_mention ...); all supported ones by default. */
  events: string[];
}

export interface DeliveryRecord {
  event_id: string;
  type: string;
  attempt: number;
  status: number | null;
  error: string | null;
  at: string;
}

export interface DispatcherOptions {
  /** Delay before each retry (Slack: about immediately, 1 minute, 5 minutes). */
  retryDelaysMs?: readonly number[];
  /** How long a delivery may take before it counts as failed (Slack: 3 seconds). */
  timeoutMs?: number;
}

interface AppIdentity {
  app_id: string;
  team_id: string;
  bot_user_id: string;
}

const DEFAULT_RETRIES = [1_000, 60_000, 300_000];
const CHANNEL = 'slack.events';

/** The kit's failure reasons in Slack's words (X-Slack-Retry-Reason, the delivery log). */
const SLACK_REASONS: Record<FailureReason, string> = {
  http_error: 'http_error',
  redirect: 'too_many_redirects',
  timeout: 'http_timeout',
  connection_failed: 'connection_failed',
};
const KEPT_RECORDS = 100;

/** Slack's request signature: v0=hex(hmac_sha256(secret, "v0:<timestamp>:<body>")). */
export function signRequest(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** The headers of an Events API POST, as Slack sends them. */
export function slackRequestHeaders(secret: string, timestamp: number, body: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': signRequest(secret, timestamp, body),
  };
}

/** The legacy verification token of every payload: derived from the signing secret, so it changes with it. */
export const verificationTokenFor = (secret: string): string =>
  createHmac('sha256', secret).update('verification-token').digest('base64url').slice(0, 24);

/** The app's signing secret (plain text: a signature needs the secret itself). */
export async function readSigningSecret(pool: pg.Pool): Promise<string> {
  const { rows } = await pool.query<{ value: string }>(
    "SELECT value FROM asym.app_secrets WHERE name = 'signing_secret'",
  );
  return rows[0]?.value ?? '';
}

/**
 * The Events API: what methods emit becomes `event_callback` POSTs to the Request URL set
 * with `POST /_asym/events`, signed with the app's signing secret, retried with
 * X-Slack-Retry-Num on failure. Like a bot subscription on Slack, conversation events reach
 * the app only from conversations its bot user is in.
 */
export class EventDispatcher implements EventSink {
  private subscription: EventSubscription | null = null;
  private loaded: Promise<void> | null = null;
  private chain: Promise<void> = Promise.resolve();
  private readonly records: DeliveryRecord[] = [];
  /** Bumped by reset: what was emitted or queued for retry before it is never delivered. */
  private generation = 0;
  private readonly outbound: OutboundDelivery;
  private readonly timeoutMs: number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly now: () => number,
    private readonly log: Logger,
    options: DispatcherOptions = {},
    /** While the app is in Socket Mode, events go to its sockets instead of the Request URL. */
    private readonly socketMode: SocketModeTransport | null = null,
    /** `asymmetric listen` hears what the app would, with its own event filter. */
    private readonly feed: DeliveryFeed | null = null,
    /** The app's outbound delivery (the kit's `createCloneApp`); its own one otherwise. */
    outbound?: OutboundDelivery,
  ) {
    this.timeoutMs = options.timeoutMs ?? 3_000;
    this.outbound = outbound ?? new OutboundDelivery(new PgRetryStore(pool), log);
    // Events API POSTs on the kit: signed with the signing secret as it is at each attempt,
    // retried with Slack's X-Slack-Retry-Num / X-Slack-Retry-Reason, every outcome logged.
    this.outbound.channel(CHANNEL, {
      headers: async (message, attempt) => ({
        // Real time, not the clone's clock: receivers (Bolt) check it against their own clock.
        ...slackRequestHeaders(await this.signingSecret(), Math.floor(Date.now() / 1000), message.body),
        ...(attempt.number === 0
          ? {}
          : {
              'x-slack-retry-num': String(attempt.number),
              'x-slack-retry-reason': attempt.lastReason ? SLACK_REASONS[attempt.lastReason] : '',
            }),
      }),
      retryDelaysMs: options.retryDelaysMs ?? DEFAULT_RETRIES,
      timeoutMs: this.timeoutMs,
      // One at a time, so a Request URL that answers gets events in the order they happened.
      maxInFlight: 1,
      onOutcome: (message, outcome) =>
        this.record({
          event_id: message.id,
          type: String(message.meta?.type ?? ''),
          attempt: outcome.attempt,
          status: outcome.status,
          error: outcome.reason ? SLACK_REASONS[outcome.reason] : null,
          at: new Date(this.now()).toISOString(),
        }),
    });
  }

  get deliveries(): readonly DeliveryRecord[] {
    return this.records;
  }

  async current(): Promise<EventSubscription | null> {
    this.loaded ??= this.pool
      .query<{ url: string; events: string[] }>('SELECT url, events FROM asym.event_subscription')
      .then(({ rows }) => {
        this.subscription = rows[0] ?? null;
      })
      .catch((error) => {
        this.loaded = null;
        throw error;
      });
    await this.loaded;
    return this.subscription;
  }

  /**
   * Sets (after the url_verification handshake) or clears the Request URL. Setting one
   * takes the app out of Socket Mode, as turning Socket Mode off in Slack's app settings does.
   */
  async configure(subscription: EventSubscription | null): Promise<void> {
    if (subscription) {
      await this.verify(subscription.url);
      this.socketMode?.disable();
      await this.pool.query(
        `INSERT INTO asym.event_subscription (singleton, url, events, verified) VALUES (true, $1, $2, true)
         ON CONFLICT (singleton) DO UPDATE SET url = EXCLUDED.url, events = EXCLUDED.events, verified = true,
           updated_at = now()`,
        [subscription.url, subscription.events],
      );
    } else {
      await this.pool.query('DELETE FROM asym.event_subscription');
    }
    this.subscription = subscription;
    this.loaded = Promise.resolve();
  }

  /**
   * Back to a clone that has delivered nothing (reset, reseed): events not yet dispatched
   * and pending retries are dropped, the delivery log emptied. The Request URL stays: it is
   * setup, like the app's configuration on Slack.
   */
  clear(): void {
    this.generation++;
    void this.outbound
      .clear()
      .catch((error) => this.log.error('events: could not drop pending retries', error));
    this.records.length = 0;
    this.invalidate();
  }

  /**
   * Drops the app identity and signing secret read for deliveries (reset, reseed, token
   * changes: the app registers it with the runtime). Kept because every event needs both:
   * two queries per message on the pool the API uses, for a delivery the app may never get.
   */
  invalidate(): void {
    this.cachedApp = null;
    this.knownApp = undefined;
    this.cachedSecret = null;
  }

  heardBy(): string | null | false {
    const heard =
      Boolean(this.subscription) || this.socketMode?.enabled === true || this.feed?.listening === true;
    return heard ? (this.knownApp?.bot_user_id ?? null) : false;
  }

  emit(event: SlackEvent): void {
    const generation = this.generation;
    // Deliveries run one after another in emit order; a failure never reaches the method.
    this.chain = this.chain
      .then(() => (generation === this.generation ? this.dispatch(event, generation) : undefined))
      .catch((error) => this.log.error(`events: could not dispatch ${event.type}`, error));
  }

  private async dispatch(event: SlackEvent, generation: number): Promise<void> {
    const subscription = await this.current();
    const viaSocket = this.socketMode?.enabled === true;
    const listening = this.feed?.listening === true;
    if (!subscription && !viaSocket && !listening) return;
    // A Socket Mode app with no subscription list set hears everything the clone emits.
    const subscribed = subscription?.events ?? SUPPORTED_SUBSCRIPTIONS;
    const app = await this.app();
    if (!app) return;
    for (const one of this.expand(event, app)) {
      const name =
        one.type === 'message'
          ? MESSAGE_SUBSCRIPTIONS[String(one.channel_type)]
          : SUBSCRIPTION_NAMES[one.type];
      if (!name) continue;
      const toApp = (viaSocket || subscription !== null) && subscribed.includes(name);
      if (!toApp && !listening) continue;
      if (!(await this.visibleToBot(one, app, event))) continue;
      const envelope = {
        token: await this.verificationToken(),
        team_id: app.team_id,
        api_app_id: app.app_id,
        event: { ...one, event_ts: one.event_ts ?? formatTs(this.now() * 1000) },
        type: 'event_callback',
        event_id: `Ev${randomString(10, 'upperAlnum')}`,
        event_time: Math.floor(this.now() / 1000),
        authorizations: [
          {
            enterprise_id: null,
            team_id: app.team_id,
            user_id: app.bot_user_id,
            is_bot: true,
            is_enterprise_install: false,
          },
        ],
        is_ext_shared_channel: false,
        event_context: `4-${randomEncoded(24, 'base64url')}`,
      };
      // The lookups above wait on Postgres: a reset may have come in meanwhile.
      if (generation !== this.generation) return;
      if (listening) {
        const body = JSON.stringify(envelope);
        this.feed?.publish({ id: envelope.event_id, type: one.type, topics: [name], body });
      }
      if (!toApp) continue;
      if (viaSocket) this.socketMode?.deliver(envelope);
      // Queued on the Request URL's queue, in order; the dispatcher goes on at once (a dead
      // URL holds its queue, not the events behind it).
      else if (subscription)
        void this.outbound.send(CHANNEL, {
          id: envelope.event_id,
          url: subscription.url,
          body: JSON.stringify(envelope),
          meta: { type: one.type },
        });
    }
  }

  /** A message that mentions the bot is also an app_mention, as on Slack. */
  private expand(event: SlackEvent, app: AppIdentity): SlackEvent[] {
    const events = [event];
    const plain =
      event.type === 'message' && (event.subtype === undefined || event.subtype === 'thread_broadcast');
    if (
      plain &&
      event.user !== app.bot_user_id &&
      String(event.text ?? '').includes(`<@${app.bot_user_id}>`)
    ) {
      events.push({
        type: 'app_mention',
        user: event.user,
        text: event.text,
        ts: event.ts,
        ...(event.thread_ts ? { thread_ts: event.thread_ts } : {}),
        ...(event.blocks ? { blocks: event.blocks } : {}),
        team: event.team,
        channel: event.channel,
        event_ts: event.event_ts,
      });
    }
    return events;
  }

  /** Whether the bot may hear `event` (derived from `source`, on the same conversation). */
  private async visibleToBot(event: SlackEvent, app: AppIdentity, source: SlackEvent): Promise<boolean> {
    const item = event.item as { channel?: string } | undefined;
    const channel =
      typeof event.channel === 'string'
        ? event.channel
        : typeof event.channel_id === 'string'
          ? event.channel_id
          : item?.channel;
    if (!channel || event.type === 'channel_rename') return true;
    // The bot hears its own departure.
    if (event.type === 'member_left_channel' && event.user === app.bot_user_id) return true;
    // Read by the statement that wrote the event, when it could (chat.postMessage).
    const noted = notedBotPresence(source, app.bot_user_id);
    if (noted !== undefined) return noted;
    const { rowCount } = await this.pool.query(
      'SELECT 1 FROM conversation_members WHERE conversation_id = $1 AND user_id = $2',
      [channel, app.bot_user_id],
    );
    return (rowCount ?? 0) > 0;
  }

  private cachedApp: Promise<AppIdentity | null> | null = null;
  /** What `cachedApp` resolved to (undefined until it has), for `heardBy`. */
  private knownApp: AppIdentity | null | undefined = undefined;
  private cachedSecret: Promise<string> | null = null;
  /** The legacy verification token, for the secret it was derived from. */
  private token: { secret: string; value: string } | null = null;

  private app(): Promise<AppIdentity | null> {
    if (!this.cachedApp) {
      const app = this.pool
        .query<AppIdentity>(`SELECT a.id AS app_id, a.team_id, a.bot_user_id FROM apps a ${EVENT_APP}`)
        .then(({ rows }) => rows[0] ?? null);
      this.cachedApp = app;
      app.then(
        (found) => {
          if (this.cachedApp === app) this.knownApp = found;
        },
        () => {
          if (this.cachedApp === app) this.cachedApp = null;
        },
      );
    }
    return this.cachedApp;
  }

  private signingSecret(): Promise<string> {
    if (!this.cachedSecret) {
      const secret = readSigningSecret(this.pool);
      this.cachedSecret = secret;
      secret.catch(() => {
        if (this.cachedSecret === secret) this.cachedSecret = null;
      });
    }
    return this.cachedSecret;
  }

  private async verificationToken(): Promise<string> {
    const secret = await this.signingSecret();
    if (this.token?.secret !== secret) this.token = { secret, value: verificationTokenFor(secret) };
    return this.token.value;
  }

  private async post(url: string, body: string, headers: Record<string, string> = {}) {
    // Real time, not the clone's clock: receivers (Bolt) check it against their own clock.
    const timestamp = Math.floor(Date.now() / 1000);
    return fetch(outboundUrl(url), {
      method: 'POST',
      headers: { ...slackRequestHeaders(await this.signingSecret(), timestamp, body), ...headers },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(this.timeoutMs),
    });
  }

  private record(entry: DeliveryRecord) {
    this.records.push(entry);
    if (this.records.length > KEPT_RECORDS) this.records.shift();
  }

  /** Slack's handshake: the URL must echo the challenge (plain text, JSON or a form). */
  private async verify(url: string): Promise<void> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new EventsConfigError('invalid_url', 'url must be an absolute http(s) URL');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new EventsConfigError('invalid_url', 'url must be an absolute http(s) URL');
    }
    const challenge = randomString(48);
    const body = JSON.stringify({
      token: await this.verificationToken(),
      challenge,
      type: 'url_verification',
    });
    let text: string;
    let status: number;
    try {
      const response = await this.post(url, body);
      status = response.status;
      text = await response.text();
    } catch (error) {
      throw new EventsConfigError(
        'url_verification_failed',
        `could not reach ${url}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const echoed = (() => {
      if (text.trim() === challenge) return true;
      try {
        return (JSON.parse(text) as { challenge?: unknown }).challenge === challenge;
      } catch {
        return new URLSearchParams(text).get('challenge') === challenge;
      }
    })();
    if (status !== 200 || !echoed) {
      throw new EventsConfigError(
        'url_verification_failed',
        `${url} answered ${status} without echoing the challenge (Slack requires both)`,
      );
    }
  }
}

export class EventsConfigError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'EventsConfigError';
  }
}
