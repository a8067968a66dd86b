/**
 * Where a clone's backend must send a webhook or Events API delivery. Inside its
 * container "localhost" is the container itself, but a user who registers
 * http://localhost:4242/hook means their own machine: the CLI gives the container a hosts
 * entry for the Docker host and names it in ASYM_HOST_ALIAS (unset when a backend runs
 * in-process, as in tests, where localhost is already right). The receiving server must
 * listen on all interfaces (Node's default), not only on 127.0.0.1.
 */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1', '0.0.0.0']);

export function outboundUrl(
  url: string,
  hostAlias: string | undefined = process.env.ASYM_HOST_ALIAS,
): string {
  if (!hostAlias) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (!LOOPBACK_HOSTS.has(parsed.hostname) && !parsed.hostname.endsWith('.localhost')) return url;
  parsed.hostname = hostAlias;
  return parsed.toString();
}
