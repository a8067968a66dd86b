import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { FRONTEND_SECRET_HEADER } from '../../_shared/frontend-gate.js';
import { sessionCookieName } from '../backend/web/session-cookie.js';

/**
 * The Slack web client's server (`full` mode): serves the static page and proxies the
 * API (`/api/*`), the public workspace summary (`/_asym/workspace`) and the web client's
 * routes (`/_asym/web/*`: sign-in, the session's API calls, the live event stream) to the
 * backend, so the page talks to one origin. Admin routes are not proxied.
 */
export interface FrontendOptions {
  backendUrl: URL;
  staticDir: string;
  log: (line: string) => void;
  /** Sent to the backend on every proxied request (templates/_shared/frontend-gate.ts). */
  frontendSecret?: string;
  /** Names the session cookie; only that cookie is forwarded to the backend. */
  cloneId?: string;
}

/**
 * On the page and everything served with it: scripts and styles from this origin only (no
 * inline script, style attribute or handler, so injected markup cannot run), no framing.
 */
export const PAGE_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; connect-src 'self'; " +
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'te',
]);

const isProxied = (path: string) =>
  path.startsWith('/api/') || path === '/_asym/workspace' || path.startsWith('/_asym/web/');

/** Only this clone's session cookie: another clone's on the same host is none of its business. */
function ownCookie(header: string | string[] | undefined, name: string): string | null {
  const pairs = (Array.isArray(header) ? header.join('; ') : (header ?? '')).split(/;\s*/);
  const own = pairs.filter((pair) => pair.slice(0, pair.indexOf('=')).trim() === name);
  return own.length > 0 ? own.join('; ') : null;
}

function proxy(req: IncomingMessage, res: ServerResponse, options: FrontendOptions): void {
  const { backendUrl: backend, log } = options;
  const headers: Record<string, string | string[] | undefined> = Object.fromEntries(
    Object.entries(req.headers).filter(
      ([name]) =>
        !HOP_BY_HOP.has(name.toLowerCase()) &&
        name !== 'host' &&
        !(name === 'cookie' && options.cloneId) &&
        name !== FRONTEND_SECRET_HEADER,
    ),
  );
  const cookie = options.cloneId ? ownCookie(req.headers.cookie, sessionCookieName(options.cloneId)) : null;
  if (cookie) headers.cookie = cookie;
  if (options.frontendSecret) headers[FRONTEND_SECRET_HEADER] = options.frontendSecret;
  const upstream = httpRequest(
    {
      protocol: backend.protocol,
      hostname: backend.hostname,
      port: backend.port,
      method: req.method,
      path: req.url,
      headers,
      // A fresh connection per request: reusing a kept-alive socket races the backend's
      // idle timeout (the request lands as the server closes it and fails with ECONNRESET).
      agent: false,
    },
    (answer) => {
      const forwarded = Object.fromEntries(
        Object.entries(answer.headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase())),
      );
      res.writeHead(answer.statusCode ?? 502, forwarded);
      // An event stream must reach the browser as it is written: send the headers now, and
      // pipe() forwards each chunk as it arrives (nothing here buffers a response).
      res.flushHeaders();
      answer.pipe(res);
    },
  );
  // A browser that goes away (a closed tab, an EventSource reconnecting) ends the upstream
  // request too, so the backend sees its stream close.
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  upstream.on('error', (error) => {
    log(`proxy ${req.method} ${req.url} failed: ${error.message}`);
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: false, error: 'backend_unavailable' }));
  });
  req.pipe(upstream);
}

async function serveStatic(path: string, res: ServerResponse, staticDir: string): Promise<void> {
  const root = resolve(staticDir);
  const wanted = path === '/' ? '/index.html' : path;
  let decoded: string;
  try {
    decoded = decodeURIComponent(wanted);
  } catch {
    // `/%`, `/%zz`, overlong UTF-8 (`/%C0%AF`): a malformed URL is the client's error.
    res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('Bad Request: malformed percent-encoding in the path');
    return;
  }
  let file = resolve(join(root, normalize(decoded)));
  // Only files inside the static folder; anything else is a 404, never a traversal.
  if (file !== root && !file.startsWith(root + sep)) file = join(root, 'index.html');
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error('not a file');
  } catch {
    // Unknown paths get the page itself: the client routes in the browser.
    file = join(root, 'index.html');
  }
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    'cache-control': 'no-cache',
  });
  createReadStream(file)
    .on('error', () => res.end())
    .pipe(res);
}

export function createFrontendServer(options: FrontendOptions): Server {
  return createServer((req, res) => {
    let path: string;
    try {
      path = new URL(req.url ?? '/', 'http://frontend').pathname;
    } catch {
      // `GET //[ HTTP/1.1` and the like: thrown here, it would take the whole server down.
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Bad Request: malformed URL');
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
      return;
    }
    if (isProxied(path)) {
      proxy(req, res, options);
      return;
    }
    for (const [name, value] of Object.entries(PAGE_HEADERS)) res.setHeader(name, value);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' });
      res.end();
      return;
    }
    serveStatic(path, res, options.staticDir).catch((error: unknown) => {
      options.log(`static ${path} failed: ${String(error)}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
}
