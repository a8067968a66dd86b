import { createHmac, randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { OutboundDelivery } from '../../_shared/outbound.js';
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

/** The outbound channel name of repository webhooks. */
const CHANNEL = 'github-hooks';

/**
 * Repository webhooks: every hook of the repository subscribed to the event (or `*`) gets
 * a POST signed with its own secret (`X-Hub-Signature-256`) through the kit's outbound
 * delivery (retried with backoff, retries kept in Postgres, dropped on reset); the same
 * delivery goes to `asymmetric listen`.
 */
export class HookDispatcher {
  constructor(
    private readonly pool: pg.Pool,
    private readonly outbound: OutboundDelivery,
    retryDelaysMs: readonly number[] = [10_000, 60_000, 300_000],
  ) {
    outbound.channel(CHANNEL, {
      headers: (message) => {
        const meta = (message.meta ?? {}) as { event?: string; hookId?: number; secret?: string };
        return {
          'Content-Type': 'application/json',
          'User-Agent': 'GitHub-Hookshot/asymmetric',
          'X-GitHub-Delivery': message.id,
          'X-GitHub-Event': meta.event ?? 'ping',
          'X-GitHub-Hook-ID': String(meta.hookId ?? ''),
          'X-GitHub-Hook-Installation-Target-Type': 'repository',
          ...signatureHeaders(message.body, meta.secret ?? ''),
        };
      },
      retryDelaysMs,
      timeoutMs: 10_000,
    });
  }

  /** A deleted or changed hook: what waited for it is dropped (it carries the old URL and secret). */
  forget(hookId: number): void {
    this.outbound.forget(CHANNEL, String(hookId));
  }

  async emit(repoId: number, event: HookEvent, payload: Record<string, unknown>): Promise<void> {
    const { rows } = await this.pool.query<HookRow>(
      "SELECT * FROM hooks WHERE repo_id = $1 AND active AND ($2 = ANY (events) OR '*' = ANY (events)) ORDER BY id",
      [repoId, event],
    );
    if (rows.length === 0 && !this.outbound.listening) return;
    const action = typeof payload.action === 'string' ? payload.action : null;
    // Queued on each hook's queue: the request does not wait for the receivers.
    void this.outbound.emit(
      CHANNEL,
      {
        id: randomUUID(),
        type: action ? `${event}.${action}` : event,
        topics: [event],
        body: JSON.stringify(payload),
      },
      rows.map((hook) => ({
        url: hook.config.url,
        endpoint: String(hook.id),
        meta: { event, hookId: hook.id, secret: hook.config.secret ?? '' },
      })),
    );
  }
}
