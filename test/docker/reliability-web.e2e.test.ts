import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RealHome, realHome } from '../support/real-cli.js';

/**
 * Issue 10, case 7 (and issue 11, case 2): the web client's routes cannot be used to act as
 * someone else. On clones the built CLI spins: the web routes exist only behind the frontend,
 * sign-ins are throttled, sessions end at reset/seed/reprovision, count against the tier
 * limits, and two clones' cookies on one host do not clash; the pages carry a CSP.
 */
const PASSWORD = 'password123';
const DANA = { id: 'U0ACME00D01', email: 'dana@acme.test' };
const PRIYA = { id: 'U0ACME00P03', email: 'priya@acme.test' };

let home: RealHome;
let browser: Browser;
// biome-ignore lint/suspicious/noExplicitAny: CLI JSON
let full: any;
// biome-ignore lint/suspicious/noExplicitAny: CLI JSON
let second: any;
// biome-ignore lint/suspicious/noExplicitAny: CLI JSON
let api: any;

async function spin(...args: string[]) {
  const run = await home.run('spin', 'slack', '--seed', 'acme-corp', ...args, '--json');
  expect(run.exitCode, run.stderr).toBe(0);
  return run.json();
}

const webOrigin = (clone: { endpoints: { web: string } }) => clone.endpoints.web.replace(/\/$/, '');
const apiOrigin = (clone: { ports: { backend: number } }) => `http://127.0.0.1:${clone.ports.backend}`;

function login(origin: string, email: string, password: string) {
  return fetch(`${origin}/_asym/web/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
}

/** Signs in through the frontend; the `name=value` of the session cookie it set. */
async function signIn(origin: string, email: string): Promise<string> {
  const response = await login(origin, email, PASSWORD);
  expect(response.status).toBe(200);
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  expect(cookie).toMatch(/=xoxc-/);
  return cookie;
}

async function webCall(origin: string, cookie: string, method: string, args: object = {}) {
  const response = await fetch(`${origin}/_asym/web/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify(args),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

async function sessionUser(origin: string, cookie: string): Promise<string | null> {
  const response = await fetch(`${origin}/_asym/web/session`, { headers: { cookie } });
  const body = await response.json();
  return response.status === 200 && body.ok ? body.user.id : null;
}

beforeAll(async () => {
  home = realHome();
  // `full` keeps Slack's tier limits on (the default); `second` is a neighbour on the same host.
  full = await spin('--mode', 'full');
  second = await spin('--mode', 'full', '--no-rate-limits');
  api = await spin('--mode', 'api', '--no-rate-limits');
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

describe('slack web routes on spun clones', () => {
  it('answer like an unknown route on the API port, in api and in full mode', async () => {
    for (const clone of [api, full]) {
      const origin = apiOrigin(clone);
      const signedIn = await login(origin, DANA.email, PASSWORD);
      expect(signedIn.status).toBe(404);
      expect(await signedIn.json()).toEqual({ ok: false, error: 'unknown_method' });
      expect(signedIn.headers.get('set-cookie')).toBeNull();
      const called = await fetch(`${origin}/_asym/web/api/chat.postMessage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-asym-frontend-secret': 'guess' },
        body: JSON.stringify({ channel: 'C0ACME0GEN1', text: 'as dana' }),
      });
      expect(called.status).toBe(404);
      expect(await called.json()).toEqual({ ok: false, error: 'unknown_method' });
      for (const path of ['/_asym/web/session', '/_asym/web/events', '/_asym/web/files/F1/x']) {
        expect((await fetch(`${origin}${path}`)).status).toBe(404);
      }
    }
    // An api-mode clone has no frontend: nothing publishes the web client at all.
    expect(api.endpoints.web ?? null).toBeNull();
  });

  it('sign in through the frontend, with a cookie named after the clone', async () => {
    const response = await login(webOrigin(full), DANA.email, PASSWORD);
    expect(response.status).toBe(200);
    const setCookie = response.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(new RegExp(`^asym_slack_session_${full.id}=xoxc-`));
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Expires=/i);
    const cookie = setCookie.split(';')[0] ?? '';
    expect(await sessionUser(webOrigin(full), cookie)).toBe(DANA.id);
    expect((await webCall(webOrigin(full), cookie, 'auth.test')).body).toMatchObject({
      ok: true,
      user_id: DANA.id,
    });
  });

  it('serve the pages with a CSP, no framing, nosniff and a referrer policy', async () => {
    for (const path of ['/', '/app.js', '/styles.css', '/some/client/route']) {
      const response = await fetch(`${webOrigin(full)}${path}`);
      expect(response.status).toBe(200);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).toContain("frame-ancestors 'none'");
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('same-origin');
    }
  });

  it('keep two clones on one host apart: one cookie jar, both sessions stay valid', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 820 } });
    try {
      const signInPage = async (origin: string, email: string) => {
        const page = await context.newPage();
        await page.goto(origin);
        await page.fill('#login-form [name=email]', email);
        await page.fill('#login-form [name=password]', PASSWORD);
        await page.click('#login-form button[type=submit]');
        await page.locator('#channel-list li[data-name=general]').waitFor();
        return page;
      };
      const first = await signInPage(webOrigin(full), DANA.email);
      const other = await signInPage(webOrigin(second), PRIYA.email);
      const whoAmI = (page: typeof first) =>
        page.evaluate(async () => {
          // Retried like the client's reads: Chromium aborts a request when a network
          // interface comes or goes (ERR_NETWORK_CHANGED), as Docker's do on a busy engine.
          for (let attempt = 0; ; attempt++) {
            try {
              const body = await (await fetch('/_asym/web/session')).json();
              return body.ok ? body.user.id : body.error;
            } catch (error) {
              if (attempt >= 3) throw error;
              await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
            }
          }
        });
      // Cookies ignore ports: the browser holds both clones' cookies for 127.0.0.1.
      const names = (await context.cookies()).map((c) => c.name).sort();
      expect(names).toEqual([`asym_slack_session_${full.id}`, `asym_slack_session_${second.id}`].sort());
      expect(await whoAmI(first)).toBe(DANA.id);
      expect(await whoAmI(other)).toBe(PRIYA.id);
      // Signing out of one leaves the other signed in.
      await other.click('#user-menu-button');
      await other.click('#logout');
      await other.locator('#login-form').waitFor();
      expect(await whoAmI(first)).toBe(DANA.id);
      expect(await whoAmI(other)).toBe('not_authed');
    } finally {
      await context.close();
    }
  });

  it('count a session’s Web API calls against the tier limits', async () => {
    const cookie = await signIn(webOrigin(full), 'tom@acme.test');
    // The limits count in fixed one-minute windows: start early in one, so all calls share it.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 45_000) await new Promise((resolve) => setTimeout(resolve, 60_500 - intoMinute));
    // users.list is Tier 2: 20 a minute, then the 21st is refused.
    const statuses: number[] = [];
    for (let call = 0; call < 20; call++) {
      statuses.push((await webCall(webOrigin(full), cookie, 'users.list', { limit: 1 })).status);
    }
    expect(statuses).toEqual(Array(20).fill(200));
    const limited = await webCall(webOrigin(full), cookie, 'users.list', { limit: 1 });
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ ok: false, error: 'ratelimited' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Signing in again does not buy a fresh budget: the limit is the person's.
    const again = await signIn(webOrigin(full), 'tom@acme.test');
    expect((await webCall(webOrigin(full), again, 'users.list', { limit: 1 })).status).toBe(429);
  });

  it('end at `reset`, `seed` and `tokens --reprovision`', async () => {
    for (const command of [
      ['reset', full.id],
      ['seed', full.id, '--fixture', 'acme-corp'],
      ['tokens', full.id, '--reprovision', '--json'],
    ]) {
      const cookie = await signIn(webOrigin(full), DANA.email);
      expect(await sessionUser(webOrigin(full), cookie)).toBe(DANA.id);
      const run = await home.run(...command);
      expect(run.exitCode, `${command.join(' ')}: ${run.stderr}`).toBe(0);
      expect(await sessionUser(webOrigin(full), cookie)).toBeNull();
      expect((await webCall(webOrigin(full), cookie, 'auth.test')).body).toEqual({
        ok: false,
        error: 'not_authed',
      });
    }
  });

  it('throttle failed sign-ins: per account, then for the whole clone (429 with Retry-After)', async () => {
    const origin = webOrigin(second);
    for (let attempt = 0; attempt < 5; attempt++) {
      expect((await login(origin, DANA.email, `guess-${attempt}`)).status).toBe(401);
    }
    // The sixth try waits, even with the right password: a guess cannot be confirmed.
    const held = await login(origin, DANA.email, PASSWORD);
    expect(held.status).toBe(429);
    expect(await held.json()).toEqual({ ok: false, error: 'ratelimited' });
    const wait = Number(held.headers.get('retry-after'));
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60);
    // Another person still signs in.
    expect((await login(origin, PRIYA.email, PASSWORD)).status).toBe(200);

    // Spraying guesses across accounts meets the clone-wide cap (20 failures a minute).
    let failures = 5;
    for (let n = 0; failures < 20 && n < 30; n++) {
      const response = await login(origin, `nobody-${n}@acme.test`, PASSWORD);
      expect(response.status).toBe(401);
      failures++;
    }
    const capped = await login(origin, 'lena@acme.test', PASSWORD);
    expect(capped.status).toBe(429);
    expect(Number(capped.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
