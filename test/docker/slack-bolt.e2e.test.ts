import type { AddressInfo } from 'node:net';
import { App, LogLevel, SocketModeReceiver } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RealHome, realHome } from '../support/real-cli.js';

// Issue 3's proof on a spun clone: an unmodified Bolt app receives events from the
// containers over the Events API (a Request URL on the user's localhost, set with the CLI)
// and in Socket Mode (apps.connections.open with the xapp token from `spin --json`).

const ENGINEERING = 'C0ACME0ENG3';

let home: RealHome;
// biome-ignore lint/suspicious/noExplicitAny: tests read the CLI's JSON freely
let clone: any;
let slackApiUrl: string;
let user: WebClient;

/** The bot's message in #engineering whose text is `text`, once it is there. */
async function botReply(text: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const history = await user.conversations.history({ channel: ENGINEERING, limit: 20 });
    const found = history.messages?.find((m) => m.text === text && m.user === clone.tokens.botUserId);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no bot reply "${text}" within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  home = realHome();
  const spun = await home.run('spin', 'slack', '--seed', 'acme-corp', '--json');
  expect(spun.exitCode).toBe(0);
  clone = spun.json();
  slackApiUrl = clone.endpoints.api;
  user = new WebClient(clone.tokens.userToken, { slackApiUrl, retryConfig: { retries: 0 } });
});

afterAll(async () => {
  await home?.destroyAll();
});

describe('Bolt against a spun Slack clone', () => {
  it('hears a mention over the Events API and answers with say()', async () => {
    const app = new App({
      token: clone.tokens.botToken,
      signingSecret: clone.tokens.signingSecret,
      clientOptions: { slackApiUrl },
      logLevel: LogLevel.ERROR,
    });
    app.event('app_mention', async ({ event, say }) => {
      await say(`http pong ${event.ts}`);
    });
    // The loopback only, as a dev server listens: the clone reaches it through the home's relay.
    const server = await app.start({ port: 0, host: '127.0.0.1' });
    try {
      const url = `http://localhost:${(server.address() as AddressInfo).port}/slack/events`;
      // Bolt answers the url_verification handshake the CLI triggers.
      const set = await home.run('events', clone.id, '--url', url, '--json');
      expect(set.exitCode).toBe(0);
      const posted = await user.chat.postMessage({
        channel: ENGINEERING,
        text: `<@${clone.tokens.botUserId}> is the deploy done?`,
      });
      await botReply(`http pong ${posted.ts}`);
    } finally {
      await app.stop();
      await home.run('events', clone.id, '--off');
    }
  });

  it('connects in Socket Mode, hears a message and answers with say()', async () => {
    const app = new App({
      token: clone.tokens.botToken,
      receiver: new SocketModeReceiver({
        appToken: clone.tokens.appToken,
        installerOptions: { clientOptions: { slackApiUrl } },
        logLevel: LogLevel.ERROR,
      }),
      clientOptions: { slackApiUrl },
      logLevel: LogLevel.ERROR,
    });
    app.message('status please', async ({ message, say }) => {
      await say(`socket heard ${'ts' in message ? message.ts : ''}`);
    });
    await app.start();
    try {
      const posted = await user.chat.postMessage({ channel: ENGINEERING, text: 'status please' });
      await botReply(`socket heard ${posted.ts}`);
    } finally {
      await app.stop();
    }
  });
});
