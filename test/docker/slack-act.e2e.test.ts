import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, LogLevel } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RealHome, realHome } from '../support/real-cli.js';

// Issue 15's interactivity proof on a spun clone (full mode): an unmodified Bolt app on
// this machine's loopback gets what a person does, from the built CLI's `act` and from a
// real browser in the web client, and what the app answers lands in the clone.

const SCREENSHOTS = fileURLToPath(new URL('../../test-results/slack-act/', import.meta.url));
const ENGINEERING = 'C0ACME0ENG3';
const DANA = 'U0ACME00D01';

let home: RealHome;
// biome-ignore lint/suspicious/noExplicitAny: tests read the CLI's JSON freely
let clone: any;
let bot: WebClient;
let app: App;
let browser: Browser;

const approval = (text: string) => [
  { type: 'section', text: { type: 'mrkdwn', text } },
  { type: 'divider' },
  { type: 'context', elements: [{ type: 'mrkdwn', text: 'Requested by the deploy bot' }] },
  {
    type: 'actions',
    block_id: 'decision',
    elements: [
      {
        type: 'button',
        action_id: 'approve',
        style: 'primary',
        text: { type: 'plain_text', text: 'Approve' },
      },
      { type: 'button', action_id: 'stall', text: { type: 'plain_text', text: 'Later' } },
      { type: 'button', action_id: 'open_form', text: { type: 'plain_text', text: 'Details' } },
    ],
  },
];

async function until<T>(what: string, find: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const messageText = (ts: string) =>
  bot.conversations
    .history({ channel: ENGINEERING, latest: ts, inclusive: true, limit: 1 })
    .then((history) => history.messages?.[0]?.text);

beforeAll(async () => {
  home = realHome();
  const spun = await home.run(
    'spin',
    'slack',
    '--mode',
    'full',
    '--seed',
    'acme-corp',
    '--no-rate-limits',
    '--json',
  );
  expect(spun.exitCode).toBe(0);
  clone = spun.json();
  bot = new WebClient(clone.tokens.botToken, {
    slackApiUrl: clone.endpoints.api,
    retryConfig: { retries: 0 },
  });

  app = new App({
    token: clone.tokens.botToken,
    signingSecret: clone.tokens.signingSecret,
    clientOptions: { slackApiUrl: clone.endpoints.api },
    logLevel: LogLevel.ERROR,
  });
  app.action('approve', async ({ ack, body, respond }) => {
    await ack();
    await respond({ replace_original: true, text: `Approved by <@${body.user.id}>` });
  });
  app.action('stall', async () => undefined);
  app.action('open_form', async ({ ack, body, client }) => {
    await ack();
    await client.views.open({
      trigger_id: (body as { trigger_id: string }).trigger_id,
      view: {
        type: 'modal',
        callback_id: 'reason_form',
        title: { type: 'plain_text', text: 'Why deploy?' },
        submit: { type: 'plain_text', text: 'Send' },
        blocks: [
          {
            type: 'input',
            block_id: 'reason',
            label: { type: 'plain_text', text: 'Reason' },
            element: { type: 'plain_text_input', action_id: 'why' },
          },
        ],
      },
    });
  });
  app.view('reason_form', async ({ ack, view }) => {
    const why = view.state.values.reason?.why?.value ?? '';
    await ack({
      response_action: 'update',
      view: {
        type: 'modal',
        title: { type: 'plain_text', text: 'Thanks' },
        blocks: [{ type: 'section', text: { type: 'plain_text', text: `Noted: ${why}` } }],
      },
    });
  });
  app.command('/deploy', async ({ ack, command, respond }) => {
    await ack(`Deploying ${command.text}...`);
    await respond({ response_type: 'in_channel', text: `Deployed ${command.text}` });
  });
  // The loopback only, as a dev server listens: the clone reaches it through the home's relay.
  const server = await app.start({ port: 0, host: '127.0.0.1' });
  const url = `http://localhost:${(server.address() as AddressInfo).port}/slack/events`;
  // Bolt serves events, interactivity and slash commands at one endpoint; both URLs point there.
  const set = await home.run('events', clone.id, '--url', url, '--interactivity-url', url, '--json');
  expect(set.exitCode).toBe(0);
  expect(set.json()).toMatchObject({ url, interactivityUrl: url });

  await mkdir(SCREENSHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: process.env.ASYM_TEST_CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--no-first-run',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await home?.destroyAll();
});

describe('asymmetric act', () => {
  it('lists the actions, delivers a click the app acknowledges, and exits 1 when it does not', async () => {
    const listed = await home.run('act', clone.id, '--list', '--json');
    expect(listed.exitCode).toBe(0);
    expect(listed.json().map((a: { name: string }) => a.name)).toEqual(
      expect.arrayContaining(['click', 'submit', 'close', 'command', 'shortcut', 'home', 'post']),
    );

    const posted = await bot.chat.postMessage({
      channel: ENGINEERING,
      text: 'Ship?',
      blocks: approval('Ship v3?'),
    });
    const ts = posted.ts as string;
    const clicked = await home.run(
      'act',
      clone.id,
      'click',
      '--user',
      DANA,
      '--channel',
      ENGINEERING,
      '--ts',
      ts,
      '--action-id',
      'approve',
      '--json',
    );
    expect(clicked.exitCode).toBe(0);
    expect(clicked.json()).toMatchObject({
      id: clone.id,
      action: 'click',
      acked: true,
      type: 'block_actions',
    });
    await until('respond() to replace the message', async () =>
      (await messageText(ts)) === `Approved by <@${DANA}>` ? true : undefined,
    );

    const stalled = await home.run(
      'act',
      clone.id,
      'click',
      '--user',
      DANA,
      '--channel',
      ENGINEERING,
      '--ts',
      ts,
      '--action-id',
      'stall',
      '--json',
    );
    // The message was replaced (no buttons left): the clone names that.
    expect(stalled.exitCode).toBe(1);
    expect(stalled.json().error.code).toBe('ACTION_REFUSED');

    const again = await bot.chat.postMessage({
      channel: ENGINEERING,
      text: 'Ship?',
      blocks: approval('Later?'),
    });
    const timedOut = await home.run(
      'act',
      clone.id,
      'click',
      '--user',
      DANA,
      '--channel',
      ENGINEERING,
      '--ts',
      again.ts as string,
      '--action-id',
      'stall',
      '--json',
    );
    expect(timedOut.exitCode).toBe(1);
    expect(timedOut.json().error).toMatchObject({
      code: 'ACTION_NOT_ACKNOWLEDGED',
      message: expect.stringMatching(/timeout/),
    });

    const command = await home.run(
      'act',
      clone.id,
      'command',
      '--user',
      DANA,
      '--channel',
      ENGINEERING,
      '--command',
      '/deploy',
      '--text',
      'cli',
      '--json',
    );
    expect(command.exitCode).toBe(0);
    expect(command.json().reply).toMatchObject({ action: 'ephemeral', text: 'Deploying cli...' });
  });
});

describe('the web client', () => {
  it('shows Block Kit, delivers a click whose respond() update shows live, runs modals and slash commands', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 820 } });
    const page = await context.newPage();
    try {
      await page.goto(clone.endpoints.web);
      await page.fill('#login-form [name=email]', 'dana@acme.test');
      await page.fill('#login-form [name=password]', 'password123');
      await page.click('#login-form button[type=submit]');
      await page.locator('body[data-live=live]').waitFor();
      await page.click('#channel-list li[data-name="engineering"] a');

      const posted = await bot.chat.postMessage({
        channel: ENGINEERING,
        text: 'Ship?',
        blocks: approval('*Ship v4?*'),
      });
      const message = page.locator(`#messages .message[data-ts="${posted.ts}"]`);
      await message.locator('.block-section b', { hasText: 'Ship v4?' }).waitFor({ timeout: 5_000 });
      expect(await message.locator('.block-divider').count()).toBe(1);
      expect(await message.locator('.block-context').textContent()).toBe('Requested by the deploy bot');
      await page.screenshot({ path: join(SCREENSHOTS, 'approve-before.png') });

      await message.locator('button.block-button', { hasText: 'Approve' }).click();
      // respond({ replace_original }) in the app's handler → chat.update → the page, live.
      await message.locator('.text', { hasText: 'Approved by @' }).waitFor({ timeout: 10_000 });
      expect(await message.locator('button.block-button').count()).toBe(0);
      expect(await messageText(posted.ts as string)).toBe(`Approved by <@${DANA}>`);
      await page.screenshot({ path: join(SCREENSHOTS, 'approve-after.png') });

      // A button that opens a modal: the page shows it, the person submits, the app updates it.
      const details = await bot.chat.postMessage({
        channel: ENGINEERING,
        text: 'Details?',
        blocks: approval('Details?'),
      });
      await page
        .locator(`#messages .message[data-ts="${details.ts}"] button.block-button`, { hasText: 'Details' })
        .click();
      const modal = page.locator('#modal-root .app-modal');
      await modal.locator('h2', { hasText: 'Why deploy?' }).waitFor({ timeout: 10_000 });
      await modal.locator('input[data-action-id="why"]').fill('the hotfix');
      await modal.locator('button[type=submit]').click();
      await modal.locator('.block-section', { hasText: 'Noted: the hotfix' }).waitFor({ timeout: 10_000 });

      // A slash command typed in the composer: the ack's text only for this person, the
      // app's in_channel respond() for everyone.
      await modal.locator('button[aria-label=Close]').click();
      await page.fill('#composer-input', '/deploy web');
      await page.keyboard.press('Enter');
      await page
        .locator('#messages .message.ephemeral', { hasText: 'Deploying web...' })
        .waitFor({ timeout: 10_000 });
      await page
        .locator('#messages .message .text', { hasText: 'Deployed web' })
        .waitFor({ timeout: 10_000 });
    } finally {
      await context.close();
    }
  });
});
