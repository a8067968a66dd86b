import { readFileSync } from 'node:fs';
import type { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SlackTokens } from '../../templates/slack/backend/tokens.js';
import { ACME_BOT, ACME_PRIMARY_USER_ID } from '../../templates/slack/fixtures/acme-corp.js';
import type { CloneUnderTest } from './harness.js';
import {
  ENGINEERING,
  ENGINEERS,
  GENERAL,
  GRACE,
  MARCUS,
  openSlackClone,
  PRIYA,
  slackClient,
} from './slack-support.js';

// Every method the clone serves, called once successfully through the official WebClient,
// and its response checked against the success example in Slack's own reference
// (slack-api-ref): the example's top-level keys with the same JSON kinds, and every key of
// its principal objects. A view that drops a field Slack sends fails here.

/**
 * Slack's reference success examples, vendored from slack-api-ref (MIT) by
 * scripts/slack-reference-examples.mjs so this runs wherever the repository does.
 */
const REFERENCE = JSON.parse(
  readFileSync(new URL('../support/slack-reference-examples.json', import.meta.url), 'utf8'),
) as { methods: Record<string, JsonObject[]> };

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** The reference's success examples (`"ok": true`) for a method, in the file's order. */
function successExamples(method: string): JsonObject[] {
  const examples = REFERENCE.methods[method];
  if (!examples) throw new Error(`no success example for ${method} in the vendored reference`);
  return examples;
}

const kindOf = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** What a dotted path (array indexes as numbers) reaches in a JSON value. */
function at(value: unknown, path: string): unknown {
  let here = value;
  for (const step of path.split('.')) {
    if (Array.isArray(here)) here = here[Number(step)];
    else if (isObject(here)) here = here[step];
    else return undefined;
  }
  return here;
}

/**
 * Keys Slack sends only conditionally, whatever the method: `warning` (and
 * `response_metadata` when it only carries warnings) come with a non-fatal remark.
 */
function conditional(key: string, value: Json): boolean {
  if (key === 'warning') return true;
  return key === 'response_metadata' && isObject(value) && Object.keys(value).every((k) => k === 'warnings');
}

/**
 * The principal objects of an example, by path: every top-level object and the first
 * element of every top-level array of objects (`response_metadata` aside), plus any
 * deeper paths a case names.
 */
function principalPaths(example: JsonObject, deeper: string[]): string[] {
  const paths: string[] = [];
  for (const [key, value] of Object.entries(example)) {
    if (key === 'response_metadata' || conditional(key, value)) continue;
    if (isObject(value)) paths.push(key);
    else if (Array.isArray(value) && isObject(value[0])) paths.push(`${key}.0`);
  }
  return [...paths, ...deeper];
}

/**
 * Where ours falls short of the example: missing top-level keys, top-level kinds that
 * differ (null on either side matches anything), and keys missing from principal objects.
 * `except` names paths (`channel.enterprise_id`) the comparison skips.
 */
function shapeGaps(
  ours: Record<string, unknown>,
  example: JsonObject,
  deeper: string[],
  except: string[],
  exceptKinds: string[] = [],
) {
  const gaps: string[] = [];
  const skip = new Set(except);
  for (const [key, value] of Object.entries(example)) {
    if (conditional(key, value) || skip.has(key)) continue;
    if (!(key in ours)) gaps.push(`missing ${key}`);
    else if (
      value !== null &&
      ours[key] !== null &&
      !exceptKinds.includes(key) &&
      kindOf(value) !== kindOf(ours[key])
    )
      gaps.push(`${key}: ${kindOf(ours[key])}, Slack sends ${kindOf(value)}`);
  }
  for (const path of principalPaths(example, deeper)) {
    const theirs = at(example, path);
    if (!isObject(theirs) || skip.has(path)) continue;
    const mine = at(ours, path);
    if (!isObject(mine)) {
      // A top-level one was already reported, as missing or of another kind.
      if (path.includes('.')) gaps.push(`${path}: ${kindOf(mine)}, Slack sends an object`);
      continue;
    }
    for (const key of Object.keys(theirs)) {
      if (!skip.has(`${path}.${key}`) && !(key in mine)) gaps.push(`missing ${path}.${key}`);
    }
  }
  return gaps;
}

/**
 * Keys real Slack sends only in situations the clone's workspace is not in. Each entry
 * says why; anything else the example has, ours must have. An entry ours no longer lacks
 * fails the suite too, so the list only ever shrinks.
 */
const EXCEPTIONS: Record<string, string[]> = {
  // Acme is a standalone workspace, not an org on Enterprise Grid.
  'team.info': ['team.enterprise_id', 'team.enterprise_name'],
  // A thread's parent carries the caller's read state only when the caller is subscribed
  // to the thread; the clone does not keep thread subscriptions (its parents say
  // `subscribed: false`), so it has no read mark to report.
  'conversations.replies': ['messages.0.last_read', 'messages.0.unread_count'],
  // `image_original` comes with an uploaded photo (users.list's example has it only on
  // the member with `image_1024`); Acme's people have Gravatar avatars.
  'users.info': ['user.profile.image_original'],
  // The Start date profile field is filled in by an admin or an HR integration, and sent
  // only where it was: nobody in Acme has one (the user_huddle_changed event's profile in
  // the same reference has no start_date either).
  'users.profile.get': ['profile.start_date'],
  'users.profile.set': ['profile.start_date'],
  // The example is a `bot_message` posted under a custom username (chat:write.customize,
  // which the clone does not model); the clone's app posts as its bot user, which Slack
  // records as a plain message from that user (with `user`, `bot_id` and `bot_profile`).
  'chat.postMessage': ['message.username', 'message.subtype'],
  'chat.scheduleMessage': ['message.username', 'message.subtype'],
  // The example's file is a GIF: thumbnails, dimensions and alt text come only with
  // images. Ours is a CSV, for which Slack sends none of them.
  'files.info': [
    'file.thumb_64',
    'file.thumb_80',
    'file.thumb_360',
    'file.thumb_360_w',
    'file.thumb_360_h',
    'file.thumb_160',
    'file.thumb_360_gif',
    'file.image_exif_rotation',
    'file.original_w',
    'file.original_h',
    'file.deanimate_gif',
    'file.pjpeg',
    'file.alt_txt',
  ],
  'files.list': [
    'files.0.thumb_64',
    'files.0.thumb_80',
    'files.0.thumb_360',
    'files.0.thumb_360_w',
    'files.0.thumb_360_h',
    'files.0.thumb_160',
    'files.0.thumb_360_gif',
    'files.0.image_exif_rotation',
    'files.0.original_w',
    'files.0.original_h',
    'files.0.deanimate_gif',
    'files.0.pjpeg',
  ],
};

/**
 * Top-level keys whose JSON kind the reference example gets wrong: chat.scheduleMessage's
 * example shows `post_at` as a string, but Slack answers with the number it was given
 * (@slack/web-api's ChatScheduleMessageResponse, generated from live responses, types it
 * `number`, as chat.scheduledMessages.list's example has it).
 */
const KIND_EXCEPTIONS: Record<string, string[]> = {
  'chat.scheduleMessage': ['post_at'],
};

/** Exceptions that no longer except anything: keys ours has, kinds that agree. */
function staleExceptions(method: string, ours: Record<string, unknown>, example: JsonObject) {
  const stale = (EXCEPTIONS[method] ?? []).filter((path) => at(ours, path) !== undefined);
  for (const key of KIND_EXCEPTIONS[method] ?? []) {
    if (kindOf(ours[key]) === kindOf(example[key])) stale.push(`${key} (kind)`);
  }
  return stale;
}

let backend: CloneUnderTest;
let bot: WebClient;
let user: WebClient;

const client = (token: string) => slackClient(backend.url, token);

beforeAll(async () => {
  backend = await openSlackClone('slack_shapes');
  const tokens = (await backend.admin('/tokens')).body as SlackTokens;
  bot = client(tokens.botToken);
  user = client(tokens.userToken);
}, 180_000);

afterAll(async () => {
  await backend?.close();
});

beforeEach(async () => {
  await backend.admin('/reset');
});

// Small setups several cases share.
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

async function posted(text = 'Shape check') {
  const result = await bot.chat.postMessage({ channel: ENGINEERING, text });
  return result.ts as string;
}

async function thread() {
  const root = await posted('Thread root');
  await user.chat.postMessage({ channel: ENGINEERING, thread_ts: root, text: 'A reply' });
  return root;
}

async function newChannel(name = 'shape-check') {
  return (await user.conversations.create({ name })).channel?.id as string;
}

async function uploaded() {
  const done = await bot.files.uploadV2({
    channel_id: ENGINEERING,
    file: Buffer.from('id,amount\n1,42\n'),
    filename: 'report.csv',
    title: 'Weekly report',
  });
  // biome-ignore lint/suspicious/noExplicitAny: the SDK types uploadV2's result loosely
  return (done as any).files[0].files[0].id as string;
}

async function newUsergroup() {
  return (await user.usergroups.create({ name: 'Shape Team', handle: 'shape-team' })).usergroup?.id as string;
}

async function bookmark() {
  const added = await user.bookmarks.add({
    channel_id: ENGINEERING,
    title: 'Runbook',
    type: 'link',
    link: 'https://wiki.acme.test/runbook',
    emoji: ':book:',
  });
  return added.bookmark?.id as string;
}

interface ShapeCase {
  method: string;
  /** The call, made after whatever setup it needs. */
  call: () => Promise<unknown>;
  /** Which success example matches the call's situation, when the reference has several. */
  example?: number;
  /** Deeper principal objects to check, beyond the top-level ones. */
  deeper?: string[];
}

const CASES: ShapeCase[] = [
  // The example that echoes its arguments (the SDK's types know no arguments for api.test).
  { method: 'api.test', call: () => bot.apiCall('api.test', { foo: 'bar' }), example: 1 },
  // The bot's example, the one with `bot_id`.
  { method: 'auth.test', call: () => bot.auth.test(), example: 1 },
  { method: 'team.info', call: () => bot.team.info(), deeper: ['team.icon'] },
  { method: 'bots.info', call: () => bot.bots.info({ bot: ACME_BOT.botId }), deeper: ['bot.icons'] },
  { method: 'emoji.list', call: () => user.emoji.list() },
  {
    method: 'chat.postMessage',
    call: () =>
      bot.chat.postMessage({
        channel: ENGINEERING,
        text: "Here's a message for you",
        attachments: [{ text: 'This is an attachment', fallback: "This is an attachment's fallback" }],
      }),
  },
  {
    method: 'chat.update',
    call: async () => bot.chat.update({ channel: ENGINEERING, ts: await posted(), text: 'Updated text' }),
  },
  { method: 'chat.delete', call: async () => bot.chat.delete({ channel: ENGINEERING, ts: await posted() }) },
  {
    method: 'chat.postEphemeral',
    call: () => bot.chat.postEphemeral({ channel: ENGINEERING, user: MARCUS, text: 'Only you' }),
  },
  {
    method: 'chat.getPermalink',
    call: async () => bot.chat.getPermalink({ channel: ENGINEERING, message_ts: await posted() }),
  },
  { method: 'chat.meMessage', call: () => user.chat.meMessage({ channel: GENERAL, text: 'waves' }) },
  {
    method: 'chat.scheduleMessage',
    call: () =>
      bot.chat.scheduleMessage({
        channel: ENGINEERING,
        text: "Here's a message for you in the future",
        attachments: [{ text: 'This is an attachment', fallback: "This is an attachment's fallback" }],
        post_at: inAnHour(),
      }),
  },
  {
    method: 'chat.scheduledMessages.list',
    call: async () => {
      await bot.chat.scheduleMessage({ channel: ENGINEERING, text: 'Later', post_at: inAnHour() });
      return bot.chat.scheduledMessages.list({});
    },
  },
  {
    method: 'chat.deleteScheduledMessage',
    call: async () => {
      const scheduled = await bot.chat.scheduleMessage({
        channel: ENGINEERING,
        text: 'x',
        post_at: inAnHour(),
      });
      return bot.chat.deleteScheduledMessage({
        channel: ENGINEERING,
        scheduled_message_id: scheduled.scheduled_message_id as string,
      });
    },
  },
  { method: 'conversations.list', call: () => bot.conversations.list({ limit: 2 }) },
  { method: 'conversations.info', call: () => bot.conversations.info({ channel: GENERAL }) },
  {
    method: 'conversations.history',
    call: () => bot.conversations.history({ channel: ENGINEERING, limit: 2 }),
  },
  {
    method: 'conversations.replies',
    call: async () => bot.conversations.replies({ channel: ENGINEERING, ts: await thread() }),
  },
  { method: 'conversations.create', call: () => bot.conversations.create({ name: 'endeavor' }) },
  {
    // The example is the already-a-member case, with its warning.
    method: 'conversations.join',
    call: () => user.conversations.join({ channel: GENERAL }),
  },
  { method: 'conversations.leave', call: () => user.conversations.leave({ channel: ENGINEERING }) },
  {
    method: 'conversations.invite',
    call: async () => user.conversations.invite({ channel: await newChannel(), users: MARCUS }),
  },
  {
    method: 'conversations.kick',
    call: async () => {
      const channel = await newChannel();
      await user.conversations.invite({ channel, users: MARCUS });
      return user.conversations.kick({ channel, user: MARCUS });
    },
  },
  { method: 'conversations.members', call: () => bot.conversations.members({ channel: GENERAL, limit: 3 }) },
  {
    method: 'conversations.archive',
    call: async () => user.conversations.archive({ channel: await newChannel() }),
  },
  {
    method: 'conversations.unarchive',
    call: async () => {
      const channel = await newChannel();
      await user.conversations.archive({ channel });
      return user.conversations.unarchive({ channel });
    },
  },
  {
    method: 'conversations.rename',
    call: async () => user.conversations.rename({ channel: await newChannel(), name: 'renamed' }),
  },
  {
    method: 'conversations.setTopic',
    call: () => user.conversations.setTopic({ channel: ENGINEERING, topic: 'Apply topically' }),
  },
  {
    method: 'conversations.setPurpose',
    call: () => user.conversations.setPurpose({ channel: ENGINEERING, purpose: 'For widget discussion' }),
  },
  { method: 'conversations.open', call: () => user.conversations.open({ users: GRACE }) },
  {
    method: 'conversations.close',
    call: async () => {
      const opened = await user.conversations.open({ users: GRACE });
      return user.conversations.close({ channel: opened.channel?.id as string });
    },
  },
  {
    method: 'conversations.mark',
    call: async () => user.conversations.mark({ channel: ENGINEERING, ts: await posted() }),
  },
  { method: 'users.list', call: () => bot.users.list({ limit: 2 }), deeper: ['members.0.profile'] },
  { method: 'users.info', call: () => bot.users.info({ user: MARCUS }), deeper: ['user.profile'] },
  {
    method: 'users.lookupByEmail',
    call: async () => {
      const email = (await bot.users.info({ user: MARCUS })).user?.profile?.email as string;
      return bot.users.lookupByEmail({ email });
    },
    deeper: ['user.profile'],
  },
  { method: 'users.conversations', call: () => user.users.conversations({ limit: 2 }) },
  {
    // The example with the connection details is the caller's own presence.
    method: 'users.getPresence',
    call: () => user.users.getPresence({ user: ACME_PRIMARY_USER_ID }),
    example: 1,
  },
  { method: 'users.setPresence', call: () => user.users.setPresence({ presence: 'away' }) },
  {
    // The example's person has pronouns set, which Slack sends only then.
    method: 'users.profile.get',
    call: async () => {
      await user.users.profile.set({ profile: { pronouns: 'they/them/theirs' } });
      return user.users.profile.get({});
    },
  },
  {
    method: 'users.profile.set',
    call: () =>
      user.users.profile.set({
        profile: { title: 'Head of Coffee Production', pronouns: 'they/them/theirs' },
      }),
  },
  {
    method: 'reactions.add',
    call: async () => user.reactions.add({ channel: ENGINEERING, timestamp: await posted(), name: 'tada' }),
  },
  {
    method: 'reactions.remove',
    call: async () => {
      const timestamp = await posted();
      await user.reactions.add({ channel: ENGINEERING, timestamp, name: 'tada' });
      return user.reactions.remove({ channel: ENGINEERING, timestamp, name: 'tada' });
    },
  },
  {
    method: 'reactions.get',
    call: async () => {
      const timestamp = await posted();
      await user.reactions.add({ channel: ENGINEERING, timestamp, name: 'grinning' });
      return bot.reactions.get({ channel: ENGINEERING, timestamp, full: true });
    },
    deeper: ['message.reactions.0'],
  },
  {
    method: 'reactions.list',
    call: async () => {
      await user.reactions.add({ channel: ENGINEERING, timestamp: await posted(), name: 'robot_face' });
      return user.reactions.list({ limit: 1 });
    },
  },
  {
    method: 'pins.add',
    call: async () => bot.pins.add({ channel: ENGINEERING, timestamp: await posted() }),
  },
  {
    method: 'pins.remove',
    call: async () => {
      const timestamp = await posted();
      await bot.pins.add({ channel: ENGINEERING, timestamp });
      return bot.pins.remove({ channel: ENGINEERING, timestamp });
    },
  },
  { method: 'pins.list', call: () => bot.pins.list({ channel: ENGINEERING }), deeper: ['items.0.message'] },
  {
    method: 'bookmarks.add',
    call: () =>
      user.bookmarks.add({
        channel_id: ENGINEERING,
        title: 'bookmark-1',
        type: 'link',
        link: 'https://google.com',
        emoji: ':clap:',
      }),
  },
  {
    method: 'bookmarks.edit',
    call: async () =>
      user.bookmarks.edit({ channel_id: ENGINEERING, bookmark_id: await bookmark(), title: 'bookmark-1' }),
  },
  {
    method: 'bookmarks.remove',
    call: async () => user.bookmarks.remove({ channel_id: ENGINEERING, bookmark_id: await bookmark() }),
  },
  { method: 'bookmarks.list', call: () => bot.bookmarks.list({ channel_id: ENGINEERING }) },
  {
    method: 'search.messages',
    call: async () => {
      await user.chat.postMessage({ channel: GENERAL, text: 'The meaning of life is 42' });
      return user.search.messages({ query: 'meaning of life' });
    },
    deeper: ['messages.matches.0', 'messages.matches.0.channel', 'messages.pagination', 'messages.paging'],
  },
  // The example's groups carry `user_count`, which Slack adds when asked to (include_count).
  { method: 'usergroups.list', call: () => bot.usergroups.list({ include_count: true }) },
  {
    method: 'usergroups.create',
    call: () => user.usergroups.create({ name: 'Shape Team', handle: 'shape' }),
  },
  {
    method: 'usergroups.update',
    call: async () => user.usergroups.update({ usergroup: await newUsergroup(), description: 'Gurus' }),
  },
  { method: 'usergroups.users.list', call: () => bot.usergroups.users.list({ usergroup: ENGINEERS }) },
  {
    method: 'usergroups.users.update',
    call: async () =>
      user.usergroups.users.update({ usergroup: await newUsergroup(), users: `${MARCUS},${PRIYA}` }),
  },
  {
    method: 'files.getUploadURLExternal',
    call: () => bot.files.getUploadURLExternal({ filename: 'a.txt', length: 3 }),
  },
  {
    method: 'files.completeUploadExternal',
    call: async () => {
      const pending = await bot.files.getUploadURLExternal({ filename: 'a.txt', length: 3 });
      await fetch(pending.upload_url as string, { method: 'POST', body: 'abc' });
      return bot.files.completeUploadExternal({
        files: [{ id: pending.file_id as string, title: 'slack-test' }],
      });
    },
  },
  { method: 'files.info', call: async () => user.files.info({ file: await uploaded() }) },
  {
    method: 'files.list',
    call: async () => {
      await uploaded();
      return user.files.list({ channel: ENGINEERING });
    },
  },
  { method: 'files.delete', call: async () => bot.files.delete({ file: await uploaded() }) },
  { method: 'reminders.add', call: () => user.reminders.add({ text: 'eat a banana', time: 'in 2 hours' }) },
  {
    method: 'reminders.list',
    call: async () => {
      await user.reminders.add({ text: 'eat a banana', time: 'in 2 hours' });
      return user.reminders.list();
    },
  },
  {
    method: 'reminders.delete',
    call: async () => {
      const added = await user.reminders.add({ text: 'eat a banana', time: 'in 2 hours' });
      return user.reminders.delete({ reminder: added.reminder?.id as string });
    },
  },
];

/** The methods issue #3 names; the cases above cover exactly these. */
const METHODS = `api.test auth.test team.info bots.info emoji.list chat.postMessage chat.update chat.delete
  chat.postEphemeral chat.getPermalink chat.meMessage chat.scheduleMessage chat.scheduledMessages.list
  chat.deleteScheduledMessage conversations.list conversations.info conversations.history
  conversations.replies conversations.create conversations.join conversations.leave conversations.invite
  conversations.kick conversations.members conversations.archive conversations.unarchive
  conversations.rename conversations.setTopic conversations.setPurpose conversations.open
  conversations.close conversations.mark users.list users.info users.lookupByEmail users.conversations
  users.getPresence users.setPresence users.profile.get users.profile.set reactions.add reactions.remove
  reactions.get reactions.list pins.add pins.remove pins.list bookmarks.add bookmarks.edit bookmarks.remove
  bookmarks.list search.messages usergroups.list usergroups.create usergroups.update usergroups.users.list
  usergroups.users.update files.getUploadURLExternal files.completeUploadExternal files.info files.list
  files.delete reminders.add reminders.list reminders.delete`.split(/\s+/);

describe('the comparison', () => {
  it('covers every method, each with a success example in the reference', () => {
    expect(CASES.map((c) => c.method).sort()).toEqual([...METHODS].sort());
    for (const { method, example = 0 } of CASES)
      expect(successExamples(method)[example], method).toBeDefined();
    for (const method of [...Object.keys(EXCEPTIONS), ...Object.keys(KIND_EXCEPTIONS)])
      expect(METHODS, method).toContain(method);
  });

  it('catches a dropped field, a changed kind and a missing nested key', () => {
    const example = successExamples('conversations.info')[0] as JsonObject;
    const ours = JSON.parse(JSON.stringify(example)) as { ok: boolean; channel: Record<string, unknown> };
    expect(shapeGaps(ours, example, [], [])).toEqual([]);
    delete ours.channel.is_frozen;
    ours.channel.extra = 'fine';
    ours.channel.parent_conversation = 'C0PARENT01';
    expect(shapeGaps(ours, example, [], [])).toEqual(['missing channel.is_frozen']);
    expect(shapeGaps(ours, example, [], ['channel.is_frozen'])).toEqual([]);
    expect(shapeGaps({ ok: true, channel: [] }, example, [], [])).toEqual([
      'channel: array, Slack sends object',
    ]);
    expect(shapeGaps({ ok: true }, example, [], [])).toEqual(['missing channel']);
    expect(shapeGaps({ ok: true }, example, [], ['channel'])).toEqual([]);
    const list = successExamples('conversations.list')[0] as JsonObject;
    expect(shapeGaps({ ok: true, channels: [], response_metadata: {} }, list, [], [])).toEqual([
      'channels.0: undefined, Slack sends an object',
    ]);
  });
});

describe('responses match the reference success examples', () => {
  it.each(CASES)('$method', async ({ method, call, example = 0, deeper = [] }) => {
    const ours = (await call()) as Record<string, unknown>;
    expect(ours.ok).toBe(true);
    const reference = successExamples(method)[example] as JsonObject;
    expect(shapeGaps(ours, reference, deeper, EXCEPTIONS[method] ?? [], KIND_EXCEPTIONS[method])).toEqual([]);
    expect(staleExceptions(method, ours, reference)).toEqual([]);
  });
});
