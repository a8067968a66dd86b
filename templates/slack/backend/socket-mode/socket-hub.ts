import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { randomString } from '../../../_shared/crypto.js';
import type { Logger } from '../../../_shared/log.js';

/** Where the WebSocket endpoint lives on the backend's HTTP server. */
export const SOCKET_MODE_PATH = '/socket-mode/';

export interface SocketModeOptions {
  /** How long a ticket from apps.connections.open stays usable (Slack: short-lived). */
  ticketTtlMs?: number;
  /** How long an envelope waits for its ack before it is sent again (Slack: 3 seconds). */
  ackTimeoutMs?: number;
  /** Delay before each redelivery of an unacknowledged envelope (the Events API schedule). */
  retryDelaysMs?: readonly number[];
  /** How often the server pings each connection; @slack/socket-mode gives up after 30 s of silence. */
  pingIntervalMs?: number;
  /** How long envelopes wait while no connection is open before they are dropped. */
  holdMs?: number;
}

/** What the Events API dispatcher hands over when the app is in Socket Mode. */
export interface SocketModeTransport {
  readonly enabled: boolean;
  /** Leaves Socket Mode (a Request URL was set). */
  disable(): void;
  deliver(payload: { event_id: string; event: { type: string } }): void;
}

export interface SocketDeliveryRecord {
  envelope_id: string;
  event_id: string;
  type: string;
  retry_attempt: number;
  /** `acked`, `timeout`, `connection_closed` or `dropped`. */
  outcome: string;
  at: string;
}

interface Pending {
  envelopeId: string;
  payload: { event_id: string; event: { type: string } };
  /** Sends so far (the next send's retry_attempt). */
  sends: number;
  lastReason: string;
  createdAt: number;
  /** The connection awaiting the ack, or null while queued. */
  socket: WebSocket | null;
  timer: NodeJS.Timeout | null;
}

/** How an app answered an interactive or slash_commands envelope (its ack's payload). */
export type SocketAck =
  | { acked: true; payload: unknown }
  | { acked: false; reason: 'no_connection' | 'timeout' };

interface Waiter {
  resolve: (ack: SocketAck) => void;
  timer: NodeJS.Timeout;
}

const DEFAULTS = {
  ticketTtlMs: 30_000,
  ackTimeoutMs: 3_000,
  retryDelaysMs: [1_000, 60_000, 300_000] as readonly number[],
  pingIntervalMs: 10_000,
  holdMs: 300_000,
};
const MAX_PENDING = 1_000;
const KEPT_RECORDS = 100;
// Slack's Socket Mode allows up to 10 connections per app.
const MAX_CONNECTIONS = 10;

/**
 * Socket Mode (https://api.slack.com/apis/socket-mode): apps.connections.open hands out a
 * single-use ticket URL; a WebSocket on it receives `hello`, then Events API payloads as
 * `events_api` envelopes that the app must ack with `{ envelope_id }`. Unacked envelopes are
 * sent again (with `retry_attempt`/`retry_reason`), on another connection if one is open.
 * As on Slack, an app in Socket Mode gets events only over its sockets: the mode switches on
 * with the first apps.connections.open and off when a Request URL is set again.
 */
export class SocketModeHub implements SocketModeTransport {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  private readonly tickets = new Map<string, number>();
  private readonly sockets = new Set<WebSocket>();
  private readonly pending = new Map<string, Pending>();
  /** Interactive and slash command envelopes awaiting the app's ack (never redelivered). */
  private readonly waiters = new Map<string, Waiter>();
  private readonly records: SocketDeliveryRecord[] = [];
  private readonly options: typeof DEFAULTS;
  private nextSocket = 0;
  private socketModeOn = false;
  private pinger: NodeJS.Timeout | null = null;

  constructor(
    private readonly appId: () => Promise<string | null>,
    private readonly now: () => number,
    private readonly log: Logger,
    options: SocketModeOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...stripUndefined(options) };
  }

  get enabled(): boolean {
    return this.socketModeOn;
  }

  get connections(): number {
    return this.sockets.size;
  }

  get deliveries(): readonly SocketDeliveryRecord[] {
    return this.records;
  }

  /** A fresh single-use ticket; also what switches the app into Socket Mode. */
  openTicket(): string {
    this.socketModeOn = true;
    const now = this.now();
    for (const [ticket, expires] of this.tickets) if (expires <= now) this.tickets.delete(ticket);
    const ticket = randomString(40, 'alnum');
    this.tickets.set(ticket, now + this.options.ticketTtlMs);
    return ticket;
  }

  /** Back to HTTP delivery: sockets are told `link_disabled` and closed, queued envelopes dropped. */
  disable(): void {
    if (!this.socketModeOn) return;
    this.socketModeOn = false;
    this.disconnectAll('link_disabled');
    for (const pending of this.pending.values()) this.drop(pending);
  }

  /** Sends Slack's `disconnect` message to every connection, then closes it (the app reconnects). */
  disconnectAll(reason: 'refresh_requested' | 'warning' | 'link_disabled' = 'refresh_requested'): number {
    const count = this.sockets.size;
    for (const socket of [...this.sockets]) {
      this.sendJson(socket, { type: 'disconnect', reason, debug_info: { host: 'asym-applink' } });
      socket.close(1000, reason);
    }
    return count;
  }

  /**
   * Back to a clone with no connection and nothing to deliver (reset, reseed): envelopes
   * still waiting for an ack are dropped, unused tickets and the delivery log forgotten, and
   * every connection gets Slack's `disconnect` (refresh_requested) and is closed, so a Bolt
   * app reconnects at once with a fresh apps.connections.open. Socket Mode itself stays on:
   * it is the app's setup, as a Request URL is. Returns the connections closed.
   */
  reset(): number {
    this.abandonWaiters();
    for (const pending of this.pending.values()) if (pending.timer) clearTimeout(pending.timer);
    this.pending.clear();
    this.tickets.clear();
    const closed = this.disconnectAll('refresh_requested');
    this.records.length = 0;
    return closed;
  }

  /** Takes WebSocket upgrades for SOCKET_MODE_PATH on `server`; returns the shutdown hook. */
  attach(server: Server): () => void {
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.upgrade(request, socket, head),
    );
    this.pinger = setInterval(() => {
      for (const socket of this.sockets) socket.ping();
    }, this.options.pingIntervalMs);
    this.pinger.unref();
    return () => this.close();
  }

  close(): void {
    this.abandonWaiters();
    if (this.pinger) clearInterval(this.pinger);
    this.pinger = null;
    this.disconnectAll('warning');
    for (const pending of this.pending.values()) if (pending.timer) clearTimeout(pending.timer);
    this.pending.clear();
  }

  deliver(payload: { event_id: string; event: { type: string } }): void {
    if (this.pending.size >= MAX_PENDING) {
      const oldest = this.pending.values().next().value;
      if (oldest) this.drop(oldest);
    }
    const pending: Pending = {
      envelopeId: randomUUID(),
      payload,
      sends: 0,
      lastReason: '',
      createdAt: this.now(),
      socket: null,
      timer: null,
    };
    this.pending.set(pending.envelopeId, pending);
    this.send(pending);
  }

  /**
   * An `interactive` or `slash_commands` envelope (accepts_response_payload: true): resolves
   * with the ack's payload (a view_submission's response_action, a command's reply), or
   * not acked after `timeoutMs` (Slack: 3 s, and no retry: the person sees an error).
   */
  request(type: 'interactive' | 'slash_commands', payload: unknown, timeoutMs: number): Promise<SocketAck> {
    const socket = this.pick();
    if (!socket) return Promise.resolve({ acked: false, reason: 'no_connection' });
    const envelopeId = randomUUID();
    return new Promise<SocketAck>((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(envelopeId);
        resolve({ acked: false, reason: 'timeout' });
      }, timeoutMs);
      timer.unref();
      this.waiters.set(envelopeId, { resolve, timer });
      this.sendJson(socket, { envelope_id: envelopeId, payload, type, accepts_response_payload: true });
    });
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(request.url ?? '/', 'http://clone').pathname;
    if (!path.startsWith(SOCKET_MODE_PATH)) {
      refuse(socket, 404, 'Not Found');
      return;
    }
    const ticket = decodeURIComponent(path.slice(SOCKET_MODE_PATH.length));
    const expires = this.tickets.get(ticket);
    this.tickets.delete(ticket);
    if (expires === undefined || expires <= this.now() || !this.socketModeOn) {
      refuse(socket, 401, 'Unauthorized');
      return;
    }
    if (this.sockets.size >= MAX_CONNECTIONS) {
      refuse(socket, 429, 'Too Many Requests');
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => void this.connected(ws));
  }

  private async connected(ws: WebSocket): Promise<void> {
    this.sockets.add(ws);
    ws.on('message', (data, isBinary) => this.received(data, isBinary));
    ws.on('close', () => this.closed(ws));
    ws.on('error', (error) => this.log.error('socket mode: connection error', error));
    const appId = await this.appId().catch(() => null);
    this.sendJson(ws, {
      type: 'hello',
      num_connections: this.sockets.size,
      debug_info: {
        host: 'asym-applink',
        build_number: 1,
        // Seconds before Slack would refresh the connection; the clone only does so on request.
        approximate_connection_time: 18_060,
      },
      connection_info: { app_id: appId },
    });
    this.log.info(`socket mode: connection opened (${this.sockets.size} open)`);
    // Whatever waited for a connection goes out now.
    for (const pending of this.pending.values()) if (!pending.socket && !pending.timer) this.send(pending);
  }

  private closed(ws: WebSocket): void {
    if (!this.sockets.delete(ws)) return;
    this.log.info(`socket mode: connection closed (${this.sockets.size} open)`);
    for (const pending of this.pending.values()) {
      if (pending.socket !== ws) continue;
      if (pending.timer) clearTimeout(pending.timer);
      pending.timer = null;
      pending.socket = null;
      this.record(pending, 'connection_closed');
      pending.lastReason = 'connection_closed';
      this.send(pending);
    }
  }

  private received(data: RawData, isBinary: boolean): void {
    if (isBinary) return;
    let message: { envelope_id?: unknown; payload?: unknown };
    try {
      message = JSON.parse(data.toString()) as { envelope_id?: unknown; payload?: unknown };
    } catch {
      return;
    }
    if (typeof message.envelope_id !== 'string') return;
    const waiter = this.waiters.get(message.envelope_id);
    if (waiter) {
      clearTimeout(waiter.timer);
      this.waiters.delete(message.envelope_id);
      waiter.resolve({ acked: true, payload: message.payload ?? null });
      return;
    }
    const pending = this.pending.get(message.envelope_id);
    if (!pending) return;
    if (pending.timer) clearTimeout(pending.timer);
    this.pending.delete(pending.envelopeId);
    this.record(pending, 'acked');
  }

  /** Sends on the next open connection, or leaves it queued until one opens. */
  private send(pending: Pending): void {
    if (this.now() - pending.createdAt > this.options.holdMs) {
      this.drop(pending);
      return;
    }
    const socket = this.pick();
    if (!socket) return;
    pending.socket = socket;
    this.sendJson(socket, {
      envelope_id: pending.envelopeId,
      payload: pending.payload,
      type: 'events_api',
      accepts_response_payload: false,
      retry_attempt: pending.sends,
      retry_reason: pending.lastReason,
    });
    pending.sends += 1;
    pending.timer = setTimeout(() => this.timedOut(pending), this.options.ackTimeoutMs);
    pending.timer.unref();
  }

  private timedOut(pending: Pending): void {
    pending.timer = null;
    pending.socket = null;
    this.record(pending, 'timeout');
    const delay = this.options.retryDelaysMs[pending.sends - 1];
    if (delay === undefined) {
      this.log.info(
        `socket mode: gave up on ${pending.payload.event_id} (${pending.payload.event.type}) after ${pending.sends} attempts`,
      );
      this.pending.delete(pending.envelopeId);
      return;
    }
    pending.lastReason = 'timeout';
    pending.timer = setTimeout(() => {
      pending.timer = null;
      this.send(pending);
    }, delay);
    pending.timer.unref();
  }

  private abandonWaiters(): void {
    for (const waiter of this.waiters.values()) {
      clearTimeout(waiter.timer);
      waiter.resolve({ acked: false, reason: 'no_connection' });
    }
    this.waiters.clear();
  }

  private drop(pending: Pending): void {
    if (pending.timer) clearTimeout(pending.timer);
    this.pending.delete(pending.envelopeId);
    this.record(pending, 'dropped');
  }

  private pick(): WebSocket | undefined {
    const open = [...this.sockets].filter((socket) => socket.readyState === socket.OPEN);
    if (open.length === 0) return undefined;
    this.nextSocket = (this.nextSocket + 1) % open.length;
    return open[this.nextSocket];
  }

  private sendJson(socket: WebSocket, message: unknown): void {
    if (socket.readyState !== socket.OPEN) return;
    socket.send(JSON.stringify(message));
  }

  private record(pending: Pending, outcome: string): void {
    this.records.push({
      envelope_id: pending.envelopeId,
      event_id: pending.payload.event_id,
      type: pending.payload.event.type,
      retry_attempt: Math.max(0, pending.sends - 1),
      outcome,
      at: new Date(this.now()).toISOString(),
    });
    if (this.records.length > KEPT_RECORDS) this.records.shift();
  }
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
