import dns from 'node:dns';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import https from 'node:https';
import { createRequire } from 'node:module';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebClient } from '@slack/web-api';
import { execa } from 'execa';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/paths.js';
import { loadRunCertificateAuthority } from '../../src/services/run-ca.js';
import { CLI, type RealHome, realHome } from '../support/real-cli.js';

// Issue 13, section 2 on the real engine: `asym run <env> -- <command>` gives unmodified
// programs the clones' variables, and their requests to slack.com and api.stripe.com reach
// the clones. Network safety: vendor names never resolve, neither in this process nor in
// the Node programs started (test/support/block-vendor-dns.cjs), and curl pins them to a
// dead loopback address, so a request the proxy failed to catch cannot leave the machine.

const BLOCK_DNS = fileURLToPath(new URL('../support/block-vendor-dns.cjs', import.meta.url));
const PIN =
  '--resolve slack.com:443:127.0.0.9 --resolve api.stripe.com:443:127.0.0.9 --resolve example.com:443:127.0.0.9';
/** A shell prelude: refuse to run a client unless the proxy it will use is on loopback. */
const LOOPBACK_PROXY =
  'case "$HTTPS_PROXY" in http://127.0.0.1:*) ;; *) echo "proxy not on loopback" >&2; exit 99;; esac;';
/** `node -e` scripts load the SDKs from the project, wherever they run. */
const NODE_REQUIRE = `if (!/^http:\\/\\/127\\.0\\.0\\.1:\\d+$/.test(process.env.HTTPS_PROXY ?? '')) { console.error('proxy not on loopback'); process.exit(99); }
const require2 = require('node:module').createRequire(${JSON.stringify(join(PROJECT_ROOT, 'package.json'))});`;

const realLookup = dns.lookup;
let home: RealHome;
// biome-ignore lint/suspicious/noExplicitAny: tests read the CLI's JSON freely
let slack: any;
// biome-ignore lint/suspicious/noExplicitAny: tests read the CLI's JSON freely
let stripe: any;
let seededChannels: string[];
let seededCustomers: string[];

const run = (...args: string[]) => home.run('run', ...args);

beforeAll(async () => {
  (dns as { lookup: unknown }).lookup = (host: string, ...rest: unknown[]) => {
    if (/(^|\.)(slack|stripe|example)\.com$/i.test(host)) throw new Error(`test refused to resolve ${host}`);
    return (realLookup as (...a: unknown[]) => unknown)(host, ...rest);
  };
  home = realHome({ NODE_OPTIONS: `--require "${BLOCK_DNS}"` });
  const spun = await home.run('spin', 'slack', 'stripe', '--seed', 'acme-corp', '--group', 'acme', '--json');
  expect(spun.exitCode, spun.stderr).toBe(0);
  [slack, stripe] = spun.json();
  // What the clones hold, read the ordinary way (their published ports).
  const web = new WebClient(slack.tokens.botToken, {
    slackApiUrl: slack.endpoints.api,
    retryConfig: { retries: 0 },
  });
  seededChannels = ((await web.conversations.list({ limit: 200 })).channels ?? []).map((c) => c.name ?? '');
  const { hostname, port } = new URL(stripe.endpoints.api);
  const direct = new Stripe(stripe.tokens.secretKey, {
    host: hostname,
    port: Number(port),
    protocol: 'http',
  });
  seededCustomers = (await direct.customers.list({ limit: 10 })).data.map((c) => c.id);
  expect(seededChannels).toContain('general');
  expect(seededCustomers.length).toBeGreaterThan(0);
});

afterAll(async () => {
  (dns as { lookup: unknown }).lookup = realLookup;
  await home?.destroyAll();
});

describe('asym run <env> -- <command>', () => {
  it('sets the variables programs read, from the manifests, and a proxy on loopback', async () => {
    const names = [
      'SLACK_BOT_TOKEN',
      'SLACK_USER_TOKEN',
      'SLACK_APP_TOKEN',
      'SLACK_SIGNING_SECRET',
      'SLACK_TEAM_ID',
      'SLACK_API_URL',
      'STRIPE_SECRET_KEY',
      'STRIPE_API_KEY',
      'STRIPE_PUBLISHABLE_KEY',
      'STRIPE_WEBHOOK_SECRET',
      'ASYM_ENVIRONMENT',
      'HTTPS_PROXY',
      'NODE_EXTRA_CA_CERTS',
      'SSL_CERT_FILE',
      'REQUESTS_CA_BUNDLE',
      'CURL_CA_BUNDLE',
    ];
    const result = await run(
      'acme',
      '--',
      'node',
      '-e',
      `console.log(JSON.stringify(Object.fromEntries(${JSON.stringify(names)}.map((n) => [n, process.env[n]]))))`,
    );
    expect(result.exitCode, result.stderr).toBe(0);
    const vars = result.json();
    expect(vars).toMatchObject({
      SLACK_BOT_TOKEN: slack.tokens.botToken,
      SLACK_USER_TOKEN: slack.tokens.userToken,
      SLACK_APP_TOKEN: slack.tokens.appToken,
      SLACK_SIGNING_SECRET: slack.tokens.signingSecret,
      SLACK_TEAM_ID: slack.tokens.teamId,
      SLACK_API_URL: slack.endpoints.api,
      STRIPE_SECRET_KEY: stripe.tokens.secretKey,
      STRIPE_API_KEY: stripe.tokens.secretKey,
      STRIPE_PUBLISHABLE_KEY: stripe.tokens.publishableKey,
      STRIPE_WEBHOOK_SECRET: stripe.tokens.webhookSecret,
      ASYM_ENVIRONMENT: 'acme',
      NODE_EXTRA_CA_CERTS: join(home.dir, 'run-ca', 'ca.pem'),
      CURL_CA_BUNDLE: join(home.dir, 'run-ca', 'ca-bundle.pem'),
    });
    expect(vars.HTTPS_PROXY).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // The CA lives in the home; its key is the owner's alone.
    expect(statSync(join(home.dir, 'run-ca', 'ca-key.pem')).mode & 0o777).toBe(0o600);
    expect(statSync(join(home.dir, 'run-ca', 'leaf-key.pem')).mode & 0o777).toBe(0o600);
    // A lone clone works too, and its environment is named.
    const lone = await run(
      stripe.id,
      '--',
      'node',
      '-e',
      'console.log(process.env.ASYM_ENVIRONMENT, process.env.STRIPE_SECRET_KEY)',
    );
    expect(lone.stdout).toBe(`acme ${stripe.tokens.secretKey}`);
  });

  it('the stripe SDK constructed with only the key reads the clone’s customers', async () => {
    const script = `${NODE_REQUIRE}
      const Stripe = require2('stripe');
      new Stripe(process.env.STRIPE_SECRET_KEY).customers.list({ limit: 10 })
        .then((list) => console.log(JSON.stringify(list.data.map((c) => c.id))))
        .catch((error) => { console.error(error.message); process.exit(5); });`;
    const result = await run('acme', '--offline', '--', 'node', '-e', script);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.json()).toEqual(seededCustomers);
  });

  it('curl https://api.stripe.com/v1/customers reads the clone’s customers', async () => {
    const result = await run(
      'acme',
      '--offline',
      '--',
      'sh',
      '-c',
      `${LOOPBACK_PROXY} curl -sS --fail ${PIN} "https://api.stripe.com/v1/customers?limit=10" -u "$STRIPE_SECRET_KEY:"`,
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.json().data.map((c: { id: string }) => c.id)).toEqual(seededCustomers);
  });

  it('Python requests (HTTPS_PROXY and REQUESTS_CA_BUNDLE) reads the clone’s customers and Slack identity', async () => {
    // The Python guard: vendor names never resolve here either, and the proxy must be on loopback.
    const script = [
      'import os, re, socket, json',
      "assert re.fullmatch(r'http://127\\.0\\.0\\.1:\\d+', os.environ['HTTPS_PROXY'])",
      '_lookup = socket.getaddrinfo',
      'def guarded(host, *args, **kwargs):',
      "    if re.search(r'(^|\\.)(slack|stripe|example)\\.com$', str(host)): raise OSError('test refused to resolve ' + str(host))",
      '    return _lookup(host, *args, **kwargs)',
      'socket.getaddrinfo = guarded',
      'import requests',
      "customers = requests.get('https://api.stripe.com/v1/customers?limit=10', auth=(os.environ['STRIPE_SECRET_KEY'], ''), timeout=20).json()",
      "auth = requests.post('https://slack.com/api/auth.test', headers={'Authorization': 'Bearer ' + os.environ['SLACK_BOT_TOKEN']}, timeout=20).json()",
      "print(json.dumps({'customers': [c['id'] for c in customers['data']], 'team': auth['team_id']}))",
    ].join('\n');
    const result = await run('acme', '--offline', '--', 'python3', '-c', script);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.json()).toEqual({ customers: seededCustomers, team: slack.tokens.teamId });
  });

  it('global fetch to slack.com/api and WebClient with its default URL list the seeded channels', async () => {
    const script = `${NODE_REQUIRE}
      const { WebClient } = require2('@slack/web-api');
      (async () => {
        const response = await fetch('https://slack.com/api/conversations.list?limit=200', {
          headers: { authorization: 'Bearer ' + process.env.SLACK_BOT_TOKEN },
        });
        const viaFetch = (await response.json()).channels.map((c) => c.name);
        const web = new WebClient(process.env.SLACK_BOT_TOKEN, { retryConfig: { retries: 0 } });
        const viaSdk = (await web.conversations.list({ limit: 200 })).channels.map((c) => c.name);
        console.log(JSON.stringify({ viaFetch, viaSdk }));
      })().catch((error) => { console.error(error.message); process.exit(5); });`;
    const result = await run('acme', '--offline', '--', 'node', '-e', script);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.json()).toEqual({ viaFetch: seededChannels, viaSdk: seededChannels });
  });

  it('the unmodified @modelcontextprotocol/server-slack (hard-coded https://slack.com/api) lists the seeded channels', async () => {
    const server = createRequire(import.meta.url).resolve('@modelcontextprotocol/server-slack/dist/index.js');
    const child = home.spawn('run', 'acme', '--offline', '--', 'node', server);
    child.stdin?.setDefaultEncoding('utf8');
    // Newline-delimited JSON-RPC over stdio, as an MCP client speaks it: through `asym run`'s stdin and stdout.
    const answers = new Map<number, unknown>();
    const waiting = new Map<number, () => void>();
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
        const message = JSON.parse(buffer.slice(0, end)) as { id?: number };
        buffer = buffer.slice(end + 1);
        if (typeof message.id === 'number') {
          answers.set(message.id, message);
          waiting.get(message.id)?.();
        }
      }
    });
    const call = (id: number, method: string, params: unknown) =>
      new Promise<unknown>((resolve) => {
        waiting.set(id, () => resolve(answers.get(id)));
        child.stdin?.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
      });
    try {
      await call(1, 'initialize', {
        protocolVersion: '2024-11-05',
        capabilities: {},
        clientInfo: { name: 'asym-run-test', version: '1' },
      });
      child.stdin?.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
      const listed = (await call(2, 'tools/call', {
        name: 'slack_list_channels',
        arguments: { limit: 200 },
      })) as {
        result: { content: Array<{ text: string }> };
      };
      const body = JSON.parse(listed.result.content[0]?.text ?? '{}') as {
        ok: boolean;
        channels: Array<{ name: string }>;
      };
      expect(body.ok).toBe(true);
      // The server lists public channels only; every one it shows is the clone's.
      expect(body.channels.map((c) => c.name)).toContain('general');
      expect(seededChannels).toEqual(expect.arrayContaining(body.channels.map((c) => c.name)));
    } finally {
      child.stdin?.end();
      child.kill('SIGTERM');
      await child;
    }
  });

  it('passes exit codes and both output streams through', async () => {
    const result = await run(
      'acme',
      '--offline',
      '--',
      'node',
      '-e',
      'console.log("out"); console.error("err"); process.exit(3)',
    );
    expect(result).toMatchObject({ exitCode: 3, stdout: 'out' });
    expect(result.stderr).toBe('err');
  });

  it('refuses a host no clone answers with --offline', async () => {
    const curl = await run(
      'acme',
      '--offline',
      '--',
      'sh',
      '-c',
      `${LOOPBACK_PROXY} curl -sS ${PIN} https://example.com/`,
    );
    expect(curl.exitCode).not.toBe(0);
    expect(curl.stderr).toMatch(/403/);
    // ASYM_DEBUG names what the proxy did: refused by it, not by the test's DNS guard.
    const node = await execa(
      'node',
      [
        CLI,
        'run',
        'acme',
        '--offline',
        '--',
        'node',
        '-e',
        'fetch("https://example.com/").then((r) => console.log("reached", r.status), () => process.exit(4))',
      ],
      {
        env: {
          ...process.env,
          ASYM_HOME: home.dir,
          ASYM_DEBUG: '1',
          NODE_OPTIONS: `--require "${BLOCK_DNS}"`,
        },
        reject: false,
      },
    );
    expect(node.exitCode).toBe(4);
    expect(node.stderr).toContain('asym run: example.com:443 refused (--offline)');
  });

  it('passes other hosts through untouched: a local HTTPS server keeps its own certificate', async () => {
    // A host of its own CA, not the run CA: curl trusts only that CA here, so success means the
    // tunnel carried the server's own certificate.
    const otherDir = mkdtempSync(join(tmpdir(), 'asym-outside-'));
    const other = await loadRunCertificateAuthority(otherDir, 'outside', {});
    let hits = 0;
    const server = https.createServer(other.issue(['127.0.0.1']), (_req, res) => {
      hits += 1;
      res.end('outside-ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      // Clearing NO_PROXY sends this loopback request through the proxy (the clones' ports go direct).
      const curl = `${LOOPBACK_PROXY} NO_PROXY= no_proxy= curl -sS --fail --cacert ${other.caPath} ${url}`;
      const passed = await run('acme', '--', 'sh', '-c', curl);
      expect(passed.exitCode, passed.stderr).toBe(0);
      expect(passed.stdout).toBe('outside-ok');
      expect(hits).toBe(1);
      const refused = await run('acme', '--offline', '--', 'sh', '-c', curl);
      expect(refused.exitCode).not.toBe(0);
      expect(hits).toBe(1);
    } finally {
      server.close();
    }
  });

  it('stops the proxy with the command', async () => {
    const result = await run(
      'acme',
      '--offline',
      '--',
      'node',
      '-e',
      'console.log(new URL(process.env.HTTPS_PROXY).port)',
    );
    expect(result.exitCode).toBe(0);
    const port = Number(result.stdout);
    expect(port).toBeGreaterThan(0);
    const refused = await new Promise<string>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });

  it('forwards SIGTERM to the command and exits with its code', async () => {
    const child = home.spawn(
      'run',
      'acme',
      '--offline',
      '--',
      'node',
      '-e',
      'process.on("SIGTERM", () => { console.log("got SIGTERM"); process.exit(7); }); console.log("ready"); setInterval(() => {}, 1000);',
    );
    await new Promise<void>((resolve) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve();
      });
    });
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(7);
    expect(String(result.stdout)).toContain('got SIGTERM');
  });

  it('names what is wrong: an unknown target, a missing command', async () => {
    const unknown = await run('nope', '--', 'true');
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toContain('There is no environment or clone "nope"');
    const missing = await run('acme', '--', 'no-such-program-asym');
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('There is no command "no-such-program-asym"');
    expect(readFileSync(join(home.dir, 'run-ca', 'ca.pem'), 'utf8')).toContain('BEGIN CERTIFICATE');
  });
});
