/**
 * The floor: the clones' HTTP stack (hono on @hono/node-server, no middleware) answering
 * every request with one canned JSON body of FLOOR_BYTES bytes. Whatever a clone costs
 * beyond this is its own work. Bundled by bench/floor-lib.ts and run both on the host and
 * inside the project's node image, so the two differ only by the container and its port.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const bytes = Number(process.env.FLOOR_BYTES ?? '64');
const port = Number(process.env.PORT ?? '8080');
const filler = 'x'.repeat(Math.max(0, bytes - '{"ok":true,"pad":""}'.length));
const body = `{"ok":true,"pad":"${filler}"}`;

const app = new Hono();
app.all('*', (c) => c.body(body, 200, { 'content-type': 'application/json' }));
const server = serve({ fetch: app.fetch, port, hostname: '0.0.0.0' }, (info) => {
  process.stdout.write(`floor listening on :${info.port}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
