import { spawn } from 'node:child_process';
import type { Context } from 'hono';
import { bodyStream } from '../../../_shared/request-body.js';

/** `/<owner>/<repo>[.git]/<service path>`: what git's smart HTTP protocol asks for. */
export const SMART_HTTP_PATH =
  /^\/([^/]+)\/([^/]+?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack)$/;

export interface CgiAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Runs `git http-backend` (git's own smart HTTP server, a CGI program) for one request
 * against the bare repository `gitDir`. The backend has authenticated the caller already;
 * REMOTE_USER turns receive-pack on. The answer is read whole: seeded repositories are
 * small, and a push's ref updates are read once git is done.
 */
export function runHttpBackend(
  c: Context,
  gitDir: string,
  service: string,
  user: string | null,
): Promise<CgiAnswer> {
  const slash = gitDir.lastIndexOf('/');
  const root = gitDir.slice(0, slash);
  const name = gitDir.slice(slash + 1);
  const url = new URL(c.req.url);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: `/${name}/${service}`,
    REQUEST_METHOD: c.req.method,
    QUERY_STRING: url.search.replace(/^\?/, ''),
    CONTENT_TYPE: c.req.header('content-type') ?? '',
    REMOTE_ADDR: '127.0.0.1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
    ...(user ? { REMOTE_USER: user } : {}),
  };
  const encoding = c.req.header('content-encoding');
  if (encoding) env.HTTP_CONTENT_ENCODING = encoding;
  const protocol = c.req.header('git-protocol');
  if (protocol) env.GIT_PROTOCOL = protocol;
  const length = c.req.header('content-length');
  if (length) env.CONTENT_LENGTH = length;
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const raw = Buffer.concat(out);
      const split = headerEnd(raw);
      if (split === null) {
        reject(
          new Error(
            `git http-backend exited ${code} without headers: ${Buffer.concat(err).toString('utf8')}`,
          ),
        );
        return;
      }
      const headers: Record<string, string> = {};
      let status = 200;
      for (const line of raw.subarray(0, split.at).toString('latin1').split(/\r?\n/)) {
        const colon = line.indexOf(':');
        if (colon < 0) continue;
        const key = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (key.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 200;
        else headers[key] = value;
      }
      resolve({ status, headers, body: raw.subarray(split.at + split.length) });
    });
    child.stdin.on('error', () => undefined);
    const body = c.req.method === 'POST' ? bodyStream(c) : null;
    if (body) body.pipe(child.stdin);
    else child.stdin.end();
  });
}

function headerEnd(raw: Buffer): { at: number; length: number } | null {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { at: crlf, length: 4 };
  if (lf >= 0) return { at: lf, length: 2 };
  return null;
}
