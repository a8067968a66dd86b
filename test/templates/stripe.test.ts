import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../templates/_shared/db.js';
import { createMemoryLogger } from '../../templates/_shared/log.js';
import { createStripeApp } from '../../templates/stripe/backend/app.js';
import { listCustomers } from '../../templates/stripe/backend/store/customers.js';
import { listObjects } from '../../templates/stripe/backend/store/objects.js';
import { stripeTemplate } from '../../templates/stripe/backend/template.js';
import type { StripeTokens } from '../../templates/stripe/backend/tokens.js';
import { STRIPE_REFERENCE_KEYS } from '../support/stripe-reference-keys.js';
import { type CloneUnderTest, countPublic, dumpPublic, openClone, redisKeys } from './harness.js';

const FIXTURE_CUSTOMERS = 25;
const REAL_CUSTOMER_KEYS = STRIPE_REFERENCE_KEYS.customer ?? [];

let backend: CloneUnderTest;
let tokens: StripeTokens;
let stripe: Stripe;
let seededCounts: Record<string, number>;
let dbIndex = 0;

const startStripe = (seedFixture: string | null = 'acme-corp') =>
  openClone({
    template: stripeTemplate,
    createApp: (deps) => createStripeApp(deps),
    database: `stripe_${++dbIndex}`,
    seedFixture,
  });

const sdk = (key: string, port = backend.port) =>
  new Stripe(key, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0 });

/** A raw API call, to see statuses and headers the SDK hides. */
async function raw(path: string, init: RequestInit & { key?: string | null } = {}) {
  const { key = tokens.secretKey, headers, ...rest } = init;
  const response = await fetch(`${backend.url}${path}`, {
    ...rest,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(rest.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      ...(headers as Record<string, string> | undefined),
    },
  });
  // biome-ignore lint/suspicious/noExplicitAny: tests read vendor JSON freely
  const body = (await response.json()) as Record<string, any>;
  return { status: response.status, headers: response.headers, body };
}

async function stripeError(call: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  backend = await startStripe();
  tokens = (await backend.admin('/tokens')).body as StripeTokens;
  stripe = sdk(tokens.secretKey);
  seededCounts = await countPublic(backend.pool);
}, 180_000);

afterAll(async () => {
  await backend?.close();
});

describe('admin API and keys', () => {
  it('mints keys shaped like Stripe test keys and stores only their hashes', async () => {
    expect(tokens.secretKey).toMatch(/^sk_test_[A-Za-z0-9]{99}$/);
    expect(tokens.publishableKey).toMatch(/^pk_test_[A-Za-z0-9]{99}$/);
    expect(tokens.webhookSecret).toMatch(/^whsec_[A-Za-z0-9]{32}$/);
    const { rows } = await backend.pool.query('SELECT key_sha256 FROM asym.api_keys');
    expect(JSON.stringify(rows)).not.toContain(tokens.secretKey);
  });

  it('requires the admin token', async () => {
    expect((await backend.admin('/reset', {}, 'wrong')).status).toBe(401);
    expect((await fetch(`${backend.url}/_asym/tokens`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${backend.url}/_asym/health`)).status).toBe(200);
  });

  it('answers 401 in Stripe’s shape for missing, wrong, publishable and revoked keys', async () => {
    const none = await raw('/v1/customers', { key: null });
    expect(none.status).toBe(401);
    expect(none.body.error).toMatchObject({ type: 'invalid_request_error' });
    expect(none.body.error.message).toMatch(/^You did not provide an API key/);

    const wrong = await stripeError(sdk('sk_test_nope1234').customers.list());
    expect(wrong).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(wrong.statusCode).toBe(401);
    expect(wrong.message).toMatch(/^Invalid API Key provided: sk_test_\*+1234$/);

    const publishable = await stripeError(sdk(tokens.publishableKey).customers.list());
    expect(publishable.message).toMatch(/publishable API key/);

    const old = tokens;
    tokens = (await backend.admin('/tokens')).body as StripeTokens;
    stripe = sdk(tokens.secretKey);
    expect((await stripeError(sdk(old.secretKey).customers.list())).statusCode).toBe(401);
    expect((await stripe.customers.list({ limit: 1 })).data).toHaveLength(1);
  });

  it('accepts the key as the HTTP Basic user name', async () => {
    const basic = Buffer.from(`${tokens.secretKey}:`).toString('base64');
    const result = await raw('/v1/customers?limit=1', {
      key: null,
      headers: { authorization: `Basic ${basic}` },
    });
    expect(result.status).toBe(200);
    expect(result.body.object).toBe('list');
  });

  it('sets Request-Id on every response', async () => {
    for (const response of [
      await fetch(`${backend.url}/v1/customers`),
      await fetch(`${backend.url}/v1/nothing`, { headers: { authorization: `Bearer ${tokens.secretKey}` } }),
      await fetch(`${backend.url}/_asym/health`),
    ]) {
      expect(response.headers.get('request-id')).toMatch(/^req_[A-Za-z0-9]{14}$/);
    }
  });
});

describe('customers', () => {
  it('creates a customer with exactly the keys of a real one', async () => {
    const customer = await stripe.customers.create({
      email: 'jenny@example.com',
      name: 'Jenny Rosen',
      metadata: { plan: 'pro', seats: '5' },
      address: { line1: '1 Main St', city: 'Springfield', country: 'US' },
      preferred_locales: ['en', 'fr'],
    });
    expect(Object.keys(customer).sort()).toEqual(REAL_CUSTOMER_KEYS);
    expect(customer).toMatchObject({
      object: 'customer',
      livemode: false,
      email: 'jenny@example.com',
      metadata: { plan: 'pro', seats: '5' },
      address: {
        line1: '1 Main St',
        city: 'Springfield',
        country: 'US',
        line2: null,
        postal_code: null,
        state: null,
      },
      preferred_locales: ['en', 'fr'],
      balance: 0,
      tax_exempt: 'none',
      shipping: null,
      discount: null,
    });
    expect(customer.id).toMatch(/^cus_[A-Za-z0-9]{14}$/);
    expect(customer.created).toBeGreaterThan(1_700_000_000);
    expect(customer.created).toBeLessThan(Date.now() / 1000 + 5);
    expect(await stripe.customers.retrieve(customer.id)).toEqual(customer);
  });

  it('updates fields, unsetting with empty strings', async () => {
    const customer = await stripe.customers.create({
      name: 'Temp',
      description: 'x',
      metadata: { a: '1', b: '2' },
    });
    const updated = await stripe.customers.update(customer.id, {
      description: '',
      metadata: { a: '', c: '3' },
      balance: -500,
      shipping: { name: 'Temp', address: { line1: '2 Side St', country: 'GB' } },
      invoice_settings: { footer: 'Thanks!', custom_fields: [{ name: 'PO', value: '123' }] },
    });
    expect(updated).toMatchObject({
      description: null,
      metadata: { b: '2', c: '3' },
      balance: -500,
      shipping: { name: 'Temp', phone: null, address: { line1: '2 Side St', country: 'GB' } },
      invoice_settings: {
        footer: 'Thanks!',
        custom_fields: [{ name: 'PO', value: '123' }],
        default_payment_method: null,
      },
    });
    expect(
      (await stripe.customers.update(customer.id, { metadata: '' as unknown as Stripe.MetadataParam }))
        .metadata,
    ).toEqual({});
  });

  it('deletes customers and then reports them deleted', async () => {
    const customer = await stripe.customers.create({ name: 'Short lived' });
    expect(await stripe.customers.del(customer.id)).toEqual({
      id: customer.id,
      object: 'customer',
      deleted: true,
    });
    expect(await stripe.customers.retrieve(customer.id)).toEqual({
      id: customer.id,
      object: 'customer',
      deleted: true,
    });
    expect((await stripeError(stripe.customers.update(customer.id, { name: 'x' }))).statusCode).toBe(404);
    expect((await stripeError(stripe.customers.del(customer.id))).code).toBe('resource_missing');
  });

  it('expands includable lists and refuses unknown expansions', async () => {
    const [first] = (await stripe.customers.list({ limit: 1 })).data;
    const expanded = await stripe.customers.retrieve(first!.id, { expand: ['subscriptions', 'tax_ids'] });
    expect((expanded as Stripe.Customer).subscriptions).toMatchObject({
      object: 'list',
      data: [],
      has_more: false,
    });
    const listExpanded = await stripe.customers.list({ limit: 1, expand: ['data.sources'] });
    expect(listExpanded.data[0]?.sources).toMatchObject({ object: 'list', data: [] });
    const bad = await stripeError(stripe.customers.retrieve(first!.id, { expand: ['nonsense'] }));
    expect(bad.message).toBe('This property cannot be expanded (nonsense).');
  });
});

describe('lists', () => {
  it('lists newest first with has_more and the list envelope', async () => {
    const page = await stripe.customers.list({ limit: 5 });
    expect(page).toMatchObject({ object: 'list', url: '/v1/customers', has_more: true });
    expect(page.data).toHaveLength(5);
    const created = page.data.map((c) => c.created);
    expect([...created].sort((a, b) => b - a)).toEqual(created);
  });

  it('auto-paginates through every customer', async () => {
    const all = await stripe.customers.list({ limit: 7 }).autoPagingToArray({ limit: 1000 });
    const { rows } = await backend.pool.query(
      'SELECT id FROM customers WHERE NOT deleted ORDER BY created DESC, seq DESC',
    );
    expect(all.map((c) => c.id)).toEqual(rows.map((r) => r.id));
    expect(new Set(all.map((c) => c.id)).size).toBe(all.length);
  });

  it('pages backwards with ending_before', async () => {
    const all = await stripe.customers.list({ limit: 100 });
    const pivot = all.data[10]!.id;
    const before = await stripe.customers.list({ limit: 3, ending_before: pivot });
    expect(before.data.map((c) => c.id)).toEqual(all.data.slice(7, 10).map((c) => c.id));
    expect(before.has_more).toBe(true);
    const after = await stripe.customers.list({ limit: 3, starting_after: pivot });
    expect(after.data.map((c) => c.id)).toEqual(all.data.slice(11, 14).map((c) => c.id));
  });

  it('filters by email and created', async () => {
    const globex = await stripe.customers.list({ email: 'billing@globex.example' });
    expect(globex.data.map((c) => c.name)).toEqual(['Globex Corporation']);
    const all = await stripe.customers.list({ limit: 100 });
    const oldest = all.data.at(-1)!.created;
    const range = await stripe.customers.list({ limit: 100, created: { lte: oldest } });
    expect(range.data.every((c) => c.created <= oldest)).toBe(true);
    expect(range.data.length).toBeGreaterThanOrEqual(1);
  });

  it('keeps the plan of a list page instead of planning it again on every call', async () => {
    // Issue #17: with `LIMIT $n` on a table of thousands, Postgres found its kept plan dearer
    // than one made for the limit and planned the list again on every call (54 us of
    // planning against 39 of execution). On a clone of its own: the tables must be large.
    const big = await startStripe();
    // Through a pool of the kit's, as the backend's own (a spun clone's test pool is plain pg).
    const kitPool = createPool(big.pool.options.connectionString ?? '', createMemoryLogger());
    const client = await kitPool.connect();
    try {
      for (const table of ['customers', 'products']) {
        await client.query(
          `INSERT INTO ${table} SELECT (jsonb_populate_record(NULL::${table}, to_jsonb(t) || jsonb_build_object(
             'id', t.id || '_' || g, 'seq', nextval(pg_get_serial_sequence('${table}', 'seq'))))).*
           FROM ${table} t, generate_series(1, 400) g`,
        );
        await client.query(`ANALYZE ${table}`);
      }
      const first = { email: null, testClock: null, created: null, after: null, before: null, limit: 11 };
      for (let i = 0; i < 8; i++) {
        await listCustomers(client, first);
        await listObjects(client, 'products', { limit: 11 });
      }
      const { rows } = await client.query<{ statement: string; generic_plans: string; custom_plans: string }>(
        `SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements
         WHERE (statement LIKE 'SELECT * FROM customers WHERE%' OR statement LIKE 'SELECT * FROM products%')
           AND statement LIKE '%ORDER BY%' AND generic_plans + custom_plans >= 8`,
      );
      // The two first pages the loop asked for, each planned once and kept: a plan per call
      // would be a custom plan for each of them. (A page after a cursor near the top of the
      // list is still planned per call: for it Postgres's own plan looks the cheaper.)
      expect(rows).toHaveLength(2);
      for (const row of rows) {
        expect(Number(row.custom_plans), row.statement).toBe(0);
        expect(Number(row.generic_plans), row.statement).toBe(8);
      }
    } finally {
      client.release();
      await kitPool.end();
      await big.close();
    }
  });

  it('rejects bad limits, unknown cursors and conflicting cursors', async () => {
    expect((await stripeError(stripe.customers.list({ limit: 0 }))).param).toBe('limit');
    expect((await stripeError(stripe.customers.list({ limit: 101 }))).statusCode).toBe(400);
    const missing = await stripeError(stripe.customers.list({ starting_after: 'cus_doesnotexist' }));
    expect(missing).toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'starting_after' });
    const both = await raw('/v1/customers?starting_after=a&ending_before=b');
    expect(both.body.error.code).toBe('parameters_exclusive');
  });
});

describe('errors', () => {
  it('answers 404 resource_missing for unknown ids', async () => {
    const error = await stripeError(stripe.customers.retrieve('cus_nope'));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
      param: 'id',
      message: "No such customer: 'cus_nope'",
    });
  });

  it('answers 400 parameter_unknown and typed parameter errors', async () => {
    const unknown = await raw('/v1/customers', { method: 'POST', body: 'name=x&favourite_color=blue' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toEqual({
      code: 'parameter_unknown',
      doc_url: 'https://stripe.com/docs/error-codes/parameter-unknown',
      message: 'Received unknown parameter: favourite_color',
      param: 'favourite_color',
      type: 'invalid_request_error',
    });
    const nested = await raw('/v1/customers', { method: 'POST', body: 'address[planet]=mars' });
    expect(nested.body.error.param).toBe('address[planet]');
    expect((await stripeError(stripe.customers.create({ balance: 'lots' as unknown as number }))).code).toBe(
      'parameter_invalid_integer',
    );
    expect((await stripeError(stripe.customers.create({ email: 'not-an-email' }))).code).toBe(
      'email_invalid',
    );
    const tax = await stripeError(stripe.customers.create({ tax_exempt: 'sometimes' as 'none' }));
    expect(tax.message).toBe('Invalid tax_exempt: must be one of none, exempt, or reverse');
    const shipping = await raw('/v1/customers', { method: 'POST', body: 'shipping[name]=x' });
    expect(shipping.body.error).toMatchObject({ code: 'parameter_missing', param: 'shipping[address]' });
  });

  it('answers unknown URLs and non-form bodies in Stripe’s shape, and survives malformed input', async () => {
    const unknown = await raw('/v1/widgets');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe(
      'Unrecognized request URL (GET: /v1/widgets). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.',
    );
    const json = await raw('/v1/customers', {
      method: 'POST',
      body: '{"name":"x"}',
      headers: { 'content-type': 'application/json' },
    });
    expect(json.status).toBe(400);
    expect(json.body.error.type).toBe('invalid_request_error');
    const deep = await raw('/v1/customers', { method: 'POST', body: `metadata${'[a]'.repeat(30)}=1` });
    expect(deep.status).toBe(400);
    const proto = await raw('/v1/customers', { method: 'POST', body: '__proto__[polluted]=1&name=ok' });
    expect(proto.status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const huge = await raw('/v1/customers', { method: 'POST', body: `name=${'a'.repeat(2 * 1024 * 1024)}` });
    expect(huge.status).toBe(413);
    expect(huge.body.error.type).toBe('invalid_request_error');
    expect((await stripe.customers.list({ limit: 1 })).object).toBe('list');
  });
});

describe('idempotency', () => {
  it('replays the first answer for the same key and parameters', async () => {
    const key = `test-${Date.now()}`;
    const first = await stripe.customers.create({ name: 'Once' }, { idempotencyKey: key });
    const second = await stripe.customers.create({ name: 'Once' }, { idempotencyKey: key });
    expect(second.id).toBe(first.id);
    const replay = await raw('/v1/customers', {
      method: 'POST',
      body: 'name=Once',
      headers: { 'idempotency-key': key },
    });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.id).toBe(first.id);
    const { rows } = await backend.pool.query("SELECT count(*)::int AS n FROM customers WHERE name = 'Once'");
    expect(rows[0].n).toBe(1);
  });

  it('refuses the same key with different parameters', async () => {
    const key = `conflict-${Date.now()}`;
    await stripe.customers.create({ name: 'First' }, { idempotencyKey: key });
    const error = await stripeError(stripe.customers.create({ name: 'Second' }, { idempotencyKey: key }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(error.statusCode).toBe(400);
    expect(error.message).toMatch(/^Keys for idempotent requests can only be used with the same parameters/);
  });

  it('does not keep failed validations, so a corrected retry with the key succeeds', async () => {
    const key = `retry-${Date.now()}`;
    expect(
      (await stripeError(stripe.customers.create({ email: 'bad' }, { idempotencyKey: key }))).statusCode,
    ).toBe(400);
    const fixed = await stripe.customers.create({ email: 'good@example.com' }, { idempotencyKey: key });
    expect(fixed.email).toBe('good@example.com');
  });

  it('keeps keys and answers in the clone database, not in Redis, and forgets them after 24 hours', async () => {
    const key = `ttl-${Date.now()}`;
    const first = await stripe.customers.create({ name: 'ttl' }, { idempotencyKey: key });
    expect(await redisKeys(backend.redisUrl, backend.redisPrefix)).toEqual([]);
    const { rows } = await backend.pool.query(
      'SELECT status, request_id, created_at FROM idempotency_keys WHERE body LIKE $1',
      [`%${first.id}%`],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].status).toBe(200);
    // A day and a second later (moved in the row, the clock stays real), the key is new again.
    await backend.pool.query('UPDATE idempotency_keys SET created_at = created_at - $1 WHERE body LIKE $2', [
      86_401_000,
      `%${first.id}%`,
    ]);
    const later = await stripe.customers.create({ name: 'ttl' }, { idempotencyKey: key });
    expect(later.id).not.toBe(first.id);
  });

  it('keeps each of many keys that arrive at once apart, and one key shared by several to one create', async () => {
    // Claims and answers that arrive together share a statement (coalesce): each key must
    // still get its own customer and its own stored answer, and a key sent by four requests
    // at once (a batch Postgres refuses, claimed again one by one) creates once.
    const run = Date.now();
    const keys = Array.from({ length: 20 }, (_, i) => `many-${run}-${i}`);
    const shared = `shared-${run}`;
    const send = (key: string, name: string) =>
      raw('/v1/customers', { method: 'POST', body: `name=${name}`, headers: { 'idempotency-key': key } });
    const [answers, sharedAnswers] = await Promise.all([
      Promise.all(keys.map((key, i) => send(key, `Many ${run} ${i}`))),
      Promise.all(Array.from({ length: 4 }, () => send(shared, `Shared ${run}`))),
    ]);
    expect(answers.map((a) => a.status)).toEqual(keys.map(() => 200));
    expect(answers.map((a) => a.body.name)).toEqual(keys.map((_, i) => `Many ${run} ${i}`));
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(keys.length);
    const replays = await Promise.all(keys.map((key, i) => send(key, `Many ${run} ${i}`)));
    expect(replays.map((r) => r.headers.get('idempotent-replayed'))).toEqual(keys.map(() => 'true'));
    expect(replays.map((r) => r.body.id)).toEqual(answers.map((a) => a.body.id));

    const created = sharedAnswers.filter((a) => a.status === 200);
    expect(new Set(created.map((a) => a.body.id)).size).toBe(1);
    for (const other of sharedAnswers.filter((a) => a.status !== 200)) {
      expect(other.status).toBe(409);
      expect(other.body.error.type).toBe('idempotency_error');
    }
    const { rows } = await backend.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM customers WHERE name = $1',
      [`Shared ${run}`],
    );
    expect(rows[0]?.n).toBe(1);
    const stored = await backend.pool.query<{ status: number; body: string }>(
      `SELECT status, body FROM idempotency_keys WHERE body LIKE $1`,
      [`%Many ${run} %`],
    );
    expect(stored.rows).toHaveLength(keys.length);
    expect(stored.rows.every((row) => row.status === 200)).toBe(true);
  });

  it("stores a keyed create's answer with the customer and replays it byte for byte", async () => {
    // The answer is written by the create's own statement (writeWithEvent): one write, not two.
    const key = `stored-${Date.now()}`;
    const send = () =>
      fetch(`${backend.url}/v1/customers`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${tokens.secretKey}`,
          'content-type': 'application/x-www-form-urlencoded',
          'idempotency-key': key,
        },
        body: 'name=Stored&metadata[plan]=pro&expand[]=test_clock',
      });
    const first = await send();
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await first.text();
    const customer = JSON.parse(text);
    expect(customer).toMatchObject({ object: 'customer', name: 'Stored', metadata: { plan: 'pro' } });
    const { rows } = await backend.pool.query<{ status: number; body: string; request_id: string }>(
      'SELECT status, body, request_id FROM idempotency_keys WHERE body LIKE $1',
      [`%${customer.id}%`],
    );
    expect(rows).toEqual([{ status: 200, body: text, request_id: first.headers.get('request-id') }]);
    // Committed by one transaction: a crash keeps both the customer and its answer, or neither.
    const writers = await backend.pool.query<{ xmin: string }>(
      `SELECT xmin::text FROM customers WHERE id = $1
       UNION ALL SELECT xmin::text FROM idempotency_keys WHERE body LIKE $2`,
      [customer.id, `%${customer.id}%`],
    );
    expect(writers.rows).toHaveLength(2);
    expect(writers.rows[0]?.xmin).toBe(writers.rows[1]?.xmin);
    const replay = await send();
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await replay.text()).toBe(text);
  });

  it('stores the answer a keyed create sent when its row comes back other than predicted', async () => {
    // A trigger changes the row as Postgres writes it: the answer stored with the write
    // (rendered from the prediction) must give way to the one sent, and the event with it.
    const key = `unpredicted-${Date.now()}`;
    await backend.pool.query(`
      CREATE FUNCTION test_describe() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN NEW.description := 'set by a trigger'; RETURN NEW; END $$;
      CREATE TRIGGER test_describe BEFORE INSERT ON customers FOR EACH ROW EXECUTE FUNCTION test_describe();`);
    try {
      const customer = await stripe.customers.create({ name: 'Unpredicted' }, { idempotencyKey: key });
      expect(customer.description).toBe('set by a trigger');
      const { rows } = await backend.pool.query<{ body: string }>(
        'SELECT body FROM idempotency_keys WHERE body LIKE $1',
        [`%${customer.id}%`],
      );
      expect(rows).toHaveLength(1);
      expect(JSON.parse(rows[0]?.body ?? '{}').description).toBe('set by a trigger');
      const replayed = await stripe.customers.create({ name: 'Unpredicted' }, { idempotencyKey: key });
      expect(replayed.lastResponse.headers['idempotent-replayed']).toBe('true');
      expect(replayed.description).toBe('set by a trigger');
      const [event] = (await stripe.events.list({ type: 'customer.created', limit: 1 })).data;
      expect(event?.data.object).toMatchObject({ id: customer.id, description: 'set by a trigger' });
    } finally {
      await backend.pool.query('DROP TRIGGER test_describe ON customers; DROP FUNCTION test_describe()');
    }
  });

  it('leaves the claim of a request in flight alone when a refused request reuses its key', async () => {
    // POST /v1/customers claims its key with its write: a request refused before it writes
    // claims nothing, and must not drop the claim another request holds.
    const key = `held-${Date.now()}`;
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256').update(key).digest('hex');
    await backend.pool.query(
      'INSERT INTO idempotency_keys (key_sha256, fingerprint, created_at) VALUES ($1, $2, $3)',
      [hash, 'another request', Date.now()],
    );
    const refused = await raw('/v1/customers', {
      method: 'POST',
      body: 'email=not-an-email',
      headers: { 'idempotency-key': key },
    });
    expect(refused.status).toBe(400);
    const { rows } = await backend.pool.query(
      'SELECT fingerprint, status FROM idempotency_keys WHERE key_sha256 = $1',
      [hash],
    );
    expect(rows).toEqual([{ fingerprint: 'another request', status: null }]);
  });

  it('replays a keyed create that took the transaction path (a test clock)', async () => {
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: 1_767_225_600 });
    const key = `clocked-${Date.now()}`;
    const first = await stripe.customers.create(
      { name: 'Clocked', test_clock: clock.id },
      { idempotencyKey: key },
    );
    const again = await stripe.customers.create(
      { name: 'Clocked', test_clock: clock.id },
      { idempotencyKey: key },
    );
    expect(first.created).toBe(1_767_225_600);
    expect(again.id).toBe(first.id);
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    const { rows } = await backend.pool.query(
      "SELECT count(*)::int AS n FROM customers WHERE name = 'Clocked'",
    );
    expect(rows[0].n).toBe(1);
  });

  it('answers 409 to a second request with a key still in flight', async () => {
    const key = `inflight-${Date.now()}`;
    // A claim the way a running request holds it: fingerprint of the same call, no answer yet.
    const { fingerprint } = await import('../../templates/stripe/backend/idempotency.js');
    const { createHash } = await import('node:crypto');
    await backend.pool.query(
      'INSERT INTO idempotency_keys (key_sha256, fingerprint, created_at) VALUES ($1, $2, $3)',
      [
        createHash('sha256').update(key).digest('hex'),
        fingerprint('POST', '/v1/customers', { name: 'Busy' }),
        Date.now(),
      ],
    );
    const error = await stripeError(stripe.customers.create({ name: 'Busy' }, { idempotencyKey: key }));
    expect(error.statusCode).toBe(409);
    expect(error.rawType).toBe('idempotency_error');
    const { rows } = await backend.pool.query("SELECT count(*)::int AS n FROM customers WHERE name = 'Busy'");
    expect(rows[0].n).toBe(0);
  });
});

describe('reset and seed', () => {
  it('restores the seeded customers and sequences and drops idempotency keys', async () => {
    const created = await stripe.customers.create(
      { name: 'Gone after reset' },
      { idempotencyKey: 'reset-key' },
    );
    const reset = await backend.admin('/reset');
    expect(reset.body.ok).toBe(true);
    console.log(`stripe reset: ${reset.body.ms} ms`);
    expect(await countPublic(backend.pool)).toEqual(seededCounts);
    expect((await stripeError(stripe.customers.retrieve(created.id))).statusCode).toBe(404);
    expect(await stripe.customers.list({ limit: 100 }).autoPagingToArray({ limit: 1000 })).toHaveLength(
      FIXTURE_CUSTOMERS,
    );
    expect((await backend.pool.query('SELECT count(*)::int AS n FROM idempotency_keys')).rows[0].n).toBe(0);
    // The same key now creates a new customer, whose seq follows the seeded ones.
    const again = await stripe.customers.create(
      { name: 'Gone after reset' },
      { idempotencyKey: 'reset-key' },
    );
    expect(again.id).not.toBe(created.id);
    const { rows } = await backend.pool.query('SELECT seq FROM customers WHERE id = $1', [again.id]);
    expect(rows[0].seq).toBe(FIXTURE_CUSTOMERS + 1);
    await backend.admin('/reset');
  });

  it('seeds the same rows every time, and an empty account without a fixture', async () => {
    const other = await startStripe();
    try {
      expect(await dumpPublic(other.pool)).toEqual(await dumpPublic(backend.pool));
      const empty = await other.admin('/seed', { fixture: null });
      expect(empty.body).toEqual({
        ok: true,
        identity: { accountId: 'acct_1AsymTestAcct00' },
        checkpointsDropped: 0,
      });
      expect((await countPublic(other.pool)).customers).toBe(0);
      const back = await other.admin('/seed', { fixture: 'acme-corp' });
      expect(back.body.identity.accountId).toBe('acct_1AcmeCorpTest00');
      expect(await dumpPublic(other.pool)).toEqual(await dumpPublic(backend.pool));
    } finally {
      await other.close();
    }
  });

  it('has realistic fixture data', async () => {
    const all = await stripe.customers.list({ limit: 100 });
    expect(all.data).toHaveLength(FIXTURE_CUSTOMERS);
    const created = all.data.map((c) => c.created);
    expect(Math.max(...created) - Math.min(...created)).toBeGreaterThan(90 * 86_400);
    expect(all.data.every((c) => c.email?.startsWith('billing@') && c.metadata.plan)).toBe(true);
  });

  it('seeds a billing history: catalogue, cards, subscriptions in every status, invoices and payments', async () => {
    // The plans, onboarding and support, and the metered API (acme-corp-billing-more.ts).
    const products = await stripe.products.list({ limit: 100 });
    expect(products.data).toHaveLength(7);
    const prices = await stripe.prices.list({ limit: 100 });
    expect(prices.data).toHaveLength(11);
    const subs = await stripe.subscriptions.list({ status: 'all', limit: 100 });
    const byStatus = new Map<string, number>();
    for (const sub of subs.data) byStatus.set(sub.status, (byStatus.get(sub.status) ?? 0) + 1);
    // 16 plans active, and Hooli's metered API usage.
    expect(Object.fromEntries(byStatus)).toEqual({ active: 17, trialing: 3, past_due: 3, canceled: 3 });
    const customers = await stripe.customers.list({ limit: 100 });
    for (const customer of customers.data) {
      expect(customer.invoice_settings.default_payment_method).toMatch(/^pm_/);
    }
    const invoices = await stripe.invoices.list({ limit: 100 }).autoPagingToArray({ limit: 1000 });
    expect(invoices.length).toBeGreaterThan(80);
    expect(invoices.some((i) => i.status === 'open' && i.attempt_count > 0)).toBe(true);
    const charges = await stripe.charges.list({ limit: 100 }).autoPagingToArray({ limit: 1000 });
    expect(charges.filter((c) => c.status === 'failed').length).toBeGreaterThanOrEqual(5);
    expect(charges.filter((c) => c.refunded).length).toBeGreaterThanOrEqual(1);
    expect(charges.filter((c) => c.amount_refunded > 0 && !c.refunded).length).toBeGreaterThanOrEqual(1);
    const pastDue = subs.data.find((s) => s.status === 'past_due')!;
    expect(
      ((await stripe.customers.retrieve(pastDue.customer as string)) as Stripe.Customer).delinquent,
    ).toBe(true);
    const balance = await stripe.balance.retrieve();
    expect(balance.available[0]!.amount).toBeGreaterThan(0);
  });
});
