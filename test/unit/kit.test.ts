import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createCloneApp, readJson } from '../../templates/_shared/app-factory.js';
import type { CloneRuntime } from '../../templates/_shared/clone-runtime.js';
import type { CloneConfig } from '../../templates/_shared/config.js';
import { sha256Hex } from '../../templates/_shared/crypto.js';
import { limitSql, type Queryable } from '../../templates/_shared/db.js';
import { Evaluation } from '../../templates/_shared/evaluation.js';
import { bracketPath, KitError } from '../../templates/_shared/kit-error.js';
import { createMemoryLogger } from '../../templates/_shared/log.js';
import { type AttemptOutcome, MemoryRetryStore, OutboundDelivery } from '../../templates/_shared/outbound.js';
import {
  cursorPage,
  decodeCursor,
  encodeCursor,
  linkHeader,
  pageWindow,
} from '../../templates/_shared/pagination.js';
import { declareParams, param, validateParams } from '../../templates/_shared/parameters.js';
import {
  basicCredential,
  bearerToken,
  hashToken,
  mintToken,
  TokenVerifier,
} from '../../templates/_shared/tokens.js';

const noDb: Queryable = { query: async () => ({ rows: [], rowCount: 0 }) } as unknown as Queryable;

/** A vendor error of a made-up template, rendered `{ failure: { code, fields? } }`. */
class ToyError extends Error {
  constructor(
    readonly code: string,
    readonly status: 400 | 404 | 405 | 500 | 503,
    readonly fields: readonly unknown[] = [],
  ) {
    super(code);
  }
}

function toyApp(runtimeState: { ready: boolean }) {
  const evaluation = new Evaluation(noDb);
  const runtime = {
    get ready() {
      return runtimeState.ready;
    },
    stage: 'migrating',
    evaluation,
    onReady: () => undefined,
    onReset: () => undefined,
  } as unknown as CloneRuntime;
  const log = createMemoryLogger();
  const config = { adminTokenSha256: sha256Hex('admin') } as CloneConfig;
  let ids = 0;
  const kit = createCloneApp<ToyError>({
    deps: { runtime, log, config, pool: noDb as never },
    requestId: { header: 'X-Toy-Request-Id', generate: () => `req_${++ids}` },
    errors: {
      is: (error): error is ToyError => error instanceof ToyError,
      fromKit: (error) => {
        switch (error.kind) {
          case 'not_found':
            return new ToyError('no_such_route', 404);
          case 'method_not_allowed':
            return new ToyError(`use_${error.details.allowed?.join('_')}`, 405);
          case 'malformed_body':
            return new ToyError('bad_json', 400);
          case 'not_ready':
            return new ToyError('starting', 503);
          case 'invalid_params':
            return new ToyError('invalid', 400, error.details.issues ?? []);
          default:
            return new ToyError('internal', 500);
        }
      },
      render: (error, c) => c.json({ failure: { code: error.code, fields: error.fields } }, error.status),
    },
    evaluation: {
      methodOf: (c) => (c.req.path.startsWith('/api/') ? c.req.path.slice(5) : null),
      methods: () => ['things.create', 'things.get'],
      describe: () => ({ actor: 'toy', args: {} }),
      errorCode: (error) => error.code,
      faultError: (fault) => new ToyError(fault.error ?? 'internal', 500),
    },
  });
  const schema = declareParams({
    name: param.string({ max: 5 }),
    count: param.integer({ min: 1 }).optional(),
  });
  kit.app.use('/api/*', kit.ready);
  kit.app.post('/api/things.create', async (c) => {
    await kit.applyFault(c, 'things.create');
    const body = readJson(await c.req.text(), { object: true }) as Record<string, unknown>;
    return c.json({ made: validateParams(schema, body), id: c.get('requestId') });
  });
  kit.app.get('/api/things.get', async () => {
    throw new Error('boom');
  });
  return { kit, evaluation, log };
}

describe('kit app factory', () => {
  it('sets the request id header, and routes every failure through the one vendor mapping', async () => {
    const { kit, log } = toyApp({ ready: true });
    const post = (body: string) =>
      kit.app.request('/api/things.create', {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      });

    const ok = await post('{"name":"ab","count":"3"}');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-toy-request-id')).toBe('req_1');
    expect(await ok.json()).toEqual({ made: { name: 'ab', count: 3 }, id: 'req_1' });

    const missing = await kit.app.request('/nowhere');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ failure: { code: 'no_such_route', fields: [] } });

    const wrongMethod = await kit.app.request('/api/things.create');
    expect(wrongMethod.status).toBe(405);
    expect(((await wrongMethod.json()) as { failure: { code: string } }).failure.code).toBe('use_POST');

    const malformed = await post('{"name":');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { failure: { code: string } }).failure.code).toBe('bad_json');

    const invalid = await post('{"name":"toolong","extra":1}');
    expect(invalid.status).toBe(400);
    const fields = (
      (await invalid.json()) as { failure: { fields: Array<{ kind: string; path: string[] }> } }
    ).failure.fields;
    expect(fields.map((f) => [f.kind, f.path.join('.')])).toEqual([
      ['invalid', 'name'],
      ['unknown', 'extra'],
    ]);

    const crashed = await kit.app.request('/api/things.get');
    expect(crashed.status).toBe(500);
    expect(await crashed.json()).toEqual({ failure: { code: 'internal', fields: [] } });
    expect(log.lines.some((line) => line.includes('GET /api/things.get failed boom'))).toBe(true);
  });

  it('holds API calls behind the readiness gate, and journals each call with its vendor error code', async () => {
    const state = { ready: false };
    const { kit, evaluation } = toyApp(state);
    const early = await kit.app.request('/api/things.create', { method: 'POST', body: '{}' });
    expect(early.status).toBe(503);
    state.ready = true;
    await evaluation.faults.add(
      { method: 'things.create', error: 'flaky', times: 1 },
      ['things.create'],
      new Date(),
    );
    const faulted = await kit.app.request('/api/things.create', { method: 'POST', body: '{"name":"a"}' });
    expect(faulted.status).toBe(500);
    expect(((await faulted.json()) as { failure: { code: string } }).failure.code).toBe('flaky');
    const entries = evaluation.journal.read().entries;
    expect(entries.map((e) => [e.method, e.status, e.error, e.actor])).toEqual([
      ['things.create', 503, 'starting', 'toy'],
      ['things.create', 500, 'flaky', 'toy'],
    ]);
    expect(entries[1]?.fault).toMatch(/^flt_/);
  });

  it('serves the admin routes at /_asym behind the admin token', async () => {
    const { kit } = toyApp({ ready: true });
    expect((await kit.app.request('/_asym/journal')).status).toBe(401);
    const journal = await kit.app.request('/_asym/journal', { headers: { authorization: 'Bearer admin' } });
    expect(journal.status).toBe(200);
    expect(await journal.json()).toMatchObject({ ok: true, entries: [] });
  });
});

describe('kit parameters', () => {
  const schema = declareParams({
    channel: param.string(),
    limit: param.integer({ min: 1, max: 100 }).optional(),
    inclusive: param.boolean().optional(),
    sort: param.oneOf(['asc', 'desc']).optional(),
    ids: param.list(param.string(), { commaSeparated: true }).optional(),
    address: param.object({ city: param.string().optional() }).optional(),
    blocks: param.json().optional(),
  });

  const issues = (raw: Record<string, unknown>, emptyIsAbsent = false) => {
    try {
      validateParams(schema, raw, { emptyIsAbsent });
    } catch (error) {
      if (error instanceof KitError && error.kind === 'invalid_params') return error.details.issues ?? [];
      throw error;
    }
    return [];
  };

  it('reads values the way forms and JSON carry them', () => {
    expect(
      validateParams(schema, {
        channel: 42,
        limit: '10',
        inclusive: 'true',
        sort: 'asc',
        ids: 'a,b',
        address: { city: 'Paris' },
        blocks: '[{"type":"divider"}]',
      }),
    ).toEqual({
      channel: '42',
      limit: 10,
      inclusive: true,
      sort: 'asc',
      ids: ['a', 'b'],
      address: { city: 'Paris' },
      blocks: [{ type: 'divider' }],
    });
    expect(validateParams(schema, { channel: 'C1', ids: { 0: 'x', 1: 'y' } }).ids).toEqual(['x', 'y']);
  });

  it('names every issue as missing, unknown or invalid, with the path and what was expected', () => {
    expect(issues({ limit: '1e3', sort: 'up', address: { town: 'x' }, extra: '1' })).toEqual([
      { kind: 'missing', path: ['channel'], expected: 'string', message: 'is required' },
      {
        kind: 'invalid',
        path: ['limit'],
        expected: 'integer',
        received: '1e3',
        message: 'expected an integer',
      },
      {
        kind: 'invalid',
        path: ['sort'],
        expected: 'enum',
        received: 'up',
        allowed: ['asc', 'desc'],
        message: 'must be one of asc, desc',
      },
      { kind: 'unknown', path: ['address', 'town'], expected: null, message: 'is not a known parameter' },
      { kind: 'unknown', path: ['extra'], expected: null, message: 'is not a known parameter' },
    ]);
    expect(issues({ channel: 'C1', limit: '0' })[0]).toMatchObject({ kind: 'invalid', minimum: 1 });
    expect(bracketPath(['address', 'town'])).toBe('address[town]');
  });

  it('treats empty values as absent when the vendor does', () => {
    expect(issues({ channel: '' }, true).map((i) => i.kind)).toEqual(['missing']);
    expect(issues({ channel: 'C1', limit: '' }, true)).toEqual([]);
    expect(issues({ channel: 'C1', limit: '' }, false).map((i) => i.kind)).toEqual(['invalid']);
  });

  it('maps issues of plain zod schemas too', () => {
    const plain = z.object({ n: z.number().max(3), tag: z.enum(['a', 'b']) }).strict();
    try {
      validateParams(plain, { n: 5, tag: 'c' });
      expect.unreachable();
    } catch (error) {
      expect((error as KitError).details.issues).toMatchObject([
        { kind: 'invalid', path: ['n'], maximum: 3 },
        { kind: 'invalid', path: ['tag'], expected: 'enum', allowed: ['a', 'b'] },
      ]);
    }
  });
});

describe('kit SQL', () => {
  it('writes a LIMIT into the text only for a whole number', () => {
    expect(limitSql(11)).toBe('LIMIT 11');
    expect(limitSql(0)).toBe('LIMIT 0');
    for (const bad of [1.5, -1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60, '1; DROP TABLE x' as never])
      expect(() => limitSql(bad)).toThrow(/a LIMIT must be a whole number/);
  });
});

describe('kit pagination', () => {
  const items = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id }));
  const key = (item: { id: string }) => item.id;

  it('pages by cursor forwards and backwards, and says when the cursor names nothing', () => {
    expect(cursorPage(items, key, { limit: 2 })).toEqual({
      items: [{ id: 'a' }, { id: 'b' }],
      hasMore: true,
      next: 'b',
      found: true,
    });
    expect(cursorPage(items, key, { limit: 2, after: 'c' })).toMatchObject({
      items: [{ id: 'd' }, { id: 'e' }],
      hasMore: false,
      next: null,
    });
    expect(cursorPage(items, key, { limit: 2, before: 'e' })).toMatchObject({
      items: [{ id: 'c' }, { id: 'd' }],
      hasMore: true,
    });
    expect(cursorPage(items, key, { limit: 2, after: 'zz' }).found).toBe(false);
    const cursor = encodeCursor('user', 'U061NFTT2');
    expect(cursor).toBe('dXNlcjpVMDYxTkZUVDI=');
    expect(decodeCursor('user', cursor, /^U\w+$/)).toBe('U061NFTT2');
    expect(decodeCursor('channel', cursor, /^C\w+$/)).toBeNull();
  });

  it('writes GitHub-style Link headers for numbered pages', () => {
    const url = 'http://127.0.0.1:3000/repos/acme/web/issues?state=open';
    expect(pageWindow({ page: 3, perPage: 30 })).toEqual({ page: 3, perPage: 30, offset: 60, fetch: 31 });
    expect(linkHeader(url, { page: 1, perPage: 2 }, { total: 5 })).toBe(
      '<http://127.0.0.1:3000/repos/acme/web/issues?state=open&per_page=2&page=2>; rel="next", ' +
        '<http://127.0.0.1:3000/repos/acme/web/issues?state=open&per_page=2&page=3>; rel="last"',
    );
    expect(linkHeader(url, { page: 2, perPage: 2 }, { hasNext: false })).toBe(
      '<http://127.0.0.1:3000/repos/acme/web/issues?state=open&per_page=2&page=1>; rel="prev", ' +
        '<http://127.0.0.1:3000/repos/acme/web/issues?state=open&per_page=2&page=1>; rel="first"',
    );
    expect(linkHeader(url, { page: 1, perPage: 30 }, { total: 5 })).toBeNull();
  });
});

describe('kit tokens', () => {
  it('mints vendor-shaped tokens and keeps only their hash', async () => {
    const minted = mintToken({ prefix: 'ghp_', length: 36 });
    expect(minted.token).toMatch(/^ghp_[A-Za-z0-9]{36}$/);
    expect(minted.sha256).toBe(hashToken(minted.token));
    expect(mintToken({ prefix: 'ghp_', length: 36 }).token).not.toBe(minted.token);

    const lookups: string[] = [];
    const verifier = new TokenVerifier(async (hash) => {
      lookups.push(hash);
      return hash === minted.sha256 ? { user: 'octocat' } : null;
    });
    expect(await verifier.verify(minted.token)).toEqual({ user: 'octocat' });
    expect(await verifier.verify(minted.token)).toEqual({ user: 'octocat' });
    expect(await verifier.verify('ghp_wrong')).toBeNull();
    expect(await verifier.verify(null)).toBeNull();
    expect(lookups).toHaveLength(2);
    verifier.clear();
    await verifier.verify(minted.token);
    expect(lookups).toHaveLength(3);
  });

  it('reads bearer and basic credentials', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('token abc')).toBeNull();
    expect(bearerToken('token abc', ['Bearer', 'token'])).toBe('abc');
    const basic = `Basic ${Buffer.from('x-access-token:ghp_1').toString('base64')}`;
    expect(basicCredential(basic)).toBe('x-access-token');
    expect(basicCredential(basic, 'password')).toBe('ghp_1');
  });
});

describe('kit outbound delivery', () => {
  /** A receiver that answers the given statuses in turn (a number) or fails to connect (null). */
  function receiver(answers: Array<number | null>) {
    const seen: Array<{ url: string; headers: Record<string, string>; body: string }> = [];
    const fake: typeof fetch = async (input, init) => {
      seen.push({
        url: String(input),
        headers: init?.headers as Record<string, string>,
        body: String(init?.body),
      });
      const answer = answers.shift();
      if (answer === null || answer === undefined) throw new TypeError('fetch failed');
      return new Response('ok', { status: answer });
    };
    return { seen, fake };
  }

  const waitFor = async (check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(check()).toBe(true);
  };

  it('signs each attempt, retries failures on the schedule, and reports every outcome', async () => {
    const { seen, fake } = receiver([500, null, 200]);
    const outcomes: AttemptOutcome[] = [];
    const delivery = new OutboundDelivery(new MemoryRetryStore(), createMemoryLogger(), {
      fetch: fake,
      rewriteUrl: (url) => url,
    }).channel('hooks', {
      headers: (message, attempt) => ({
        'x-signature': `${message.meta?.secret}:${message.body}`,
        'x-attempt': `${attempt.number}:${attempt.lastReason ?? ''}`,
      }),
      retryDelaysMs: [5, 5, 5],
      timeoutMs: 1_000,
      onOutcome: (_message, outcome) => void outcomes.push(outcome),
    });
    const first = await delivery.send('hooks', {
      id: 'evt_1',
      url: 'http://127.0.0.1:9/hook',
      body: '{"a":1}',
      meta: { secret: 's3' },
    });
    expect(first).toMatchObject({ attempt: 0, status: 500, reason: 'http_error', final: false });
    await waitFor(() => outcomes.length === 3);
    expect(outcomes.map((o) => [o.attempt, o.reason, o.final])).toEqual([
      [0, 'http_error', false],
      [1, 'connection_failed', false],
      [2, null, true],
    ]);
    expect(seen.map((s) => s.headers['x-attempt'])).toEqual(['0:', '1:http_error', '2:connection_failed']);
    expect(seen.every((s) => s.headers['x-signature'] === 's3:{"a":1}')).toBe(true);
    expect(delivery.pending).toBe(0);
  });

  it('keeps retries in its store: a new process resumes them, a reset drops them', async () => {
    const store = new MemoryRetryStore();
    const log = createMemoryLogger();
    const channel = { headers: () => ({}), retryDelaysMs: [60_000], timeoutMs: 1_000 };
    const before = new OutboundDelivery(store, log, { fetch: receiver([503]).fake, rewriteUrl: (u) => u });
    before.channel('hooks', channel);
    await before.send('hooks', { id: 'evt_2', url: 'http://127.0.0.1:9/a', body: 'x' });
    expect(before.pending).toBe(1);
    before.close();
    const [waiting] = await store.all();
    expect(waiting).toMatchObject({
      channel: 'hooks',
      attempt: 1,
      lastReason: 'http_error',
      message: { id: 'evt_2' },
    });

    // "Restarted", with the retry due now.
    if (waiting) {
      await store.take(waiting.id);
      await store.add({ ...waiting, dueAtMs: Date.now() });
    }
    const { seen, fake } = receiver([200]);
    const after = new OutboundDelivery(store, log, { fetch: fake, rewriteUrl: (u) => u }).channel(
      'hooks',
      channel,
    );
    expect(await after.resume()).toBe(1);
    await waitFor(() => seen.length === 1);
    expect(seen[0]?.body).toBe('x');
    expect(await store.all()).toEqual([]);

    const third = new OutboundDelivery(store, log, {
      fetch: receiver([500]).fake,
      rewriteUrl: (u) => u,
    }).channel('hooks', channel);
    await third.send('hooks', { id: 'evt_3', url: 'http://127.0.0.1:9/a', body: 'y' });
    expect(await store.all()).toHaveLength(1);
    await third.clear();
    expect(await store.all()).toHaveLength(0);
    expect(third.pending).toBe(0);
  });

  it('emits one event to every target, each signed with its own meta', async () => {
    const { seen, fake } = receiver([200, 200]);
    const delivery = new OutboundDelivery(new MemoryRetryStore(), createMemoryLogger(), {
      fetch: fake,
      rewriteUrl: (url) => url,
    }).channel('hooks', {
      headers: (message) => ({ 'x-sig': String(message.meta?.secret) }),
      retryDelaysMs: [],
      timeoutMs: 1_000,
    });
    expect(delivery.listening).toBe(false);
    await delivery.emit('hooks', { id: 'evt_5', type: 'push', topics: ['push'], body: '{}' }, [
      { url: 'http://127.0.0.1:9/one', meta: { secret: 'a' } },
      { url: 'http://127.0.0.1:9/two', meta: { secret: 'b' } },
    ]);
    expect(seen.map((s) => [s.url, s.headers['x-sig']]).sort()).toEqual([
      ['http://127.0.0.1:9/one', 'a'],
      ['http://127.0.0.1:9/two', 'b'],
    ]);
  });

  it('forgets what was in flight when a reset came meanwhile', async () => {
    let release: (response: Response) => void = () => undefined;
    const slow: typeof fetch = () => new Promise((resolve) => (release = resolve));
    const store = new MemoryRetryStore();
    const outcomes: AttemptOutcome[] = [];
    const delivery = new OutboundDelivery(store, createMemoryLogger(), {
      fetch: slow,
      rewriteUrl: (u) => u,
    }).channel('hooks', {
      headers: () => ({}),
      retryDelaysMs: [5],
      timeoutMs: 1_000,
      onOutcome: (_m, o) => void outcomes.push(o),
    });
    const sent = delivery.send('hooks', { id: 'evt_4', url: 'http://127.0.0.1:9/a', body: 'z' });
    await delivery.clear();
    release(new Response('', { status: 500 }));
    expect(await sent).toBeNull();
    expect(outcomes).toEqual([]);
    expect(await store.all()).toEqual([]);
  });
});
