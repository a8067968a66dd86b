import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { CloneRuntime } from './clone-runtime.js';
import type { Logger } from './log.js';

/** Anything with a fetch handler (a Hono app of any env). */
export interface FetchApp {
  fetch: (request: Request) => Response | Promise<Response>;
  /**
   * Optional: called once with the HTTP server (Slack takes Socket Mode WebSocket upgrades
   * on it). What it returns runs first on shutdown.
   */
  attach?: (server: Server) => () => void;
}

export interface RunCloneServerOptions {
  app: FetchApp;
  runtime: Pick<CloneRuntime, 'start'>;
  port: number;
  seedFixture: string | null;
  log: Logger;
  /** Closed on shutdown, in order (pool, Redis). */
  closers: Array<() => Promise<unknown>>;
}

/**
 * Listens first (health answers 503 while starting), then runs the startup stages. Node
 * may be PID 1 in the container, where signals have no default handler: SIGTERM and
 * SIGINT are handled here and the process exits promptly.
 */
export function runCloneServer({
  app,
  runtime,
  port,
  seedFixture,
  log,
  closers,
}: RunCloneServerOptions): void {
  const server = serve({ fetch: app.fetch, port, hostname: '0.0.0.0' }, (info: AddressInfo) => {
    log.info(`listening on :${info.port}`);
  });
  // serve() without a createServer option builds a plain node:http server.
  const detach = app.attach?.(server as Server);

  let stopping = false;
  const shutdown = async (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    log.info(`stopping (${reason})`);
    // Whatever happens while closing, the process is gone within two seconds.
    setTimeout(() => process.exit(code), 2_000).unref();
    detach?.();
    server.close();
    if ('closeAllConnections' in server) server.closeAllConnections();
    for (const close of closers) await close().catch(() => undefined);
    process.exit(code);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.once('SIGINT', () => void shutdown('SIGINT', 0));

  // Request handlers render their own errors; these are the last line against a stray
  // promise or callback taking the whole clone down.
  process.on('unhandledRejection', (error) => log.error('unhandled rejection', error));
  process.on('uncaughtException', (error) => log.error('uncaught exception', error));

  runtime.start(seedFixture).catch((error: unknown) => {
    log.error('startup failed', error);
    void shutdown('startup failed', 1);
  });
}
