/**
 * Where a clone's backend must send a webhook or Events API delivery. Inside its
 * container "localhost" is the container itself, but a user who registers
 * http://localhost:4242/hook means their own machine:
 * - on Docker Engine (Linux) the host's loopback cannot be reached from a bridge network,
 *   so the CLI runs a relay per home (src/relay/relay-server.ts) with host networking and
 *   names it in ASYM_RELAY_URL; an http delivery to a loopback URL goes to
 *   `<relay>/<host>:<port><path>`, and the relay sends it on to the host's loopback only;
 * - on Docker Desktop, `host.docker.internal` (ASYM_HOST_ALIAS) already reaches the host's
 *   loopback, and there is no relay.
 * Both are unset when a backend runs in-process (tests), where localhost is already right.
 */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1', '0.0.0.0']);

export interface OutboundRoutes {
  /** The home's relay origin (`http://172.18.0.1:41234`), on Docker Engine. */
  relayUrl?: string | undefined;
  /** A name for the Docker host (`host.docker.internal`). */
  hostAlias?: string | undefined;
}

export const isLoopbackHost = (hostname: string): boolean =>
  LOOPBACK_HOSTS.has(hostname) || hostname.endsWith('.localhost');

export function outboundUrl(
  url: string,
  routes: OutboundRoutes = { relayUrl: process.env.ASYM_RELAY_URL, hostAlias: process.env.ASYM_HOST_ALIAS },
): string {
  const { relayUrl, hostAlias } = routes;
  if (!relayUrl && !hostAlias) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (!isLoopbackHost(parsed.hostname)) return url;
  // The relay speaks plain HTTP; an https receiver on localhost is left to the host alias.
  if (relayUrl && parsed.protocol === 'http:') {
    const target = `${parsed.hostname}:${parsed.port || '80'}`;
    return `${relayUrl.replace(/\/+$/, '')}/${target}${parsed.pathname}${parsed.search}`;
  }
  if (!hostAlias) return url;
  parsed.hostname = hostAlias;
  return parsed.toString();
}
