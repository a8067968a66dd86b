import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, LogLevel, SocketModeReceiver } from '@slack/bolt';
import { ErrorCode, type WebAPIPlatformError, WebClient } from '@slack/web-api';
import { execa } from 'execa';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, type RealHome, realHome } from '../support/real-cli.js';

// Issue 11 §2 on the real engine: an agent that revokes its token spoils no later trial.
// `asymmetric reset` brings the tokens back (the set last minted, never an earlier one) and
// `asymmetric tokens` shows tokens that work.

const ENGINEERING = 'C0ACME0ENG3';

let home: RealHome;
// biome-ignore lint/suspicious/noExplicitAny: tests read the CLI's JSON freely
let slack: any;
// biome-ignore lint/suspicious/noExplicitAny: tests read the CLI's JSON freely
let stripe: any;

const slackClient = (token: string) =>
  new WebClient(token, { slackApiUrl: slack.endpoints.api, retryConfig: { retries: 0 } });

const stripeClient = (key: string) => {
  const url = new URL(stripe.endpoints.api);
  return new Stripe(key, {
    host: url.hostname,
    port: Number(url.port),
    protocol: 'http',
    maxNetworkRetries: 0,
  });
};

/** The Slack error code a call fails with, or `ok` when it succeeds. */
async function slackOutcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'ok';
  } catch (error) {
    const platform = error as WebAPIPlatformError;
    if (platform.code === ErrorCode.PlatformError) return platform.data.error;
    throw error;
  }
}

/** What apps.connections.open answers for an app-level token. */
async function openConnection(appToken: string): Promise<{ ok: boolean; error?: string }> {
  const response = await fetch(`${slack.endpoints.api}apps.connections.open`, {
    method: 'POST',
    headers: { authorization: `Bearer ${appToken}` },
  });
  return (await response.json()) as { ok: boolean; error?: string };
}

async function cli(...args: string[]) {
  const result = await home.run(...args);
  expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(0);
  return result;
}

/** Every token `asymmetric tokens --json` shows for the Slack clone works. */
async function slackTokensWork(): Promise<Record<string, string>> {
  const shown = (await cli('tokens', slack.id, '--json')).json();
  expect(await slackOutcome(slackClient(shown.botToken).auth.test())).toBe('ok');
  expect(await slackOutcome(slackClient(shown.userToken).auth.test())).toBe('ok');
  expect(await openConnection(shown.appToken)).toMatchObject({ ok: true });
  return shown;
}

beforeAll(async () => {
  home = realHome();
  slack = (await cli('spin', 'slack', '--seed', 'acme-corp', '--json')).json();
  stripe = (await cli('spin', 'stripe', '--seed', 'acme-corp', '--json')).json();
});

afterAll(async () => {
  await home?.destroyAll();
});

describe('Slack tokens across reset', () => {
  it('a token revoked with auth.revoke works again after `asymmetric reset`', async () => {
    const bot = slackClient(slack.tokens.botToken);
    const user = slackClient(slack.tokens.userToken);
    expect(await bot.auth.revoke()).toMatchObject({ ok: true, revoked: true });
    expect(await user.auth.revoke()).toMatchObject({ ok: true, revoked: true });
    expect(await slackOutcome(bot.auth.test())).toBe('token_revoked');
    expect(await slackOutcome(user.auth.test())).toBe('token_revoked');

    const reset = (await cli('reset', slack.id, '--json')).json();
    expect(reset).toMatchObject({ id: slack.id });
    expect(await slackOutcome(bot.auth.test())).toBe('ok');
    expect(await slackOutcome(user.auth.test())).toBe('ok');
    const shown = await slackTokensWork();
    expect(shown.botToken).toBe(slack.tokens.botToken);
  });

  it('after `tokens --reprovision` a reset brings back the new set and never the old one', async () => {
    const old = slack.tokens;
    const fresh = (await cli('tokens', slack.id, '--reprovision', '--json')).json();
    expect(fresh.botToken).not.toBe(old.botToken);
    await slackClient(fresh.botToken).auth.revoke();

    await cli('reset', slack.id, '--json');
    const shown = await slackTokensWork();
    expect(shown.botToken).toBe(fresh.botToken);
    expect(await slackOutcome(slackClient(old.botToken).auth.test())).toBe('token_revoked');
    expect(await slackOutcome(slackClient(old.userToken).auth.test())).toBe('token_revoked');
    expect(await openConnection(old.appToken)).toMatchObject({ ok: false, error: 'token_revoked' });
    slack.tokens = { ...slack.tokens, ...fresh };
  });

  it('a Bolt app in Socket Mode is disconnected by the reset and reconnects by itself', async () => {
    const slackApiUrl = slack.endpoints.api;
    const app = new App({
      token: slack.tokens.botToken,
      receiver: new SocketModeReceiver({
        appToken: slack.tokens.appToken,
        installerOptions: { clientOptions: { slackApiUrl } },
        clientPingTimeout: 500,
        logLevel: LogLevel.ERROR,
      }),
      clientOptions: { slackApiUrl },
      logLevel: LogLevel.ERROR,
    });
    let reconnects = 0;
    app.message('ping after reset', async ({ message, say }) => {
      await say(`pong ${'ts' in message ? message.ts : ''}`);
    });
    await app.start();
    const receiver = (app as unknown as { receiver: SocketModeReceiver }).receiver;
    receiver.client.on('reconnecting', () => {
      reconnects += 1;
    });
    try {
      await cli('reset', slack.id, '--json');
      const user = slackClient(slack.tokens.userToken);
      const deadline = Date.now() + 20_000;
      while (reconnects === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(reconnects).toBeGreaterThan(0);
      const posted = await user.chat.postMessage({ channel: ENGINEERING, text: 'ping after reset' });
      let reply: unknown;
      while (!reply && Date.now() < deadline) {
        const history = await user.conversations.history({ channel: ENGINEERING, limit: 10 });
        reply = history.messages?.find((m) => m.text === `pong ${posted.ts}`);
        if (!reply) await new Promise((r) => setTimeout(r, 100));
      }
      expect(reply).toBeDefined();
    } finally {
      await app.stop();
    }
  });
});

describe('Stripe keys across reset', () => {
  it('after `tokens --reprovision` and a reset, `tokens` shows the key that works', async () => {
    const old = stripe.tokens;
    expect((await stripeClient(old.secretKey).customers.list({ limit: 1 })).object).toBe('list');
    const fresh = (await cli('tokens', stripe.id, '--reprovision', '--json')).json();
    await cli('reset', stripe.id, '--json');
    const shown = (await cli('tokens', stripe.id, '--json')).json();
    expect(shown.secretKey).toBe(fresh.secretKey);
    expect((await stripeClient(shown.secretKey).customers.list({ limit: 1 })).object).toBe('list');
    const refused = await stripeClient(old.secretKey)
      .customers.list({ limit: 1 })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
  });
});

describe('what `asymmetric reset` loads', () => {
  // Issue 17: reset runs between every trial and its cost is mostly Node's start-up, so the
  // command loads only what it uses. Which built-in modules a process loaded is observable
  // (process.moduleLoadList); timings are left to bench/reset.ts.
  it('resets without loading fetch (undici), node:crypto, child_process or node:fs/promises', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asym-modules-'));
    const hook = join(dir, 'modules.cjs');
    const out = join(dir, 'modules.txt');
    writeFileSync(
      hook,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)}, process.moduleLoadList.join('\\n')));`,
    );
    const result = await execa('node', ['--require', hook, CLI, 'reset', slack.id, '--json'], {
      env: { ...process.env, ASYM_HOME: home.dir },
      reject: false,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ id: slack.id, ms: expect.any(Number) });
    const loaded = readFileSync(out, 'utf8').split('\n');
    expect(loaded).toContain('NativeModule http');
    for (const unused of ['internal/deps/undici/undici', 'crypto', 'child_process', 'fs/promises']) {
      expect(loaded, unused).not.toContain(`NativeModule ${unused}`);
    }
  });
});
