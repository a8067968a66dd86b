import { cidrMatcher, createRelayServer } from './relay-server.js';

/**
 * The relay container's process: `ASYM_RELAY_LISTEN=<gateway>:<port>` (the home network's
 * gateway, never 0.0.0.0) and `ASYM_RELAY_ALLOW=<subnet>` (who may use it).
 */
const listen = process.env.ASYM_RELAY_LISTEN ?? '';
const allow = process.env.ASYM_RELAY_ALLOW ?? '';
const at = listen.lastIndexOf(':');
const host = listen.slice(0, at);
const port = Number(listen.slice(at + 1));
if (at <= 0 || !Number.isInteger(port) || host === '0.0.0.0' || host === '::' || !allow) {
  process.stderr.write('relay: set ASYM_RELAY_LISTEN=<gateway address>:<port> and ASYM_RELAY_ALLOW=<cidr>\n');
  process.exit(1);
}
const log = (line: string) => process.stdout.write(`${new Date().toISOString()} relay: ${line}\n`);
const server = createRelayServer({ allowPeer: cidrMatcher(allow), log });
server.on('error', (error) => {
  log(`cannot listen on ${listen}: ${error.message}`);
  process.exit(1);
});
server.listen(port, host, () => log(`listening on ${listen} for ${allow}`));
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.close();
    process.exit(0);
  });
}
