import { createHmac, randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { DeliveryFeed } from '../../_shared/delivery-feed.js';
import type { Logger } from '../../_shared/log.js';
import { outboundUrl } from '../../_shared/outbound-url.js';
import { iso, type Urls } from './render.js';

/** The events this clone delivers (repository webhooks' `events`, `listen --events`). */
export const HOOK_EVENTS = [
  'push',
  'issues',
  'issue_comment',
  'pull_request',
  'pull_request_review',
] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

export interface HookRow {
  id: number;
  repo_id: number;
  events: string[];
  active: boolean;
  config: { url: string; content_type?: string; secret?: string; insecure_ssl?: string };
  created_at: Date;
  updated_at: Date;
}

export function hookView(u: Urls, owner: string, repo: string, h: HookRow) {
  const url = `${u.api}/repos/${owner}/${repo}/hooks/${h.id}`;
  return {
    type: 'Repository',
    id: h.id,
    name: 'web',
    active: h.active,
    events: h.events,
    config: {
      content_type: h.config.content_type ?? 'form',
      insecure_ssl: h.config.insecure_ssl ?? '0',
      url: h.config.url,
      ...(h.config.secret ? { secret: '********' } : {}),
    },
    updated_at: iso(h.updated_at),
    created_at: iso(h.created_at),
    url,
    test_url: `${url}/test`,
    ping_url: `${url}/pings`,
    deliveries_url: `${url}/deliveries`,
    last_response: { code: null, status: 'unused', message: null },
  };
}

/** GitHub's signature headers for a body and a secret. */
export function signatureHeaders(body: string, secret: string): Record<string, string> {
  if (!secret) return {};
  return {
    'X-Hub-Signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    'X-Hub-Signature': `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`,
  };
}

export interface HookDelivery {
  guid: string;
  event: HookEvent | 'ping';
  body: string;
}

/**
 * Repository webhooks: every hook of the repository subscribed to the event (or `*`) gets
 * a POST signed with its own secret (`X-Hub-Signature-256`), retried on failure; the same
 * delivery goes to `asymmetric listen` through the feed.
 */
export class HookDispatcher {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: Logger,
    private readonly feed: DeliveryFeed | null,
    private readonly retryDelaysMs: readonly number[] = [1_000, 5_000, 30_000],
  ) {}

  clear(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  async emit(repoId: number, event: HookEvent, payload: Record<string, unknown>): Promise<void> {
    const guid = randomUUID();
    const body = JSON.stringify(payload);
    const action = typeof payload.action === 'string' ? payload.action : null;
    this.feed?.publish({ id: guid, type: action ? `${event}.${action}` : event, topics: [event], body });
    const { rows } = await this.pool.query<HookRow>(
      "SELECT * FROM hooks WHERE repo_id = $1 AND active AND ($2 = ANY (events) OR '*' = ANY (events))",
      [repoId, event],
    );
    for (const hook of rows) void this.send(hook, { guid, event, body }, 0);
  }

  headersFor(hookId: number | null, delivery: HookDelivery, secret: string): Record<string, string> {
    return {
      'Content-Type': 'application/json',
      'User-Agent': 'GitHub-Hookshot/asymmetric',
      'X-GitHub-Delivery': delivery.guid,
      'X-GitHub-Event': delivery.event,
      ...(hookId === null
        ? {}
        : { 'X-GitHub-Hook-ID': String(hookId), 'X-GitHub-Hook-Installation-Target-Type': 'repository' }),
      ...signatureHeaders(delivery.body, secret),
    };
  }

  private async send(hook: HookRow, delivery: HookDelivery, attempt: number): Promise<void> {
    let ok = false;
    try {
      const response = await fetch(outboundUrl(hook.config.url), {
        method: 'POST',
        headers: this.headersFor(hook.id, delivery, hook.config.secret ?? ''),
        body: delivery.body,
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer().catch(() => undefined);
      ok = response.status >= 200 && response.status < 300;
    } catch (error) {
      this.log.info(`webhook ${delivery.event} to hook ${hook.id} failed: ${(error as Error).message}`);
    }
    const delay = this.retryDelaysMs[attempt];
    if (ok || delay === undefined) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.send(hook, delivery, attempt + 1);
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }
}
