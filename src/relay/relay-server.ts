import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import { isIPv4 } from 'node:net';

/**
 * The home's delivery relay (Docker Engine on Linux). Clone backends live on a bridge
 * network, from which the host's loopback cannot be reached; a receiver that listens on
 * 127.0.0.1 only (a vendor CLI's listener, every framework's dev server) would never get a
 * webhook. The relay runs in a container with host networking, listens on the home
 * network's gateway address only (never 0.0.0.0), and sends each request on to the host's
 * loopback. It is not a proxy: the target is `/<loopback host>:<port>` at the start of the
 * path and can only ever be 127.0.0.1 or ::1, only POSTs (deliveries) pass, and
 * connections from outside the home network's subnet are dropped before a byte is read.
 */
export interface RelayOptions {
  /** Whether a peer address may use the relay (the home network's subnet). */
  allowPeer(address: string): boolean;
  /** Per request, to the receiver. */
  timeoutMs?: number;
  log?: (line: string) => void;
}

const MAX_BODY = 8 * 1024 * 1024;
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);

export interface RelayTarget {
  /** What the receiver sees as Host (`localhost:4242`). */
  host: string;
  port: number;
  /** Addresses to try in order: a `localhost` receiver may listen on either family. */
  addresses: string[];
  path: string;
}

/** `/<host>:<port>/rest?query` -> the loopback target, or null for anything else. */
export function relayTarget(url: string): RelayTarget | null {
  if (!url.startsWith('/')) return null; // absolute-form (proxy) requests are refused
  const match =
    /^\/(localhost|[a-z0-9-]+\.localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\]):(\d{1,5})(\/.*|\?.*)?$/is.exec(url);
  if (!match) return null;
  const [, hostname = '', portText = '', rest = '/'] = match;
  const port = Number(portText);
  if (port < 1 || port > 65_535) return null;
  const name = hostname.toLowerCase();
  const addresses =
    name === '[::1]'
      ? ['::1']
      : name === '127.0.0.1' || name === '0.0.0.0'
        ? ['127.0.0.1']
        : ['127.0.0.1', '::1'];
  return { host: `${hostname}:${port}`, port, addresses, path: rest.startsWith('?') ? `/${rest}` : rest };
}

/** An IPv4 CIDR (`172.18.0.0/16`) as a membership test; IPv4-mapped IPv6 peers count. */
export function cidrMatcher(cidr: string): (address: string) => boolean {
  const [base = '', bitsText = '32'] = cidr.split('/');
  const bits = Number(bitsText);
  if (!isIPv4(base) || !Number.isInteger(bits) || bits < 0 || bits > 32) {
    throw new Error(`not an IPv4 CIDR: ${cidr}`);
  }
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  const network = (toNumber(base) & mask) >>> 0;
  return (address) => {
    const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
    return isIPv4(plain) && (toNumber(plain) & mask) >>> 0 === network;
  };
}

const toNumber = (ip: string) => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);

export function createRelayServer(options: RelayOptions): Server {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const log = options.log ?? (() => {});
  const server = createServer((req, res) => {
    const refuse = (status: number, message: string) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end(`asymmetric relay: ${message}\n`);
    };
    // Deliveries are POSTs; nothing else reaches the host's loopback services.
    if (req.method !== 'POST') {
      refuse(405, 'only POST deliveries are relayed');
      return;
    }
    const target = relayTarget(req.url ?? '');
    if (!target) {
      log(`refused ${req.method} ${req.url}: not a loopback target`);
      refuse(403, 'only deliveries to this machine (localhost, 127.0.0.1, [::1]) are relayed');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        refuse(413, 'body over 8 MiB');
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY) return;
      const body = Buffer.concat(chunks);
      const headers = forwardedHeaders(req.headers);
      headers.host = target.host;
      headers['content-length'] = String(body.length);
      const attempt = (index: number) => {
        const address = target.addresses[index];
        if (address === undefined) return;
        const upstream = request(
          {
            host: address,
            port: target.port,
            method: req.method,
            path: target.path,
            headers,
            timeout: timeoutMs,
          },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, forwardedHeaders(answer.headers));
            answer.pipe(res);
          },
        );
        upstream.on('timeout', () => upstream.destroy(new Error('timed out')));
        upstream.on('error', (error: NodeJS.ErrnoException) => {
          // Nothing was delivered on a refused connection: the other address family may listen.
          if (error.code === 'ECONNREFUSED' && index + 1 < target.addresses.length) {
            attempt(index + 1);
            return;
          }
          log(`${req.method} ${target.host}${target.path}: ${error.message}`);
          if (!res.headersSent) refuse(502, `${target.host} did not answer (${error.code ?? error.message})`);
          else res.destroy();
        });
        res.on('close', () => upstream.destroy());
        upstream.end(body);
      };
      attempt(0);
    });
  });
  server.on('connection', (socket) => {
    if (!options.allowPeer(socket.remoteAddress ?? '')) {
      log(`dropped a connection from ${socket.remoteAddress}`);
      socket.destroy();
    }
  });
  // Only plain requests: no CONNECT tunnels, no protocol upgrades.
  server.on('connect', (_req, socket) => socket.destroy());
  server.on('upgrade', (_req, socket) => socket.destroy());
  return server;
}

function forwardedHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    out[name] = value;
  }
  return out;
}
