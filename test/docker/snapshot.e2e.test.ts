import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as asym from '../../src/index.js';
import { type RealHome, realHome } from '../support/real-cli.js';
import { type SpunPair, spinSlackAndStripe } from '../support/spun-pair.js';

/**
 * Checkpoints (`snapshot save|restore|ls|rm`) of a clone and of an environment, through the
 * built CLI and the programmatic API, on the real engine; `diff --since` a checkpoint.
 */
let home: RealHome;
let slack: SpunPair['slack'];
let stripe: SpunPair['stripe'];
let bot: SpunPair['bot'];
let sk: SpunPair['sk'];

const ok = async (...args: string[]) => {
  const run = await home.run(...args);
  expect(run.exitCode, `${args.join(' ')}: ${run.stderr}`).toBe(0);
  return run;
};
const backendStartedAt = async () => {
  const [backend] = (await home.objects()).containers.filter(
    (name) => name.includes(slack.id) && name.includes('backend'),
  );
  const inspected = await execa('docker', ['inspect', '-f', '{{.State.StartedAt}}', backend!]);
  return inspected.stdout.trim();
};
const texts = async () =>
  ((await bot.conversations.history({ channel: 'C0ACME0GEN1', limit: 5 })).messages ?? []).map((m) => m.text);

beforeAll(async () => {
  home = realHome();
  ({ slack, stripe, bot, sk } = await spinSlackAndStripe(home, 'cp'));
});
afterAll(async () => {
  await home?.destroyAll();
});

describe('a clone checkpoint', () => {
  it('restores exactly the saved state after more changes, with no restart, and clears the journal', async () => {
    await bot.chat.postMessage({ channel: 'C0ACME0GEN1', text: 'before the checkpoint' });
    const saved = (await ok('snapshot', 'save', slack.id, 'mid-trial', '--json')).json();
    expect(saved).toMatchObject({ target: slack.id, name: 'mid-trial', members: [{ id: slack.id }] });
    const atSave = await texts();
    const started = await backendStartedAt();

    await bot.chat.postMessage({ channel: 'C0ACME0GEN1', text: 'after the checkpoint' });
    await bot.conversations.setTopic({ channel: 'C0ACME0GEN1', topic: 'changed later' });
    const since = (await ok('diff', slack.id, '--since', 'mid-trial', '--json')).json();
    expect(since.since).toBe('mid-trial');
    expect(since.changes.map((c: { type: string; op: string }) => `${c.op} ${c.type}`).sort()).toEqual(
      ['created message', 'created message', 'updated channel'].sort(),
    );

    const restored = (await ok('snapshot', 'restore', slack.id, 'mid-trial', '--json')).json();
    expect(restored.members[0].ms).toBeGreaterThan(0);
    // A new trial from the checkpoint: its journal starts empty.
    expect((await ok('trace', slack.id, '--json')).stdout).toBe('');
    expect(await texts()).toEqual(atSave);
    expect((await ok('diff', slack.id, '--since', 'mid-trial', '--json')).json().changes).toEqual([]);
    // Since the seed, only the message posted before the checkpoint.
    const fromSeed = (await ok('diff', slack.id, '--json')).json().changes;
    expect(fromSeed.map((c: { after?: { text?: string } }) => c.after?.text)).toEqual([
      'before the checkpoint',
    ]);
    // The same backend process: nothing restarted.
    expect(await backendStartedAt()).toBe(started);
  });

  it('saved again under its name, a checkpoint restores its new state (the restore is not stale)', async () => {
    await ok('snapshot', 'restore', slack.id, 'mid-trial');
    await bot.chat.postMessage({ channel: 'C0ACME0GEN1', text: 'in the second save' });
    await ok('snapshot', 'save', slack.id, 'mid-trial');
    await bot.chat.postMessage({ channel: 'C0ACME0GEN1', text: 'after the second save' });
    await ok('snapshot', 'restore', slack.id, 'mid-trial');
    expect(await texts()).toContain('in the second save');
    expect(await texts()).not.toContain('after the second save');
    // Twice in a row: the same state again.
    await ok('snapshot', 'restore', slack.id, 'mid-trial');
    expect(await texts()).toContain('in the second save');
  });

  it('survives stop and start, is listed and removed, and reset still means the seed', async () => {
    await ok('stop', slack.id);
    await ok('start', slack.id);
    const listed = (await ok('snapshot', 'ls', slack.id, '--json')).json();
    expect(listed).toEqual([expect.objectContaining({ name: 'mid-trial', members: [slack.id] })]);
    await ok('snapshot', 'restore', slack.id, 'mid-trial');
    expect(await texts()).toContain('before the checkpoint');
    await ok('reset', slack.id);
    expect(await texts()).not.toContain('before the checkpoint');
    await ok('snapshot', 'rm', slack.id, 'mid-trial');
    expect((await ok('snapshot', 'ls', slack.id, '--json')).json()).toEqual([]);
  });

  it('names unknown checkpoints, clones and bad names with named errors', async () => {
    const missing = await home.run('snapshot', 'restore', slack.id, 'nope', '--json');
    expect(missing.exitCode).toBe(1);
    expect(missing.json().error.code).toBe('CHECKPOINT_NOT_FOUND');
    const diffMissing = await home.run('diff', slack.id, '--since', 'nope', '--json');
    expect(diffMissing.json().error.code).toBe('CHECKPOINT_NOT_FOUND');
    const nobody = await home.run('snapshot', 'save', 'nobody', 'x', '--json');
    expect(nobody.exitCode).toBe(1);
    expect(nobody.json().error.code).toBe('CLONE_NOT_FOUND');
    const bad = await home.run('snapshot', 'save', slack.id, '../etc', '--json');
    expect(bad.exitCode).toBe(1);
    expect(bad.json().error.code).toBe('INVALID_ARGUMENT');
  });
});

describe('an environment checkpoint', () => {
  it('saves every member under one name and restores them together, through the API too', async () => {
    await ok('env', 'reset', 'cp');
    const customer = await sk.customers.create({ email: 'kept@example.com' });
    await bot.chat.postMessage({ channel: 'C0ACME0GEN1', text: 'kept in the checkpoint' });
    const saved = await asym.saveSnapshot('cp', 'both', { home: home.dir });
    expect(saved.members.map((m) => m.id).sort()).toEqual([slack.id, stripe.id].sort());

    await sk.customers.del(customer.id);
    await sk.customers.create({ email: 'lost@example.com' });
    await bot.chat.postMessage({ channel: 'C0ACME0GEN1', text: 'lost after restore' });

    await asym.restoreSnapshot('cp', 'both', { home: home.dir });
    expect((await sk.customers.retrieve(customer.id)).deleted).toBeUndefined();
    const emails = (await sk.customers.list({ limit: 5 })).data.map((c) => c.email);
    expect(emails).toContain('kept@example.com');
    expect(emails).not.toContain('lost@example.com');
    expect(await texts()).toContain('kept in the checkpoint');
    expect(await texts()).not.toContain('lost after restore');
    expect((await asym.listSnapshots('cp', { home: home.dir })).map((c) => c.name)).toEqual(['both']);

    const envDiff = (await ok('env', 'diff', 'cp', '--since', 'both', '--json')).json();
    expect(envDiff.members.every((m: { changes: unknown[] }) => m.changes.length === 0)).toBe(true);
  });

  it('a reseed drops the checkpoints and says so', async () => {
    const seeded = await ok('seed', stripe.id, '--fixture', 'acme-corp');
    expect(seeded.stderr).toContain('Dropped 1 checkpoint of the old seed');
    expect(await asym.listSnapshots(stripe.id, { home: home.dir })).toEqual([]);
    expect(await asym.listSnapshots('cp', { home: home.dir })).toEqual([]);
  });
});
