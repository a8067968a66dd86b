import { createServer } from 'node:net';
import { AsymError } from '../errors.js';
import type { Registry } from '../registry/schema.js';

/** Ports recorded for any clone of this home (including ones still being created). */
export function portsInRegistry(registry: Registry): Set<number> {
  const used = new Set<number>();
  for (const clone of Object.values(registry.clones)) {
    for (const port of Object.values(clone.ports)) if (port) used.add(port);
  }
  return used;
}

/** True when nothing on this machine listens on `port` (on loopback or all interfaces). */
export async function isPortFree(port: number): Promise<boolean> {
  const tryListen = (host: string) =>
    new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
    });
  return (await tryListen('127.0.0.1')) && (await tryListen('0.0.0.0'));
}

/** A port the kernel says is free on `host` now (an ephemeral one); null if it cannot bind there. */
export function freePortOn(host: string): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null));
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : null;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Picks `count` ports from the range, skipping the registry's and any another process
 * holds. Call it under the registry lock and record the result in the same update, so two
 * CLIs never hand out the same port.
 */
export async function allocatePorts(
  registry: Registry,
  range: { from: number; to: number },
  count: number,
  isFree: (port: number) => Promise<boolean> = isPortFree,
  avoid: Set<number> = new Set(),
): Promise<number[]> {
  const used = portsInRegistry(registry);
  const chosen: number[] = [];
  for (let port = range.from; port <= range.to && chosen.length < count; port++) {
    if (used.has(port) || avoid.has(port)) continue;
    if (await isFree(port)) chosen.push(port);
  }
  if (chosen.length < count) {
    throw new AsymError('PORTS_EXHAUSTED', `No free ports left in ${range.from}-${range.to}.`, {
      hint: 'Destroy clones you no longer need, or widen "portRange" in config.json.',
    });
  }
  return chosen;
}
