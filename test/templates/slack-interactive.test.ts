import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { App, LogLevel, SocketModeReceiver } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackApp, type SlackApp } from '../../templates/slack/backend/app.js';
import { slackTemplate } from '../../templates/slack/backend/template.js';
import type { SlackTokens } from '../../templates/slack/backend/tokens.js';
import { ACME_BOT, ACME_PRIMARY_USER_ID } from '../../templates/slack/fixtures/acme-corp.js';
import { type CloneInfra, startCloneInfra } from '../support/clone-db.js';
import { type RunningBackend, startBackend } from './harness.js';
import { ENGINEERING, slackClient, slackError } from './slack-support.js';

// The interactivity loop against an unmodified Bolt app: a person's actions (the admin
// route `asymmetric act` calls) reach the app over HTTP and Socket Mode, and what the app
// answers (acks, response_action, respond(), views.*) lands in the clone.

let infra: CloneInfra;
let backend: RunningBackend<object, SlackTokens>;
let slackApp: SlackApp;
let cloneUrl: string;
let closeClone: () => Promise<void>;
let tokens: SlackTokens;
let bot: WebClient;
let user: WebClient;
/** Added to real time for the clone's clock: moves trigger_ids past their 3 s. */
let skewMs = 0;

const DANA = ACME_PRIMARY_USER_ID;
const TEAM = 'T0ACME00001';
const quiet = LogLevel.ERROR;

async function waitFor<T>(
  what: string,
  find: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

// biome-ignore lint/suspicious/noExplicitAny: tests read admin JSON freely
const act = async (action: string, params: Record<string, string>): Promise<any> => {
  const response = await backend.admin(`/act/${action}`, { params });
  return { status: response.status, ...response.body };
};

const openModalsOf = async (userId: string) =>
  (
    await backend.pool.query<{
      id: string;
      depth: number;
      hash: string;
      definition: { callback_id?: string };
    }>(`SELECT id, depth, hash, definition FROM views WHERE user_id = $1 AND type = 'modal' ORDER BY depth`, [
      userId,
    ])
  ).rows;

const approvalBlocks = (text: string) => [
  { type: 'section', text: { type: 'mrkdwn', text } },
  {
    type: 'actions',
    block_id: 'decision',
    elements: [
      { type: 'button', action_id: 'approve', text: { type: 'plain_text', text: 'Approve' }, value: 'yes' },
      { type: 'button', action_id: 'stall', text: { type: 'plain_text', text: 'Later' } },
    ],
  },
];

const formModal = {
  type: 'modal',
  callback_id: 'deploy_form',
  notify_on_close: true,
  title: { type: 'plain_text', text: 'Deploy' },
  submit: { type: 'plain_text', text: 'Go' },
  blocks: [
    {
      type: 'input',
      block_id: 'reason',
      label: { type: 'plain_text', text: 'Why?' },
      element: { type: 'plain_text_input', action_id: 'why' },
    },
  ],
};

/** A Bolt app with every kind of listener; `log` records what reached it. */
function boltListeners(app: App, log: string[]) {
  app.action('approve', async ({ ack, body, respond }) => {
    await ack();
    log.push(`action:${body.user.id}`);
    await respond({ replace_original: true, text: `Approved by <@${body.user.id}>` });
  });
  // Never acks: the person's click times out, as on Slack.
  app.action('stall', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1_500));
  });
  app.shortcut('quote_message', async ({ ack, shortcut }) => {
    await ack();
    log.push(`${shortcut.type}:${'message_ts' in shortcut ? shortcut.message_ts : ''}`);
  });
  app.shortcut('open_form', async ({ ack, shortcut, client }) => {
    await ack();
    log.push(`shortcut:${shortcut.user.id}`);
    await client.views.open({ trigger_id: shortcut.trigger_id, view: formModal as never });
  });
  app.view('deploy_form', async ({ ack, view }) => {
    const why = view.state.values.reason?.why?.value ?? '';
    log.push(`submit:${why}`);
    if (why.length < 5) {
      await ack({ response_action: 'errors', errors: { reason: 'Say a bit more' } });
      return;
    }
    await ack({
      response_action: 'update',
      view: {
        type: 'modal',
        callback_id: 'deploy_done',
        title: { type: 'plain_text', text: 'Done' },
        blocks: [{ type: 'section', text: { type: 'plain_text', text: `Deploying: ${why}` } }],
      },
    });
  });
  app.view({ callback_id: 'deploy_form', type: 'view_closed' }, async ({ ack }) => {
    await ack();
    log.push('closed');
  });
  app.command('/deploy', async ({ ack, command, respond }) => {
    await ack(`Deploying ${command.text}...`);
    log.push(`command:${command.text}`);
    await respond({ response_type: 'in_channel', text: `Deployed ${command.text}` });
  });
  app.event('app_home_opened', async ({ event, client }) => {
    log.push(`home:${event.user}`);
    await client.views.publish({
      user_id: event.user,
      view: {
        type: 'home',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `Hi <@${event.user}>` } }],
      },
    });
  });
}

/** The message `ts` in #engineering once `test` holds for it. */
const messageWhen = (ts: string, test: (m: { text?: string }) => boolean) =>
  waitFor(`message ${ts} to change`, async () => {
    const { messages } = await user.conversations.history({
      channel: ENGINEERING,
      latest: ts,
      inclusive: true,
      limit: 1,
    });
    const message = messages?.[0];
    return message && message.ts === ts && test(message) ? message : undefined;
  });

beforeAll(async () => {
  infra = await startCloneInfra();
  backend = (await startBackend(infra, {
    template: slackTemplate,
    createApp: (deps) => {
      slackApp = createSlackApp({
        ...deps,
        now: () => Date.now() + skewMs,
        rateLimits: { enabled: false },
        interactivity: { ackTimeoutMs: 800 },
      });
      return slackApp;
    },
    database: 'slack_interactive',
    seedFixture: 'acme-corp',
  })) as RunningBackend<object, SlackTokens>;
  // Served again with the upgrade hook, for Socket Mode (as runCloneServer serves it).
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: slackApp.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const detach = slackApp.attach(server as Server);
  cloneUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  closeClone = async () => {
    detach();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    if ('closeAllConnections' in server) server.closeAllConnections();
    await closed;
  };
  tokens = (await backend.admin('/tokens')).body as SlackTokens;
  bot = slackClient(cloneUrl, tokens.botToken);
  user = slackClient(cloneUrl, tokens.userToken);
}, 180_000);

afterAll(async () => {
  await closeClone?.();
  await backend?.close();
  await infra?.stop();
});

describe('Block Kit validation', () => {
  it('answers invalid_blocks with the json-pointer messages, and views.* invalid_arguments', async () => {
    const refused = await slackError(
      bot.chat.postMessage({ channel: ENGINEERING, text: 'x', blocks: [{ type: 'nonsense' } as never] }),
    );
    expect(refused).toMatchObject({
      error: 'invalid_blocks',
      response_metadata: { messages: ['[ERROR] unsupported type: nonsense [json-pointer:/blocks/0/type]'] },
    });
    const tooMany = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    expect(
      await slackError(bot.chat.postMessage({ channel: ENGINEERING, text: 'x', blocks: tooMany })),
    ).toMatchObject({
      error: 'invalid_blocks',
      response_metadata: { messages: ['[ERROR] no more than 50 items allowed [json-pointer:/blocks]'] },
    });
    expect(
      await slackError(
        bot.views.publish({ user_id: DANA, view: { type: 'home', blocks: [{ type: 'section' }] } as never }),
      ),
    ).toMatchObject({
      error: 'invalid_arguments',
      response_metadata: { messages: ['[ERROR] missing required field: text [json-pointer:/view/blocks/0]'] },
    });
  });
});

describe('views.* and trigger_ids', () => {
  it('takes a trigger once and for 3 s, stacks at most 3 views, and refuses a stale hash', async () => {
    // A global shortcut no listener handles still hands out a trigger (the ack fails).
    const first = await act('shortcut', { user: DANA, 'callback-id': 'nothing' });
    const opened = await bot.views.open({ trigger_id: first.trigger_id, view: formModal as never });
    expect(opened.view).toMatchObject({
      id: expect.stringMatching(/^V[A-Z0-9]+$/),
      type: 'modal',
      team_id: TEAM,
      app_id: ACME_BOT.appId,
      bot_id: ACME_BOT.botId,
      callback_id: 'deploy_form',
      state: { values: {} },
      hash: expect.stringMatching(/^\d+\.\w+$/),
      previous_view_id: null,
      root_view_id: opened.view?.id,
      title: { type: 'plain_text', text: 'Deploy' },
    });
    expect(
      await slackError(bot.views.open({ trigger_id: first.trigger_id, view: formModal as never })),
    ).toMatchObject({
      error: 'exchanged_trigger_id',
    });
    expect(
      await slackError(bot.views.open({ trigger_id: '1.2.abc', view: formModal as never })),
    ).toMatchObject({
      error: 'invalid_trigger_id',
    });

    const trigger = async () =>
      (await act('shortcut', { user: DANA, 'callback-id': 'nothing' })).trigger_id as string;
    const page = (n: number) => ({ ...formModal, callback_id: `page${n}`, notify_on_close: false });
    const second = await bot.views.push({ trigger_id: await trigger(), view: page(2) as never });
    expect(second.view).toMatchObject({ previous_view_id: opened.view?.id, root_view_id: opened.view?.id });
    await bot.views.push({ trigger_id: await trigger(), view: page(3) as never });
    expect(
      await slackError(bot.views.push({ trigger_id: await trigger(), view: page(4) as never })),
    ).toMatchObject({
      error: 'push_limit_reached',
    });
    expect((await openModalsOf(DANA)).map((v) => v.depth)).toEqual([1, 2, 3]);

    const updated = await bot.views.update({
      view_id: second.view?.id as string,
      hash: second.view?.hash,
      view: page(5) as never,
    });
    expect(updated.view?.hash).not.toBe(second.view?.hash);
    expect(
      await slackError(
        bot.views.update({
          view_id: second.view?.id as string,
          hash: second.view?.hash,
          view: page(6) as never,
        }),
      ),
    ).toMatchObject({ error: 'hash_conflict' });

    const late = await trigger();
    skewMs += 3_100;
    try {
      expect(await slackError(bot.views.open({ trigger_id: late, view: formModal as never }))).toMatchObject({
        error: 'expired_trigger_id',
      });
    } finally {
      skewMs -= 3_100;
    }
  });
});

describe('Bolt over HTTP', () => {
  let httpApp: App;
  const log: string[] = [];

  beforeAll(async () => {
    httpApp = new App({
      token: tokens.botToken,
      signingSecret: tokens.signingSecret,
      clientOptions: { slackApiUrl: `${cloneUrl}/api/` },
      logLevel: quiet,
    });
    boltListeners(httpApp, log);
    const listening = await httpApp.start({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(listening.address() as AddressInfo).port}/slack/events`;
    expect((await backend.admin('/events', { url })).status).toBe(200);
    // Interactivity and slash commands to the same endpoint, as a Bolt app is set up.
    expect((await backend.admin('/interactivity', { url })).body).toEqual({ ok: true, url });
  });
  afterAll(async () => {
    await httpApp?.stop();
  });

  it('delivers a click as signed block_actions; respond() replaces the message', async () => {
    const posted = await bot.chat.postMessage({
      channel: ENGINEERING,
      text: 'Ship?',
      blocks: approvalBlocks('Ship v2?'),
    });
    const clicked = await act('click', {
      user: DANA,
      channel: ENGINEERING,
      ts: posted.ts as string,
      'action-id': 'approve',
    });
    expect(clicked).toMatchObject({ ok: true, acked: true, via: 'http', type: 'block_actions' });
    expect(clicked.response_url).toMatch(new RegExp(`^${backend.url}/actions/${TEAM}/\\d+/\\w+$`));
    const replaced = await messageWhen(posted.ts as string, (m) => m.text === `Approved by <@${DANA}>`);
    expect(replaced).toMatchObject({ bot_id: ACME_BOT.botId, edited: expect.any(Object) });
    expect(log).toContain(`action:${DANA}`);
  });

  it("takes a response_url's delete_original, 5 uses at most, and delivers message shortcuts", async () => {
    const posted = await bot.chat.postMessage({
      channel: ENGINEERING,
      text: 'Ship?',
      blocks: approvalBlocks('Gone?'),
    });
    const ts = posted.ts as string;
    const shortcut = await act('shortcut', {
      user: DANA,
      'callback-id': 'quote_message',
      channel: ENGINEERING,
      ts,
    });
    expect(shortcut).toMatchObject({ acked: true, type: 'message_action', response_url: expect.any(String) });
    expect(log).toContain(`message_action:${ts}`);
    const { response_url: url } = await act('click', {
      user: DANA,
      channel: ENGINEERING,
      ts,
      'action-id': 'approve',
    });
    await messageWhen(ts, (m) => m.text === `Approved by <@${DANA}>`);
    const post = (body: object) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect(await (await post({ text: 'just for you' })).json()).toEqual({ ok: true });
    expect(await (await post({ delete_original: true })).json()).toEqual({ ok: true });
    const { messages } = await user.conversations.history({
      channel: ENGINEERING,
      latest: ts,
      inclusive: true,
      limit: 1,
    });
    expect(messages?.[0]?.ts).not.toBe(ts);
    // respond() took one use, these two, two more are left; then Slack's expired_url.
    await post({ text: 'four' });
    await post({ text: 'five' });
    const spent = await post({ text: 'six' });
    expect(spent.status).toBe(404);
    expect(await spent.json()).toEqual({ ok: false, error: 'expired_url' });
  });

  it('says when the app did not acknowledge in time', async () => {
    const posted = await bot.chat.postMessage({
      channel: ENGINEERING,
      text: 'Ship?',
      blocks: approvalBlocks('Later?'),
    });
    expect(
      await act('click', { user: DANA, channel: ENGINEERING, ts: posted.ts as string, 'action-id': 'stall' }),
    ).toMatchObject({ ok: true, acked: false, reason: 'timeout' });
    expect(
      await act('click', { user: DANA, channel: ENGINEERING, ts: posted.ts as string, 'action-id': 'nope' }),
    ).toMatchObject({
      status: 400,
      ok: false,
      error: { code: 'action_not_found' },
    });
    expect(await act('fly', {})).toMatchObject({ status: 404, error: { code: 'unknown_action' } });
    expect(await act('click', { user: DANA })).toMatchObject({
      status: 400,
      error: { code: 'missing_param' },
    });
  });

  it('opens a modal from a shortcut, honours response_action errors then update, and view_closed', async () => {
    expect(await act('shortcut', { user: DANA, 'callback-id': 'open_form' })).toMatchObject({ acked: true });
    const [modal] = await waitFor('the modal', async () => {
      const open = await openModalsOf(DANA);
      return open.length === 1 && open[0]?.definition.callback_id === 'deploy_form' ? open : undefined;
    });
    const viewId = modal?.id as string;
    const tooShort = await act('submit', {
      user: DANA,
      'view-id': viewId,
      values: '{"reason":{"why":"eh"}}',
    });
    expect(tooShort).toMatchObject({
      acked: true,
      response_action: 'errors',
      errors: { reason: 'Say a bit more' },
    });
    const done = await act('submit', {
      user: DANA,
      'view-id': viewId,
      values: '{"reason":{"why":"the fix is in"}}',
    });
    expect(done).toMatchObject({
      acked: true,
      response_action: 'update',
      view: {
        id: viewId,
        callback_id: 'deploy_done',
        blocks: [{ text: { text: 'Deploying: the fix is in' } }],
      },
    });
    expect(log).toEqual(expect.arrayContaining(['submit:eh', 'submit:the fix is in']));

    // notify_on_close: a second form, closed by the person.
    await act('shortcut', { user: DANA, 'callback-id': 'open_form' });
    const [again] = await waitFor('the second modal', async () => {
      const open = await openModalsOf(DANA);
      return open[0]?.definition.callback_id === 'deploy_form' ? open : undefined;
    });
    expect(await act('close', { user: DANA, 'view-id': again?.id as string })).toMatchObject({
      acked: true,
      delivered: true,
    });
    expect(log).toContain('closed');
    expect(await openModalsOf(DANA)).toEqual([]);
  });

  it('runs a slash command: the ack text is the ephemeral reply, respond() posts in the channel', async () => {
    const ran = await act('command', { user: DANA, channel: ENGINEERING, command: '/deploy', text: 'api' });
    expect(ran).toMatchObject({ acked: true, reply: { action: 'ephemeral', text: 'Deploying api...' } });
    await waitFor('the in_channel reply', async () => {
      const { messages } = await user.conversations.history({ channel: ENGINEERING, limit: 5 });
      return messages?.find((m) => m.text === 'Deployed api' && m.bot_id === ACME_BOT.botId);
    });
  });

  it('sends app_home_opened; the app publishes the Home tab', async () => {
    // Without an Events Request URL the app cannot hear it: not acknowledged, named.
    const events = await fetch(`${backend.url}/_asym/events`, {
      headers: { authorization: `Bearer ${backend.adminToken}` },
    });
    const { url } = (await events.json()) as { url: string };
    await backend.admin('/events', { url: null });
    expect(await act('home', { user: DANA })).toMatchObject({ acked: false, reason: 'no_request_url' });
    expect((await backend.admin('/events', { url })).status).toBe(200);
    expect(await act('home', { user: DANA })).toMatchObject({
      acked: true,
      via: 'http',
      type: 'app_home_opened',
    });
    const home = await waitFor('the home view', async () => {
      const { rows } = await backend.pool.query<{
        definition: { blocks: Array<{ text: { text: string } }> };
      }>(`SELECT definition FROM views WHERE user_id = $1 AND type = 'home'`, [DANA]);
      return rows[0];
    });
    expect(home.definition.blocks[0]?.text.text).toBe(`Hi <@${DANA}>`);
    // A grader sees it in the diff, as views.publish returned it.
    const diff = await (
      await fetch(`${backend.url}/_asym/diff`, { headers: { authorization: `Bearer ${backend.adminToken}` } })
    ).json();
    expect(diff.changes).toContainEqual(
      expect.objectContaining({
        type: 'view',
        op: 'created',
        after: expect.objectContaining({ type: 'home' }),
      }),
    );
    // Opened again: the event carries the published view.
    expect((await act('home', { user: DANA })).view).toMatchObject({ type: 'home', app_id: ACME_BOT.appId });
  });

  it('posts as a person', async () => {
    const posted = await act('post', { user: DANA, channel: ENGINEERING, text: 'written by a person' });
    expect(posted).toMatchObject({ acked: true, channel: ENGINEERING, ts: expect.any(String) });
    const { messages } = await user.conversations.history({ channel: ENGINEERING, limit: 1 });
    expect(messages?.[0]).toMatchObject({ user: DANA, text: 'written by a person' });
  });
});

describe('Bolt in Socket Mode', () => {
  it('gets interactive and slash_commands envelopes and its acks carry the answers', async () => {
    const slackApiUrl = `${cloneUrl}/api/`;
    const socketApp = new App({
      token: tokens.botToken,
      socketMode: true,
      appToken: tokens.appToken,
      receiver: new SocketModeReceiver({
        appToken: tokens.appToken,
        installerOptions: { clientOptions: { slackApiUrl } },
        logLevel: quiet,
      }),
      clientOptions: { slackApiUrl },
      logLevel: quiet,
    });
    const log: string[] = [];
    boltListeners(socketApp, log);
    await socketApp.start();
    try {
      const posted = await bot.chat.postMessage({
        channel: ENGINEERING,
        text: 'Ship?',
        blocks: approvalBlocks('Over the socket?'),
      });
      expect(
        await act('click', {
          user: DANA,
          channel: ENGINEERING,
          ts: posted.ts as string,
          'action-id': 'approve',
        }),
      ).toMatchObject({ acked: true, via: 'socket' });
      await messageWhen(posted.ts as string, (m) => m.text === `Approved by <@${DANA}>`);

      expect(
        await act('command', { user: DANA, channel: ENGINEERING, command: '/deploy', text: 'web' }),
      ).toMatchObject({
        acked: true,
        via: 'socket',
        reply: { action: 'ephemeral', text: 'Deploying web...' },
      });

      await act('shortcut', { user: DANA, 'callback-id': 'open_form' });
      const [modal] = await waitFor('the modal', async () => {
        const open = await openModalsOf(DANA);
        return open.length === 1 ? open : undefined;
      });
      expect(
        await act('submit', {
          user: DANA,
          'view-id': modal?.id as string,
          values: '{"reason":{"why":"socket deploy"}}',
        }),
      ).toMatchObject({
        acked: true,
        via: 'socket',
        response_action: 'update',
        view: { callback_id: 'deploy_done' },
      });

      // app_home_opened reaches the app over the socket (an events_api envelope), acked.
      await backend.pool.query(`DELETE FROM views WHERE type = 'home'`);
      expect(await act('home', { user: DANA })).toMatchObject({ acked: true, via: 'socket', view: null });
      await waitFor('the home view published over Socket Mode', async () => {
        const { rowCount } = await backend.pool.query(
          `SELECT 1 FROM views WHERE user_id = $1 AND type = 'home'`,
          [DANA],
        );
        return rowCount ? true : undefined;
      });
      expect(log).toEqual(
        expect.arrayContaining([`action:${DANA}`, 'command:web', 'submit:socket deploy', `home:${DANA}`]),
      );
    } finally {
      await socketApp.stop();
    }
  });
});
