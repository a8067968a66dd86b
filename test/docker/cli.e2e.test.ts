import { createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime } from '../../src/runtime/docker-runtime.js';
import { LABEL } from '../../src/runtime/labels.js';
import { type RealHome, realHome } from '../support/real-cli.js';

/**
 * The product as a user meets it: the built CLI on the real Docker engine, its JSON parsed,
 * the clones driven with the official Slack and Stripe SDKs.
 */
const docker = new DockerRuntime();
const homes: RealHome[] = [];
const newHome = (env?: Record<string, string>) => {
  const home = realHome(env);
  homes.push(home);
  return home;
};
afterAll(async () => {
  for (const home of homes) await home.destroyAll();
});

/** Waits until an authenticated GET answers 200 (a recreated backend seeds on its first boot). */
async function waitForOk(url: string, key: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  let last = '';
  while (Date.now() < deadline) {
    const answer = await fetch(url, { headers: { authorization: `Bearer ${key}` } }).catch((e: Error) => e);
    if (!(answer instanceof Error) && answer.status === 200) return;
    last = answer instanceof Error ? answer.message : String(answer.status);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} never answered 200 (last: ${last})`);
}

const EXAMPLE = join(import.meta.dirname, '../../examples/environment.yaml');

const slackClient = (clone: { endpoints: { api: string } }, token: string) =>
  new WebClient(token, { slackApiUrl: clone.endpoints.api, retryConfig: { retries: 0 } });

const stripeClient = (clone: { endpoints: { api: string } }, key: string) => {
  const url = new URL(clone.endpoints.api);
  return new Stripe(key, {
    host: url.hostname,
    port: Number(url.port),
    protocol: 'http',
    maxNetworkRetries: 0,
  });
};

describe('the README example: env spin of slack full + stripe api', () => {
  const home = newHome();
  // biome-ignore lint/suspicious/noExplicitAny: CLI JSON
  let env: any;
  // biome-ignore lint/suspicious/noExplicitAny: CLI JSON
  let slack: any;
  // biome-ignore lint/suspicious/noExplicitAny: CLI JSON
  let stripe: any;

  beforeAll(async () => {
    const run = await home.run('env', 'spin', EXAMPLE, '--json');
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    env = run.json();
    slack = env.members.find((m: { template: string }) => m.template === 'slack');
    stripe = env.members.find((m: { template: string }) => m.template === 'stripe');
  });

  it('prints the environment, endpoints and tokens as one JSON document', () => {
    expect(env).toMatchObject({ name: 'acme', state: 'running', failures: [] });
    expect(slack).toMatchObject({
      mode: 'full',
      state: 'running',
      environment: 'acme',
      seed: { fixture: 'acme-corp' },
    });
    expect(slack.endpoints.api).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/);
    expect(slack.endpoints.web).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(stripe.endpoints.api).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(slack.imageDigest).toMatch(/^sha256:/);
    expect(slack.tokens.botToken).toMatch(/^xoxb-/);
    expect(stripe.tokens.secretKey).toMatch(/^sk_test_/);
  });

  it('runs one backend, postgres (with a labelled volume) and frontend per clone, one redis, one env network', async () => {
    const objects = await home.objects();
    expect(objects.containers.filter((n) => n.includes(slack.id))).toHaveLength(3);
    expect(objects.containers.filter((n) => n.includes(stripe.id))).toHaveLength(2);
    expect(objects.containers.filter((n) => n.endsWith('-redis'))).toHaveLength(1);
    expect(objects.volumes).toHaveLength(2);
    const [network] = await docker.listNetworks({ [LABEL.home]: home.id, [LABEL.environment]: 'acme' });
    expect(network?.labels[LABEL.members]).toBe([slack.id, stripe.id].sort().join(','));
  });

  it('serves the official SDKs with the printed tokens, and the web client', async () => {
    const bot = slackClient(slack, slack.tokens.botToken);
    expect((await bot.auth.test()).team_id).toBe(slack.tokens.teamId);
    expect((await bot.users.list({})).members?.length).toBeGreaterThan(1);
    const sk = stripeClient(stripe, stripe.tokens.secretKey);
    const customer = await sk.customers.create({ email: 'e2e@example.com' });
    expect((await sk.customers.retrieve(customer.id)).id).toBe(customer.id);
    const web = await fetch(slack.endpoints.web);
    expect(web.status).toBe(200);
    expect(await web.text()).toMatch(/<html/i);
  });

  it("each clone mints its own keys and tokens, and refuses another clone's", async () => {
    const spun = await home.run('spin', 'stripe', 'slack', '--json');
    expect(spun.exitCode).toBe(0);
    const [otherStripe, otherSlack] = spun.json();
    try {
      expect(otherStripe.tokens.secretKey).not.toBe(stripe.tokens.secretKey);
      const foreign = await stripeClient(otherStripe, stripe.tokens.secretKey)
        .customers.list({ limit: 1 })
        .catch((error: unknown) => error);
      expect(foreign).toMatchObject({ statusCode: 401, type: 'StripeAuthenticationError' });
      expect((await stripeClient(otherStripe, otherStripe.tokens.secretKey).customers.list()).object).toBe(
        'list',
      );

      const foreignSlack = await slackClient(otherSlack, slack.tokens.botToken)
        .auth.test()
        .catch((error: { data?: unknown }) => error.data);
      expect(foreignSlack).toMatchObject({ ok: false, error: 'invalid_auth' });
      expect((await slackClient(otherSlack, otherSlack.tokens.botToken).auth.test()).ok).toBe(true);
    } finally {
      expect((await home.run('destroy', otherStripe.id)).exitCode).toBe(0);
      expect((await home.run('destroy', otherSlack.id)).exitCode).toBe(0);
    }
  });

  it('reset returns both clones to the seeded state, without restarting containers', async () => {
    const user = slackClient(slack, slack.tokens.userToken);
    const channel = (await user.conversations.list({ limit: 200 })).channels?.find((c) => c.is_member);
    expect(channel?.id).toBeDefined();
    const before = (await user.conversations.history({ channel: channel!.id!, limit: 1 })).messages?.[0]?.ts;
    const posted = await user.chat.postMessage({ channel: channel!.id!, text: 'agent was here' });
    const sk = stripeClient(stripe, stripe.tokens.secretKey);
    const customer = await sk.customers.create({ email: 'gone-after-reset@example.com' });
    const startedAt = async () =>
      (await docker.listContainers({ [LABEL.home]: home.id })).map((c) => `${c.id}:${c.status}`).sort();
    const containersBefore = await startedAt();

    const reset = await home.run('env', 'reset', 'acme', '--json');
    expect(reset.exitCode).toBe(0);
    expect(reset.json().members).toHaveLength(2);

    const latest = (await user.conversations.history({ channel: channel!.id!, limit: 1 })).messages?.[0]?.ts;
    expect(latest).toBe(before);
    expect(latest).not.toBe(posted.ts);
    await expect(sk.customers.retrieve(customer.id)).rejects.toMatchObject({ statusCode: 404 });
    expect(await startedAt()).toEqual(containersBefore);
  });

  it('stop keeps the data and start brings it back', async () => {
    const sk = stripeClient(stripe, stripe.tokens.secretKey);
    const kept = await sk.customers.create({ email: 'kept@example.com' });
    expect((await home.run('stop', stripe.id, '--json')).json().state).toBe('stopped');
    expect((await home.run('env', 'status', 'acme', '--json')).json()[0].state).toBe('partial');
    expect((await home.run('start', stripe.id, '--json')).json().state).toBe('running');
    expect((await sk.customers.retrieve(kept.id)).id).toBe(kept.id);
  });

  it('env destroy leaves no container, volume, network or record behind', async () => {
    const run = await home.run('env', 'destroy', 'acme', '--json');
    expect(run.exitCode).toBe(0);
    expect(await home.objects()).toEqual({ containers: [], volumes: [], networks: [] });
    expect((await home.run('status', '--json')).json()).toEqual([]);
    expect((await home.run('env', 'status', '--json')).json()).toEqual([]);
  });
});

describe("webhooks from a container reach a server on the user's machine", () => {
  it('a Stripe webhook endpoint on localhost receives signed events', async () => {
    const home = newHome();
    const clone = (await home.run('spin', 'stripe', '--json')).json();
    const received: Array<{ body: string; signature: string }> = [];
    // Listening on all interfaces (Node's default) works too; deliveries.e2e.test.ts has a
    // receiver on the loopback only.
    const server = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        received.push({ body, signature: String(req.headers['stripe-signature']) });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const stripe = stripeClient(clone, clone.tokens.secretKey);
      const endpoint = await stripe.webhookEndpoints.create({
        url: `http://localhost:${port}/hook`,
        enabled_events: ['customer.created'],
      });
      const customer = await stripe.customers.create({ email: 'hooked@example.com' });
      const deadline = Date.now() + 20_000;
      while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(received).toHaveLength(1);
      const event = stripe.webhooks.constructEvent(
        received[0]!.body,
        received[0]!.signature,
        endpoint.secret!,
      );
      expect(event.type).toBe('customer.created');
      expect((event.data.object as { id: string }).id).toBe(customer.id);
    } finally {
      server.close();
      await home.destroyAll();
    }
  });
});

describe("slack events from a container reach a server on the user's machine", () => {
  it('`events --url` on localhost passes url_verification and receives signed event_callbacks', async () => {
    const home = newHome();
    const clone = (await home.run('spin', 'slack', '--seed', 'acme-corp', '--json')).json();
    const callbacks: Array<{ body: string; headers: Record<string, string | string[] | undefined> }> = [];
    const server = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        const payload = JSON.parse(body);
        if (payload.type === 'url_verification') {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ challenge: payload.challenge }));
          return;
        }
        callbacks.push({ body, headers: req.headers });
        res.end('');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, resolve));
    try {
      const url = `http://localhost:${(server.address() as AddressInfo).port}/slack/events`;
      const set = await home.run('events', clone.id, '--url', url, '--json');
      expect(set.exitCode).toBe(0);
      expect(set.json()).toMatchObject({ id: clone.id, url });

      const user = slackClient(clone, clone.tokens.userToken);
      const text = `hello <@${clone.tokens.botUserId}> from the e2e test`;
      await user.chat.postMessage({ channel: 'C0ACME0GEN1', text });
      const deadline = Date.now() + 20_000;
      const mention = () => callbacks.find((c) => JSON.parse(c.body).event?.type === 'app_mention');
      while (!mention() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const received = mention();
      expect(received).toBeDefined();
      const timestamp = String(received!.headers['x-slack-request-timestamp']);
      const expected = `v0=${createHmac('sha256', clone.tokens.signingSecret).update(`v0:${timestamp}:${received!.body}`).digest('hex')}`;
      expect(received!.headers['x-slack-signature']).toBe(expected);
      expect(JSON.parse(received!.body)).toMatchObject({
        type: 'event_callback',
        event: { type: 'app_mention', text },
      });

      const refused = await home.run(
        'events',
        clone.id,
        '--url',
        'http://localhost:1/nothing-here',
        '--json',
      );
      expect(refused.exitCode).toBe(1);
      expect(refused.json().error.code).toBe('INVALID_ARGUMENT');
    } finally {
      server.close();
      await home.destroyAll();
    }
  });
});

describe("a spun Slack clone's tokens and rate limits", () => {
  it('`tokens --reprovision` rotates the pair and the old tokens stop working', async () => {
    const home = newHome();
    const clone = (await home.run('spin', 'slack', '--json')).json();
    const old = slackClient(clone, clone.tokens.botToken);
    expect((await old.auth.test()).ok).toBe(true);
    const rotated = await home.run('tokens', clone.id, '--reprovision', '--json');
    expect(rotated.exitCode).toBe(0);
    const fresh = rotated.json();
    expect(fresh.botToken).not.toBe(clone.tokens.botToken);
    expect(fresh.userToken).not.toBe(clone.tokens.userToken);
    const refused = await old.auth.test().catch((error: { data?: unknown }) => error.data);
    expect(refused).toMatchObject({ ok: false, error: 'token_revoked' });
    expect((await slackClient(clone, fresh.botToken).auth.test()).ok).toBe(true);
  });

  it("limits by Slack's tiers unless spun with --no-rate-limits", async () => {
    const home = newHome();
    // On by default; `spin --no-rate-limits` switches them off for that clone only.
    const limited = (await home.run('spin', 'slack', '--json')).json();
    const free = (await home.run('spin', 'slack', '--no-rate-limits', '--json')).json();
    const burst = async (clone: { endpoints: { api: string }; tokens: { botToken: string } }) => {
      const statuses: Array<{ status: number; retryAfter: string | null }> = [];
      // conversations.list is Tier 2: 20 a minute.
      for (let i = 0; i < 25; i++) {
        const response = await fetch(`${clone.endpoints.api}conversations.list?limit=1`, {
          headers: { authorization: `Bearer ${clone.tokens.botToken}` },
        });
        statuses.push({ status: response.status, retryAfter: response.headers.get('retry-after') });
        await response.arrayBuffer();
      }
      return statuses;
    };
    const capped = await burst(limited);
    const first429 = capped.findIndex((s) => s.status === 429);
    expect(first429).toBeGreaterThanOrEqual(20);
    expect(Number(capped[first429]?.retryAfter)).toBeGreaterThan(0);
    expect((await burst(free)).every((s) => s.status === 200)).toBe(true);
  });
});

describe('failures a user can act on', () => {
  it('an invalid environment.yaml creates nothing and names every problem', async () => {
    const home = newHome();
    const path = join(home.dir, 'environment.yaml');
    writeFileSync(path, 'name: bad\nclones:\n  - template: slack\n    mode: fulll\n  - template: jira\n');
    const run = await home.run('env', 'spin', path, '--json');
    expect(run.exitCode).toBe(1);
    expect(run.json().error.code).toBe('SPEC_INVALID');
    expect(run.json().error.details).toHaveLength(2);
    expect(await home.objects()).toEqual({ containers: [], volumes: [], networks: [] });
  });

  it('Docker down gives DOCKER_UNAVAILABLE and exit 1, no stack trace', async () => {
    const home = newHome({ DOCKER_HOST: 'unix:///tmp/asym-no-docker-here.sock' });
    const run = await home.run('spin', 'stripe', '--json');
    expect(run.exitCode).toBe(1);
    expect(run.json().error.code).toBe('DOCKER_UNAVAILABLE');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('a port another process holds is skipped', async () => {
    const home = newHome();
    const held = createServer().listen(home.portRange.from, '127.0.0.1');
    await new Promise((resolve, reject) => held.once('listening', resolve).once('error', reject));
    try {
      const run = await home.run('spin', 'stripe', '--json');
      expect(run.exitCode).toBe(0);
      expect(run.json().ports.backend).not.toBe(home.portRange.from);
      expect((await fetch(`${run.json().endpoints.api}/v1/customers`)).status).toBe(401);
    } finally {
      held.close();
      await home.destroyAll();
    }
  });
});

describe('crash and concurrency', () => {
  it('two CLIs spinning at once lose no registry update and never share a port', async () => {
    const home = newHome();
    const [a, b] = await Promise.all([
      home.spawn('spin', 'stripe', '--json'),
      home.spawn('spin', 'stripe', '--json'),
    ]);
    expect([a.exitCode, b.exitCode]).toEqual([0, 0]);
    const [ca, cb] = [JSON.parse(String(a.stdout)), JSON.parse(String(b.stdout))];
    expect(ca.ports.backend).not.toBe(cb.ports.backend);
    const listed = (await home.run('status', '--json')).json();
    expect(listed.map((c: { id: string }) => c.id).sort()).toEqual([ca.id, cb.id].sort());
    expect(listed.every((c: { state: string }) => c.state === 'running')).toBe(true);
    await home.destroyAll();
  });

  it('SIGKILL during env spin leaves a valid registry and an environment holding what was spun', async () => {
    const home = newHome();
    const path = join(home.dir, 'environment.yaml');
    writeFileSync(
      path,
      'name: crashy\nclones:\n  - template: stripe\n  - template: stripe\n  - template: stripe\n',
    );
    const child = home.spawn('env', 'spin', path, '--json');
    const registryPath = join(home.dir, 'registry.json');
    const deadline = Date.now() + 120_000;
    for (;;) {
      const members = (() => {
        try {
          return JSON.parse(readFileSync(registryPath, 'utf8')).environments.crashy?.members.length ?? 0;
        } catch {
          return 0;
        }
      })();
      if (members >= 1) break;
      if (Date.now() > deadline) throw new Error('the first member never joined');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    child.kill('SIGKILL');
    await child;

    const envs = await home.run('env', 'status', 'crashy', '--json');
    expect(envs.exitCode).toBe(0);
    const [env] = envs.json();
    expect(env.members.length).toBeGreaterThanOrEqual(1);
    expect(['partial', 'running']).toContain(env.state);
    // Whatever the killed spin was creating is cleaned up by doctor --fix.
    expect((await home.run('doctor', '--fix', '--json')).exitCode).toBe(0);
    expect((await home.run('doctor', '--json')).json().problems).toEqual([]);
    const statuses = (await home.run('status', '--json')).json();
    expect(statuses.every((c: { state: string }) => c.state === 'running')).toBe(true);
    expect((await home.run('env', 'destroy', 'crashy')).exitCode).toBe(0);
    expect(await home.objects()).toEqual({ containers: [], volumes: [], networks: [] });
  });
});

describe('drift', () => {
  it('doctor reports a container removed behind our back, and --fix recreates it in its environment', async () => {
    const home = newHome();
    const clone = (await home.run('spin', 'stripe', '--group', 'drifty', '--json')).json();
    const [backend] = await docker.listContainers({ [LABEL.clone]: clone.id, [LABEL.service]: 'backend' });
    await docker.removeContainer(backend!.id);
    expect((await home.run('status', clone.id, '--json')).json()[0].state).toBe('failed');
    const report = await home.run('doctor', '--json');
    expect(report.exitCode).toBe(1);
    expect(report.json().problems).toEqual([
      expect.objectContaining({ kind: 'container-missing', subject: clone.id, fixed: false }),
    ]);

    const fixed = await home.run('doctor', '--fix', '--json');
    expect(fixed.exitCode).toBe(0);
    expect((await home.run('status', clone.id, '--json')).json()[0].state).toBe('running');
    await waitForOk(`${clone.endpoints.api}/v1/customers`, clone.tokens.secretKey);
    const [network] = await docker.listNetworks({ [LABEL.home]: home.id, [LABEL.environment]: 'drifty' });
    const [recreated] = await docker.listContainers({ [LABEL.clone]: clone.id, [LABEL.service]: 'backend' });
    expect(network?.containerIds).toContain(recreated!.id);
    expect((await home.run('doctor', '--json')).json().problems).toEqual([]);
    await home.destroyAll();
  });

  it('doctor reports an environment network whose connections drifted, and --fix repairs it', async () => {
    const home = newHome();
    const clone = (await home.run('spin', 'stripe', '--group', 'netdrift', '--json')).json();
    const [network] = await docker.listNetworks({ [LABEL.home]: home.id, [LABEL.environment]: 'netdrift' });
    const [backend] = await docker.listContainers({ [LABEL.clone]: clone.id, [LABEL.service]: 'backend' });
    await docker.disconnectNetwork(network!.id, backend!.id);
    const report = await home.run('doctor', '--json');
    expect(report.exitCode).toBe(1);
    expect(report.json().problems).toEqual([
      expect.objectContaining({ kind: 'network-drift', subject: 'netdrift' }),
    ]);
    expect((await home.run('doctor', '--fix')).exitCode).toBe(0);
    const [repaired] = await docker.listNetworks({ [LABEL.home]: home.id, [LABEL.environment]: 'netdrift' });
    expect(repaired?.containerIds).toEqual([backend!.id]);
    expect(repaired?.labels[LABEL.members]).toBe(clone.id);
    await home.destroyAll();
  });

  it('two homes on one engine never see or touch each other', async () => {
    const a = newHome();
    const b = newHome();
    const clone = (await a.run('spin', 'stripe', '--json')).json();
    expect((await b.run('status', '--json')).json()).toEqual([]);
    expect((await b.run('doctor', '--fix', '--json')).json().problems).toEqual([]);
    expect((await a.run('status', clone.id, '--json')).json()[0].state).toBe('running');
    await a.destroyAll();
  });
});
