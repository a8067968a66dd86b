import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as asym from '../../src/index.js';
import { type RealHome, realHome } from '../support/real-cli.js';
import { type SpunPair, spinSlackAndStripe } from '../support/spun-pair.js';

/**
 * The evaluation toolkit's journal (`trace`) and injected faults (`fault`), for both
 * templates, through the built CLI and the programmatic API, on the real engine.
 */
let home: RealHome;
let slack: SpunPair['slack'];
let stripe: SpunPair['stripe'];
let bot: SpunPair['bot'];
let sk: SpunPair['sk'];

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));

beforeAll(async () => {
  home = realHome();
  ({ slack, stripe, bot, sk } = await spinSlackAndStripe(home, 'ev'));
});
afterAll(async () => {
  await home?.destroyAll();
});

describe('trace', () => {
  it('is empty after a reset, then records each call with its outcome, actor and redacted args', async () => {
    await home.run('env', 'reset', 'ev');
    expect((await home.run('trace', slack.id, '--json')).stdout).toBe('');
    await bot.chat.postMessage({ channel: 'C0ACME0GEN1', text: 'deploy is done' });
    await expect(bot.conversations.info({ channel: 'C0NOPE' })).rejects.toThrow('channel_not_found');
    await sk.customers.create({ email: 'traced@example.com', metadata: { card: '4242424242424242' } });

    const run = await home.run('trace', slack.id, '--json');
    expect(run.exitCode).toBe(0);
    const records = jsonLines(run.stdout);
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({
      clone: slack.id,
      method: 'chat.postMessage',
      status: 200,
      ok: true,
      error: null,
      actor: expect.stringMatching(/^bot:/),
      args: { channel: 'C0ACME0GEN1', text: 'deploy is done' },
    });
    expect(Object.keys(records[0]).sort()).toEqual(
      ['actor', 'args', 'at', 'clone', 'error', 'method', 'ms', 'ok', 'status'].sort(),
    );
    expect(records[1]).toMatchObject({ method: 'conversations.info', ok: false, error: 'channel_not_found' });
    // The token never reaches the journal, whichever way it was sent.
    expect(run.stdout).not.toContain(slack.tokens.botToken);

    const stripeTrace = await asym.trace(stripe.id, { home: home.dir });
    expect(stripeTrace.records).toEqual([
      expect.objectContaining({
        method: 'POST /v1/customers',
        status: 200,
        ok: true,
        actor: 'secret_key',
        args: { email: 'traced@example.com', metadata: { card: '[redacted]' } },
      }),
    ]);
    expect(JSON.stringify(stripeTrace)).not.toContain('4242424242424242');

    const human = await home.run('trace', slack.id);
    expect(human.stdout).toMatch(/chat\.postMessage\s+200\s+ok/);
    expect(human.stdout).toMatch(/conversations\.info\s+200\s+channel_not_found/);
    expect((await home.run('trace', slack.id, '--limit', '1', '--json')).stdout).toContain(
      'conversations.info',
    );
    const env = await asym.environmentTrace('ev', { home: home.dir });
    expect(env.records.map((r) => r.clone).sort()).toEqual([slack.id, slack.id, stripe.id].sort());

    // Reset starts a new trial: the journal is empty again, and admin calls are not in it.
    await home.run('reset', slack.id);
    expect((await home.run('trace', slack.id, '--json')).stdout).toBe('');
  });

  it('--follow streams new calls until interrupted (exit 0)', async () => {
    const follow = home.spawn('trace', slack.id, '--follow', '--json');
    let out = '';
    follow.stdout?.on('data', (chunk) => {
      out += String(chunk);
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await bot.auth.test();
    const deadline = Date.now() + 10_000;
    while (!out.includes('auth.test') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    follow.kill('SIGINT');
    const result = await follow;
    expect(result.exitCode).toBe(0);
    expect(jsonLines(out).map((r) => r.method)).toContain('auth.test');
  });
});

describe('faults', () => {
  it('answer with the vendor error for the next n calls, survive reset, and are journaled', async () => {
    const added = await home.run(
      'fault',
      'add',
      slack.id,
      '--method',
      'chat.postMessage',
      '--error',
      'ratelimited',
      '--times',
      '2',
      '--json',
    );
    expect(added.exitCode, added.stderr).toBe(0);
    const fault = added.json();
    expect(fault).toMatchObject({ method: 'chat.postMessage', error: 'ratelimited', remaining: 2 });
    await home.run('reset', slack.id);

    const raw = async () =>
      fetch(`${slack.endpoints.api}chat.postMessage`, {
        method: 'POST',
        headers: { authorization: `Bearer ${slack.tokens.botToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ channel: 'C0ACME0GEN1', text: 'try' }),
      });
    for (let i = 0; i < 2; i++) {
      const answer = await raw();
      expect(answer.status).toBe(429);
      expect(answer.headers.get('retry-after')).toBe('1');
      expect(await answer.json()).toEqual({ ok: false, error: 'ratelimited' });
    }
    expect((await raw()).status).toBe(200);
    const records = jsonLines((await home.run('trace', slack.id, '--json')).stdout);
    expect(records.map((r) => r.fault ?? null)).toEqual([fault.id, fault.id, null]);
    expect((await home.run('fault', 'ls', slack.id, '--json')).json()).toEqual([
      expect.objectContaining({ id: fault.id, remaining: 0, fired: 2 }),
    ]);
    expect((await home.run('fault', 'clear', slack.id, '--json')).json()).toEqual({
      id: slack.id,
      cleared: 1,
    });
  });

  it('take a status, a latency and a rate, on every method with *', async () => {
    await asym.addFault(
      slack.id,
      { method: 'conversations.list', error: 'fatal_error', status: 500 },
      { home: home.dir },
    );
    const answer = await fetch(`${slack.endpoints.api}conversations.list`, {
      headers: { authorization: `Bearer ${slack.tokens.botToken}` },
    });
    expect(answer.status).toBe(500);
    expect(await answer.json()).toEqual({ ok: false, error: 'fatal_error' });

    await home.run('fault', 'add', stripe.id, '--method', '*', '--latency', '400');
    const started = Date.now();
    await sk.balance.retrieve();
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    await home.run('fault', 'clear', stripe.id);

    // Rate 0 never fires; rate 1 always does. Stripe renders card_declined as a 402 card_error.
    await home.run(
      'fault',
      'add',
      stripe.id,
      '--method',
      'POST /v1/customers',
      '--error',
      'card_declined',
      '--rate',
      '0',
    );
    await sk.customers.create({ email: 'a@example.com' });
    await home.run('fault', 'clear', stripe.id);
    await home.run(
      'fault',
      'add',
      stripe.id,
      '--method',
      'POST /v1/customers',
      '--error',
      'card_declined',
      '--rate',
      '1',
    );
    const declined = await sk.customers
      .create({ email: 'b@example.com' })
      .catch((error: Stripe.errors.StripeError) => error);
    expect(declined).toMatchObject({ type: 'StripeCardError', code: 'card_declined', statusCode: 402 });
    await asym.clearFaults(stripe.id, { home: home.dir });
    await asym.clearFaults(slack.id, { home: home.dir });
    expect(await asym.listFaults(stripe.id, { home: home.dir })).toEqual([]);
  });

  it('refuse unknown methods and contradictory options with named errors', async () => {
    const typo = await home.run('fault', 'add', slack.id, '--method', 'chat.postMesage', '--error', 'x');
    expect(typo.exitCode).toBe(1);
    expect(typo.stderr).toContain('did you mean "chat.postMessage"');
    const both = await home.run(
      'fault',
      'add',
      slack.id,
      '--method',
      '*',
      '--error',
      'x',
      '--latency',
      '5',
      '--json',
    );
    expect(both.exitCode).toBe(1);
    expect(both.json().error.code).toBe('INVALID_ARGUMENT');
    const badRate = await home.run('fault', 'add', slack.id, '--method', '*', '--error', 'x', '--rate', '2');
    expect(badRate.exitCode).toBe(1);
    const unknownId = await home.run('fault', 'clear', slack.id, '--id', 'flt_nope');
    expect(unknownId.exitCode).toBe(1);
  });
});
