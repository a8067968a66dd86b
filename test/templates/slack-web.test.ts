import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebClient } from '@slack/web-api';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../templates/_shared/crypto.js';
import { createSlackApp } from '../../templates/slack/backend/app.js';
import { slackTemplate } from '../../templates/slack/backend/template.js';
import type { SlackTokens } from '../../templates/slack/backend/tokens.js';
import { sessionCookieName } from '../../templates/slack/backend/web/session-cookie.js';
import { SESSION_LIFETIME_MS, WebSessions } from '../../templates/slack/backend/web/web-sessions.js';
import { ACME_PASSWORD } from '../../templates/slack/fixtures/acme-corp.js';
import { createFrontendServer } from '../../templates/slack/frontend/frontend-server.js';
import { type CloneInfra, startCloneInfra } from '../support/clone-db.js';
import { type RunningBackend, startBackend } from './harness.js';
import { GENERAL } from './slack-support.js';

/**
 * The `full` mode web client end to end: the backend and the frontend server in-process,
 * headless Chromium driving the page, the Web API (as the bot) on the other side.
 */
type SlackBackend = RunningBackend<object, SlackTokens>;

const DANA = { id: 'U0ACME00D01', email: 'dana@acme.test' };
const PRIYA = { id: 'U0ACME00P03', email: 'priya@acme.test' };
const SCREENSHOTS = fileURLToPath(new URL('../../test-results/slack-web/', import.meta.url));
// The secret the CLI hands the frontend and (hashed) the backend in `full` mode.
const FRONTEND_SECRET = 'test-frontend-secret';
const CLONE_ID = 'slack_web';
const COOKIE = sessionCookieName(CLONE_ID);

let infra: CloneInfra;
let backend: SlackBackend;
let tokens: SlackTokens;
let bot: WebClient;
let frontend: ReturnType<typeof createFrontendServer>;
let origin: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  infra = await startCloneInfra();
  backend = (await startBackend(infra, {
    template: slackTemplate,
    createApp: (deps) =>
      createSlackApp({
        ...deps,
        config: { ...deps.config, frontendSecretSha256: sha256Hex(FRONTEND_SECRET) },
        rateLimits: { enabled: false },
      }),
    database: CLONE_ID,
    seedFixture: 'acme-corp',
  })) as SlackBackend;
  tokens = (await backend.admin('/tokens')).body as SlackTokens;
  bot = new WebClient(tokens.botToken, { slackApiUrl: `${backend.url}/api/`, retryConfig: { retries: 0 } });
  frontend = createFrontendServer({
    backendUrl: new URL(backend.url),
    staticDir: fileURLToPath(new URL('../../templates/slack/frontend/public', import.meta.url)),
    log: () => undefined,
    frontendSecret: FRONTEND_SECRET,
    cloneId: CLONE_ID,
  });
  await new Promise<void>((resolve) => frontend.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(frontend.address() as AddressInfo).port}`;
  await mkdir(SCREENSHOTS, { recursive: true });
  // Playwright gives every launch a fresh temporary profile (its own --user-data-dir).
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
}, 180_000);

afterAll(async () => {
  const problems =
    backend?.log.lines.filter(
      (line) => /failed|error/i.test(line) && !line.startsWith('web: failed sign-in'),
    ) ?? [];
  if (problems.length > 0) console.error(`backend log:\n${problems.join('\n')}`);
  await browser?.close();
  frontend?.closeAllConnections();
  if (frontend) await new Promise((resolve) => frontend.close(resolve));
  await backend?.close();
  // pool.end() resolves before its sockets have closed; stopping Postgres under a closing
  // client surfaces as an uncaught 57P01. A moment lets them finish (harness-level race).
  await new Promise((resolve) => setTimeout(resolve, 300));
  await infra?.stop();
});

// What the page's Content-Security-Policy refused: the client must need none of it.
let cspViolations: string[] = [];

afterEach(async () => {
  await context?.close();
  const refused = cspViolations;
  cspViolations = [];
  expect(refused).toEqual([]);
});

/** A fresh browser session (own cookies) at a laptop's size. */
async function openPage(): Promise<Page> {
  context = await browser.newContext({ viewport: { width: 1366, height: 820 }, timezoneId: 'UTC' });
  page = await context.newPage();
  page.on('pageerror', (error) => console.error('page error:', error.message));
  page.on('console', (line) => {
    if (/Content Security Policy/i.test(line.text())) cspViolations.push(line.text());
  });
  // Closing a page aborts its event stream: only other failures are worth a line.
  page.on('requestfailed', (request) => {
    const reason = request.failure()?.errorText ?? '';
    if (reason !== 'net::ERR_ABORTED') console.error('request failed:', request.url(), reason);
  });
  await page.goto(origin);
  return page;
}

async function signIn(email: string, password = ACME_PASSWORD): Promise<Page> {
  const p = await openPage();
  await p.fill('#login-form [name=email]', email);
  await p.fill('#login-form [name=password]', password);
  await p.click('#login-form button[type=submit]');
  await p.locator('#channel-list li[data-name=general]').waitFor();
  await p.locator('body[data-live=live]').waitFor();
  return p;
}

async function openChannel(p: Page, name: string) {
  await p.click(`#channel-list li[data-name="${name}"] a`);
  await p.locator(`#channel-header .channel-title:has-text("${name}")`).waitFor();
  await p.locator('#messages .message').first().waitFor();
}

const message = (p: Page, text: string, list = '#messages') =>
  p.locator(`${list} .message`, { has: p.locator('.text', { hasText: text }) });

const shot = (p: Page, name: string) => p.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });

async function history(channel: string) {
  return (await bot.conversations.history({ channel, limit: 20 })).messages ?? [];
}

describe('slack web client', () => {
  it('refuses a wrong password and signs in as a seeded user', async () => {
    const p = await openPage();
    await p.locator('#login-form').waitFor();
    await p.fill('#login-form [name=email]', DANA.email);
    await p.fill('#login-form [name=password]', 'not-the-password');
    await p.click('#login-form button[type=submit]');
    await p.locator('.login-error:has-text("do not match")').waitFor();
    expect(await p.locator('#login-form h1').textContent()).toContain('Acme Corp');
    await shot(p, '01-login-error');

    await p.fill('#login-form [name=password]', ACME_PASSWORD);
    await p.click('#login-form button[type=submit]');
    await p.locator('#channel-list li[data-name=general]').waitFor();
    expect(await p.locator('.sidebar .workspace-name').textContent()).toBe('Acme Corp');
    expect(await p.locator('#dm-list li').count()).toBeGreaterThan(0);
    expect(await p.locator('#user-menu-button').textContent()).toContain('Dana');
    // The session is the person's own, in an HttpOnly cookie, and stored only as a hash.
    const cookies = await context.cookies();
    const session = cookies.find((cookie) => cookie.name === COOKIE);
    expect(session?.httpOnly).toBe(true);
    const { rows } = await backend.pool.query('SELECT token_sha256, user_id FROM asym.web_sessions');
    expect(rows.some((row) => row.user_id === DANA.id)).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(session?.value);
    await p.locator('#messages .message').first().waitFor();
    await shot(p, '02-signed-in');
  });

  it('sends a message with Enter that the Web API then reads', async () => {
    const p = await signIn(DANA.email);
    await openChannel(p, 'general');
    const text = `Hello from the browser ${Date.now()}`;
    await p.fill('#composer-input', text);
    await p.press('#composer-input', 'Enter');
    await message(p, text).waitFor();
    expect(await p.inputValue('#composer-input')).toBe('');
    const found = (await history(GENERAL)).find((m) => m.text === text);
    expect(found?.user).toBe(DANA.id);
    expect(await message(p, text).locator('.author').textContent()).toContain('Dana');
    await shot(p, '03-sent');
  });

  it('shows a message the bot posts through the Web API within a second, without reload', async () => {
    const p = await signIn(DANA.email);
    await openChannel(p, 'general');
    const text = `Deploy finished ${Date.now()}`;
    const started = Date.now();
    await bot.chat.postMessage({ channel: GENERAL, text });
    await message(p, text).waitFor({ timeout: 1_000 });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await message(p, text).locator('.bot-tag').count()).toBe(1);
    await shot(p, '04-live');
  });

  it('marks channels unread until they are opened (conversations.mark)', async () => {
    const p = await signIn(DANA.email);
    const engineering = (await bot.conversations.list({ limit: 200 })).channels?.find(
      (c) => c.name === 'engineering',
    );
    const link = p.locator('#channel-list li[data-name=engineering] a');
    await bot.chat.postMessage({ channel: engineering?.id ?? '', text: 'Nightly build is red' });
    await p.locator('#channel-list li[data-name=engineering] a.unread').waitFor({ timeout: 2_000 });
    await openChannel(p, 'engineering');
    await p.waitForFunction(
      () => !document.querySelector('#channel-list li[data-name=engineering] a.unread'),
    );
    await openChannel(p, 'general');
    const dana = new WebClient(tokens.userToken, {
      slackApiUrl: `${backend.url}/api/`,
      retryConfig: { retries: 0 },
    });
    const newest = (await bot.conversations.history({ channel: engineering?.id ?? '', limit: 1 }))
      .messages?.[0];
    await expect
      .poll(
        async () => (await dana.conversations.info({ channel: engineering?.id ?? '' })).channel?.last_read,
      )
      .toBe(newest?.ts);

    await bot.chat.postMessage({ channel: engineering?.id ?? '', text: 'CI is green again' });
    await p.locator('#channel-list li[data-name=engineering] a.unread').waitFor({ timeout: 2_000 });
    expect(await link.getAttribute('class')).toContain('unread');
    await shot(p, '05-unread');
    // A reload keeps the marker: it comes from last_read, not from the page's memory.
    await p.reload();
    await p.locator('#channel-list li[data-name=engineering] a.unread').waitFor();
  });

  it('mentions people with @ autocomplete', async () => {
    const p = await signIn(DANA.email);
    await openChannel(p, 'general');
    await p.click('#composer-input');
    await p.keyboard.type('Thanks @pri');
    await p.locator('.mention-popup li[data-name=priya]').waitFor();
    await shot(p, '06-mention-autocomplete');
    await p.keyboard.press('Enter');
    const token = Date.now();
    await p.keyboard.type(`for the review ${token}`);
    await p.keyboard.press('Enter');
    const sent = message(p, String(token));
    await sent.waitFor();
    expect(await sent.locator('.mention').textContent()).toBe('@priya');
    const found = (await history(GENERAL)).find((m) => m.text?.includes(String(token)));
    expect(found?.text).toBe(`Thanks <@${PRIYA.id}> for the review ${token}`);
  });

  it('adds and removes reactions', async () => {
    const p = await signIn(DANA.email);
    await openChannel(p, 'general');
    const text = `React to me ${Date.now()}`;
    const { ts } = await bot.chat.postMessage({ channel: GENERAL, text });
    const row = message(p, text);
    await row.waitFor();
    await row.hover();
    await row.locator('[data-action=react]').click();
    await p.click('.emoji-picker [data-name=tada]');
    await row.locator('.reaction.mine[data-name=tada]').waitFor();
    const reacted = (await history(GENERAL)).find((m) => m.ts === ts);
    expect(reacted?.reactions).toEqual([{ name: 'tada', users: [DANA.id], count: 1 }]);

    // The bot's reaction, through the API, shows up live; clicking ours removes it.
    await bot.reactions.add({ channel: GENERAL, timestamp: ts ?? '', name: 'eyes' });
    await row.locator('.reaction[data-name=eyes]').waitFor({ timeout: 2_000 });
    await shot(p, '07-reactions');
    await row.locator('.reaction[data-name=tada]').click();
    await row.locator('.reaction[data-name=tada]').waitFor({ state: 'detached' });
    const after = (await history(GENERAL)).find((m) => m.ts === ts);
    expect(after?.reactions?.map((r) => r.name)).toEqual(['eyes']);
  });

  it('replies in a thread in the side panel', async () => {
    const p = await signIn(DANA.email);
    await openChannel(p, 'general');
    const text = `Thread starter ${Date.now()}`;
    const { ts } = await bot.chat.postMessage({ channel: GENERAL, text });
    const row = message(p, text);
    await row.waitFor();
    await row.hover();
    await row.locator('[data-action=reply]').click();
    await p.locator('#thread-panel').waitFor();
    await message(p, text, '#thread-messages').waitFor();
    await p.fill('#thread-input', 'On it, replying in thread');
    await p.press('#thread-input', 'Enter');
    await message(p, 'On it, replying in thread', '#thread-messages').waitFor();
    await row.locator('.thread-summary:has-text("1 reply")').waitFor();
    const replies = await bot.conversations.replies({ channel: GENERAL, ts: ts ?? '' });
    expect(replies.messages?.map((m) => [m.user, m.text])).toEqual([
      [tokens.botUserId, text],
      [DANA.id, 'On it, replying in thread'],
    ]);
    // A reply the bot posts appears live in the open thread.
    await bot.chat.postMessage({ channel: GENERAL, thread_ts: ts ?? '', text: 'Bot follow-up in thread' });
    await message(p, 'Bot follow-up in thread', '#thread-messages').waitFor({ timeout: 2_000 });
    await row.locator('.thread-summary:has-text("2 replies")').waitFor();
    // "Also send to #general" posts the reply to the channel too (reply_broadcast).
    await p.check('#thread-broadcast');
    await p.fill('#thread-input', 'Shipping it today, heads up everyone');
    await p.press('#thread-input', 'Enter');
    await message(p, 'Shipping it today, heads up everyone').locator('.broadcast-note').waitFor();
    await shot(p, '08-thread');
  });

  it('edits and deletes own messages', async () => {
    const p = await signIn(DANA.email);
    await openChannel(p, 'general');
    const text = `Typo here ${Date.now()}`;
    await p.fill('#composer-input', text);
    await p.press('#composer-input', 'Enter');
    const row = p.locator('#messages .message.mine').last();
    await message(p, text).waitFor();
    await row.hover();
    await row.locator('[data-action=edit]').click();
    await p.fill('.edit-input', `${text} (fixed)`);
    await p.press('.edit-input', 'Enter');
    await message(p, `${text} (fixed)`).locator('.edited').waitFor();
    const edited = (await history(GENERAL)).find((m) => m.text === `${text} (fixed)`);
    expect(edited?.edited?.user).toBe(DANA.id);
    await shot(p, '09-edited');

    await message(p, `${text} (fixed)`).hover();
    await message(p, `${text} (fixed)`).locator('[data-action=delete]').click();
    await p.click('#delete-dialog [data-action=confirm-delete]');
    await message(p, `${text} (fixed)`).waitFor({ state: 'detached' });
    expect((await history(GENERAL)).some((m) => m.ts === edited?.ts)).toBe(false);
    // Others' messages offer no edit or delete.
    const theirs = p.locator('#messages .message:not(.mine):not(.system-message)').last();
    await theirs.hover();
    expect(await theirs.locator('[data-action=edit]').count()).toBe(0);
  });

  it('creates a channel, and another person browses and joins it', async () => {
    const name = `web-test-${Date.now() % 100_000}`;
    const dana = await signIn(DANA.email);
    await dana.click('#add-channel');
    await dana.fill('#create-channel-dialog [name=channel-name]', name);
    await dana.click('#create-channel-dialog [data-action=create]');
    await dana.locator(`#channel-list li[data-name="${name}"] a.active`).waitFor();
    await dana.fill('#composer-input', 'First post in the new channel');
    await dana.press('#composer-input', 'Enter');
    await message(dana, 'First post in the new channel').waitFor();
    await shot(dana, '10-created-channel');
    await context.close();

    const priya = await signIn(PRIYA.email);
    await priya.click('#browse-channels');
    await priya.locator('#browse-dialog li[data-name=general]').waitFor();
    await shot(priya, '10-browse-channels');
    await priya.fill('#browse-dialog [name=filter]', name);
    await priya.click(`#browse-dialog li[data-name="${name}"] button.join`);
    await priya.locator(`#channel-list li[data-name="${name}"] a.active`).waitFor();
    await message(priya, 'First post in the new channel').waitFor();
    await shot(priya, '11-joined-channel');
    const info = await bot.conversations.list({ limit: 500 });
    const created = info.channels?.find((c) => c.name === name);
    const members = await bot.conversations.members({ channel: created?.id ?? '' });
    expect(members.members).toEqual(expect.arrayContaining([DANA.id, PRIYA.id]));
  });

  it('shows files shared through the Web API, and opens them with the session', async () => {
    const p = await signIn(DANA.email);
    await openChannel(p, 'general');
    // A 1×1 PNG and a CSV, shared by the bot the way the SDK uploads (upload URL, then complete).
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
      'base64',
    );
    await bot.filesUploadV2({
      channel_id: GENERAL,
      initial_comment: 'Weekly numbers attached',
      file_uploads: [
        { file: Buffer.from('week,revenue\n12,4200\n'), filename: 'numbers.csv', title: 'numbers.csv' },
        { file: png, filename: 'pixel.png', title: 'pixel.png' },
      ],
    });
    const row = message(p, 'Weekly numbers attached');
    await row.waitFor({ timeout: 3_000 });
    await row.locator('.file-card:has-text("numbers.csv")').waitFor();
    await row.locator('img.file-preview[alt="pixel.png"]').waitFor();
    const href = await row.locator('.file-card a.file-name:has-text("numbers.csv")').getAttribute('href');
    const csv = await p.evaluate(async (url) => (await fetch(url ?? '')).text(), href);
    expect(csv).toBe('week,revenue\n12,4200\n');
    // Without the session the same link is refused.
    expect((await fetch(`${origin}${href}`)).status).toBe(401);
    await shot(p, '12-files');
  });

  it('searches messages, jumps to one, and starts a direct message from a profile', async () => {
    const p = await signIn(DANA.email);
    const text = `Quarterly badger report ${Date.now()}`;
    await bot.chat.postMessage({ channel: GENERAL, text });
    await p.fill('#search-input', 'badger');
    await p.press('#search-input', 'Enter');
    const result = p.locator('.search-result', { hasText: text });
    await result.waitFor();
    expect(await result.locator('.result-channel').textContent()).toContain('#general');
    await shot(p, '13-search');
    await result.click();
    await p.locator('#channel-header .channel-title:has-text("general")').waitFor();
    await p.locator('#messages .message.highlight', { hasText: text }).waitFor();

    // A person's profile, from their name on a message, offers a direct message.
    const byPriya = p.locator(`#messages .message[data-user="${PRIYA.id}"] .author`).first();
    await byPriya.click();
    await p.locator('.profile:has-text("Senior Software Engineer")').waitFor();
    await shot(p, '14-profile');
    await p.click('.profile button:has-text("Message")');
    await p.locator('#channel-header .channel-title:has-text("Priya")').waitFor();
    await p.fill('#composer-input', 'Quick question about the release');
    await p.press('#composer-input', 'Enter');
    await message(p, 'Quick question about the release').waitFor();
    const user = new WebClient(tokens.userToken, {
      slackApiUrl: `${backend.url}/api/`,
      retryConfig: { retries: 0 },
    });
    const im = (await user.conversations.list({ types: 'im', limit: 200 })).channels?.find(
      (c) => c.user === PRIYA.id,
    );
    const latest = (await user.conversations.history({ channel: im?.id ?? '', limit: 1 })).messages?.[0];
    expect(latest?.text).toBe('Quick question about the release');

    // The "+" next to Direct messages finds anyone by name.
    await p.click('#new-message');
    await p.fill('#new-message-dialog [name=filter]', 'lena');
    await p.click('#new-message-dialog li[data-name=lena] button.message-person');
    await p.locator('#channel-header .channel-title:has-text("Lena")').waitFor();
    await p.locator('#dm-list li a.active:has-text("Lena")').waitFor();
  });

  it('pins messages, lists members and leaves a channel', async () => {
    const p = await signIn(DANA.email);
    await openChannel(p, 'general');
    const text = `Pin me ${Date.now()}`;
    const { ts } = await bot.chat.postMessage({ channel: GENERAL, text });
    const row = message(p, text);
    await row.waitFor();
    await row.hover();
    await row.locator('[data-action=pin]').click();
    await row.locator('.pinned-note').waitFor();
    const pins = await bot.pins.list({ channel: GENERAL });
    expect(pins.items?.some((item) => item.message?.ts === ts)).toBe(true);
    // Unpinned through the API: the page follows.
    await bot.pins.remove({ channel: GENERAL, timestamp: ts ?? '' });
    await row.locator('.pinned-note').waitFor({ state: 'detached', timeout: 2_000 });

    await p.click('#channel-members');
    await p.locator(`.member-list li[data-user="${PRIYA.id}"]`).waitFor();
    await shot(p, '15-members');
    await p.keyboard.press('Escape');

    await openChannel(p, 'design');
    await p.click('#leave-channel');
    await p.locator('#channel-list li[data-name=design]').waitFor({ state: 'detached' });
    const design = (await bot.conversations.list({ limit: 200 })).channels?.find((c) => c.name === 'design');
    const members = await bot.conversations.members({ channel: design?.id ?? '' });
    expect(members.members).not.toContain(DANA.id);
  });

  it('loads older history when scrolled to the top', async () => {
    const p = await signIn(DANA.email);
    // A channel with more than one page of history.
    const channels = (await bot.conversations.list({ limit: 200 })).channels ?? [];
    let busiest = '';
    for (const c of channels) {
      const page = await bot.conversations.history({ channel: c.id ?? '', limit: 50 }).catch(() => null);
      if (page?.has_more) busiest = c.name ?? '';
      if (busiest) break;
    }
    expect(busiest).not.toBe('');
    await openChannel(p, busiest);
    const before = await p.locator('#messages .message').count();
    // Scrolling to the top fetches the next page (conversations.history with the cursor).
    await expect
      .poll(
        async () => {
          await p.locator('#messages').evaluate((list) => {
            list.scrollTop = 0;
          });
          return p.locator('#messages .message').count();
        },
        { timeout: 10_000, interval: 300 },
      )
      .toBeGreaterThan(before);
    await shot(p, '16-older-history');
  });

  it('signs out and the session stops working', async () => {
    const p = await signIn(DANA.email);
    const cookie = (await context.cookies()).find((c) => c.name === COOKIE);
    await p.click('#user-menu-button');
    await p.click('#logout');
    await p.locator('#login-form').waitFor();
    const status = await p.evaluate(async () => (await fetch('/_asym/web/session')).status);
    expect(status).toBe(401);
    // The old cookie is revoked, not only forgotten by the browser.
    const replayed = await fetch(`${origin}/_asym/web/api/auth.test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `${COOKIE}=${cookie?.value}` },
      body: '{}',
    });
    expect(await replayed.json()).toMatchObject({ ok: false, error: 'not_authed' });
    await p.reload();
    await p.locator('#login-form').waitFor();
    await shot(p, '17-signed-out');
  });

  it('streams only what the viewer may see, and lets go of the stream when the page leaves', async () => {
    const login = await fetch(`${origin}/_asym/web/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: PRIYA.email, password: ACME_PASSWORD }),
    });
    expect(login.status).toBe(200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const abort = new AbortController();
    const stream = await fetch(`${origin}/_asym/web/events`, { headers: { cookie }, signal: abort.signal });
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const reader = stream.body?.getReader();
    const decoder = new TextDecoder();
    let received = '';
    const until = async (needle: string) => {
      while (!received.includes(needle)) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) throw new Error(`stream ended before ${needle}; got ${received}`);
        received += decoder.decode(chunk.value);
      }
    };
    await until('event: ready');
    // Priya is not in #leadership (private): Dana's post there must not reach her stream.
    const user = new WebClient(tokens.userToken, {
      slackApiUrl: `${backend.url}/api/`,
      retryConfig: { retries: 0 },
    });
    const leadership = (
      await user.conversations.list({ types: 'private_channel', limit: 200 })
    ).channels?.find((c) => c.name === 'leadership');
    await user.chat.postMessage({ channel: leadership?.id ?? '', text: 'Comp review notes' });
    const { ts } = await bot.chat.postMessage({ channel: GENERAL, text: 'Visible to everyone' });
    await until(`"ts":"${ts}"`);
    expect(received).toContain(`"channel":"${GENERAL}"`);
    expect(received).not.toContain(leadership?.id);
    expect(received).not.toContain('Visible to everyone');
    const listening = async () =>
      (
        await backend.pool.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query ILIKE 'LISTEN asym_web_live%'",
        )
      ).rows[0].n;
    expect(await listening()).toBe(1);
    abort.abort();

    // With every page gone, the backend closes its LISTEN connection (after a short grace).
    await context?.close();
    await expect.poll(listening, { timeout: 15_000, interval: 500 }).toBe(0);
  }, 30_000);

  it('follows a reset of the clone without a reload: the reset signs everyone out', async () => {
    const p = await signIn(DANA.email);
    await openChannel(p, 'general');
    const text = `Before the reset ${Date.now()}`;
    await bot.chat.postMessage({ channel: GENERAL, text });
    await message(p, text).waitFor();
    expect((await backend.admin('/reset')).status).toBe(200);
    // A trial starts signed out: the open page goes back to sign-in by itself.
    await p.locator('#login-view:not([hidden]) #login-form').waitFor({ timeout: 5_000 });
    const { rows } = await backend.pool.query('SELECT count(*)::int AS n FROM asym.web_sessions');
    expect(rows[0].n).toBe(0);
    await p.fill('#login-form [name=email]', DANA.email);
    await p.fill('#login-form [name=password]', ACME_PASSWORD);
    await p.click('#login-form button[type=submit]');
    await openChannel(p, 'general');
    expect(await message(p, text).count()).toBe(0);
  });
});

describe('web routes: only through the frontend', () => {
  const login = (base: string, email: string, password: string, headers: Record<string, string> = {}) =>
    fetch(`${base}/_asym/web/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ email, password }),
    });

  it('answers like an unknown route on the API port, even with a guessed secret', async () => {
    for (const headers of [{}, { 'x-asym-frontend-secret': 'guess' }] as Record<string, string>[]) {
      const direct = await login(backend.url, DANA.email, ACME_PASSWORD, headers);
      expect(direct.status).toBe(404);
      expect(await direct.json()).toEqual({ ok: false, error: 'unknown_method' });
      expect(direct.headers.get('set-cookie')).toBeNull();
    }
    for (const path of ['/_asym/web/session', '/_asym/web/events']) {
      expect((await fetch(`${backend.url}${path}`)).status).toBe(404);
    }
    const call = await fetch(`${backend.url}/_asym/web/api/auth.test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(call.status).toBe(404);
    // The frontend's way in works, and a session cookie does not open the API port either.
    const through = await login(origin, DANA.email, ACME_PASSWORD);
    expect(through.status).toBe(200);
    const cookie = (through.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(cookie.startsWith(`${COOKIE}=xoxc-`)).toBe(true);
    const replay = await fetch(`${backend.url}/_asym/web/api/auth.test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: '{}',
    });
    expect(replay.status).toBe(404);
  });

  it('throttles failed sign-ins per account with 429 and Retry-After', async () => {
    const email = 'kenji@acme.test';
    for (let attempt = 0; attempt < 5; attempt++) {
      expect((await login(origin, email, `wrong-${attempt}`)).status).toBe(401);
    }
    const refused = await login(origin, email, ACME_PASSWORD);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({ ok: false, error: 'ratelimited' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another account is not held back by kenji's failures.
    expect((await login(origin, 'omar@acme.test', ACME_PASSWORD)).status).toBe(200);
  });

  it('counts guesses sent in parallel before any of them is checked', async () => {
    const guesses = await Promise.all(
      Array.from({ length: 10 }, (_, n) => login(origin, 'rachel@acme.test', `parallel-${n}`)),
    );
    const statuses = guesses.map((response) => response.status).sort();
    expect(statuses).toEqual([...Array(5).fill(401), ...Array(5).fill(429)]);
  });

  it('expires a session 12 hours after sign-in', async () => {
    let now = Date.now();
    const sessions = new WebSessions(backend.pool, () => now);
    const opened = await sessions.login(PRIYA.email, ACME_PASSWORD);
    expect(opened?.expiresAt).toBe(now + SESSION_LIFETIME_MS);
    expect((await sessions.resolve(opened?.token))?.caller.userId).toBe(PRIYA.id);
    now += SESSION_LIFETIME_MS - 1_000;
    expect(await sessions.resolve(opened?.token)).not.toBeNull();
    now += 2_000;
    expect(await sessions.resolve(opened?.token)).toBeNull();
  });

  it('serves the page with a CSP and no framing, and no inline script in it', async () => {
    for (const path of ['/', '/app.js', '/styles.css', '/no-such-page']) {
      const response = await fetch(`${origin}${path}`);
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('same-origin');
    }
    const html = await (await fetch(origin)).text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\son[a-z]+=|\sstyle=/i);
  });
});
