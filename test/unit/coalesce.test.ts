import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { coalesce } from '../../templates/_shared/coalesce.js';

/** A runner whose batches the test releases by hand, recording what each batch held. */
function manualRunner<I>(answer: (item: I) => unknown = (item) => item) {
  const batches: I[][] = [];
  const open: Array<{ items: I[]; release: () => void; fail: (error: unknown) => void }> = [];
  const run = (items: I[]) =>
    new Promise<unknown[]>((resolve, reject) => {
      batches.push(items);
      open.push({ items, release: () => resolve(items.map(answer)), fail: reject });
    });
  return { run, batches, open };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const refusal = (message: string) => new pg.DatabaseError(message, 0, 'error');

describe('coalesce', () => {
  it('runs a lone call at once, and queues only while the batches in flight are busy', async () => {
    const runner = manualRunner<number>((n) => n * 10);
    const call = coalesce(runner.run, { inFlight: 2 });
    const first = call(1);
    const second = call(2);
    const rest = [3, 4, 5].map(call);
    await tick();
    expect(runner.batches).toEqual([[1], [2]]);
    runner.open[0]?.release();
    expect(await first).toBe(10);
    await tick();
    // The calls that came in meanwhile went together, as one batch.
    expect(runner.batches).toEqual([[1], [2], [3, 4, 5]]);
    runner.open[2]?.release();
    expect(await Promise.all(rest)).toEqual([30, 40, 50]);
    runner.open[1]?.release();
    expect(await second).toBe(20);
  });

  it('cuts the queue at maxBatch', async () => {
    const runner = manualRunner<number>();
    const call = coalesce(runner.run, { inFlight: 1, maxBatch: 2 });
    const all = [1, 2, 3, 4, 5].map(call);
    await tick();
    runner.open[0]?.release();
    await tick();
    runner.open[1]?.release();
    await tick();
    runner.open[2]?.release();
    expect(await Promise.all(all)).toEqual([1, 2, 3, 4, 5]);
    expect(runner.batches).toEqual([[1], [2, 3], [4, 5]]);
  });

  it('runs each call of a batch Postgres refused again alone, so only the bad one fails', async () => {
    const batches: string[][] = [];
    const call = coalesce<string, string>(
      async (items) => {
        batches.push(items);
        if (items.includes('bad')) throw refusal(`refused ${items.join(',')}`);
        return items.map((item) => item.toUpperCase());
      },
      { inFlight: 1 },
    );
    const blocker = call('first');
    const settled = Promise.allSettled(['a', 'bad', 'b'].map(call));
    expect(await blocker).toBe('FIRST');
    const results = await settled;
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      'A',
      'refused bad',
      'B',
    ]);
    expect(batches).toEqual([['first'], ['a', 'bad', 'b'], ['a'], ['bad'], ['b']]);
  });

  it('gives every call of a batch any other failure, without running it a second time', async () => {
    const batches: number[][] = [];
    let gate: () => void = () => {};
    const opened = new Promise<void>((resolve) => {
      gate = resolve;
    });
    const call = coalesce<number, number>(
      async (items) => {
        batches.push(items);
        if (items[0] === 0) {
          await opened;
          return [0];
        }
        throw new Error('connection lost');
      },
      { inFlight: 1 },
    );
    const blocker = call(0);
    const settled = Promise.allSettled([1, 2].map(call));
    gate();
    await blocker;
    expect((await settled).map((r) => r.status === 'rejected' && (r.reason as Error).message)).toEqual([
      'connection lost',
      'connection lost',
    ]);
    expect(batches).toEqual([[0], [1, 2]]);
  });

  it('refuses a runner that answers the wrong number of items, for all of them', async () => {
    const call = coalesce<number, number>(async () => [1]);
    await expect(call(1)).resolves.toBe(1);
    const call2 = coalesce<number, number>(async () => []);
    await expect(call2(1)).rejects.toThrow('coalesce: 0 answers for 1 items');
  });
});
