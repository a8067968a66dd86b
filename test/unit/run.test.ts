import dns from 'node:dns';
import { cpSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AsymError } from '../../src/errors.js';
import { TEMPLATES_DIR } from '../../src/paths.js';
import { createContext } from '../../src/services/context.js';
import { loadRunCertificateAuthority } from '../../src/services/run-ca.js';
import { resolveRunTarget } from '../../src/services/run-command.js';
import { planRun, proxyVariables, type RunMember } from '../../src/services/run-plan.js';
import { isDirect, withAgent } from '../../src/services/run-preload.js';
import {
  type InterceptingProxy,
  type ProxyEvent,
  startInterceptingProxy,
} from '../../src/services/run-proxy.js';
import { getTemplate, loadTemplates } from '../../src/templates/catalog.js';
import { cli, FakeClones, freshHome } from '../support/fake-clones.js';

/** The real stripe manifest, edited, in a templates dir of its own. */
function templatesWith(edit: (text: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'asym-templates-'));
  const path = join(dir, 'stripe', 'manifest.yaml');
  cpSync(join(TEMPLATES_DIR, 'stripe', 'manifest.yaml'), path);
  writeFileSync(path, edit(readFileSync(path, 'utf8')));
  return dir;
}

const member = (id: string, template: string, port: number, tokens: Record<string, string>): RunMember => ({
  id,
  template,
  origin: `http://127.0.0.1:${port}`,
  endpoints: { api: `http://127.0.0.1:${port}${template === 'slack' ? '/api/' : ''}` },
  tokens,
  run: getTemplate(template).run,
});

const slackTokens = (n: number) => ({
  botToken: `xoxb-${n}`,
  userToken: `xoxp-${n}`,
  appToken: `xapp-${n}`,
  signingSecret: `secret-${n}`,
  teamId: `T${n}`,
  userId: `U${n}`,
});

describe('asymmetric run: variables and routes from the manifests', () => {
  it('sets what each manifest names, the first clone of a template plain, every clone suffixed', () => {
    const plan = planRun('acme', [
      member('slack-aa11', 'slack', 3001, slackTokens(1)),
      member('stripe-bb22', 'stripe', 3002, {
        secretKey: 'sk_test_1',
        publishableKey: 'pk_test_1',
        webhookSecret: 'whsec_1',
      }),
      member('slack-cc33', 'slack', 3003, slackTokens(2)),
    ]);
    expect(plan.variables).toMatchObject({
      ASYM_ENVIRONMENT: 'acme',
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_USER_TOKEN: 'xoxp-1',
      SLACK_APP_TOKEN: 'xapp-1',
      SLACK_SIGNING_SECRET: 'secret-1',
      SLACK_TEAM_ID: 'T1',
      SLACK_API_URL: 'http://127.0.0.1:3001/api/',
      SLACK_BOT_TOKEN_SLACK_AA11: 'xoxb-1',
      SLACK_BOT_TOKEN_SLACK_CC33: 'xoxb-2',
      SLACK_API_URL_SLACK_CC33: 'http://127.0.0.1:3003/api/',
      STRIPE_SECRET_KEY: 'sk_test_1',
      STRIPE_API_KEY: 'sk_test_1',
      STRIPE_PUBLISHABLE_KEY: 'pk_test_1',
      STRIPE_WEBHOOK_SECRET: 'whsec_1',
      STRIPE_SECRET_KEY_STRIPE_BB22: 'sk_test_1',
    });
    // Only what a manifest names: the identity keys it does not map stay out.
    expect(Object.values(plan.variables)).not.toContain('U1');
    expect([...plan.routes.values()]).toEqual([
      { host: 'slack.com', cloneId: 'slack-aa11', origin: 'http://127.0.0.1:3001' },
      { host: 'api.stripe.com', cloneId: 'stripe-bb22', origin: 'http://127.0.0.1:3002' },
      { host: 'files.stripe.com', cloneId: 'stripe-bb22', origin: 'http://127.0.0.1:3002' },
    ]);
  });

  it('takes every name from the manifests: a template without a run section adds nothing', () => {
    const plan = planRun('solo', [
      { ...member('slack-aa11', 'slack', 3001, slackTokens(1)), run: undefined },
    ]);
    expect(plan.variables).toEqual({ ASYM_ENVIRONMENT: 'solo' });
    expect(plan.routes.size).toBe(0);
  });

  it('points the command at the proxy and the CA through its variables, keeping NODE_OPTIONS', () => {
    const vars = proxyVariables({
      proxyUrl: 'http://127.0.0.1:4567',
      caPath: '/h/run-ca/ca.pem',
      bundlePath: '/h/run-ca/ca-bundle.pem',
      preloadPath: '/opt/my "tools"/run-preload.cjs',
      nodeOptions: '--max-old-space-size=512',
    });
    expect(vars).toMatchObject({
      HTTPS_PROXY: 'http://127.0.0.1:4567',
      http_proxy: 'http://127.0.0.1:4567',
      NO_PROXY: 'localhost,127.0.0.1,::1',
      NODE_EXTRA_CA_CERTS: '/h/run-ca/ca.pem',
      SSL_CERT_FILE: '/h/run-ca/ca-bundle.pem',
      REQUESTS_CA_BUNDLE: '/h/run-ca/ca-bundle.pem',
      CURL_CA_BUNDLE: '/h/run-ca/ca-bundle.pem',
      GIT_SSL_CAINFO: '/h/run-ca/ca-bundle.pem',
      NODE_OPTIONS: '--max-old-space-size=512 --require "/opt/my \\"tools\\"/run-preload.cjs"',
    });
  });

  it('refuses a bad run section as TEMPLATE_INVALID at its line:column', () => {
    const dir = templatesWith((text) =>
      text
        .replace('STRIPE_API_KEY: tokens.secretKey', 'STRIPE_API_KEY: secretKey')
        .replace('[api.stripe.com,', '[https://api.stripe.com,'),
    );
    let error: unknown;
    try {
      loadTemplates(dir);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AsymError);
    expect((error as AsymError).code).toBe('TEMPLATE_INVALID');
    const lines = readFileSync(join(dir, 'stripe', 'manifest.yaml'), 'utf8').split('\n');
    const lineOf = (needle: string) => lines.findIndex((line) => line.includes(needle)) + 1;
    expect((error as AsymError).message).toContain(
      `:${lineOf('STRIPE_API_KEY:')}:21 run.env.STRIPE_API_KEY:`,
    );
    expect((error as AsymError).message).toContain(`:${lineOf('hosts:')}:11 run.hosts[0]: a host looks like`);
  });
});

/** Every server here listens on 127.0.0.1; vendor names must never resolve in this process. */
const VENDOR = /(^|\.)(slack\.com|stripe\.com)$/i;
const realLookup = dns.lookup;

describe('asymmetric run: which clones a target names (fake runtime)', () => {
  it('takes an environment or a lone clone, running and with tokens, and names what is wrong', async () => {
    const fake = new FakeClones();
    const dir = freshHome();
    try {
      const [slackClone, stripeClone] = (
        await cli(fake, dir, 'spin', 'slack', 'stripe', '-g', 'acme', '--json')
      ).json();
      const lone = (await cli(fake, dir, 'spin', 'stripe', '--json')).json();
      const ctx = createContext({ env: { ASYM_HOME: dir }, runtime: fake.runtime, images: fake.images });
      const env = await resolveRunTarget(ctx, 'acme');
      expect(env.environment).toBe('acme');
      expect(env.members.map((m) => [m.id, m.origin, m.tokens])).toEqual([
        [slackClone.id, `http://127.0.0.1:${slackClone.ports.backend}`, slackClone.tokens],
        [stripeClone.id, `http://127.0.0.1:${stripeClone.ports.backend}`, stripeClone.tokens],
      ]);
      expect((await resolveRunTarget(ctx, stripeClone.id)).environment).toBe('acme');
      expect((await resolveRunTarget(ctx, lone.id)).environment).toBe(lone.id);
      await expect(resolveRunTarget(ctx, 'nope')).rejects.toMatchObject({ code: 'ENVIRONMENT_NOT_FOUND' });
      expect((await cli(fake, dir, 'stop', stripeClone.id)).code).toBe(0);
      await expect(resolveRunTarget(ctx, 'acme')).rejects.toMatchObject({
        code: 'CLONE_NOT_RUNNING',
        hint: `Start it with \`asymmetric start ${stripeClone.id}\`.`,
      });
    } finally {
      fake.close();
    }
  });
});

describe('asymmetric run: the Node preload', () => {
  const agent = new http.Agent();
  it('gives every request to another host the proxy agent, whatever agent the caller chose', () => {
    const own = new https.Agent({ keepAlive: true });
    expect(
      withAgent([{ host: 'api.stripe.com', path: '/v1/customers', agent: own }], agent, '')[0],
    ).toMatchObject({
      host: 'api.stripe.com',
      agent,
    });
    const callback = () => {};
    expect(withAgent(['https://slack.com/api/auth.test', callback], agent, '')).toEqual([
      'https://slack.com/api/auth.test',
      { agent },
      callback,
    ]);
    expect(withAgent([new URL('https://slack.com/api/x'), { method: 'POST' }, callback], agent, '')).toEqual([
      new URL('https://slack.com/api/x'),
      { method: 'POST', agent },
      callback,
    ]);
  });

  it('leaves loopback, NO_PROXY hosts and unix sockets alone (the clones’ ports, the Docker socket)', () => {
    const noProxy = 'localhost,127.0.0.1,::1,.internal.test';
    for (const args of [
      ['http://127.0.0.1:3001/api/auth.test'],
      ['http://[::1]:3001/'],
      [{ hostname: 'localhost', port: 3001 }],
      [{ host: 'db.internal.test' }],
      [{ socketPath: '/var/run/docker.sock', path: '/containers/json' }],
    ] as const) {
      const before = structuredClone(args);
      expect(withAgent([...args] as [unknown], agent, noProxy)).toEqual(before);
    }
    expect(isDirect('internal.test', noProxy)).toBe(true);
    expect(isDirect('slack.com', noProxy)).toBe(false);
    expect(isDirect('anything', '*')).toBe(true);
  });
});

describe('asymmetric run: the intercepting proxy', () => {
  const home = mkdtempSync(join(tmpdir(), 'asym-run-'));
  const seen: Array<{ path: string; headers: http.IncomingHttpHeaders; body: string }> = [];
  const events: ProxyEvent[] = [];
  let clone: http.Server;
  let outside: https.Server;
  let outsideHits = 0;
  let proxy: InterceptingProxy;
  let offline: InterceptingProxy;
  let caCert: string;
  let outsideCa: string;

  beforeAll(async () => {
    (dns as { lookup: unknown }).lookup = (host: string, ...rest: unknown[]) => {
      if (VENDOR.test(host)) throw new Error(`test refused to resolve ${host}`);
      return (realLookup as (...a: unknown[]) => unknown)(host, ...rest);
    };
    clone = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        seen.push({ path: req.url ?? '', headers: req.headers, body });
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ ok: true, path: req.url }));
      });
    });
    await new Promise<void>((resolve) => clone.listen(0, '127.0.0.1', resolve));
    const port = (clone.address() as AddressInfo).port;
    const routes = new Map([
      ['slack.com', { host: 'slack.com', cloneId: 'slack-aa11', origin: `http://127.0.0.1:${port}` }],
      [
        'api.stripe.com',
        { host: 'api.stripe.com', cloneId: 'stripe-bb22', origin: `http://127.0.0.1:${port}` },
      ],
    ]);
    const ca = await loadRunCertificateAuthority(home, 'test', {});
    caCert = readFileSync(ca.caPath, 'utf8');
    // A "real" HTTPS host elsewhere: its own CA, so the test can tell a tunnel from interception.
    const otherCa = await loadRunCertificateAuthority(
      mkdtempSync(join(tmpdir(), 'asym-other-')),
      'other',
      {},
    );
    outsideCa = readFileSync(otherCa.caPath, 'utf8');
    outside = https.createServer(otherCa.issue(['localhost']), (_req, res) => {
      outsideHits += 1;
      res.end('outside');
    });
    await new Promise<void>((resolve) => outside.listen(0, '127.0.0.1', resolve));
    proxy = await startInterceptingProxy({ routes, ca, offline: false, onEvent: (e) => events.push(e) });
    offline = await startInterceptingProxy({ routes, ca, offline: true });
  });

  afterAll(async () => {
    (dns as { lookup: unknown }).lookup = realLookup;
    await proxy?.close();
    await offline?.close();
    clone?.close();
    outside?.close();
  });

  const get = (
    url: string,
    via: InterceptingProxy,
    ca: string,
    init: https.RequestOptions = {},
    body?: string,
  ) =>
    new Promise<{ status: number; body: string; issuer: string }>((resolve, reject) => {
      expect(via.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const req = https.request(url, { ...init, agent: new HttpsProxyAgent(via.url), ca }, (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => {
          const socket = res.socket as import('node:tls').TLSSocket;
          resolve({
            status: res.statusCode ?? 0,
            body: text,
            issuer: String(socket.getPeerCertificate?.()?.issuer?.CN ?? ''),
          });
        });
      });
      req.on('error', reject);
      req.end(body);
    });

  it('keeps the CA in the home, its key readable by the owner only, and reuses it', async () => {
    expect(statSync(join(home, 'run-ca', 'ca-key.pem')).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'run-ca', 'leaf-key.pem')).mode & 0o777).toBe(0o600);
    const again = await loadRunCertificateAuthority(home, 'test', {});
    expect(readFileSync(again.caPath, 'utf8')).toBe(caCert);
    const bundle = readFileSync(again.bundlePath, 'utf8');
    expect(bundle.startsWith(caCert.trim())).toBe(true);
    expect(bundle.split('BEGIN CERTIFICATE').length).toBeGreaterThan(10);
  });

  it('terminates TLS for the vendor hosts and sends the request to the clone, path and body kept', async () => {
    const slack = await get(
      'https://slack.com/api/conversations.list?limit=2',
      proxy,
      caCert,
      {
        method: 'POST',
        headers: { authorization: 'Bearer xoxb-1', 'content-type': 'application/x-www-form-urlencoded' },
      },
      'types=public_channel',
    );
    expect(slack.status).toBe(200);
    expect(slack.issuer).toMatch(/^asymmetric run CA/);
    const stripe = await get('https://api.stripe.com/v1/customers', proxy, caCert);
    expect(JSON.parse(stripe.body)).toEqual({ ok: true, path: '/v1/customers' });
    expect(seen.map((s) => s.path)).toEqual(['/api/conversations.list?limit=2', '/v1/customers']);
    expect(seen[0]?.body).toBe('types=public_channel');
    expect(seen[0]?.headers.authorization).toBe('Bearer xoxb-1');
    expect(seen[0]?.headers['x-forwarded-host']).toBe('slack.com');
    expect(
      events.filter((e) => e.kind === 'intercepted').map((e) => e.kind === 'intercepted' && e.cloneId),
    ).toEqual(['slack-aa11', 'stripe-bb22']);
  });

  it('routes absolute-form requests (what axios sends to a proxy) the same way', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: proxy.port,
          method: 'GET',
          path: 'https://slack.com/api/auth.test',
          headers: { host: 'slack.com' },
        },
        (res) => {
          let text = '';
          res.on('data', (c) => {
            text += c;
          });
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(JSON.parse(answer)).toEqual({ ok: true, path: '/api/auth.test' });
  });

  it('tunnels every other host untouched: the client sees that host’s own certificate', async () => {
    const port = (outside.address() as AddressInfo).port;
    const answer = await get(`https://localhost:${port}/`, proxy, outsideCa);
    expect(answer).toMatchObject({ status: 200, body: 'outside', issuer: 'asymmetric run CA (home other)' });
    expect(outsideHits).toBe(1);
  });

  it('refuses every other host with --offline, without connecting to it', async () => {
    const port = (outside.address() as AddressInfo).port;
    const refused = await get(`https://localhost:${port}/`, offline, outsideCa);
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('asymmetric run --offline: localhost is not a clone');
    expect(outsideHits).toBe(1);
    // The clones still answer.
    expect((await get('https://api.stripe.com/v1/balance', offline, caCert)).status).toBe(200);
  });

  it('stops listening when closed', async () => {
    const extra = await startInterceptingProxy({
      routes: new Map(),
      ca: await loadRunCertificateAuthority(home, 'test', {}),
      offline: true,
    });
    await extra.close();
    await expect(
      new Promise((resolve, reject) => http.get(`${extra.url}/`, resolve).on('error', reject)),
    ).rejects.toThrow(/ECONNREFUSED/);
  });
});
