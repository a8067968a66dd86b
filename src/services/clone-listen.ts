import { AsymError } from '../errors.js';
import { requireClone } from '../registry/lookup.js';
import type { CloneRecord } from '../registry/schema.js';
import { getTemplate } from '../templates/catalog.js';
import type { AppContext } from './context.js';

/** The stream has started: what the receiver must verify signatures with. */
export interface ListenReady {
  type: 'ready';
  clone: string;
  forwardTo: string;
  secret: string;
  /** The `--events` filter; empty: every delivery. */
  events: string[];
}

/** One delivery forwarded, and what the receiver answered. */
export interface ListenDelivery {
  type: 'delivery';
  clone: string;
  at: string;
  /** The vendor's id of the delivery (`evt_...`, `Ev...`). */
  id: string;
  event: string;
  status: number | null;
  ok: boolean;
  ms: number;
  error: string | null;
}

export interface ListenOptions {
  forwardTo: string;
  events: string[];
  /** Aborted on ^C: the stream closes and listen returns. */
  signal: AbortSignal;
  onReady(ready: ListenReady): void;
  onDelivery(delivery: ListenDelivery): void;
  /** Per forwarded delivery. */
  forwardTimeoutMs?: number;
  /** How long to keep trying to reopen a stream that dropped. */
  reconnectForMs?: number;
}

interface StreamedDelivery {
  id: string;
  type: string;
  body: string;
  headers: Record<string, string>;
}

/**
 * `asymmetric listen`: streams a clone's deliveries (its backend's
 * `GET /_asym/deliveries/stream`, templates/README.md) and POSTs each to `forwardTo`
 * with the headers the clone signed it with, until `signal` aborts. Template-neutral:
 * the clone chooses the secret and signs; this only forwards.
 */
export async function listenToClone(ctx: AppContext, id: string, options: ListenOptions): Promise<void> {
  const clone = requireClone(await ctx.store.read(), id);
  const deliveries = getTemplate(clone.template).deliveries;
  if (!deliveries) {
    throw new AsymError(
      'INVALID_ARGUMENT',
      `Clone ${id} is a ${clone.template} clone, which makes no deliveries.`,
      {
        hint: 'Listen to a clone whose template sends webhooks or events (see `asymmetric templates`).',
      },
    );
  }
  const target = checkForwardUrl(options.forwardTo);
  // Forwarded one after another, in the order the clone made them.
  let chain = Promise.resolve();
  const forward = (delivery: StreamedDelivery) => {
    chain = chain.then(async () => options.onDelivery(await post(clone.id, target, delivery, options)));
  };
  // A stream that drops (the clone restarted, stopped a moment) is opened again, as
  // a vendor's own listen command reconnects; the clone gone for good ends listen with an error.
  let lost: unknown = null;
  let lostSince = 0;
  for (let attempt = 0; ; attempt++) {
    let body: ReadableStream<Uint8Array>;
    try {
      body = await openStream(clone, deliveries.events, options);
    } catch (error) {
      if (options.signal.aborted) return;
      // A clone that never answered, or a refusal (bad --events): nothing to wait for.
      if (attempt === 0 || !(error instanceof AsymError) || error.code === 'INVALID_ARGUMENT') throw error;
      if (Date.now() - lostSince > (options.reconnectForMs ?? 30_000)) throw streamLost(id, lost ?? error);
      await sleep(500, options.signal);
      continue;
    }
    try {
      for await (const event of serverSentEvents(body)) {
        if (event.name === 'ready') {
          const ready = JSON.parse(event.data) as { secret: string; events: string[] };
          options.onReady({
            type: 'ready',
            clone: id,
            forwardTo: target,
            secret: ready.secret,
            events: ready.events,
          });
        } else if (event.name === 'delivery') {
          forward(JSON.parse(event.data) as StreamedDelivery);
        }
      }
      lost = null;
    } catch (error) {
      lost = error;
    }
    if (options.signal.aborted) return;
    lostSince = Date.now();
    await chain;
    await sleep(500, options.signal);
  }
}

async function openStream(
  clone: CloneRecord,
  eventsInWords: string,
  options: ListenOptions,
): Promise<ReadableStream<Uint8Array>> {
  const query = options.events.length ? `?events=${encodeURIComponent(options.events.join(','))}` : '';
  const url = `http://127.0.0.1:${clone.ports.backend}/_asym/deliveries/stream${query}`;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { authorization: `Bearer ${clone.adminToken}`, accept: 'text/event-stream' },
      signal: options.signal,
    });
  } catch (error) {
    throw new AsymError(
      'CLONE_NOT_RUNNING',
      `Clone ${clone.id} does not answer on port ${clone.ports.backend}.`,
      {
        hint: `Start it with \`asymmetric start ${clone.id}\` (or check \`asymmetric logs ${clone.id}\`).`,
        cause: error,
      },
    );
  }
  if (response.ok && response.body) return response.body;
  const text = await response.text().catch(() => '');
  if (response.status === 400) {
    throw new AsymError('INVALID_ARGUMENT', `Clone ${clone.id} refused --events: ${errorMessage(text)}.`, {
      hint: `--events takes ${eventsInWords}.`,
    });
  }
  throw new AsymError(
    'CLONE_UNHEALTHY',
    `Clone ${clone.id} refused to stream deliveries (HTTP ${response.status}: ${errorMessage(text)}).`,
    { hint: `See \`asymmetric logs ${clone.id}\`.` },
  );
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

function checkForwardUrl(value: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    parsed = new URL('invalid:');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new AsymError('INVALID_ARGUMENT', `--forward-to must be an http(s) URL, not "${value}".`, {
      hint: 'For example --forward-to http://localhost:4242/webhook.',
    });
  }
  return parsed.toString();
}

async function post(
  clone: string,
  url: string,
  delivery: StreamedDelivery,
  options: ListenOptions,
): Promise<ListenDelivery> {
  const started = Date.now();
  const result = (status: number | null, error: string | null): ListenDelivery => ({
    type: 'delivery',
    clone,
    at: new Date(started).toISOString(),
    id: delivery.id,
    event: delivery.type,
    status,
    ok: status !== null && status >= 200 && status < 300,
    ms: Date.now() - started,
    error,
  });
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: delivery.headers,
      body: delivery.body,
      redirect: 'manual',
      signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.forwardTimeoutMs ?? 30_000)]),
    });
    await response.arrayBuffer().catch(() => undefined);
    return result(response.status, null);
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return result(null, cause?.code ?? cause?.message ?? (error as Error).message);
  }
}

function streamLost(id: string, cause?: unknown): AsymError {
  return new AsymError('CLONE_NOT_RUNNING', `Clone ${id} stopped streaming deliveries.`, {
    hint: `Check it with \`asymmetric status ${id}\`, then run listen again.`,
    cause,
  });
}

function errorMessage(text: string): string {
  try {
    const message = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message;
    if (typeof message === 'string') return message;
  } catch {}
  return text.slice(0, 200) || 'no answer';
}

/** The events of a `text/event-stream` body (comments and unnamed events skipped). */
export async function* serverSentEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<{ name: string; data: string }> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, '\n');
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = '';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) name = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (name) yield { name, data: data.join('\n') };
    }
  }
}
