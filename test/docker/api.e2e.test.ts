import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as asym from '../../src/index.js';
import { type RealHome, realHome } from '../support/real-cli.js';

/**
 * The programmatic API (`import { ... } from 'asymmetric'`) on the real engine: the same
 * operations as the CLI with the same shapes as its --json, and named errors as AsymError.
 * The CLI and the API share one home here, so each can see what the other made.
 */
let home: RealHome;
let env: asym.RunningEnvironment;

beforeAll(async () => {
  home = realHome();
  env = await asym.startEnvironment(
    { name: 'graded', clones: [{ template: 'slack', seed: 'acme-corp' }] },
    { home: home.dir },
  );
});
beforeEach(async () => {
  await env.reset();
});
afterAll(async () => {
  await env?.destroy().catch(() => undefined);
  await home?.destroyAll();
});

describe('startEnvironment: a test-suite helper', () => {
  it('hands out the members with their tokens, and reset returns the seeded state', async () => {
    const slack = env.clone('slack');
    expect(slack.tokens.botToken).toMatch(/^xoxb-/);
    const client = new WebClient(slack.tokens.botToken, { slackApiUrl: slack.endpoints.api });
    const before = await client.conversations.history({ channel: 'C0ACME0GEN1', limit: 1 });
    await client.chat.postMessage({ channel: 'C0ACME0GEN1', text: 'a trial wrote this' });
    const reset = await env.reset();
    expect(reset).toMatchObject({ name: 'graded', members: [{ id: slack.id }] });
    const after = await client.conversations.history({ channel: 'C0ACME0GEN1', limit: 1 });
    expect(after.messages?.[0]?.text).toBe(before.messages?.[0]?.text);
  });

  it('names a missing member with a named error', () => {
    expect(() => env.clone('stripe')).toThrow(expect.objectContaining({ code: 'CLONE_NOT_FOUND' }));
  });
});

describe('the API returns what the CLI prints', () => {
  it('status, tokens and environment status have the --json shapes', async () => {
    const slack = env.clone('slack');
    const [viaApi] = await asym.status(slack.id, { home: home.dir });
    const viaCli = (await home.run('status', slack.id, '--json')).json()[0];
    expect(viaApi).toEqual(viaCli);
    expect(await asym.tokens(slack.id, { home: home.dir })).toEqual(
      (await home.run('tokens', slack.id, '--json')).json(),
    );
    expect(await asym.environmentStatus('graded', { home: home.dir })).toEqual(
      (await home.run('env', 'status', 'graded', '--json')).json(),
    );
  });

  it('spins, resets and destroys a single clone', async () => {
    const stripe = await asym.spin('stripe', { seed: 'acme-corp', home: home.dir });
    expect(stripe).toMatchObject({ template: 'stripe', state: 'running', seed: { fixture: 'acme-corp' } });
    expect(stripe.tokens.secretKey).toMatch(/^sk_test_/);
    const reset = await asym.reset(stripe.id, { home: home.dir });
    expect(reset.id).toBe(stripe.id);
    expect(reset.ms).toBeGreaterThan(0);
    expect(await asym.destroy(stripe.id, { home: home.dir })).toEqual({ id: stripe.id, destroyed: true });
    expect((await home.objects()).containers.filter((name) => name.includes(stripe.id))).toEqual([]);
  });

  it('throws named errors with the CLI codes', async () => {
    await expect(asym.reset('slack-none', { home: home.dir })).rejects.toMatchObject({
      name: 'AsymError',
      code: 'CLONE_NOT_FOUND',
    });
    await expect(
      asym.spinEnvironment({ name: 'bad', clones: [{ template: 'slak' }] }, { home: home.dir }),
    ).rejects.toMatchObject({
      code: 'SPEC_INVALID',
      message: expect.stringContaining('did you mean "slack"'),
    });
    expect((await asym.environmentStatus(undefined, { home: home.dir })).map((e) => e.name)).toEqual([
      'graded',
    ]);
  });
});
