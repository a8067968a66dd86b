import { describe, expect, it } from 'vitest';
import type { Queryable } from '../../templates/_shared/db.js';
import { FaultBook, Journal, redact } from '../../templates/_shared/evaluation.js';

let order = 0;
const entry = (method: string) => ({
  at: '2026-01-01T00:00:00.000Z',
  order: ++order,
  method,
  status: 200,
  ok: true,
  error: null,
  ms: 1,
  actor: null,
  args: {},
});

/** A database that answers every query with no rows: FaultBook keeps its truth in memory. */
const noRows: Queryable = { query: (async () => ({ rows: [] })) as unknown as Queryable['query'] };

describe('the journal', () => {
  it('reads in order after a cursor, keeps the newest under its cap and counts what it dropped', () => {
    const journal = new Journal(10);
    for (let i = 1; i <= 25; i++) journal.record(entry(`m${i}`));
    const all = journal.read();
    expect(all.entries.map((e) => e.method)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i + 16}`));
    expect(all.dropped).toBeGreaterThanOrEqual(14);
    expect(all.next).toBe(25);
    expect(journal.read(23).entries.map((e) => e.seq)).toEqual([24, 25]);
    expect(journal.read(0, 2).entries.map((e) => e.method)).toEqual(['m24', 'm25']);
  });

  it('reads calls in the order they began, though recorded as they ended', () => {
    const journal = new Journal();
    const outer = journal.begin();
    const inner = journal.begin();
    journal.record({ ...entry('inner'), order: inner });
    journal.record({ ...entry('outer'), order: outer });
    expect(journal.read().entries.map((e) => [e.method, e.seq])).toEqual([
      ['outer', 2],
      ['inner', 1],
    ]);
  });

  it('starts empty after a clear, and its cursor keeps counting', () => {
    const journal = new Journal();
    journal.record(entry('a'));
    journal.clear();
    expect(journal.read()).toEqual({ entries: [], next: 0, dropped: 0 });
    journal.record(entry('b'));
    expect(journal.read(1).entries.map((e) => [e.seq, e.method])).toEqual([[2, 'b']]);
  });
});

describe('redact', () => {
  it('hides tokens, keys, passwords and card numbers wherever they are', () => {
    expect(
      redact({
        token: 'anything',
        channel: 'C1',
        text: 'xoxb-1-2-3',
        nested: { card: { number: '4242 4242 4242 4242', cvc: '123', exp_month: 12 } },
        list: ['sk_test_abc', 'fine'],
        metadata: { note: '4000000000000002' },
        password: 'password123',
      }),
    ).toEqual({
      token: '[redacted]',
      channel: 'C1',
      text: '[redacted]',
      nested: { card: { number: '[redacted]', cvc: '[redacted]', exp_month: 12 } },
      list: ['[redacted]', 'fine'],
      metadata: { note: '[redacted]' },
      password: '[redacted]',
    });
  });
});

describe('faults', () => {
  it('refuse an unknown method with the nearest names', async () => {
    const book = new FaultBook(noRows);
    await expect(
      book.add({ method: 'chat.postMesage', error: 'x' }, ['chat.postMessage'], new Date()),
    ).rejects.toThrow('did you mean "chat.postMessage"?');
  });

  it('fire for the next n matching calls, for every method with *, and at a rate', async () => {
    let roll = 0;
    const rolls = [0.1, 0.9, 0.2, 0.8];
    const book = new FaultBook(noRows, () => rolls[roll++ % rolls.length]!);
    const limited = await book.add({ method: 'a', error: 'e', times: 2 }, ['a', 'b'], new Date());
    expect(book.take('b')).toBeNull();
    expect(book.take('a')?.id).toBe(limited.id);
    expect(book.take('a')?.id).toBe(limited.id);
    expect(book.take('a')).toBeNull();

    await book.clear();
    const half = await book.add({ method: '*', latencyMs: 5, rate: 0.5 }, [], new Date());
    // Each id drew one roll (0.1, 0.9); then 0.2 fires, 0.8 misses, 0.1 fires, 0.9 misses.
    expect(
      [book.take('x'), book.take('y'), book.take('z'), book.take('w')].map((f) => f?.id ?? null),
    ).toEqual([half.id, null, half.id, null]);
    expect(book.list()[0]?.fired).toBe(2);
    expect(await book.clear(half.id)).toBe(1);
    expect(book.active).toBe(false);
  });
});
