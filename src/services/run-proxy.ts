import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { createSecureContext, type SecureContext, TLSSocket } from 'node:tls';
import type { RunCertificateAuthority } from './run-ca.js';
import type { RunRoute } from './run-plan.js';

/** What the proxy did with one request or tunnel (ASYM_DEBUG prints these). */
export type ProxyEvent =
  | { kind: 'intercepted'; host: string; cloneId: string; method: string; path: string; status: number }
  | { kind: 'passed'; host: string; port: number }
  | { kind: 'refused'; host: string; port: number }
  | { kind: 'failed'; host: string; message: string };

export interface ProxyOptions {
  routes: ReadonlyMap<string, RunRoute>;
  ca: RunCertificateAuthority;
  /** Refuse every host that no clone answers, instead of passing it through. */
  offline: boolean;
  onEvent?: (event: ProxyEvent) => void;
}

export interface InterceptingProxy {
  /** `http://127.0.0.1:<port>`: what HTTPS_PROXY points at. */
  url: string;
  port: number;
  close(): Promise<void>;
}

// Hop-by-hop headers (RFC 9110 7.6.1) belong to one connection, never forwarded.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

const forwardable = (headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));

/** `host:port` of a CONNECT request, IPv6 in brackets allowed. */
export function parseAuthority(authority: string): { host: string; port: number } | undefined {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(authority);
  if (!match?.[1] || !match[2]) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: match[1].replace(/^\[|\]$/g, '').toLowerCase(), port };
}

/**
 * The proxy `asymmetric run` puts between a command and the network, on 127.0.0.1 and an
 * ephemeral port, living only as long as the run. A CONNECT to a host a clone answers is
 * terminated here with a certificate from the home's run CA, and its requests go to the
 * clone's backend over plain HTTP, path kept; absolute-form requests (`GET https://host/...`,
 * what axios sends to a proxy) are routed the same way. Every other host is tunnelled
 * untouched (no interception), or refused with `offline`.
 */
export async function startInterceptingProxy(options: ProxyOptions): Promise<InterceptingProxy> {
  const emit = options.onEvent ?? (() => {});
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // A client that hangs up mid-request is not the proxy's failure.
    socket.on('error', () => socket.destroy());
    return socket;
  };

  // One certificate for all the routed hosts, made up front: a CONNECT never waits on a key.
  const hosts = [...options.routes.keys()];
  let secureContext: SecureContext | undefined;
  if (hosts.length > 0) secureContext = createSecureContext(options.ca.issue(hosts));

  /** Sends a request to the clone that answers `route`, the path and body unchanged. */
  const toClone = (route: RunRoute, req: http.IncomingMessage, res: http.ServerResponse, path: string) => {
    const target = new URL(route.origin);
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path,
        headers: {
          ...forwardable(req.headers),
          host: target.host,
          'x-forwarded-host': req.headers.host ?? route.host,
          'x-forwarded-proto': 'https',
        },
      },
      (answer) => {
        emit({
          kind: 'intercepted',
          host: route.host,
          cloneId: route.cloneId,
          method: req.method ?? 'GET',
          path,
          status: answer.statusCode ?? 0,
        });
        res.writeHead(answer.statusCode ?? 502, forwardable(answer.headers));
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      emit({ kind: 'failed', host: route.host, message: error.message });
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`asymmetric run: clone ${route.cloneId} did not answer (${error.message}).\n`);
      } else res.destroy();
    });
    req.pipe(upstream);
  };

  const refuse = (res: http.ServerResponse, host: string, port: number) => {
    emit({ kind: 'refused', host, port });
    res.writeHead(403, { 'content-type': 'text/plain' });
    res.end(`asymmetric run --offline: ${host} is not a clone of this environment, so it is refused.\n`);
  };

  // Requests that arrived through a terminated tunnel: the socket says which clone.
  const tunnelRoute = new WeakMap<net.Socket, RunRoute>();
  const inner = http.createServer((req, res) => {
    const route = tunnelRoute.get(req.socket);
    if (route) toClone(route, req, res, req.url ?? '/');
    else res.writeHead(421).end();
  });

  const front = http.createServer((req, res) => {
    // Absolute form: the client asks the proxy to fetch a URL.
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('asymmetric run: this is a proxy; send absolute URLs or CONNECT.\n');
      return;
    }
    const host = url.hostname.toLowerCase();
    const route = options.routes.get(host);
    if (route) return toClone(route, req, res, `${url.pathname}${url.search}`);
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    if (options.offline) return refuse(res, host, port);
    emit({ kind: 'passed', host, port });
    const upstream = (url.protocol === 'https:' ? https : http).request(
      url,
      { method: req.method, headers: forwardable(req.headers) },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, forwardable(answer.headers));
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      emit({ kind: 'failed', host, message: error.message });
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    req.pipe(upstream);
  });
  front.on('connection', track);

  front.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    track(client);
    const authority = parseAuthority(req.url ?? '');
    if (!authority) {
      client.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    const { host, port } = authority;
    const route = options.routes.get(host);
    if (route) {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) client.unshift(head);
      // Port 443 speaks TLS, which ends here; anything else is plain HTTP in the tunnel.
      const socket =
        port === 443
          ? track(new TLSSocket(client, { isServer: true, secureContext: secureContext! }))
          : client;
      tunnelRoute.set(socket, route);
      inner.emit('connection', socket);
      return;
    }
    if (options.offline) {
      emit({ kind: 'refused', host, port });
      const body = `asymmetric run --offline: ${host} is not a clone of this environment, so it is refused.\n`;
      client.end(
        `HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    // Pass-through: a plain tunnel, the bytes untouched (the host's own certificate).
    emit({ kind: 'passed', host, port });
    const upstream = track(net.connect(port, host));
    upstream.once('connect', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.once('error', (error) => {
      emit({ kind: 'failed', host, message: error.message });
      if (client.writable) client.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n');
    });
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (front.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async close() {
      const closed = new Promise<void>((resolve) => front.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      inner.closeAllConnections();
      await closed;
    },
  };
}
