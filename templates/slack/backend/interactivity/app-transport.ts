import type pg from 'pg';
import type { Logger } from '../../../_shared/log.js';
import { outboundUrl } from '../../../_shared/outbound-url.js';
import { type EventDispatcher, readSigningSecret, slackRequestHeaders } from '../events/dispatcher.js';
import type { SocketModeHub } from '../socket-mode/socket-hub.js';

/** How the app answered an interaction: its ack (with the body it carried), or why not. */
export type AppAck =
  | { acked: true; via: 'http' | 'socket'; body: unknown }
  | {
      acked: false;
      reason: 'no_request_url' | 'timeout' | 'http_error' | 'connection_failed';
      detail: string;
    };

export type InteractionKind = 'interactive' | 'slash_commands';

export interface DeliveredInteraction {
  kind: InteractionKind;
  type: string;
  via: 'http' | 'socket' | null;
  outcome: 'acked' | AppAckFailure;
  at: string;
}
type AppAckFailure = Extract<AppAck, { acked: false }>['reason'];

// Slack waits 3 seconds for the ack of an interaction or a slash command.
const ACK_TIMEOUT_MS = 3_000;
const KEPT_RECORDS = 100;

/**
 * Delivers interaction payloads and slash commands to the app as Slack does: over Socket
 * Mode while it is on (`interactive` / `slash_commands` envelopes the app acks with an
 * optional payload), otherwise as a signed form POST to the Interactivity Request URL
 * (`payload=<json>` for interactions, the command's fields for slash commands), falling
 * back to the Events API Request URL (Bolt serves all three at /slack/events). No retry:
 * an interaction the app does not ack in 3 s fails for the person.
 */
export class AppTransport {
  private url: string | null | undefined;
  private readonly records: DeliveredInteraction[] = [];

  constructor(
    private readonly pool: pg.Pool,
    private readonly events: EventDispatcher,
    private readonly sockets: SocketModeHub,
    private readonly now: () => number,
    private readonly log: Logger,
    private readonly timeoutMs = ACK_TIMEOUT_MS,
  ) {}

  get deliveries(): readonly DeliveredInteraction[] {
    return this.records;
  }

  clear(): void {
    this.records.length = 0;
  }

  /** The Interactivity Request URL set with POST /_asym/interactivity (null: the Events one). */
  async configuredUrl(): Promise<string | null> {
    if (this.url === undefined) {
      const { rows } = await this.pool.query<{ url: string }>('SELECT url FROM asym.interactivity');
      this.url = rows[0]?.url ?? null;
    }
    return this.url;
  }

  async configure(url: string | null): Promise<void> {
    if (url === null) await this.pool.query('DELETE FROM asym.interactivity');
    else {
      await this.pool.query(
        `INSERT INTO asym.interactivity (singleton, url) VALUES (true, $1)
         ON CONFLICT (singleton) DO UPDATE SET url = EXCLUDED.url, updated_at = now()`,
        [url],
      );
    }
    this.url = url;
  }

  async send(kind: InteractionKind, type: string, payload: Record<string, unknown>): Promise<AppAck> {
    const ack = await this.deliver(kind, payload);
    this.records.push({
      kind,
      type,
      via: ack.acked ? ack.via : null,
      outcome: ack.acked ? 'acked' : ack.reason,
      at: new Date(this.now()).toISOString(),
    });
    if (this.records.length > KEPT_RECORDS) this.records.shift();
    if (!ack.acked) this.log.info(`interactivity: ${type} not acknowledged (${ack.reason}: ${ack.detail})`);
    return ack;
  }

  private async deliver(kind: InteractionKind, payload: Record<string, unknown>): Promise<AppAck> {
    if (this.sockets.enabled) {
      const ack = await this.sockets.request(kind, payload, this.timeoutMs);
      if (ack.acked) return { acked: true, via: 'socket', body: ack.payload };
      return ack.reason === 'timeout'
        ? { acked: false, reason: 'timeout', detail: `no ack over Socket Mode within ${this.timeoutMs} ms` }
        : {
            acked: false,
            reason: 'connection_failed',
            detail: 'the app is in Socket Mode but no socket is open',
          };
    }
    const url = (await this.configuredUrl()) ?? (await this.events.current())?.url ?? null;
    if (!url) {
      return {
        acked: false,
        reason: 'no_request_url',
        detail:
          'the app has no Interactivity Request URL, no Events Request URL and no Socket Mode connection',
      };
    }
    const body =
      kind === 'interactive'
        ? new URLSearchParams({ payload: JSON.stringify(payload) }).toString()
        : new URLSearchParams(
            Object.entries(payload).map(([key, value]) => [
              key,
              typeof value === 'string' ? value : String(value),
            ]),
          ).toString();
    // Real time, not the clone's clock: Bolt checks the timestamp against its own clock.
    const headers = {
      ...slackRequestHeaders(await readSigningSecret(this.pool), Math.floor(Date.now() / 1000), body),
      'content-type': 'application/x-www-form-urlencoded',
    };
    let response: Response;
    try {
      response = await fetch(outboundUrl(url), {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      return timedOut
        ? { acked: false, reason: 'timeout', detail: `${url} did not answer within ${this.timeoutMs} ms` }
        : { acked: false, reason: 'connection_failed', detail: `could not reach ${url}` };
    }
    const text = await response.text().catch(() => '');
    if (response.status !== 200) {
      return { acked: false, reason: 'http_error', detail: `${url} answered HTTP ${response.status}` };
    }
    return { acked: true, via: 'http', body: parseAckBody(text) };
  }
}

/** An ack's body: JSON when it is JSON, the text otherwise (a command's plain reply), null when empty. */
function parseAckBody(text: string): unknown {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
