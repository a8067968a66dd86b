import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExampleApp } from '../../templates/_example/backend/app.js';
import {
  type ExampleIdentity,
  type ExampleTokens,
  exampleTemplate,
} from '../../templates/_example/backend/template.js';
import { type CloneInfra, startCloneInfra } from '../support/clone-db.js';
import { type RunningBackend, startBackend } from './harness.js';

/**
 * The scaffold (templates/_example, README "Writing a template") served in-process on a real
 * Postgres and Redis: the kit's wiring alone gives it auth, its error envelope on every path,
 * readiness, pagination, the journal, reset and tokens.
 */
let infra: CloneInfra;
let clone: RunningBackend<ExampleIdentity, ExampleTokens>;
let key: string;

beforeAll(async () => {
  infra = await startCloneInfra();
  clone = await startBackend(infra, {
    template: exampleTemplate,
    createApp: createExampleApp,
    database: 'example_scaffold',
    seedFixture: 'demo',
    migrationsDir: fileURLToPath(new URL('../../templates/_example/migrations', import.meta.url)),
  });
  key = (await clone.admin('/tokens')).body.apiKey;
}, 180_000);

afterAll(async () => {
  await clone?.close();
  await infra?.stop();
});

const api = (path: string, init: RequestInit = {}, token: string | null = key) =>
  fetch(`${clone.url}${path}`, {
    ...init,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
  });

describe('the example template (the scaffold)', () => {
  it('serves its seeded notes with Link pagination, behind its minted key', async () => {
    expect(key).toMatch(/^ex_[A-Za-z0-9]{32}$/);
    const first = await api('/v1/notes?per_page=2');
    expect(first.status).toBe(200);
    expect(first.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    expect(((await first.json()) as Array<{ title: string }>).map((n) => n.title)).toEqual([
      'Note 1',
      'Note 2',
    ]);
    expect(first.headers.get('link')).toBe(`<${clone.url}/v1/notes?per_page=2&page=2>; rel="next"`);
    const second = await api('/v1/notes?per_page=2&page=2');
    expect(((await second.json()) as Array<{ title: string }>).map((n) => n.title)).toEqual(['Note 3']);
  });

  it('answers every failure in its own envelope: auth, params, malformed body, 404, 405', async () => {
    const cases: Array<[Response, number, string]> = [
      [await api('/v1/notes', {}, null), 401, 'unauthorized'],
      [await api('/v1/notes', {}, 'ex_wrong'), 401, 'unauthorized'],
      [await api('/v1/notes?per_page=1000'), 400, 'invalid_params'],
      [await api('/v1/notes', { method: 'POST', body: '{"title":' }), 400, 'invalid_json'],
      [await api('/v1/nowhere'), 404, 'not_found'],
      [await api('/v1/notes', { method: 'DELETE' }), 405, 'method_not_allowed'],
    ];
    for (const [response, status, code] of cases) {
      expect({
        status: response.status,
        code: ((await response.json()) as { error: { code: string } }).error.code,
      }).toEqual({
        status,
        code,
      });
    }
    const invalid = await api('/v1/notes', { method: 'POST', body: '{"body":"x","colour":"red"}' });
    expect(await invalid.json()).toEqual({
      error: {
        code: 'invalid_params',
        message: 'Some parameters are invalid.',
        fields: [
          { field: 'title', problem: 'missing' },
          { field: 'colour', problem: 'unknown' },
        ],
      },
    });
  });

  it('journals its calls, and reset takes it back to the seed', async () => {
    const created = await api('/v1/notes', { method: 'POST', body: '{"title":"Mine"}' });
    expect(created.status).toBe(201);
    const diff = await fetch(`${clone.url}/_asym/diff`, {
      headers: { authorization: `Bearer ${clone.adminToken}` },
    });
    expect(((await diff.json()) as { changes: Array<{ type: string; op: string }> }).changes).toMatchObject([
      { type: 'note', op: 'created' },
    ]);
    const journal = await fetch(`${clone.url}/_asym/journal`, {
      headers: { authorization: `Bearer ${clone.adminToken}` },
    });
    const methods = (
      (await journal.json()) as { entries: Array<{ method: string; status: number }> }
    ).entries.map((e) => `${e.method} ${e.status}`);
    expect(methods).toContain('POST /v1/notes 201');
    expect((await clone.admin('/reset')).status).toBe(200);
    expect(((await (await api('/v1/notes')).json()) as unknown[]).length).toBe(3);
  });
});
