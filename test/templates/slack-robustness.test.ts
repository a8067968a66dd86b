import type { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SLACK_METHODS } from '../../templates/slack/backend/methods/index.js';
import type { SlackTokens } from '../../templates/slack/backend/tokens.js';
import { ACME_BOT } from '../../templates/slack/fixtures/acme-corp.js';
import { type CloneUnderTest, countPublic } from './harness.js';
import { ENGINEERING, MARCUS, OLD_WEBSITE, openSlackClone, slackClient } from './slack-support.js';

// No method answers 500 or crashes, whatever it is sent.

let backend: CloneUnderTest;
let tokens: SlackTokens;
let bot: WebClient;
let seeded: Record<string, number>;

const client = (token: string) => slackClient(backend.url, token);

async function freshTokens() {
  tokens = (await backend.admin('/tokens')).body as SlackTokens;
  bot = client(tokens.botToken);
}

beforeAll(async () => {
  backend = await openSlackClone('slack_robust');
  await freshTokens();
  seeded = await countPublic(backend.pool);
}, 180_000);

afterAll(async () => {
  await backend?.close();
});

beforeEach(async () => {
  await backend.admin('/reset');
});

const GARBAGE: Array<Record<string, unknown>> = [
  {},
  {
    channel: ENGINEERING,
    ts: 'abc',
    timestamp: 'x.y',
    message_ts: '-1',
    name: '',
    users: ',,,',
    user: 'not-a-user',
    limit: '-5',
    cursor: '!!!',
    query: 'in: from: before:nope has:everything "unterminated',
    file: 'F',
    files: '{"id":1}',
    usergroup: 'S',
    reminder: 'Rm',
    post_at: '1e99',
    text: 'x',
    profile: '[1,2]',
    blocks: '{"type":"section"}',
    attachments: '"text"',
    types: 'im,,',
    email: '@',
    presence: 'sleepy',
    channel_id: 'D0NOPE',
    bookmark_id: 'Bk',
    title: 'x',
    type: 'link',
    link: 'javascript:alert(1)',
    time: 'every fortnight',
    filename: '../../etc/passwd',
    length: '99999999999',
    scheduled_message_id: 'Q',
    handle: 'HAS SPACES',
    oldest: '9999999999999999999999',
    latest: 'yesterday',
    topic: 'x'.repeat(300),
    purpose: 5,
    bot: 'B',
    team: 'T',
    count: '0',
    page: '-1',
  },
  {
    channel: { nested: true },
    ts: [1, 2],
    name: ['a'],
    users: { a: 1 },
    limit: 1e30,
    cursor: 12,
    files: [{ id: 'F0NOPE0000' }],
    profile: { status_text: 42, status_emoji: 'no-colons' },
    blocks: [null],
    post_at: -1,
    text: null,
  },
  {
    channel: 'general',
    ts: '1700000000.000100',
    timestamp: '1700000000.000100',
    name: 'eyes',
    users: ACME_BOT.userId,
    user: MARCUS,
  },
  {
    channel: OLD_WEBSITE,
    name: 'archived-rename',
    topic: '',
    purpose: '',
    users: MARCUS,
    user: MARCUS,
    text: 'x',
    ts: '1.1',
    post_at: String(Math.floor(Date.now() / 1000) + 60),
  },
];

async function call(method: string, token: string, args: Record<string, unknown>, as: 'json' | 'form') {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(args)) {
    if (value !== null && value !== undefined)
      form.set(key, typeof value === 'string' ? value : JSON.stringify(value));
  }
  const response = await fetch(`${backend.url}/api/${method}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': as === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
    },
    body: as === 'json' ? JSON.stringify(args) : form.toString(),
  });
  const text = await response.text();
  return { status: response.status, text };
}

// Methods Slack answers without any scope (files.upload is retired: method_deprecated).
const SCOPELESS = new Set([
  'files.upload',
  'api.test',
  'auth.test',
  'auth.revoke',
  'chat.getPermalink',
  'chat.scheduledMessages.list',
  // Slack's OAuth exchanges and token rotation take client credentials, not scopes; RTM is
  // refused to the token types this clone mints; auth.teams.list needs no scope.
  'oauth.access',
  'oauth.v2.access',
  'oauth.v2.exchange',
  'openid.connect.token',
  'tooling.tokens.rotate',
  'apps.uninstall',
  'rtm.connect',
  'auth.teams.list',
  // Workflow function completions take the function execution's own token.
  'functions.completeSuccess',
  'functions.completeError',
  // Views need no scope on Slack, only an app's token (and a trigger_id for a modal).
  'views.open',
  'views.push',
  'views.update',
  'views.publish',
]);

describe('scopes', () => {
  it('every other method answers missing_scope to a token without scopes', async () => {
    const { rows } = await backend.pool.query(
      'SELECT ts_us FROM messages WHERE conversation_id = $1 AND thread_ts_us IS NULL ORDER BY ts_us LIMIT 1',
      [ENGINEERING],
    );
    const ts = (rows[0].ts_us / 1e6).toFixed(6);
    const args = {
      channel: ENGINEERING,
      channel_id: ENGINEERING,
      ts,
      timestamp: ts,
      message_ts: ts,
      name: 'eyes',
      users: MARCUS,
      user: MARCUS,
      text: 'hello',
      query: 'hello',
      email: 'marcus@acme.test',
      presence: 'away',
      topic: 't',
      purpose: 'p',
      title: 't',
      type: 'link',
      link: 'https://a.test',
      bookmark_id: 'Bk0ACME0001',
      usergroup: 'S0ACME0ENG1',
      reminder: 'Rm0000',
      time: 'in 1 hour',
      post_at: String(Math.floor(Date.now() / 1000) + 600),
      scheduled_message_id: 'Q0000',
      file: 'F0000000',
      files: JSON.stringify([{ id: 'F0000000' }]),
      filename: 'a.txt',
      length: '3',
      profile: JSON.stringify({ title: 't' }),
      bot: ACME_BOT.botId,
      // Round two's methods (#15): their own ids, so each reaches its scope check.
      thread_ts: ts,
      status: 'thinking',
      prompts: JSON.stringify([{ title: 't', message: 'm' }]),
      external_unique_id: 'call-1',
      join_url: 'https://call.test/1',
      id: 'R0000000000',
      canvas_id: 'F0000000',
      changes: JSON.stringify([
        { operation: 'insert_at_end', document_content: { type: 'markdown', markdown: 'x' } },
      ]),
      criteria: JSON.stringify({ contains_text: 'x' }),
      access_level: 'read',
      channel_ids: JSON.stringify([ENGINEERING]),
      external_id: 'remote-1',
      external_url: 'https://files.test/1',
      function_execution_id: 'Fx0000000000',
      outputs: JSON.stringify({}),
      error: 'x',
    };
    const empty = (await backend.admin('/tokens', { botScopes: [], userScopes: [] })).body as SlackTokens;
    try {
      const answers: string[] = [];
      for (const name of SLACK_METHODS.keys()) {
        if (SCOPELESS.has(name)) continue;
        // open and close take DMs; a channel id there is the wrong type before it is a scope question.
        const dm = name === 'conversations.open' || name === 'conversations.close';
        // Calls take their participants as JSON objects, not user ids.
        const callUsers = name === 'calls.add' || name.startsWith('calls.participants.');
        const { text } = await call(
          name,
          empty.userToken,
          dm
            ? { ...args, channel: 'D0ACME0IM01' }
            : callUsers
              ? { ...args, users: JSON.stringify([{ slack_id: MARCUS }]) }
              : args,
          'form',
        );
        const body = JSON.parse(text);
        if (body.error !== 'missing_scope' || !body.needed) answers.push(`${name}: ${text.slice(0, 120)}`);
      }
      expect(answers).toEqual([]);
    } finally {
      await freshTokens();
    }
  });
});

describe('malformed input', () => {
  it('every method answers in the Slack envelope, never 500', async () => {
    const failures: string[] = [];
    for (const name of SLACK_METHODS.keys()) {
      if (name === 'auth.revoke') continue;
      for (const [index, args] of GARBAGE.entries()) {
        for (const token of [tokens.botToken, tokens.userToken]) {
          for (const as of ['json', 'form'] as const) {
            const { status, text } = await call(name, token, args, as);
            let body: { ok?: unknown; error?: unknown } | null = null;
            try {
              body = JSON.parse(text);
            } catch {}
            if (status !== 200 || typeof body?.ok !== 'boolean' || body.error === 'internal_error') {
              failures.push(`${name} #${index} ${as}: ${status} ${text.slice(0, 200)}`);
            }
          }
        }
      }
    }
    const errors = (await backend.logLines()).filter((line) => line.includes('failed'));
    expect(failures).toEqual([]);
    expect(errors).toEqual([]);
  }, 120_000);

  it('still serves normally afterwards, and resets to the seed', async () => {
    expect((await bot.auth.test()).ok).toBe(true);
    await backend.admin('/reset');
    expect(await countPublic(backend.pool)).toEqual(seeded);
  });
});
