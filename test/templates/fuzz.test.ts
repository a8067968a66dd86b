import { readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CloneBackendDeps } from '../../templates/_shared/backend-main.js';
import { createMemoryLogger } from '../../templates/_shared/log.js';
import { SLACK_METHODS } from '../../templates/slack/backend/methods/index.js';
import type { SlackTokens } from '../../templates/slack/backend/tokens.js';
import { ACME_BOT } from '../../templates/slack/fixtures/acme-corp.js';
import { createFrontendServer } from '../../templates/slack/frontend/frontend-server.js';
import { createStripeApp } from '../../templates/stripe/backend/app.js';
import { stripeTemplate } from '../../templates/stripe/backend/template.js';
import type { StripeIdentity, StripeTokens } from '../../templates/stripe/backend/tokens.js';
import { type CloneUnderTest, openClone } from './harness.js';
import { ENGINEERING, ENGINEERS, GENERAL, MARCUS, openSlackClone } from './slack-support.js';

/**
 * Bad input never gets a 5xx (issue 10, case 8): every Slack Web API method (the method
 * registry) and every Stripe route (the Hono app's route table) is sent the junk classes a
 * hostile or clumsy client sends, and must answer in the vendor's error shape. Runs
 * in-process (templates tier) and against spun containers (containers tier).
 */

const DEEP = 10_000;
const deepArray = `${'['.repeat(DEEP)}${']'.repeat(DEEP)}`;
const deepObject = `${'{"a":'.repeat(DEEP)}1${'}'.repeat(DEEP)}`;

/** A junk value: `json` is raw JSON text for a JSON body, `form` the raw form-encoded value. */
interface Junk {
  name: string;
  json?: string;
  form?: string;
}

const text = (value: string) => ({ json: JSON.stringify(value), form: encodeURIComponent(value) });

/**
 * The junk classes of the issue, for one value. Strings go both ways (a form post is how
 * the SDKs send them); typed values only in JSON bodies, where they can be typed.
 */
const junkFor = (baseline: string | undefined): Junk[] => [
  { name: 'nul', ...text('a\u0000b') },
  { name: 'nul-suffix', form: encodeURIComponent(`${baseline ?? 'x'}\u0000`) },
  { name: 'deep-array', json: deepArray, form: encodeURIComponent(deepArray) },
  { name: 'deep-object', json: deepObject },
  { name: 'huge-number', json: '1e309', form: '99999999999999999999999999' },
  { name: 'hex', form: '0x10' },
  { name: 'exponent', form: '1e3' },
  { name: 'wildcards', form: '%25_%25' },
  { name: 'malformed-json', form: encodeURIComponent('{"a":') },
  { name: 'overlong-utf8', form: '%C0%AF%E0%80%AF' },
  { name: 'bad-percent', form: '%zz%' },
  { name: 'lone-surrogate', json: '"\\ud800x"' },
  { name: 'long', form: 'x'.repeat(40_000) },
  { name: 'object', json: '{"a":{"b":[1,2]}}' },
  { name: 'array', json: '["a","b"]' },
  { name: 'fraction', json: '-1.5' },
];

// Classes that differ only in what Slack's argument parsing does with them.
const SLACK_ONLY = new Set(['nul-suffix', 'malformed-json', 'exponent']);

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: the vendor's JSON is checked field by field
  body: any;
  raw: string;
}

let sent = 0;

async function send(url: string, init: RequestInit): Promise<Answer> {
  sent++;
  const response = await fetch(url, init);
  const raw = await response.text();
  let body: unknown = null;
  try {
    body = JSON.parse(raw);
  } catch {}
  return { status: response.status, body, raw };
}

/** A request the WHATWG fetch cannot send: raw bytes on a socket; returns the status line's code. */
function sendRaw(port: number, request: Buffer): Promise<number> {
  sent++;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let head = '';
    socket.on('data', (chunk) => {
      head += chunk.toString('latin1');
      const match = /^HTTP\/1\.1 (\d{3})/.exec(head);
      if (match) {
        socket.destroy();
        resolve(Number(match[1]));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0)));
    socket.setTimeout(10_000, () => socket.destroy(new Error('raw request timed out')));
    socket.write(request);
  });
}

const short = (answer: Answer) => `${answer.status} ${answer.raw.slice(0, 160)}`;

/** Lines of a backend log that mean an unhandled error: the error handler's line or a stack. */
const unhandled = (lines: string[]) =>
  lines.filter((line) => / failed\b|^\s+at |RangeError|TypeError|Maximum call stack|uncaught/i.test(line));

/**
 * What went wrong, grouped by where and what (one junk class rarely fails alone), with a
 * count and the first example of each.
 */
class Findings {
  private readonly groups = new Map<string, { count: number; example: string }>();

  add(group: string, example: string): void {
    const known = this.groups.get(group);
    if (known) known.count++;
    else this.groups.set(group, { count: 1, example });
  }

  list(): string[] {
    return [...this.groups].map(([group, { count, example }]) => `${group} (x${count}), e.g. ${example}`);
  }
}

/** Runs `task` over `items`, `width` at a time: the clone's database work overlaps. */
async function inBatches<T>(items: readonly T[], width: number, task: (item: T) => Promise<void>) {
  for (let at = 0; at < items.length; at += width) await Promise.all(items.slice(at, at + width).map(task));
}

describe('Slack: junk to every method', () => {
  let clone: CloneUnderTest;
  let tokens: SlackTokens;
  let findings = new Findings();

  /** Slack's envelope: HTTP 200 `{ ok, error? }`, or a 4xx with `{ ok: false, error }`. */
  function slackShaped(answer: Answer): string | null {
    if (answer.status >= 500) return 'a 5xx';
    const body = answer.body;
    if (typeof body?.ok !== 'boolean') return 'not the Slack envelope';
    if (answer.status >= 400 && body.ok !== false) return 'a 4xx without ok: false';
    if (!body.ok && typeof body.error !== 'string') return 'no error string';
    if (body.error === 'internal_error') return 'internal_error';
    if (body.error === 'invalid_arguments' && !Array.isArray(body.response_metadata?.messages))
      return 'invalid_arguments without response_metadata.messages';
    return null;
  }

  const check = (where: string, junk: string, answer: Answer, extra?: (answer: Answer) => string | null) => {
    const problem = slackShaped(answer) ?? extra?.(answer) ?? null;
    if (problem) findings.add(`${where}: ${problem}`, `${junk}: ${short(answer)}`);
  };

  beforeEach(() => {
    findings = new Findings();
  });

  beforeAll(async () => {
    clone = await openSlackClone('slack_fuzz');
    tokens = (await clone.admin('/tokens')).body as SlackTokens;
  }, 600_000);

  afterAll(async () => {
    await clone?.close();
  });

  // Valid values by argument name, so the junk in one argument gets past the others.
  const BASELINE: Record<string, string> = {
    channel: ENGINEERING,
    channel_id: ENGINEERING,
    ts: '1700000000.000100',
    timestamp: '1700000000.000100',
    message_ts: '1700000000.000100',
    thread_ts: '1700000000.000100',
    name: 'eyes',
    users: MARCUS,
    user: MARCUS,
    text: 'hello',
    query: 'hello',
    email: 'marcus@acme.test',
    presence: 'away',
    topic: 't',
    purpose: 'p',
    title: 't',
    type: 'link',
    link: 'https://a.test',
    usergroup: ENGINEERS,
    time: 'in 1 hour',
    post_at: String(Math.floor(Date.now() / 1000) + 600),
    filename: 'a.txt',
    length: '3',
    bot: ACME_BOT.botId,
    limit: '5',
    cursor: 'dXNlcjpVMDYxTkZUVDI=',
  };

  const callForm = (
    method: string,
    token: string,
    args: Record<string, string>,
    junkField: string,
    junk: string,
  ) =>
    send(`${clone.url}/api/${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: [
        ...Object.entries(args)
          .filter(([key]) => key !== junkField)
          .map(([key, value]) => `${key}=${encodeURIComponent(value)}`),
        `${junkField}=${junk}`,
      ].join('&'),
    });

  const callJson = (
    method: string,
    token: string,
    args: Record<string, string>,
    junkField: string,
    junk: string,
  ) => {
    const rest = Object.fromEntries(Object.entries(args).filter(([key]) => key !== junkField));
    const head = JSON.stringify(rest).slice(0, -1);
    return send(`${clone.url}/api/${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: `${head}${head.length > 1 ? ',' : ''}${JSON.stringify(junkField)}:${junk}}`,
    });
  };

  it('every argument of every method, each junk class, as form and JSON: Slack errors, never a 5xx', async () => {
    // auth.revoke goes last: it revokes the token the rest use.
    const names = [...SLACK_METHODS.keys()].sort(
      (a, b) => Number(a === 'auth.revoke') - Number(b === 'auth.revoke'),
    );
    expect(names.length).toBeGreaterThan(60);
    const before = sent;
    for (const name of names) {
      const method = SLACK_METHODS.get(name);
      if (!method) continue;
      // Every argument the method reads, plus the token argument and one it does not know.
      const fields = [...method.argNames, 'token', 'zz_unknown'];
      const args = Object.fromEntries(
        method.argNames.flatMap((arg) => (BASELINE[arg] === undefined ? [] : [[arg, BASELINE[arg]]])),
      );
      await inBatches(fields, 4, async (field) => {
        for (const junk of junkFor(BASELINE[field])) {
          const nul = junk.name.startsWith('nul');
          const mustRefuse = (answer: Answer) =>
            nul && field !== 'token' && name !== 'auth.revoke' && answer.body?.error !== 'invalid_arguments'
              ? `a NUL byte answered ${answer.body?.error ?? 'ok'}, not invalid_arguments`
              : null;
          if (junk.form !== undefined) {
            const answer = await callForm(name, tokens.userToken, args, field, junk.form);
            check(`${name} ${field} (form)`, junk.name, answer, mustRefuse);
          }
          if (junk.json !== undefined && field !== 'token') {
            const answer = await callJson(name, tokens.userToken, args, field, junk.json);
            check(`${name} ${field} (json)`, junk.name, answer, mustRefuse);
          }
        }
      });
    }
    console.log(`fuzz: ${sent - before} junk requests to ${names.length} Slack methods`);
    expect(findings.list()).toEqual([]);
  }, 600_000);

  it('malformed bodies, content types, paths and encodings: Slack errors, never a 5xx', async () => {
    tokens = (await clone.admin('/tokens')).body as SlackTokens;
    const auth = { authorization: `Bearer ${tokens.botToken}` };
    const bodies: Array<[string, string]> = [
      ['application/json', '{"channel":'],
      ['application/json', '[1,2]'],
      ['application/json', '"text"'],
      ['application/json', deepArray],
      ['application/json', `{"attachments":${deepArray}}`],
      ['application/json', `{"metadata":${deepObject}}`],
      ['application/json', `{"blocks":[{"type":"section","fields":${deepArray}}]}`],
      ['application/json', '{"channel":"\\u0000"}'],
      ['application/x-www-form-urlencoded', '%%%&&&===&channel=%C0%80'],
      [
        'application/x-www-form-urlencoded',
        `blocks=${encodeURIComponent(`[{"type":"section","fields":${deepArray}}]`)}`,
      ],
      [
        'multipart/form-data; boundary=x',
        '--x\r\nContent-Disposition: form-data; name="channel"\r\n\r\nC\u0000\r\n--x--',
      ],
      ['multipart/form-data; boundary=x', 'not multipart at all'],
      ['multipart/form-data', '--x--'],
      ['text/plain', 'channel=%00'],
      ['application/xml', '<a/>'],
      ['', 'channel=C1'],
    ];
    for (const name of SLACK_METHODS.keys()) {
      if (name === 'auth.revoke') continue;
      for (const [type, body] of bodies) {
        const headers: Record<string, string> = { ...auth };
        if (type !== '') headers['content-type'] = type;
        const answer = await send(`${clone.url}/api/${name}`, { method: 'POST', headers, body });
        check(`POST ${type || '(no type)'} ${body.slice(0, 40)}`, name, answer);
      }
      for (const query of [
        'channel=%00',
        'cursor=%C0%AF',
        'limit=0x10',
        'channel=%',
        `types=${'a,'.repeat(5000)}`,
      ]) {
        check(
          `GET ?${query.slice(0, 40)}`,
          name,
          await send(`${clone.url}/api/${name}?${query}`, { headers: auth }),
        );
      }
    }
    // Routes outside the method registry, and paths no route knows.
    const paths = [
      '/api/%',
      '/api/%00',
      '/api/%C0%AF',
      '/api/chat.postMessage%00',
      `/api/${'x'.repeat(5000)}`,
      '/api/apps.connections.open',
      '/upload/v1/%00',
      '/upload/v1/F%C0%AF',
      '/files-pri/T%00-F%00/%00',
      '/files-pri/%/%',
      '/_asym/web/login',
      '/%',
      '/%C0%AF',
    ];
    for (const path of paths) {
      for (const method of ['GET', 'POST']) {
        const answer = await send(`${clone.url}${path}`, {
          method,
          headers: { ...auth, 'content-type': 'application/json' },
          ...(method === 'POST' ? { body: '{"email":"a\\u0000@acme.test","password":"p\\u0000"}' } : {}),
        });
        if (answer.status >= 500) findings.add(`${method} ${path.slice(0, 60)}: a 5xx`, short(answer));
      }
    }
    for (const raw of [
      'GET /api/\xC0\xAF HTTP/1.1',
      'GET /api/auth.test?token=\xC0\x80 HTTP/1.1',
      'GET % HTTP/1.1',
    ]) {
      const status = await sendRaw(
        clone.port,
        Buffer.from(`${raw}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`, 'latin1'),
      );
      if (status === 0 || status >= 500) findings.add(`raw ${raw}: no answer or a 5xx`, String(status));
    }
    expect(findings.list()).toEqual([]);
  }, 600_000);

  it('the web client frontend answers malformed paths with a 400, never an empty 500', async () => {
    const server = createFrontendServer({
      backendUrl: new URL(clone.url),
      staticDir: fileURLToPath(new URL('../../templates/slack/frontend/public', import.meta.url)),
      log: () => undefined,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const path of ['/%', '/%zz', '/%C0%AF', '/%E0%80%AF', '/a/%ff%fe', '/%C0%80']) {
        const answer = await send(`${origin}${path}`, {});
        expect(answer.status, path).toBe(400);
        expect(answer.raw, path).not.toBe('');
      }
      for (const path of ['/%00', '/..%2F..%2Fetc%2Fpasswd', `/${'x'.repeat(4000)}`]) {
        const answer = await send(`${origin}${path}`, {});
        expect(answer.status, path).toBeLessThan(500);
      }
      // Request targets WHATWG URL refuses: the server must answer, not die.
      const port = (server.address() as AddressInfo).port;
      for (const target of ['//[', 'http://[', 'http://a:99999/', '/\xC0\xAF']) {
        const status = await sendRaw(
          port,
          Buffer.from(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 'latin1'),
        );
        expect(status, target).toBe(400);
      }
      expect((await send(`${origin}/`, {})).status).toBe(200);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('search.messages takes % and _ literally, not as wildcards', async () => {
    const user = { authorization: `Bearer ${tokens.userToken}`, 'content-type': 'application/json' };
    const post = (text: string) =>
      send(`${clone.url}/api/chat.postMessage`, {
        method: 'POST',
        headers: user,
        body: JSON.stringify({ channel: GENERAL, text }),
      });
    const search = async (query: string) => {
      const answer = await send(`${clone.url}/api/search.messages`, {
        method: 'POST',
        headers: user,
        body: JSON.stringify({ query, count: 100 }),
      });
      expect(answer.body.ok, query).toBe(true);
      return (answer.body.messages.matches as Array<{ text: string }>).map((m) => m.text).sort();
    };
    for (const text of ['fuzzwild 100% done', 'fuzzwild snake_case', 'fuzzwild snakeXcase', 'fuzzwild plain'])
      expect((await post(text)).body.ok).toBe(true);
    expect(await search('fuzzwild %')).toEqual(['fuzzwild 100% done']);
    expect(await search('fuzzwild snake_case')).toEqual(['fuzzwild snake_case']);
    expect(await search('fuzzwild _')).toEqual(['fuzzwild snake_case']);
    expect(await search('fuzzwild SNAKE')).toEqual(['fuzzwild snakeXcase', 'fuzzwild snake_case'].sort());
    expect(await search('%%')).toEqual([]);
  });

  it('a NUL byte or 10,000 levels of nesting is invalid_arguments naming the field', async () => {
    const user = { authorization: `Bearer ${tokens.userToken}` };
    const cases: Array<[string, string, string]> = [
      ['application/json', JSON.stringify({ channel: GENERAL, text: 'a\u0000b' }), 'text'],
      ['application/x-www-form-urlencoded', `channel=${GENERAL}&text=a%00b`, 'text'],
      ['application/x-www-form-urlencoded', `channel=C%00&text=x`, 'channel'],
      ['application/json', `{"channel":"${GENERAL}","text":"x","attachments":${deepArray}}`, 'attachments'],
      ['application/json', `{"channel":"${GENERAL}","text":"x","metadata":${deepObject}}`, 'metadata'],
      [
        'application/x-www-form-urlencoded',
        `channel=${GENERAL}&blocks=${encodeURIComponent(`[{"type":"section","fields":${deepArray}}]`)}`,
        'blocks',
      ],
    ];
    for (const [type, body, field] of cases) {
      const answer = await send(`${clone.url}/api/chat.postMessage`, {
        method: 'POST',
        headers: { ...user, 'content-type': type },
        body,
      });
      expect(answer.status).toBe(200);
      expect(answer.body, `${type} ${field}`).toMatchObject({ ok: false, error: 'invalid_arguments' });
      expect(answer.body.response_metadata.messages[0]).toMatch(
        new RegExp(`^\\[ERROR\\] invalid value for field: ${field}`),
      );
    }
  });

  it('the backend logged no unhandled error and still serves', async () => {
    expect(unhandled(await clone.logLines())).toEqual([]);
    const answer = await send(`${clone.url}/api/auth.test`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.botToken}` },
    });
    expect(answer.body).toMatchObject({ ok: true });
  });
});

describe('Stripe: junk to every route', () => {
  let clone: CloneUnderTest;
  let key: string;
  const findings = new Findings();

  /** Stripe's envelope: a 4xx with `{ error: { type, message } }`, or a 2xx. */
  function stripeShaped(answer: Answer): string | null {
    if (answer.status >= 500) return 'a 5xx';
    if (answer.status < 400) return null;
    const error = answer.body?.error;
    if (typeof error?.type !== 'string' || typeof error?.message !== 'string')
      return 'not the Stripe error shape';
    return null;
  }

  const check = (where: string, junk: string, answer: Answer, extra?: (answer: Answer) => string | null) => {
    const problem = stripeShaped(answer) ?? extra?.(answer) ?? null;
    if (problem) findings.add(`${where}: ${problem}`, `${junk}: ${short(answer)}`);
  };

  /** Every route of the app with a handler (middleware is registered as ALL). */
  function stripeRoutes(): Array<{ method: string; path: string; accepts: string[] | null }> {
    const stub = {} as never;
    const deps = {
      // What the app factory touches of the runtime while it builds its routes.
      runtime: {
        onCachesInvalidated: () => undefined,
        onReset: () => undefined,
        onReady: () => undefined,
        ready: false,
        clock: { now: Date.now },
        evaluation: {
          use: () => undefined,
          middleware: () => (_c: unknown, next: () => Promise<void>) => next(),
        },
      },
      pool: stub,
      redis: stub,
      log: createMemoryLogger(),
      config: { adminTokenSha256: '', publicUrl: null },
    } as unknown as CloneBackendDeps<StripeIdentity, StripeTokens>;
    const seen = new Set<string>();
    return createStripeApp(deps)
      .routes.filter((route) => route.method !== 'ALL' && route.path.startsWith('/v1/'))
      .filter((route) => {
        const id = `${route.method} ${route.path}`;
        if (seen.has(id)) return false;
        seen.add(id);
        return true;
      })
      .map((route) => ({ method: route.method, path: route.path, accepts: literalParams(route.handler) }));
  }

  /**
   * The parameters a handler names in its own rejectUnknown list, read from its source: only
   * those need the junk. Null when the list is not a literal there (list, search and other
   * shared handlers): such a route is probed with every name the backend knows.
   */
  function literalParams(handler: unknown): string[] | null {
    const source = String(handler);
    const list = /reject(?:Unknown|Params)\)?\(\s*[\w.()"']+,\s*\[([^\]]*)\]/.exec(source);
    if (!list) return null;
    return [...(list[1] ?? '').matchAll(/["']([a-z_]+)["']/g)].map((m) => m[1] as string);
  }

  /**
   * The parameter names the clone's routes accept: every name in a rejectUnknown list of
   * the Stripe backend's source, so a new parameter is fuzzed without editing this file.
   */
  function parameterNames(): string[] {
    const root = fileURLToPath(new URL('../../templates/stripe/backend/', import.meta.url));
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const names = new Set<string>();
    for (const file of files) {
      const source = readFileSync(`${root}${file}`, 'utf8');
      for (const list of source.matchAll(/reject(?:Unknown|Params)\(\s*[\w.()']+,\s*\[([^\]]*)\]/g))
        for (const name of (list[1] ?? '').matchAll(/'([a-z_]+)'/g)) names.add(name[1] as string);
    }
    return [...names].sort();
  }

  beforeAll(async () => {
    clone = await openClone({
      template: stripeTemplate,
      createApp: (deps) => createStripeApp(deps),
      database: 'stripe_fuzz',
      seedFixture: 'acme-corp',
    });
    key = ((await clone.admin('/tokens')).body as StripeTokens).secretKey;
  }, 600_000);

  afterAll(async () => {
    await clone?.close();
  });

  const call = (method: string, path: string, form: string) =>
    send(`${clone.url}${path}${method === 'POST' || form === '' ? '' : `?${form}`}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(method === 'POST' ? { body: form } : {}),
    });

  /** A real id for a route's `:id`, from the resource's own list (or a made-up one). */
  async function realIds(routes: Array<{ method: string; path: string }>) {
    const ids = new Map<string, string>();
    for (const route of routes) {
      const prefix = route.path.split('/:')[0] as string;
      if (!route.path.includes('/:') || ids.has(prefix)) continue;
      const list = await call('GET', prefix, 'limit=1');
      ids.set(prefix, list.body?.data?.[0]?.id ?? 'id_missing');
    }
    return ids;
  }

  it('every parameter of every route, each junk class: Stripe errors with param, never a 5xx', async () => {
    const routes = stripeRoutes();
    expect(routes.length).toBeGreaterThan(80);
    const names = parameterNames();
    expect(names).toEqual(
      expect.arrayContaining(['amount', 'limit', 'metadata', 'percent_off', 'starting_after']),
    );
    const ids = await realIds(routes);
    const before = sent;
    // Deleting and state-changing routes last, so the others still find their objects.
    const order = (route: { method: string }) =>
      route.method === 'DELETE' ? 2 : route.method === 'POST' ? 1 : 0;
    for (const route of [...routes].sort((a, b) => order(a) - order(b))) {
      const prefix = route.path.split('/:')[0] as string;
      const path = route.path.replace(/:[a-z_]+/gi, ids.get(prefix) ?? 'id_missing');
      // A query string stops at Node's 16 KiB header limit (a bare 431 from the HTTP layer,
      // before any route): the long and deep junk goes in POST bodies, shorter in queries.
      const post = route.method === 'POST';
      const deep = post ? DEEP : 1_000;
      const where = `${route.method} ${route.path}`;
      // The route's own names plus one it does not take (answered parameter_unknown).
      const candidates = route.accepts ? [...route.accepts, 'zz_unknown'] : names;
      await inBatches(candidates, 6, async (name) => {
        // One innocuous value first: a parameter the route does not take is refused by name,
        // and gets no more junk.
        const probe = await call(route.method, path, `${name}=x`);
        check(`${where} ${name}`, 'x', probe);
        if (probe.body?.error?.code === 'parameter_unknown' && probe.body.error.param === name) return;
        const junks: Array<[string, string]> = [
          ...junkFor(undefined).flatMap(
            (junk): Array<[string, string]> =>
              junk.form === undefined || SLACK_ONLY.has(junk.name) || (!post && junk.form.length > 4_000)
                ? []
                : [[junk.name, `${name}=${junk.form}`]],
          ),
          ['nul-key', `${name}[a%00]=x`],
          ['nul-nested', `${name}[a]=x%00`],
          ['hash', `${name}[a]=1`],
          ['array', `${name}[]=a&${name}[]=b`],
          ['deep-brackets', `${name}${'[a]'.repeat(deep)}=1`],
          ['big-index', `${name}[99999999]=1`],
          ['array-flood', Array.from({ length: 300 }, () => `${name}[]=x`).join('&')],
          ['zero', `${name}=0`],
          ['negative', `${name}=-1`],
          ['over-max-amount', `${name}=100000000000`],
        ];
        for (const [junkName, form] of junks) {
          const answer = await call(route.method, path, form);
          check(`${where} ${name}`, junkName, answer, (a) =>
            junkName.startsWith('nul') && (a.status !== 400 || !String(a.body?.error?.param).startsWith(name))
              ? `a NUL byte answered ${a.status} without param ${name}`
              : null,
          );
        }
      });
      if (route.path.includes('/:')) {
        for (const [junkName, id] of [
          ['nul-id', 'cus_%00'],
          ['percent-id', '%'],
          ['overlong-id', '%C0%AF'],
          ['long-id', 'x'.repeat(5000)],
          ['quote-id', "cus_'%20OR%201=1--"],
        ] as const) {
          const answer = await call(route.method, route.path.replace(/:[a-z_]+/gi, id), '');
          check(`${where} path`, junkName, answer, (a) =>
            junkName === 'nul-id' && (a.status !== 400 || a.body?.error?.param !== 'id')
              ? `a NUL byte in the id answered ${a.status}`
              : null,
          );
        }
      }
      if (post) {
        for (const [type, body] of [
          ['application/json', '{"amount":'],
          ['application/x-www-form-urlencoded', '%%%&&&===&[=1&]=2&a[=3'],
          ['application/x-www-form-urlencoded', `metadata${'[a]'.repeat(DEEP)}=1`],
          ['multipart/form-data; boundary=x', '--x--'],
        ] as const) {
          const answer = await send(`${clone.url}${path}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': type },
            body,
          });
          check(`${where} body`, type, answer);
        }
      }
    }
    console.log(
      `fuzz: ${sent - before} junk requests to ${routes.length} Stripe routes (${names.length} parameter names)`,
    );
    expect(findings.list()).toEqual([]);
  }, 900_000);

  it('percent_off is a strict decimal: 0x10, 1e1 and Infinity are refused by name', async () => {
    for (const value of ['0x10', '1e1', 'Infinity', ' 16']) {
      const answer = await call(
        'POST',
        '/v1/coupons',
        `percent_off=${encodeURIComponent(value)}&duration=once`,
      );
      expect(answer.status, value).toBe(400);
      expect(answer.body.error, value).toMatchObject({
        type: 'invalid_request_error',
        param: 'percent_off',
        message: `Invalid decimal: ${value}`,
      });
    }
    const ok = await call('POST', '/v1/coupons', 'percent_off=16.5&duration=once');
    expect(ok.status).toBe(200);
    expect(ok.body.percent_off).toBe(16.5);
  });

  it('integers are decimal digits only, and amounts stop at eight digits', async () => {
    const hex = await call('POST', '/v1/payment_intents', 'amount=0x10&currency=usd');
    expect(hex.body.error).toMatchObject({
      code: 'parameter_invalid_integer',
      param: 'amount',
      message: 'Invalid integer: 0x10',
    });
    for (const amount of ['100000000', '99999999999', '100000000000']) {
      const answer = await call('POST', '/v1/payment_intents', `amount=${amount}&currency=usd`);
      expect(answer.status, amount).toBe(400);
      expect(answer.body.error, amount).toMatchObject({
        type: 'invalid_request_error',
        code: 'amount_too_large',
        param: 'amount',
        message: 'Amount must be no more than $999,999.99',
      });
    }
    expect((await call('POST', '/v1/payment_intents', 'amount=99999999&currency=usd')).status).toBe(200);
    const product = (await call('POST', '/v1/products', 'name=Fuzz')).body.id as string;
    const price = await call(
      'POST',
      '/v1/prices',
      `product=${product}&currency=usd&unit_amount=100000000000`,
    );
    expect(price.status).toBe(400);
    expect(price.body.error).toMatchObject({
      param: 'unit_amount',
      message: 'This value must be less than or equal to 99999999.',
    });
    const coupon = await call('POST', '/v1/coupons', 'amount_off=100000000&currency=usd&duration=once');
    expect(coupon.body.error).toMatchObject({ param: 'amount_off' });
  });

  it('every list refuses limit 0, -1 and 10^9, invoice lines and subscription items included', async () => {
    const invoices = (await call('GET', '/v1/invoices', 'limit=100')).body.data as Array<{
      id: string;
      lines: { total_count: number };
    }>;
    const invoice = invoices.find((each) => each.lines.total_count > 1);
    expect(invoice).toBeDefined();
    const subscription = (await call('GET', '/v1/subscriptions', 'limit=1')).body.data[0].id as string;
    const lists = [
      `/v1/invoices/${invoice?.id}/lines`,
      '/v1/customers',
      '/v1/invoices',
      `/v1/subscription_items?subscription=${subscription}&`,
      '/v1/customers/search?query=name:"x"&',
    ];
    for (const list of lists) {
      const [path, query = ''] = list.split('?');
      for (const limit of ['0', '-1', '1000000000', '0x10', '1e2']) {
        const answer = await call('GET', path as string, `${query}limit=${limit}`);
        expect(answer.status, `${list} limit=${limit}`).toBe(400);
        expect(answer.body.error, `${list} limit=${limit}`).toMatchObject({
          type: 'invalid_request_error',
          param: 'limit',
        });
      }
    }
    const lines = `/v1/invoices/${invoice?.id}/lines`;
    const first = await call('GET', lines, 'limit=1');
    expect(first.body).toMatchObject({ object: 'list', has_more: true, url: lines });
    expect(first.body.data).toHaveLength(1);
    const next = await call('GET', lines, `limit=100&starting_after=${first.body.data[0].id}`);
    expect(next.body.data).toHaveLength((invoice?.lines.total_count ?? 0) - 1);
    expect(next.body.has_more).toBe(false);
  });

  it('a NUL byte anywhere is a 400 naming the parameter, never a 500', async () => {
    const cases: Array<[string, string, string, string]> = [
      ['POST', '/v1/customers', 'name=a%00b', 'name'],
      ['POST', '/v1/customers', 'metadata[k]=a%00', 'metadata[k]'],
      ['POST', '/v1/customers', 'metadata[k%00]=a', 'metadata[k\u0000]'],
      ['GET', '/v1/customers', 'starting_after=cus_%00', 'starting_after'],
      ['GET', '/v1/customers/search', 'query=name:"%00"', 'query'],
      ['GET', '/v1/customers/cus_%00', '', 'id'],
    ];
    for (const [method, path, form, param] of cases) {
      const answer = await call(method, path, form);
      expect(answer.status, `${path} ${form}`).toBe(400);
      expect(answer.body.error, `${path} ${form}`).toMatchObject({
        type: 'invalid_request_error',
        param: param.replace('\\u0000', '\u0000'),
      });
    }
  });

  it('the backend logged no unhandled error and still serves', async () => {
    expect(unhandled(await clone.logLines())).toEqual([]);
    expect((await call('GET', '/v1/customers', 'limit=1')).status).toBe(200);
  });
});

afterAll(() => {
  console.log(`fuzz: ${sent} requests sent in all`);
});
