import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../templates/_shared/db.js';
import { createMemoryLogger } from '../../templates/_shared/log.js';
import { readMigrations, runMigrations } from '../../templates/_shared/migrations.js';
import { hashPassword, verifyPassword } from '../../templates/_shared/password.js';
import { createPrng } from '../../templates/_shared/prng.js';
import { createRedis, deleteKeysWithPrefix, escapeRedisGlob } from '../../templates/_shared/redis.js';
import { buildRestoreSql, restoreSnapshot, takeSnapshot } from '../../templates/_shared/snapshot.js';
import type { Timeline } from '../../templates/_shared/template.js';
import { formatTs, parseTs } from '../../templates/slack/backend/slack-ts.js';
import { type CloneInfra, startCloneInfra } from '../support/clone-db.js';

let infra: CloneInfra;
let pool: pg.Pool;
let dir: string;
const log = createMemoryLogger();

beforeAll(async () => {
  infra = await startCloneInfra();
  pool = createPool(await infra.createDatabase('shared_tests'), log);
  dir = await mkdtemp(join(tmpdir(), 'asym-migrations-'));
}, 180_000);

afterAll(async () => {
  await pool?.end();
  await infra?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('migrations', () => {
  it('applies files in name order once, and refuses an edited one', async () => {
    await writeFile(join(dir, '0002_more.sql'), 'ALTER TABLE parents ADD COLUMN note text;');
    await writeFile(join(dir, '0001_init.sql'), 'CREATE TABLE parents (id int PRIMARY KEY);');
    await writeFile(join(dir, 'README.md'), 'not a migration');
    const migrations = await readMigrations(dir);
    expect(migrations.map((m) => m.name)).toEqual(['0001_init.sql', '0002_more.sql']);
    expect(await runMigrations(pool, migrations)).toEqual({ applied: ['0001_init.sql', '0002_more.sql'] });
    expect(await runMigrations(pool, migrations)).toEqual({ applied: [] });
    const { rows } = await pool.query('SELECT name FROM asym.migrations ORDER BY name');
    expect(rows.map((r) => r.name)).toEqual(['0001_init.sql', '0002_more.sql']);
    // Unqualified tables land in public even though a schema named after the role exists.
    const { rows: where } = await pool.query("SELECT schemaname FROM pg_tables WHERE tablename = 'parents'");
    expect(where).toEqual([{ schemaname: 'public' }]);

    await writeFile(join(dir, '0002_more.sql'), 'ALTER TABLE parents ADD COLUMN other text;');
    await expect(runMigrations(pool, await readMigrations(dir))).rejects.toThrow(/0002_more.sql changed/);
    await writeFile(join(dir, '0002_more.sql'), 'ALTER TABLE parents ADD COLUMN note text;');
  });

  it('rolls back a failing migration as a whole', async () => {
    await writeFile(join(dir, '0003_broken.sql'), 'CREATE TABLE half (id int); SELECT * FROM nowhere;');
    await expect(runMigrations(pool, await readMigrations(dir))).rejects.toThrow(/0003_broken.sql failed/);
    const { rows } = await pool.query("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'half'");
    expect(rows[0].n).toBe(0);
    await rm(join(dir, '0003_broken.sql'));
  });
});

describe('snapshot and restore', () => {
  it('restores rows, identity and free-standing sequences, and generated columns', async () => {
    await pool.query(`
      CREATE SEQUENCE public.ticket_numbers START 100;
      CREATE TABLE children (
        id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        parent_id int NOT NULL REFERENCES parents (id),
        name text NOT NULL,
        upper_name text GENERATED ALWAYS AS (upper(name)) STORED,
        ticket int NOT NULL DEFAULT nextval('public.ticket_numbers')
      );
      INSERT INTO parents (id, note) VALUES (1, 'one'), (2, 'two');
      INSERT INTO children (parent_id, name) VALUES (1, 'a'), (2, 'b');
    `);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      expect(await takeSnapshot(client)).toEqual({ tables: 2, rows: 4 });
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const seeded = await pool.query('SELECT * FROM children ORDER BY id');

    await pool.query(
      "INSERT INTO parents (id) VALUES (3); INSERT INTO children (parent_id, name) VALUES (3, 'c')",
    );
    await pool.query(
      "DELETE FROM children WHERE name = 'a'; UPDATE parents SET note = 'changed' WHERE id = 2",
    );

    await restoreSnapshot(pool, await buildRestoreSql(pool));
    expect((await pool.query('SELECT * FROM children ORDER BY id')).rows).toEqual(seeded.rows);
    expect((await pool.query('SELECT id, note FROM parents ORDER BY id')).rows).toEqual([
      { id: 1, note: 'one' },
      { id: 2, note: 'two' },
    ]);
    const next = await pool.query(
      "INSERT INTO children (parent_id, name) VALUES (1, 'd') RETURNING id, ticket, upper_name",
    );
    expect(next.rows[0]).toEqual({ id: 3, ticket: 102, upper_name: 'D' });
  });
});

describe('timeline shift in the restore', () => {
  it('moves every declared time by the bound shift; 0 and null stay, strings and other numbers too', async () => {
    await pool.query(`
      CREATE TABLE stamps (id int PRIMARY KEY, s bigint, ms bigint, us bigint, at timestamptz, doc jsonb, n bigint);
      INSERT INTO stamps VALUES
        (1, 1000, 2000, 3000, '2024-03-23T00:00:00Z', '{"created": 100, "lines": [{"period": {"start": 200, "end": 0}}], "note": "\\"created\\": 7", "amount": 100}', 5),
        (2, 0, 0, 0, NULL, NULL, 6);
    `);
    const timeline: Timeline = {
      anchors: {},
      columns: { stamps: { s: 's', ms: 'ms', us: 'us', at: 'timestamptz', doc: 'json' } },
      jsonTimeKeys: ['created', 'start', 'end'],
    };
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await takeSnapshot(client, timeline);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const restoreSql = await buildRestoreSql(pool, { timeline });
    const read = async () =>
      (await pool.query('SELECT id, s, ms, us, at, doc, n FROM stamps ORDER BY id')).rows.map((row) => ({
        ...row,
        at: row.at?.toISOString() ?? null,
      }));
    for (const shift of [86_400, 2 * 86_400, 2 * 86_400, 0]) {
      await pool.query('UPDATE stamps SET s = 1, doc = NULL');
      await restoreSnapshot(pool, restoreSql, { shiftSeconds: shift, resetAtMs: 1 });
      expect(await read()).toEqual([
        {
          id: 1,
          s: 1000 + shift,
          ms: 2000 + shift * 1000,
          us: 3000 + shift * 1_000_000,
          at: new Date(Date.parse('2024-03-23T00:00:00Z') + shift * 1000).toISOString(),
          doc: {
            created: 100 + shift,
            lines: [{ period: { start: 200 + shift, end: 0 } }],
            note: '"created": 7',
            amount: 100,
          },
          n: 5,
        },
        { id: 2, s: 0, ms: 0, us: 0, at: null, doc: null, n: 6 },
      ]);
      expect((await pool.query('SELECT shift_s FROM asym.timeline_state')).rows).toEqual([
        { shift_s: shift },
      ]);
    }
    await expect(
      buildRestoreSql(pool, { timeline: { anchors: {}, columns: { stamps: { missing: 's' } } } }),
    ).rejects.toThrow('timeline: no column public.stamps.missing');
  });
});

describe('redis prefix cleanup', () => {
  it('deletes exactly the keys under a prefix, glob characters included', async () => {
    const prefix = 'clone*[1]?:';
    const own = createRedis(infra.redisUrl, prefix, log);
    const plain = new Redis(infra.redisUrl);
    try {
      // The clone's client fails fast instead of queueing while it connects.
      if (own.status !== 'ready') await new Promise((resolve) => own.once('ready', resolve));
      await own.set('a', '1');
      await own.set('b:c', '2');
      await plain.set('cloneX[1]Y:a', 'neighbour');
      await plain.set('clone*[1]?', 'no colon');
      expect(await deleteKeysWithPrefix(own, prefix)).toBe(2);
      expect(await plain.keys('clone*')).toEqual(expect.arrayContaining(['cloneX[1]Y:a', 'clone*[1]?']));
      expect(await own.get('a')).toBeNull();
      expect(escapeRedisGlob('a*b?[c]\\')).toBe('a\\*b\\?\\[c\\]\\\\');
      await expect(deleteKeysWithPrefix(own, '')).rejects.toThrow();
    } finally {
      await own.quit();
      await plain.quit();
    }
  });
});

describe('helpers', () => {
  it('a seeded PRNG repeats its sequence', () => {
    const a = createPrng('acme-corp');
    const b = createPrng('acme-corp');
    const draws = Array.from({ length: 50 }, () => a.next());
    expect(Array.from({ length: 50 }, () => b.next())).toEqual(draws);
    expect(createPrng('other').next()).not.toBe(draws[0]);
    expect(draws.every((d) => d >= 0 && d < 1)).toBe(true);
  });

  it('hashes passwords deterministically for a fixed salt, and verifies them', async () => {
    const salt = Buffer.alloc(16, 7);
    const hash = await hashPassword('password123', salt);
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await hashPassword('password123', Buffer.from(salt))).toBe(hash);
    expect(await verifyPassword('password123', hash)).toBe(true);
    expect(await verifyPassword('password124', hash)).toBe(false);
    expect(await verifyPassword('password123', 'garbage')).toBe(false);
  });

  it('converts Slack timestamps exactly', () => {
    expect(formatTs(1_700_000_000_000_100)).toBe('1700000000.000100');
    expect(parseTs('1700000000.000100')).toBe(1_700_000_000_000_100);
    expect(parseTs('1700000000.1')).toBe(1_700_000_000_100_000);
    expect(parseTs('1700000000')).toBe(1_700_000_000_000_000);
    expect(parseTs('0')).toBe(0);
    expect(parseTs('abc')).toBeNull();
    expect(parseTs('-1')).toBeNull();
  });
});

describe('outbound delivery retries in Postgres', () => {
  it('survive a new process (resumed and sent), and a reset drops them', async () => {
    const { OutboundDelivery, PgRetryStore } = await import('../../templates/_shared/outbound.js');
    const { createServer } = await import('node:http');
    // The migrations above created schema asym and the kit's bookkeeping (with the table).
    const store = new PgRetryStore(pool);
    await store.clear();
    const bodies: string[] = [];
    let answer = 500;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        bodies.push(body);
        res.writeHead(answer).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const channel = {
      headers: () => ({ 'content-type': 'application/json' }),
      retryDelaysMs: [150],
      timeoutMs: 2_000,
    };
    try {
      const first = new OutboundDelivery(store, log, { rewriteUrl: (url) => url }).channel('hooks', channel);
      await first.send('hooks', {
        id: 'evt_pg',
        url: `http://127.0.0.1:${port}/hook`,
        body: '{"n":1}',
        meta: { k: 'v' },
      });
      // The process "dies" before its retry timer fires.
      first.close();
      const [waiting] = await store.all();
      expect(waiting).toMatchObject({
        channel: 'hooks',
        attempt: 1,
        lastReason: 'http_error',
        message: { id: 'evt_pg', meta: { k: 'v' } },
      });

      answer = 200;
      const second = new OutboundDelivery(store, log, { rewriteUrl: (url) => url }).channel('hooks', channel);
      expect(await second.resume()).toBe(1);
      for (let i = 0; i < 100 && bodies.length < 2; i++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(bodies).toEqual(['{"n":1}', '{"n":1}']);
      expect(await store.all()).toEqual([]);

      answer = 503;
      await second.send('hooks', { id: 'evt_pg2', url: `http://127.0.0.1:${port}/hook`, body: '{}' });
      expect(await store.all()).toHaveLength(1);
      await second.clear();
      const { rows } = await pool.query('SELECT count(*)::int AS n FROM asym.outbound_retries');
      expect(rows[0].n).toBe(0);
    } finally {
      server.close();
    }
  });
});
