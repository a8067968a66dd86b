import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getTemplate } from '../../src/templates/catalog.js';
import { createPersonActions } from '../../templates/slack/backend/interactivity/person-actions.js';
import { cli, FakeClones, freshHome } from '../support/fake-clones.js';

// `asymmetric act` against the fake runtime: the manifest's actions, parameter checks, and
// the exit codes for acknowledged and unacknowledged actions (the real loop: the templates
// tier's slack-interactive suite and test/docker/slack-act.e2e.test.ts).
let fake: FakeClones;
let home: string;

beforeEach(() => {
  fake = new FakeClones();
  home = freshHome();
});
afterEach(() => fake.close());

const clickParams = ['--channel', 'C1', '--ts', '1700000000.000100', '--action-id', 'approve'];

describe('act', () => {
  it("lists the template's actions with their parameters", async () => {
    const slack = (await cli(fake, home, 'spin', 'slack', '--json')).json();
    const listed = await cli(fake, home, 'act', slack.id, '--list', '--json');
    expect(listed.code).toBe(0);
    const actions = listed.json() as Array<{
      name: string;
      params: Array<{ name: string; required: boolean }>;
    }>;
    expect(actions.map((a) => a.name)).toEqual([
      'click',
      'submit',
      'close',
      'command',
      'shortcut',
      'home',
      'post',
    ]);
    expect(actions.find((a) => a.name === 'click')?.params).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'action-id', required: true }),
        expect.objectContaining({ name: 'value', required: false }),
      ]),
    );
    const human = await cli(fake, home, 'act', slack.id, '--list');
    expect(human.stdout).toContain('--action-id');
  });

  it('delivers an action and exits 0 once acknowledged, 1 named when the app does not answer', async () => {
    const slack = (await cli(fake, home, 'spin', 'slack', '--json')).json();
    const acked = await cli(
      fake,
      home,
      'act',
      slack.id,
      'click',
      '--user',
      'U1',
      ...clickParams,
      '--value=a b',
      '--json',
    );
    expect(acked.code).toBe(0);
    expect(acked.json()).toMatchObject({ id: slack.id, action: 'click', acked: true, trigger_id: '1.2.abc' });
    expect(fake.acts.at(-1)).toEqual({
      cloneId: slack.id,
      action: 'click',
      body: {
        params: { user: 'U1', channel: 'C1', ts: '1700000000.000100', 'action-id': 'approve', value: 'a b' },
      },
    });

    const stalled = await cli(
      fake,
      home,
      'act',
      slack.id,
      'click',
      '--user',
      'USTALL',
      ...clickParams,
      '--json',
    );
    expect(stalled.code).toBe(1);
    expect(stalled.json().error).toMatchObject({
      code: 'ACTION_NOT_ACKNOWLEDGED',
      hint: expect.stringMatching(/ack/),
    });
    expect(stalled.json().error.message).toMatch(/did not acknowledge "click".*timeout/);
  });

  it('names unknown actions, missing and unknown parameters before calling the clone', async () => {
    const slack = (await cli(fake, home, 'spin', 'slack', '--json')).json();
    const sent = fake.acts.length;
    const typo = await cli(fake, home, 'act', slack.id, 'clik', '--user', 'U1', '--json');
    expect(typo.code).toBe(1);
    expect(typo.json().error).toMatchObject({
      code: 'ACTION_NOT_FOUND',
      hint: expect.stringMatching(/"click"/),
    });
    const missing = await cli(fake, home, 'act', slack.id, 'command', '--user', 'U1', '--json');
    expect(missing.json().error).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'Action "command" needs --channel, --command.',
    });
    const extra = await cli(fake, home, 'act', slack.id, 'home', '--user', 'U1', '--colour', 'red', '--json');
    expect(extra.json().error).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'Action "home" takes no --colour.',
    });
    expect((await cli(fake, home, 'act', slack.id, '--json')).json().error.code).toBe('INVALID_ARGUMENT');
    expect(fake.acts.length).toBe(sent);

    const stripe = (await cli(fake, home, 'spin', 'stripe', '--json')).json();
    expect((await cli(fake, home, 'act', stripe.id, '--list', '--json')).json().error.code).toBe(
      'ACTION_NOT_FOUND',
    );
  });

  it("declares in the manifest exactly the actions Slack's backend implements", () => {
    const handlers = createPersonActions({} as Parameters<typeof createPersonActions>[0]);
    expect(Object.keys(getTemplate('slack').actions ?? {}).sort()).toEqual(Object.keys(handlers).sort());
  });
});
