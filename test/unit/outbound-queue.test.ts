import { describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../templates/_shared/log.js';
import {
  type AttemptOutcome,
  MemoryRetryStore,
  type OutboundChannel,
  OutboundDelivery,
} from '../../templates/_shared/outbound.js';

// Issue #17: the kit's deliveries wait in one queue per endpoint, so an endpoint that fails
// is not sent every new event at once while a healthy one is, and what a dead endpoint costs
// does not grow with the API's request rate.

interface Seen {
  url: string;
  body: string;
  headers: Record<string, string>;
}

/**
 * A transport to named receivers: `answer(url)` says what the receiver at that URL does
 * (a status, or null: no connection); `hold` keeps requests open until released.
 */
function transport(answer: (url: string) => number | null, options: { hold?: boolean } = {}) {
  const seen: Seen[] = [];
  const open: Array<() => void> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fake: typeof fetch = async (input, init) => {
    const url = String(input);
    seen.push({ url, body: String(init?.body), headers: init?.headers as Record<string, string> });
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    if (options.hold) await new Promise<void>((resolve) => open.push(resolve));
    inFlight--;
    const status = answer(url);
    if (status === null) throw new TypeError('fetch failed');
    return new Response('ok', { status });
  };
  return {
    fake,
    seen,
    to: (url: string) => seen.filter((s) => s.url === url),
    maxInFlight: () => maxInFlight,
    release: () => {
      for (const resolve of open.splice(0)) resolve();
    },
  };
}

const waitFor = async (what: string, check: () => boolean) => {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(check(), what).toBe(true);
};

const DEAD = 'http://127.0.0.1:9/dead';
const LIVE = 'http://127.0.0.1:9/live';

function outbound(
  fake: typeof fetch,
  channel: Partial<OutboundChannel> = {},
  options: { store?: MemoryRetryStore; maxQueued?: number } = {},
) {
  const log = createMemoryLogger();
  const store = options.store ?? new MemoryRetryStore();
  const outcomes: Array<{ id: string; url: string } & AttemptOutcome> = [];
  const delivery = new OutboundDelivery(store, log, {
    fetch: fake,
    rewriteUrl: (url) => url,
    ...(options.maxQueued ? { maxQueued: options.maxQueued } : {}),
  }).channel('hooks', {
    headers: (_message, attempt) => ({ 'x-retry': String(attempt.number) }),
    retryDelaysMs: [60_000],
    timeoutMs: 1_000,
    onOutcome: (message, outcome) => void outcomes.push({ id: message.id, url: message.url, ...outcome }),
    ...channel,
  });
  return { delivery, store, log, outcomes };
}

const event = (n: number) => ({ id: `evt_${n}`, type: 'customer.created', topics: [], body: `{"n":${n}}` });

describe('kit outbound delivery, one queue per endpoint', () => {
  it('a failing endpoint gets one attempt while a healthy one gets every event', async () => {
    const net = transport((url) => (url === DEAD ? null : 200));
    const { delivery, store } = outbound(net.fake);
    for (let n = 0; n < 30; n++) await delivery.emit('hooks', event(n), [{ url: DEAD }, { url: LIVE }]);
    await waitFor('every event at the live endpoint', () => net.to(LIVE).length === 30);
    // The first failure holds the dead endpoint for its retry delay (a minute): the other 29
    // wait behind it, unattempted, and only the failed one has a retry stored.
    expect(net.to(DEAD)).toHaveLength(1);
    expect(await store.all()).toHaveLength(1);
    expect(delivery.pending).toBe(30);
    await delivery.clear();
    expect(delivery.pending).toBe(0);
    expect(await store.all()).toEqual([]);
  });

  it('probes a held endpoint one delivery at a time, oldest first, with its retry count', async () => {
    let up = false;
    const net = transport((url) => (url === DEAD && !up ? 503 : 200));
    const { delivery, outcomes } = outbound(net.fake, { retryDelaysMs: [30, 30, 30] });
    await delivery.send('hooks', { id: 'evt_a', url: DEAD, body: 'a' });
    // Held: the caller is not kept waiting for its turn.
    expect(await delivery.send('hooks', { id: 'evt_b', url: DEAD, body: 'b' })).toBeNull();
    await delivery.send('hooks', { id: 'evt_c', url: DEAD, body: 'c' });
    // Its second attempt fails too (503 while down), then the receiver comes back.
    await waitFor('a retried', () => net.seen.length === 2);
    up = true;
    await waitFor('all delivered', () => outcomes.filter((o) => o.reason === null).length === 3);
    expect(net.seen.map((s) => [s.body, s.headers['x-retry']])).toEqual([
      ['a', '0'],
      ['a', '1'],
      ['a', '2'],
      ['b', '0'],
      ['c', '0'],
    ]);
    expect(delivery.pending).toBe(0);
  });

  it('keeps at most the channel’s maxInFlight requests open to one endpoint, in order with 1', async () => {
    for (const maxInFlight of [1, 3]) {
      const net = transport(() => 200, { hold: true });
      const { delivery, outcomes } = outbound(net.fake, { maxInFlight });
      for (let n = 0; n < 8; n++) void delivery.send('hooks', { id: `evt_${n}`, url: LIVE, body: String(n) });
      for (let round = 0; round < 8 && outcomes.length < 8; round++) {
        await waitFor('requests out', () => net.seen.length > outcomes.length);
        await new Promise((resolve) => setTimeout(resolve, 5));
        net.release();
        await waitFor('answered', () => outcomes.length >= Math.min(8, (round + 1) * maxInFlight));
      }
      expect(net.maxInFlight()).toBe(maxInFlight);
      if (maxInFlight === 1)
        expect(net.seen.map((s) => s.body)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
    }
  });

  it('bounds the backlog of a failing endpoint, giving up on the oldest', async () => {
    const net = transport(() => null);
    const { delivery, store, log } = outbound(net.fake, {}, { maxQueued: 5 });
    for (let n = 0; n < 20; n++) await delivery.emit('hooks', event(n), [{ url: DEAD }]);
    expect(delivery.pending).toBe(5);
    // The failed first delivery (the only stored retry) was among the oldest given up.
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await store.all()).toEqual([]);
    expect(log.lines.filter((line) => line.includes('backlog of 5 full'))).toHaveLength(1);
  });

  it('drops a forgotten endpoint’s queue and retries; other endpoints keep theirs', async () => {
    const net = transport(() => 500);
    const { delivery, store } = outbound(net.fake);
    await delivery.emit('hooks', event(1), [
      { url: DEAD, endpoint: 'we_1' },
      { url: DEAD, endpoint: 'we_2' },
    ]);
    await delivery.emit('hooks', event(2), [
      { url: DEAD, endpoint: 'we_1' },
      { url: DEAD, endpoint: 'we_2' },
    ]);
    // Two endpoints at one URL are two queues.
    expect(net.seen).toHaveLength(2);
    expect(await store.all()).toHaveLength(2);
    delivery.forget('hooks', 'we_1');
    expect(delivery.pending).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const left = await store.all();
    expect(left.map((r) => r.message.endpoint)).toEqual(['we_2']);
  });

  it('resumes stored retries in their endpoints’ queues after a restart', async () => {
    const store = new MemoryRetryStore();
    const first = outbound(transport(() => 500).fake, {}, { store });
    await first.delivery.emit('hooks', event(1), [{ url: DEAD, endpoint: 'we_1' }]);
    await first.delivery.emit('hooks', event(2), [{ url: DEAD, endpoint: 'we_1' }]);
    first.delivery.close();
    // Only the attempted delivery survives; evt_2 waited in memory, unattempted.
    const [stored] = await store.all();
    expect(stored).toMatchObject({ attempt: 1, message: { id: 'evt_1', endpoint: 'we_1' } });
    if (stored) {
      await store.take(stored.id);
      await store.add({ ...stored, dueAtMs: Date.now() });
    }
    const net = transport(() => 200);
    const second = outbound(net.fake, {}, { store });
    expect(await second.delivery.resume()).toBe(1);
    await waitFor('retried', () => second.outcomes.length === 1);
    expect(second.outcomes[0]).toMatchObject({ id: 'evt_1', attempt: 1, reason: null });
    expect(net.seen[0]?.headers['x-retry']).toBe('1');
    expect(await store.all()).toEqual([]);
  });
});
