import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { cli, FakeClones, freshHome } from '../support/fake-clones.js';

// `asymmetric listen` in-process against the fake: what it prints, what it forwards, and
// that it ends with exit 0 when interrupted (the real engine: test/docker/deliveries.e2e.test.ts).

let fake: FakeClones;
let home: string;
let receiver: Server;
let received: Array<{ path: string; headers: IncomingHttpHeaders; body: string }>;
let receiverUrl: string;

beforeEach(async () => {
  fake = new FakeClones();
  home = freshHome();
  received = [];
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      res.writeHead(req.url === '/fail' ? 500 : 200).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterEach(() => {
  receiver.close();
  fake.close();
});

/** Runs `listen` in-process until `stop` is aborted; stdout and stderr readable meanwhile. */
function listen(...argv: string[]) {
  const stop = new AbortController();
  const out = { stdout: '', stderr: '' };
  const sink = (key: 'stdout' | 'stderr') =>
    new Writable({
      write(chunk, _encoding, done) {
        out[key] += String(chunk);
        done();
      },
    });
  const code = runCli(['listen', ...argv], {
    stdout: sink('stdout'),
    stderr: sink('stderr'),
    env: { ...process.env, ASYM_HOME: home },
    runtime: fake.runtime,
    images: fake.images,
    interrupt: stop.signal,
  });
  return { out, code, stop: () => stop.abort() };
}

async function until(check: () => boolean, what: string) {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`waited in vain for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const delivery = (id: string) => ({
  id,
  type: 'customer.created',
  body: `{"id":"${id}"}`,
  headers: { 'content-type': 'application/json', 'stripe-signature': `t=1,v1=${id}` },
});

describe('listen', () => {
  it('prints the secret, forwards each delivery with its signed headers, logs the answers, exits 0 on ^C', async () => {
    const { id } = (await cli(fake, home, 'spin', 'stripe', '--json')).json();
    const run = listen(id, '--forward-to', `${receiverUrl}/hook`);
    await until(() => /signing secret is whsec_fake/.test(run.out.stderr), 'the ready line');
    fake.deliver(id, delivery('evt_1'));
    await until(() => run.out.stderr.includes('[200] POST'), 'the answer');
    expect(received).toEqual([
      expect.objectContaining({
        path: '/hook',
        body: '{"id":"evt_1"}',
        headers: expect.objectContaining({ 'stripe-signature': 't=1,v1=evt_1' }),
      }),
    ]);
    expect(run.out.stderr).toMatch(
      /--> customer\.created \[evt_1\]\n.*<-- {2}\[200\] POST http:\/\/127\.0\.0\.1:\d+\/hook \[evt_1\]/,
    );
    run.stop();
    expect(await run.code).toBe(0);
    expect(run.out.stdout).toBe('');
  });

  it('--json prints JSON Lines, reports failed answers, and reopens a dropped stream', async () => {
    const { id } = (await cli(fake, home, 'spin', 'stripe', '--json')).json();
    const run = listen(id, '--forward-to', `${receiverUrl}/fail`, '--events', 'customer.created', '--json');
    const lines = () =>
      run.out.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line));
    await until(() => lines().length === 1, 'the ready line');
    expect(lines()[0]).toEqual({
      type: 'ready',
      clone: id,
      forwardTo: `${receiverUrl}/fail`,
      secret: 'whsec_fake',
      events: ['customer.created'],
    });
    fake.deliver(id, delivery('evt_1'));
    await until(() => lines().length === 2, 'the delivery line');
    // The clone drops the stream (a restart): listen opens it again and keeps forwarding.
    for (const res of fake.streams.get(id) ?? []) res.end();
    await until(() => lines().length === 3, 'the second ready line');
    fake.deliver(id, delivery('evt_2'));
    await until(() => lines().length === 4, 'the second delivery line');
    run.stop();
    expect(await run.code).toBe(0);
    expect(lines().map((l) => [l.type, l.id ?? null, l.status ?? null, l.ok ?? null])).toEqual([
      ['ready', null, null, null],
      ['delivery', 'evt_1', 500, false],
      ['ready', null, null, null],
      ['delivery', 'evt_2', 500, false],
    ]);
    expect(run.out.stderr).toBe('');
  });

  it('names what went wrong: an unknown event, a bad URL, a clone that does not answer', async () => {
    const { id } = (await cli(fake, home, 'spin', 'stripe', '--json')).json();
    const unknown = await cli(
      fake,
      home,
      'listen',
      id,
      '--forward-to',
      receiverUrl,
      '--events',
      'nope',
      '--json',
    );
    expect(unknown.code).toBe(1);
    expect(unknown.json().error).toMatchObject({
      code: 'INVALID_ARGUMENT',
      hint: expect.stringMatching(/event types/),
    });
    const bad = await cli(fake, home, 'listen', id, '--forward-to', 'localhost:4242', '--json');
    expect(bad.json().error.code).toBe('INVALID_ARGUMENT');
    await cli(fake, home, 'stop', id);
    const stopped = await cli(fake, home, 'listen', id, '--forward-to', receiverUrl, '--json');
    expect(stopped.code).toBe(1);
    expect(stopped.json().error.code).toBe('CLONE_NOT_RUNNING');
  });
});
