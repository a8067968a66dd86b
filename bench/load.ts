import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';

/**
 * Load against a clone from this machine (127.0.0.1 only), with autocannon, counting any
 * answer the vendor would call an error (HTTP >= 400, or Slack's `ok: false`). Two runs
 * per request: latency with one connection (a client waiting on each answer, as an agent
 * does), then throughput with ten, where latency mostly measures the queue. Each run follows
 * an uncounted two-second warm-up at the same concurrency: "sustained" is the steady state,
 * after V8 has compiled the hot path and every pooled connection has prepared its statements.
 */
export interface LoadResult {
  name: string;
  requests: number;
  errors: number;
  p50: number;
  p99: number;
  rps: number;
}

export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Rewrites each request before it is sent (e.g. a fresh Idempotency-Key per request). */
  setupRequest?: (request: autocannon.Request) => autocannon.Request;
}

/**
 * The request as stripe-node sends it: the SDK keys every POST with a fresh Idempotency-Key
 * (`stripe-node-retry-<uuid>`, even with retries off), so each write also claims its key and
 * stores its answer.
 */
export function keyedLikeStripeNode(request: LoadRequest): LoadRequest {
  return {
    ...request,
    setupRequest: (sent) => ({
      ...sent,
      headers: { ...sent.headers, 'idempotency-key': `stripe-node-retry-${randomUUID()}` },
    }),
  };
}

const WARM_UP_SECONDS = 2;

export async function measure(
  name: string,
  origin: string,
  request: LoadRequest,
  options: { seconds: number; isError?: (status: number, body: string) => boolean },
): Promise<{ latency: LoadResult; throughput: LoadResult }> {
  const run = async (connections: number) => {
    await load(name, origin, request, { ...options, connections, seconds: WARM_UP_SECONDS });
    return load(name, origin, request, { ...options, connections });
  };
  const latency = await run(1);
  const throughput = await run(10);
  return { latency, throughput };
}

export async function load(
  name: string,
  origin: string,
  request: LoadRequest,
  options: { connections: number; seconds: number; isError?: (status: number, body: string) => boolean },
): Promise<LoadResult> {
  let errors = 0;
  const isError = options.isError ?? ((status: number) => status >= 400);
  const result = await autocannon({
    url: origin,
    connections: options.connections,
    duration: options.seconds,
    requests: [
      {
        method: request.method,
        path: request.path,
        headers: request.headers ?? {},
        ...(request.body === undefined ? {} : { body: request.body }),
        ...(request.setupRequest ? { setupRequest: request.setupRequest } : {}),
        onResponse: (status: number, body: string) => {
          if (isError(status, body)) errors++;
        },
      },
    ],
  });
  return {
    name,
    requests: result.requests.total,
    errors: errors + result.errors + result.timeouts,
    p50: result.latency.p50,
    p99: result.latency.p99,
    rps: result.requests.average,
  };
}

export function printLoad(
  title: string,
  results: Array<{ latency: LoadResult; throughput: LoadResult }>,
  targets: string,
): void {
  process.stdout.write(`\n${title}\n  ${targets}\n`);
  for (const { latency: l, throughput: t } of results) {
    process.stdout.write(
      `  ${l.name.padEnd(34)} 1 conn: p50 ${`${l.p50} ms`.padStart(6)} p99 ${`${l.p99} ms`.padStart(6)}` +
        ` | 10 conns: ${t.rps.toFixed(0).padStart(5)} req/s p50 ${`${t.p50} ms`.padStart(6)}` +
        ` | ${l.requests + t.requests} requests, ${l.errors + t.errors} errors\n`,
    );
  }
}
