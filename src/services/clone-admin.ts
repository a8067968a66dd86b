import { request } from 'node:http';
import { AsymError } from '../errors.js';
import type { CloneRecord } from '../registry/schema.js';

/**
 * The CLI's side of a clone backend's admin API (templates/README.md): health, reset,
 * seed and tokens, over the backend's published port.
 */
const base = (clone: CloneRecord) => `http://127.0.0.1:${clone.ports.backend}`;

/** An admin route refused the request (HTTP 4xx) and said why in its own envelope. */
export class AdminRefusal extends AsymError {
  constructor(
    readonly status: number,
    readonly reason: { code: string; message: string },
    cloneId: string,
  ) {
    super('CLONE_UNHEALTHY', `Clone ${cloneId} refused: ${reason.message}`);
  }
}

export async function adminCall<T>(
  clone: CloneRecord,
  path: string,
  body: unknown = {},
  timeoutMs = 30_000,
  method: 'GET' | 'POST' | 'DELETE' = 'POST',
): Promise<T> {
  const keepAlive = setInterval(() => {}, 60_000); // see waitForHttp
  try {
    return await callAdmin<T>(clone, path, method === 'POST' ? body : undefined, timeoutMs, method);
  } finally {
    clearInterval(keepAlive);
  }
}

async function callAdmin<T>(
  clone: CloneRecord,
  path: string,
  body: unknown,
  timeoutMs: number,
  method: 'GET' | 'POST' | 'DELETE',
): Promise<T> {
  let response: HttpAnswer;
  try {
    response = await httpExchange(`${base(clone)}${path}`, {
      method,
      headers: { authorization: `Bearer ${clone.adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      timeoutMs,
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
  const { text } = response;
  const reason = response.status >= 400 && response.status < 500 ? refusalReason(text) : null;
  if (reason) throw new AdminRefusal(response.status, reason, clone.id);
  if (!ok(response.status)) {
    throw new AsymError(
      'CLONE_UNHEALTHY',
      `Clone ${clone.id} refused ${path} (HTTP ${response.status}: ${text.slice(0, 200)}).`,
      {
        hint: `See \`asymmetric logs ${clone.id}\`.`,
      },
    );
  }
  return JSON.parse(text) as T;
}

function refusalReason(text: string): { code: string; message: string } | null {
  try {
    const error = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error;
    return typeof error?.code === 'string' && typeof error.message === 'string'
      ? { code: error.code, message: error.message }
      : null;
  } catch {
    return null;
  }
}

interface WaitOptions {
  deadlineMs: number;
  what: string;
  stillRunning?: () => Promise<string | null>;
  /** Whether an answer means ready (default: any 2xx). */
  ready?: (status: number, text: string) => boolean;
  /**
   * Whether an answer that is not ready yet says the server is at work (migrating,
   * seeding): then the wait may run to `workingDeadlineMs` instead, so a clone that is
   * merely slow (a busy machine, many spun at once) is not rolled back half-seeded.
   */
  working?: (status: number, text: string) => boolean;
  workingDeadlineMs?: number;
}

/**
 * Waits until `url` answers 200 (or what `ready` accepts). Every `checkEvery` polls it asks `stillRunning`, so a
 * container that crashed fails fast instead of waiting out the deadline.
 */
export async function waitForHttp(url: string, options: WaitOptions): Promise<void> {
  // Node's fetch leaves no handle holding the event loop while a connection that Docker's
  // port proxy accepted waits for a container not listening yet, so the process would exit
  // mid-wait with nothing pending. A timer keeps it alive until the wait is over.
  const keepAlive = setInterval(() => {}, 60_000);
  try {
    await pollUntilOk(url, options);
  } finally {
    clearInterval(keepAlive);
  }
}

async function pollUntilOk(url: string, options: WaitOptions): Promise<void> {
  const start = Date.now();
  let last = 'no answer yet';
  let working = false;
  for (let attempt = 0; ; attempt++) {
    try {
      // A health check answers in milliseconds; a longer wait is a connection Docker's proxy
      // accepted before the server listened, and a fresh one will do better.
      const { status, text } = await httpExchange(url, { method: 'GET', timeoutMs: 300 });
      if (options.ready ? options.ready(status, text) : ok(status)) return;
      working = options.working?.(status, text) ?? false;
      last = `HTTP ${status} ${text.slice(0, 120)}`;
    } catch (error) {
      last = (error as Error).cause
        ? String((error as { cause: Error }).cause.message)
        : (error as Error).message;
    }
    if (options.stillRunning && attempt % 10 === 9) {
      const stopped = await options.stillRunning();
      if (stopped) {
        throw new AsymError('CLONE_UNHEALTHY', `${options.what} stopped while starting (${stopped}).`, {
          hint: 'Its logs say why: `asymmetric logs <id> --service backend`.',
        });
      }
    }
    const deadlineMs = working
      ? Math.max(options.deadlineMs, options.workingDeadlineMs ?? 0)
      : options.deadlineMs;
    if (Date.now() - start > deadlineMs) {
      throw new AsymError(
        'TIMEOUT',
        `${options.what} did not become ready within ${Math.round(deadlineMs / 1000)} s (last: ${last}).`,
        { hint: 'Check its logs with `asymmetric logs <id>`.' },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 40));
  }
}

interface HttpAnswer {
  status: number;
  text: string;
}

const ok = (status: number) => status >= 200 && status < 300;

/**
 * One request on node:http, answered as status and text. Not Node's fetch: its first call
 * loads undici (with http2 and web streams), tens of milliseconds of every `asymmetric
 * reset`, which runs between every trial and does nothing else but this one call.
 */
function httpExchange(
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: string; timeoutMs: number },
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: init.method,
      headers: {
        ...init.headers,
        ...(init.body === undefined ? {} : { 'content-length': Buffer.byteLength(init.body) }),
      },
      signal: AbortSignal.timeout(init.timeoutMs),
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}
