import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebClient } from '@slack/web-api';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RealHome, realHome } from '../support/real-cli.js';

/**
 * Slack `full` mode as users get it: `asymmetric spin slack --mode full` builds and runs
 * the frontend container, and a real browser works in it while an agent uses the Web API.
 */
const SCREENSHOTS = fileURLToPath(new URL('../../test-results/slack-web-container/', import.meta.url));
const GENERAL = 'C0ACME0GEN1';

let home: RealHome;
let browser: Browser;
// biome-ignore lint/suspicious/noExplicitAny: CLI JSON
let clone: any;

beforeAll(async () => {
  home = realHome();
  const run = await home.run(
    'spin',
    'slack',
    '--mode',
    'full',
    '--seed',
    'acme-corp',
    '--no-rate-limits',
    '--json',
  );
  expect(run.exitCode).toBe(0);
  clone = run.json();
  await mkdir(SCREENSHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: process.env.ASYM_TEST_CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await home?.destroyAll();
});

describe('slack full mode in its containers', () => {
  it('prints the web URL, signs dana in, and shows API posts live and browser posts to the API', async () => {
    expect(clone.endpoints.web).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const bot = new WebClient(clone.tokens.botToken, {
      slackApiUrl: clone.endpoints.api,
      retryConfig: { retries: 0 },
    });
    const context = await browser.newContext({ viewport: { width: 1366, height: 820 } });
    const page = await context.newPage();
    try {
      await page.goto(clone.endpoints.web);
      await page.fill('#login-form [name=email]', 'dana@acme.test');
      await page.fill('#login-form [name=password]', 'password123');
      await page.click('#login-form button[type=submit]');
      await page.locator('#channel-list li[data-name=general]').waitFor();
      await page.locator('body[data-live=live]').waitFor();
      await page.click('#channel-list li[data-name="general"] a');
      await page.locator('#messages .message').first().waitFor();

      // An agent posts over the Web API: it appears in the open page without a reload.
      const text = `Deployed from the agent ${Date.now()}`;
      const posted = performance.now();
      await bot.chat.postMessage({ channel: GENERAL, text });
      await page.locator('#messages .message .text', { hasText: text }).waitFor({ timeout: 5_000 });
      const liveMs = performance.now() - posted;
      expect(liveMs).toBeLessThan(1_000);

      // A person types in the browser: the agent reads it over the Web API.
      const typed = `Thanks from the browser ${Date.now()}`;
      await page.fill('#composer-input', typed);
      await page.keyboard.press('Enter');
      await page.locator('#messages .message .text', { hasText: typed }).waitFor();
      const history = await bot.conversations.history({ channel: GENERAL, limit: 5 });
      expect(history.messages?.map((m) => m.text)).toContain(typed);
      await page.screenshot({ path: join(SCREENSHOTS, 'live-in-container.png') });
    } finally {
      await context.close();
    }
  });
});
