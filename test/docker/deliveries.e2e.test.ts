import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { WebClient } from '@slack/web-api';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../src/runtime/docker-runtime.js';
import { homeLabels, LABEL } from '../../src/runtime/labels.js';
import { type RealHome, realHome } from '../support/real-cli.js';

// Issue 11 §3 on the real engine: receivers that listen on the host's loopback only (as
// `stripe listen --forward-to localhost:4242` users and dev servers do) get deliveries from
// spun clones through the home's relay, and `asymmetric listen` forwards them signed.

const ENGINEERING = 'C0ACME0ENG3';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver bound to 127.0.0.1 only; answers Slack's url_verification like Bolt does. */
class LoopbackReceiver {
  readonly requests: Received[] = [];
  private server: Server | undefined;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        try {
          const payload = JSON.parse(body) as { type?: string; challenge?: string };
          if (payload.type === 'url_verification') {
            res.setHeader('content-type', 'application/json');
            res.end(JSON.stringify({ challenge: payload.challenge }));
            return;
          }
        } catch {}
        this.requests.push({ path: req.url ?? '', headers: req.headers, body });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async next(match: (r: Received) => boolean, what: string, timeoutMs = 20_000): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.requests.find(match);
      if (found) return found;
      if (Date.now() > deadline) {
        throw new Error(
          `no ${what} within ${timeoutMs} ms (got: ${this.requests.map((r) => r.path).join(', ')})`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  close(): void {
    this.server?.close();
  }
}

const slackSignature = (secret: string, headers: IncomingHttpHeaders, body: string) =>
  `v0=${createHmac('sha256', secret).update(`v0:${headers['x-slack-request-timestamp']}:${body}`).digest('hex')}`;

/** Waits until `read()` holds a match for `pattern`. */
async function waitForText(read: () => string, pattern: RegExp, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(read());
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms; saw: ${read()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let home: RealHome;
// biome-ignore lint/suspicious/noExplicitAny: tests read the CLI's JSON freely
let stripeClone: any;
// biome-ignore lint/suspicious/noExplicitAny: tests read the CLI's JSON freely
let slackClone: any;
let stripe: Stripe;
const receiver = new LoopbackReceiver();

beforeAll(async () => {
  home = realHome();
  const spunStripe = await home.run('spin', 'stripe', '--json');
  expect(spunStripe.exitCode, spunStripe.stderr).toBe(0);
  stripeClone = spunStripe.json();
  const spunSlack = await home.run('spin', 'slack', '--seed', 'acme-corp', '--json');
  expect(spunSlack.exitCode, spunSlack.stderr).toBe(0);
  slackClone = spunSlack.json();
  stripe = new Stripe(stripeClone.tokens.secretKey, {
    host: '127.0.0.1',
    port: stripeClone.ports.backend,
    protocol: 'http',
    maxNetworkRetries: 0,
  });
  await receiver.start();
});

afterAll(async () => {
  receiver.close();
  await home?.destroyAll();
});

describe('deliveries to a receiver on the loopback only', () => {
  it('a Stripe webhook endpoint on http://localhost gets customer.created, signed', async () => {
    const endpoint = await stripe.webhookEndpoints.create({
      url: `http://localhost:${receiver.port}/hook`,
      enabled_events: ['customer.created'],
    });
    const customer = await stripe.customers.create({ email: 'loopback@example.com' });
    const hook = await receiver.next((r) => r.path === '/hook', 'webhook on /hook');
    const event = stripe.webhooks.constructEvent(
      hook.body,
      String(hook.headers['stripe-signature']),
      endpoint.secret as string,
    );
    expect(event.type).toBe('customer.created');
    expect((event.data.object as { id: string }).id).toBe(customer.id);
    await stripe.webhookEndpoints.del(endpoint.id);
  });

  it('a Slack Request URL on http://127.0.0.1 passes url_verification and gets a signed message event', async () => {
    const set = await home.run(
      'events',
      slackClone.id,
      '--url',
      `http://127.0.0.1:${receiver.port}/slack/events`,
      '--json',
    );
    expect(set.exitCode, set.stderr).toBe(0);
    const user = new WebClient(slackClone.tokens.userToken, {
      slackApiUrl: slackClone.endpoints.api,
      retryConfig: { retries: 0 },
    });
    const posted = await user.chat.postMessage({ channel: ENGINEERING, text: 'relayed to the loopback' });
    const callback = await receiver.next(
      (r) => r.path === '/slack/events' && JSON.parse(r.body).event?.ts === posted.ts,
      'the message event',
    );
    expect(callback.headers['x-slack-signature']).toBe(
      slackSignature(slackClone.tokens.signingSecret, callback.headers, callback.body),
    );
    expect(JSON.parse(callback.body)).toMatchObject({
      type: 'event_callback',
      event: { type: 'message', channel: ENGINEERING, text: 'relayed to the loopback' },
    });
    expect((await home.run('events', slackClone.id, '--off')).exitCode).toBe(0);
  });
});

describe('asymmetric listen --forward-to', () => {
  it('prints the signing secret, forwards a signed delivery, shows it on stderr and stops on SIGINT', async () => {
    const listen = home.spawn(
      'listen',
      stripeClone.id,
      '--forward-to',
      `http://127.0.0.1:${receiver.port}/x`,
    );
    let stderr = '';
    listen.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    const [, secret] = await waitForText(() => stderr, /signing secret is (whsec_\S+)/, 'the ready line');
    const customer = await stripe.customers.create({ email: 'listened@example.com' });
    const forwarded = await receiver.next(
      (r) => r.path === '/x' && JSON.parse(r.body).data?.object?.id === customer.id,
      'the forwarded customer.created',
    );
    const event = stripe.webhooks.constructEvent(
      forwarded.body,
      String(forwarded.headers['stripe-signature']),
      secret as string,
    );
    expect(event.type).toBe('customer.created');
    expect(secret).toBe(stripeClone.tokens.webhookSecret);
    await waitForText(
      () => stderr,
      new RegExp(
        `--> customer\\.created \\[${event.id}\\][^]*<--\\s+\\[200\\] POST \\S+/x \\[${event.id}\\]`,
      ),
      'the delivery and its answer on stderr',
    );
    listen.kill('SIGINT');
    const result = await listen;
    expect(result.exitCode).toBe(0);
  });

  it('--events and --json: a ready line with the secret, then one JSON line per delivery', async () => {
    const listen = home.spawn(
      'listen',
      slackClone.id,
      '--forward-to',
      `http://127.0.0.1:${receiver.port}/y`,
      '--events',
      'message.channels',
      '--json',
    );
    let stdout = '';
    listen.stdout?.on('data', (chunk) => {
      stdout += chunk;
    });
    await waitForText(() => stdout, /"type":"ready"/, 'the ready line');
    const ready = JSON.parse(stdout.split('\n')[0] ?? '');
    expect(ready).toMatchObject({ clone: slackClone.id, events: ['message.channels'] });
    const user = new WebClient(slackClone.tokens.userToken, {
      slackApiUrl: slackClone.endpoints.api,
      retryConfig: { retries: 0 },
    });
    // A reaction is not subscribed: only the message arrives.
    const posted = await user.chat.postMessage({ channel: ENGINEERING, text: 'heard by listen' });
    await user.reactions.add({ channel: ENGINEERING, timestamp: posted.ts as string, name: 'eyes' });
    const forwarded = await receiver.next(
      (r) => r.path === '/y' && JSON.parse(r.body).event?.ts === posted.ts,
      'the forwarded message',
    );
    expect(forwarded.headers['x-slack-signature']).toBe(
      slackSignature(ready.secret, forwarded.headers, forwarded.body),
    );
    await waitForText(() => stdout, /"type":"delivery"/, 'the delivery line');
    listen.kill('SIGINT');
    const result = await listen;
    expect(result.exitCode).toBe(0);
    const lines = String(result.stdout)
      .trim()
      .split('\n')
      .map((line: string) => JSON.parse(line));
    expect(lines.slice(1)).toEqual([
      expect.objectContaining({ type: 'delivery', event: 'message', status: 200, ok: true }),
    ]);
    expect(receiver.requests.filter((r) => r.path === '/y')).toHaveLength(1);
  });

  it('refuses a clone that is not there, a --forward-to that is not http and an unknown event name', async () => {
    const missing = await home.run('listen', 'stripe-none', '--forward-to', 'http://127.0.0.1:1/x', '--json');
    expect(missing.exitCode).toBe(1);
    expect(missing.json().error.code).toBe('CLONE_NOT_FOUND');
    const bad = await home.run('listen', stripeClone.id, '--forward-to', 'ftp://x', '--json');
    expect(bad.exitCode).toBe(1);
    expect(bad.json().error.code).toBe('INVALID_ARGUMENT');
    const unknown = await home.run(
      'listen',
      slackClone.id,
      '--forward-to',
      'http://127.0.0.1:1/x',
      '--events',
      'message.nowhere',
      '--json',
    );
    expect(unknown.exitCode).toBe(1);
    expect(unknown.json().error).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/message\.nowhere/),
      hint: expect.stringMatching(/message\.channels/),
    });
  });
});

describe("the home's relay", () => {
  const runtime = new DockerRuntime();

  async function relayAddress() {
    const [relay] = await runtime.listContainers(homeLabels(home.id, 'relay'));
    const [network] = await runtime.listNetworks(homeLabels(home.id, 'home-network'));
    expect(relay?.status).toBe('running');
    return { gateway: network?.gateway as string, port: Number(relay?.labels[LABEL.relayPort]) };
  }

  it('listens on the home network gateway only, never on 0.0.0.0 or the loopback', async () => {
    const { gateway, port } = await relayAddress();
    // The host's listening TCP sockets on the relay's port (state 0A = LISTEN).
    const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
    const listening = readFileSync('/proc/net/tcp', 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[3] === '0A' && fields[1]?.endsWith(`:${hexPort}`))
      .map((fields) => {
        const hex = fields[1]?.split(':')[0] ?? '';
        return [3, 2, 1, 0].map((i) => Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
      });
    expect(listening).toEqual([gateway]);
    const v6 = readFileSync('/proc/net/tcp6', 'utf8');
    expect(v6).not.toMatch(new RegExp(`:${hexPort} \\S+ 0A`));
    const loopback = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.on('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    expect(loopback).toBe('ECONNREFUSED');
  });

  it('relays to the loopback from a clone container, and refuses every other target', async () => {
    const { gateway, port } = await relayAddress();
    const [backend] = await runtime.listContainers({
      [LABEL.home]: home.id,
      [LABEL.clone]: stripeClone.id,
      [LABEL.service]: 'backend',
    });
    const status = async (path: string) => {
      const script = `fetch('http://${gateway}:${port}${path}', { method: 'POST', body: 'x' }).then(r => r.text().then(t => console.log(r.status, t.trim())), e => console.log('failed', e.message))`;
      return (await runtime.exec(backend?.id as string, ['node', '-e', script])).output.trim();
    };
    expect(await status(`/127.0.0.1:${receiver.port}/from-container`)).toBe('200 ok');
    await receiver.next((r) => r.path === '/from-container', 'the relayed request');
    for (const path of ['/example.com:80/', '/10.0.0.1:80/', `/${gateway}:${receiver.port}/`]) {
      expect(await status(path)).toMatch(/^403 asymmetric relay: only deliveries to this machine/);
    }
  });
});
