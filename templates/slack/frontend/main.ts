import { createFrontendServer } from './frontend-server.js';

// Environment: BACKEND_URL and ASYM_FRONTEND_SECRET (required), PORT (8080), ASYM_STATIC_DIR
// (/app/public, where the image copies frontend/public), ASYM_CLONE_ID (log prefix, and the
// session cookie's name).
const log = (line: string) =>
  process.stdout.write(`${new Date().toISOString()} [${process.env.ASYM_CLONE_ID ?? 'dev'}] ${line}\n`);
const backend = process.env.BACKEND_URL;
if (!backend) {
  process.stderr.write('slack frontend: BACKEND_URL is required (e.g. http://slack-a1b2-backend:8080)\n');
  process.exit(1);
}
const frontendSecret = process.env.ASYM_FRONTEND_SECRET;
if (!frontendSecret) {
  // Without it the backend refuses the web client's routes: better to say so at once.
  process.stderr.write('slack frontend: ASYM_FRONTEND_SECRET is required (the CLI sets it)\n');
  process.exit(1);
}
const port = Number(process.env.PORT ?? 8080);
const staticDir = process.env.ASYM_STATIC_DIR ?? '/app/public';
const server = createFrontendServer({
  backendUrl: new URL(backend),
  staticDir,
  log,
  frontendSecret,
  cloneId: process.env.ASYM_CLONE_ID ?? 'dev',
});
server.listen(port, '0.0.0.0', () => {
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  log(`frontend listening on :${bound}, static ${staticDir}, backend ${backend}`);
});
const stop = (signal: string) => {
  log(`stopping (${signal})`);
  setTimeout(() => process.exit(0), 1_000).unref();
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once('SIGTERM', () => stop('SIGTERM'));
process.once('SIGINT', () => stop('SIGINT'));
