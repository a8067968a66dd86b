import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as asym from '../../src/index.js';
import { type RealHome, realHome } from '../support/real-cli.js';
import { type SpunPair, spinSlackAndStripe } from '../support/spun-pair.js';

/**
 * `diff`: what an agent changed since the seed (or a checkpoint), in the vendor's terms, for
 * both templates, through the built CLI and the programmatic API, on the real engine.
 */
let home: RealHome;
let slack: SpunPair['slack'];
let stripe: SpunPair['stripe'];
let bot: SpunPair['bot'];
let sk: SpunPair['sk'];

const diff = async (id: string, ...args: string[]) => {
  const run = await home.run('diff', id, '--json', ...args);
  expect(run.exitCode, run.stderr).toBe(0);
  return run.json();
};

beforeAll(async () => {
  home = realHome();
  ({ slack, stripe, bot, sk } = await spinSlackAndStripe(home, 'graded'));
});
beforeEach(async () => {
  expect((await home.run('env', 'reset', 'graded')).exitCode).toBe(0);
});
afterAll(async () => {
  await home?.destroyAll();
});

describe('diff', () => {
  it('is empty right after a reset, and reads change nothing', async () => {
    await bot.conversations.history({ channel: 'C0ACME0GEN1' });
    await bot.users.list({});
    await sk.customers.list({ limit: 5 });
    expect(await diff(slack.id)).toEqual({ id: slack.id, template: 'slack', since: 'seed', changes: [] });
    expect(await diff(stripe.id)).toEqual({ id: stripe.id, template: 'stripe', since: 'seed', changes: [] });
  });

  it('lists Slack messages, reactions and channels created, updated and deleted, as the API renders them', async () => {
    const history = await bot.conversations.history({ channel: 'C0ACME0GEN1', limit: 1 });
    const seeded = history.messages?.[0];
    const posted = await bot.chat.postMessage({ channel: 'C0ACME0GEN1', text: 'deploy is done' });
    const edited = await bot.chat.postMessage({ channel: 'C0ACME0GEN1', text: 'first draft' });
    await bot.chat.update({ channel: 'C0ACME0GEN1', ts: edited.ts!, text: 'final text' });
    const removed = await bot.chat.postMessage({ channel: 'C0ACME0GEN1', text: 'oops' });
    await bot.chat.delete({ channel: 'C0ACME0GEN1', ts: removed.ts! });
    await bot.reactions.add({ channel: 'C0ACME0GEN1', timestamp: seeded!.ts!, name: 'tada' });
    const created = await bot.conversations.create({ name: 'incident-42' });

    const { changes } = await diff(slack.id);
    const find = (type: string, id: string) =>
      changes.find((c: { type: string; id: string }) => c.type === type && c.id === id);
    expect(find('message', `C0ACME0GEN1/${posted.ts}`)).toMatchObject({
      op: 'created',
      after: { type: 'message', channel: 'C0ACME0GEN1', ts: posted.ts, text: 'deploy is done' },
    });
    expect(find('message', `C0ACME0GEN1/${edited.ts}`)).toMatchObject({
      op: 'created',
      after: { text: 'final text' },
    });
    // Posted and deleted in the same trial: nothing to show.
    expect(find('message', `C0ACME0GEN1/${removed.ts}`)).toBeUndefined();
    expect(find('reaction', `C0ACME0GEN1/${seeded!.ts}/:tada:/${slack.tokens.botUserId}`)).toMatchObject({
      op: 'created',
      after: { name: 'tada', user: slack.tokens.botUserId },
    });
    expect(find('channel', created.channel!.id!)).toMatchObject({
      op: 'created',
      after: { name: 'incident-42' },
    });
    expect(
      changes.every(
        (c: { before?: unknown; after?: unknown }) => c.before !== undefined || c.after !== undefined,
      ),
    ).toBe(true);

    // A seeded channel updated, and a seeded message deleted: updated with its fields, deleted with its last state.
    await home.run('reset', slack.id);
    const user = new WebClient(slack.tokens.userToken, {
      slackApiUrl: slack.endpoints.api,
      retryConfig: { retries: 0 },
    });
    const mine = (await user.conversations.history({ channel: 'C0ACME0GEN1', limit: 200 })).messages?.find(
      (m) => m.user === slack.tokens.userId && !m.thread_ts,
    );
    expect(mine).toBeDefined();
    await bot.conversations.setTopic({ channel: 'C0ACME0GEN1', topic: 'a new topic' });
    await user.chat.delete({ channel: 'C0ACME0GEN1', ts: mine!.ts! });
    const after = await diff(slack.id);
    expect(after.changes.find((c: { type: string }) => c.type === 'channel')).toMatchObject({
      op: 'updated',
      id: 'C0ACME0GEN1',
      fields: ['topic'],
      before: { topic: { value: expect.any(String) } },
      after: { topic: { value: 'a new topic' } },
    });
    expect(after.changes.find((c: { op: string }) => c.op === 'deleted')).toMatchObject({
      type: 'message',
      id: `C0ACME0GEN1/${mine!.ts}`,
      before: { text: mine!.text, user: slack.tokens.userId },
    });
  });

  it('lists Stripe objects by their object name, and a deletion as deleted', async () => {
    const customer = await sk.customers.create({ email: 'new@example.com' });
    const [seeded] = (await sk.customers.list({ limit: 2 })).data.filter((c) => c.id !== customer.id);
    await sk.customers.update(seeded!.id, { name: 'Renamed Co' });
    const product = await sk.products.create({ name: 'Widget' });
    await sk.products.del(product.id);
    const doomed = (await sk.customers.list({ limit: 3 })).data.filter(
      (c) => c.id !== customer.id && c.id !== seeded!.id,
    )[0]!;
    await sk.customers.del(doomed.id);

    const { changes } = await diff(stripe.id);
    expect(changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'customer',
          op: 'created',
          id: customer.id,
          after: expect.objectContaining({ email: 'new@example.com', object: 'customer' }),
        }),
        expect.objectContaining({
          type: 'customer',
          op: 'updated',
          id: seeded!.id,
          fields: ['name'],
          after: expect.objectContaining({ name: 'Renamed Co' }),
        }),
        expect.objectContaining({
          type: 'customer',
          op: 'deleted',
          id: doomed.id,
          before: expect.objectContaining({ id: doomed.id, object: 'customer' }),
        }),
      ]),
    );
    // Created and deleted in the trial: nothing. Events are not listed: they repeat each change.
    expect(changes.find((c: { id: string }) => c.id === product.id)).toBeUndefined();
    expect(changes.some((c: { type: string }) => c.type === 'event')).toBe(false);
    expect(JSON.stringify(changes)).not.toContain('whsec_');

    const human = await home.run('diff', stripe.id);
    expect(human.stdout).toContain(`+ customer ${customer.id} "new@example.com"`);
    expect(human.stdout).toContain(`~ customer ${seeded!.id} "Renamed Co" (name)`);
    expect(human.stdout).toContain(`- customer ${doomed.id}`);
  });

  it('env diff gives every member, and the API returns the same', async () => {
    await bot.chat.postMessage({ channel: 'C0ACME0GEN1', text: 'env diff' });
    const run = await home.run('env', 'diff', 'graded', '--json');
    expect(run.exitCode, run.stderr).toBe(0);
    const env = run.json();
    expect(env).toMatchObject({ name: 'graded', since: 'seed' });
    expect(env.members.map((m: { id: string; changes: unknown[] }) => [m.id, m.changes.length])).toEqual([
      [slack.id, 1],
      [stripe.id, 0],
    ]);
    expect(await asym.diff(slack.id, { home: home.dir })).toEqual(env.members[0]);
    expect(await asym.environmentDiff('graded', { home: home.dir })).toEqual(env);
  });
});
