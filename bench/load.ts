import autocannon from 'autocannon';

/**
 * One load run against a clone from this machine (127.0.0.1 only), with autocannon:
 * latency percentiles and sustained throughput, counting any answer the vendor would call
 * an error (HTTP >= 400, or Slack's `ok: false`).
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

export function printLoad(title: string, results: LoadResult[], targets: string): void {
  process.stdout.write(`\n${title}\n  ${targets}\n`);
  for (const r of results) {
    process.stdout.write(
      `  ${r.name.padEnd(36)} p50 ${`${r.p50} ms`.padStart(7)}  p99 ${`${r.p99} ms`.padStart(7)}  ${r.rps.toFixed(0).padStart(6)} req/s  (${r.requests} requests, ${r.errors} errors)\n`,
    );
  }
}
