import { Hono } from 'hono';
import type { CloneRuntime } from '../../../_shared/clone-runtime.js';
import { randomString } from '../../../_shared/crypto.js';
import type { MethodContext } from '../method.js';
import { SLACK_METHODS } from '../methods/index.js';
import { readSlackRequest } from '../request-args.js';
import { SlackError } from '../slack-error.js';
import { formatTs } from '../slack-ts.js';
import { appBotCaller } from './actors.js';

/** Where a response_url's messages go: the conversation, and the message acted on, if any. */
export interface ResponseTarget {
  userId: string;
  channelId: string;
  /** The message whose button was clicked (replace_original / delete_original act on it). */
  messageTs: string | null;
}

interface Issued extends ResponseTarget {
  secret: string;
  uses: number;
  expiresAt: number;
}

/** What a response_url was asked to do, as `act` reports it. */
export interface ResponseRecord {
  response_url_id: string;
  action: 'replace_original' | 'delete_original' | 'in_channel' | 'ephemeral';
  channel: string;
  ts: string | null;
  text: string;
  at: string;
}

// Slack: a response_url works 5 times within 30 minutes.
const MAX_USES = 5;
const LIFETIME_MS = 30 * 60_000;
const KEPT = 1_000;

/**
 * response_urls (`<public URL>/actions/<team>/<id>/<secret>`, Slack's hooks.slack.com/actions
 * shape), handed out with block_actions, message shortcuts and slash commands. A POST of a
 * message (JSON, as Bolt's respond() sends, or form `payload=`) replaces or deletes the
 * original (`replace_original`, `delete_original`), or posts in the channel
 * (`response_type: in_channel`) or to the person alone (ephemeral, the default; Slack never
 * stores those). In memory: reset forgets them.
 */
export class ResponseUrls {
  private readonly issued = new Map<string, Issued>();
  private readonly records: ResponseRecord[] = [];

  constructor(private readonly now: () => number) {}

  get responses(): readonly ResponseRecord[] {
    return this.records;
  }

  mint(baseUrl: string, teamId: string, target: ResponseTarget): string {
    const now = this.now();
    for (const [id, entry] of this.issued) {
      if (entry.expiresAt <= now || this.issued.size > KEPT) this.issued.delete(id);
    }
    const id = randomString(13, 'digits');
    const secret = randomString(24, 'alnum');
    this.issued.set(id, { ...target, secret, uses: 0, expiresAt: now + LIFETIME_MS });
    return `${baseUrl.replace(/\/+$/, '')}/actions/${teamId}/${id}/${secret}`;
  }

  clear(): void {
    this.issued.clear();
    this.records.length = 0;
  }

  /** Takes one use of a response_url; null when it is unknown, spent or expired. */
  take(id: string, secret: string): (ResponseTarget & { id: string }) | null {
    const entry = this.issued.get(id);
    if (!entry || entry.secret !== secret || entry.expiresAt <= this.now() || entry.uses >= MAX_USES)
      return null;
    entry.uses += 1;
    return { id, userId: entry.userId, channelId: entry.channelId, messageTs: entry.messageTs };
  }

  record(entry: ResponseRecord): void {
    this.records.push(entry);
    if (this.records.length > 100) this.records.shift();
  }
}

/** The message a response_url or an ack carries (Slack's message payload fields). */
export interface ResponseMessage {
  text?: string;
  blocks?: unknown;
  attachments?: unknown;
  response_type?: string;
  replace_original?: boolean | string;
  delete_original?: boolean | string;
  thread_ts?: string;
}

const truthy = (value: unknown) => value === true || value === 'true';

/**
 * Carries out a response message for `target` as the app: the one place both response_urls
 * and a slash command's ack reply go through. Returns what it did.
 */
export async function respond(
  ctx: MethodContext,
  urls: ResponseUrls,
  target: ResponseTarget & { id: string },
  message: ResponseMessage,
): Promise<ResponseRecord> {
  const bot = await appBotCaller(ctx.db);
  if (!bot) throw new SlackError('invalid_auth');
  const invoke = (name: string, args: Record<string, unknown>) => {
    const method = SLACK_METHODS.get(name);
    if (!method) throw new Error(`${name} is not registered`);
    return method.invoke(args, ctx, bot);
  };
  const content: Record<string, unknown> = {};
  if (message.text !== undefined) content.text = message.text;
  if (message.blocks !== undefined) content.blocks = message.blocks;
  if (message.attachments !== undefined) content.attachments = message.attachments;
  const base = { response_url_id: target.id, channel: target.channelId, text: String(message.text ?? '') };
  const at = new Date(ctx.now()).toISOString();
  let record: ResponseRecord;
  if (truthy(message.delete_original) && target.messageTs) {
    await invoke('chat.delete', { channel: target.channelId, ts: target.messageTs });
    record = { ...base, action: 'delete_original', ts: target.messageTs, at };
  } else if (truthy(message.replace_original) && target.messageTs) {
    await invoke('chat.update', { channel: target.channelId, ts: target.messageTs, ...content });
    record = { ...base, action: 'replace_original', ts: target.messageTs, at };
  } else if (message.response_type === 'in_channel') {
    const posted = await invoke('chat.postMessage', {
      channel: target.channelId,
      ...content,
      ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
    });
    record = { ...base, action: 'in_channel', ts: String(posted.ts), at };
  } else {
    // Ephemeral: shown to the person once, never stored (as chat.postEphemeral).
    if (content.text === undefined && content.blocks === undefined) throw new SlackError('no_text');
    record = { ...base, action: 'ephemeral', ts: formatTs(ctx.now() * 1000), at };
  }
  urls.record(record);
  return record;
}

/** `POST /actions/:team/:id/:secret`: a response_url, answered as Slack answers it. */
export function createResponseUrlRoutes(deps: {
  runtime: CloneRuntime;
  urls: ResponseUrls;
  context: (origin: string) => MethodContext;
}): Hono {
  const routes = new Hono();
  routes.post('/actions/:team/:id/:secret', async (c) => {
    if (!deps.runtime.ready) throw new SlackError('service_unavailable', {}, 503, { 'Retry-After': '1' });
    const target = deps.urls.take(c.req.param('id'), c.req.param('secret'));
    if (!target) return c.json({ ok: false, error: 'expired_url' }, 404);
    const { args } = await readSlackRequest(c);
    // A form post carries the message as `payload=<json>`; JSON bodies carry it as is.
    let message = args as ResponseMessage;
    if (typeof args.payload === 'string') {
      try {
        message = JSON.parse(args.payload) as ResponseMessage;
      } catch {
        return c.json({ ok: false, error: 'invalid_payload' }, 400);
      }
    }
    await respond(deps.context(new URL(c.req.url).origin), deps.urls, target, message);
    return c.json({ ok: true });
  });
  return routes;
}
