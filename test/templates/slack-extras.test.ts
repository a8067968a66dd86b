import type { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../templates/_shared/password.js';
import type { SlackTokens } from '../../templates/slack/backend/tokens.js';
import {
  ACME_BOT,
  ACME_PASSWORD,
  ACME_PEOPLE,
  ACME_PRIMARY_USER_ID,
} from '../../templates/slack/fixtures/acme-corp.js';
import { type CloneUnderTest, countPublic, seedTimeline } from './harness.js';
import {
  ENGINEERING,
  MARCUS,
  openSlackClone,
  PRIYA,
  RANDOM,
  slackClient,
  slackError,
} from './slack-support.js';

// bookmarks, user groups, reminders, search and files, through the official WebClient.

let backend: CloneUnderTest;
let tokens: SlackTokens;
let bot: WebClient;
let user: WebClient;
let seeded: Record<string, number>;

const client = (token: string) => slackClient(backend.url, token);

const mint = async (body?: unknown) => (await backend.admin('/tokens', body)).body as SlackTokens;

async function freshTokens() {
  tokens = await mint();
  bot = client(tokens.botToken);
  user = client(tokens.userToken);
}

beforeAll(async () => {
  backend = await openSlackClone('slack_extras');
  await freshTokens();
  seeded = await countPublic(backend.pool);
}, 180_000);

afterAll(async () => {
  await backend?.close();
});

beforeEach(async () => {
  await backend.admin('/reset');
});

describe('bookmarks', () => {
  it('adds, edits, lists and removes link bookmarks', async () => {
    const added = await user.bookmarks.add({
      channel_id: ENGINEERING,
      title: 'Runbook',
      type: 'link',
      link: 'https://wiki.acme.test/runbook',
      emoji: ':book:',
    });
    const id = added.bookmark?.id as string;
    expect(added.bookmark).toMatchObject({
      channel_id: ENGINEERING,
      title: 'Runbook',
      type: 'link',
      emoji: ':book:',
    });
    await bot.bookmarks.add({
      channel_id: ENGINEERING,
      title: 'Dashboards',
      type: 'link',
      link: 'https://grafana.acme.test',
    });
    const edited = await user.bookmarks.edit({
      channel_id: ENGINEERING,
      bookmark_id: id,
      title: 'On-call runbook',
    });
    expect(edited.bookmark).toMatchObject({
      id,
      title: 'On-call runbook',
      link: 'https://wiki.acme.test/runbook',
    });
    const listed = await bot.bookmarks.list({ channel_id: ENGINEERING });
    expect(listed.bookmarks?.map((b) => b.title)).toEqual([
      'Engineering handbook',
      'CI dashboard',
      'On-call runbook',
      'Dashboards',
    ]);
    await user.bookmarks.remove({ channel_id: ENGINEERING, bookmark_id: id });
    expect(
      await slackError(user.bookmarks.remove({ channel_id: ENGINEERING, bookmark_id: id })),
    ).toMatchObject({
      error: 'not_found',
    });
    expect(
      await slackError(
        user.bookmarks.add({ channel_id: ENGINEERING, title: 'x', type: 'link', link: 'not a url' }),
      ),
    ).toMatchObject({ error: 'invalid_link' });
    expect(
      await slackError(
        user.apiCall('bookmarks.add', { channel_id: ENGINEERING, title: 'x', type: 'folder' }),
      ),
    ).toMatchObject({ error: 'invalid_bookmark_type' });
    expect(
      await slackError(
        bot.bookmarks.add({ channel_id: RANDOM, title: 'x', type: 'link', link: 'https://a.test' }),
      ),
    ).toMatchObject({ error: 'not_in_channel' });
  });
});

describe('usergroups', () => {
  it('creates, updates, fills, lists, disables and enables groups', async () => {
    const created = await user.usergroups.create({
      name: 'SRE Team',
      handle: 'sre',
      description: 'Pager carriers',
    });
    const id = created.usergroup?.id as string;
    expect(id).toMatch(/^S[A-Z0-9]+$/);
    expect(created.usergroup).toMatchObject({
      name: 'SRE Team',
      handle: 'sre',
      is_usergroup: true,
      user_count: 0,
    });
    expect(await slackError(user.usergroups.create({ name: 'Other', handle: 'sre' }))).toMatchObject({
      error: 'handle_already_exists',
    });
    expect(await slackError(user.usergroups.create({ name: 'SRE Team', handle: 'sre2' }))).toMatchObject({
      error: 'name_already_exists',
    });
    expect(await slackError(user.usergroups.create({ name: 'Here', handle: 'here' }))).toMatchObject({
      error: 'forbidden_handle',
    });
    const filled = await user.usergroups.users.update({ usergroup: id, users: `${MARCUS},${PRIYA}` });
    expect(filled.usergroup).toMatchObject({ users: [MARCUS, PRIYA], user_count: 2 });
    expect((await bot.usergroups.users.list({ usergroup: id })).users).toEqual([MARCUS, PRIYA]);
    expect(
      await slackError(user.usergroups.users.update({ usergroup: id, users: 'U0NOBODY00' })),
    ).toMatchObject({
      error: 'invalid_users',
    });
    const updated = await user.usergroups.update({
      usergroup: id,
      description: 'Keeps the lights on',
      channels: ENGINEERING,
    });
    expect(updated.usergroup).toMatchObject({
      description: 'Keeps the lights on',
      prefs: { channels: [ENGINEERING] },
    });

    await user.usergroups.disable({ usergroup: id });
    const names = async (args: { include_disabled?: boolean }) =>
      ((await bot.usergroups.list({ ...args, include_users: true })).usergroups ?? []).map((g) => g.handle);
    expect(await names({})).not.toContain('sre');
    expect(await names({ include_disabled: true })).toContain('sre');
    await user.usergroups.enable({ usergroup: id });
    expect(await names({})).toContain('sre');
    expect(await slackError(bot.usergroups.users.list({ usergroup: 'S0NOPE' }))).toMatchObject({
      error: 'no_such_subteam',
    });
  });
});

describe('reminders', () => {
  it('adds, lists, completes and deletes reminders for people only', async () => {
    const added = await user.reminders.add({ text: 'Submit expenses', time: 'in 2 hours' });
    const id = added.reminder?.id as string;
    expect(added.reminder).toMatchObject({
      text: 'Submit expenses',
      user: ACME_PRIMARY_USER_ID,
      complete_ts: 0,
    });
    const at = Math.floor(Date.now() / 1000) + 7200;
    expect(Math.abs((added.reminder?.time as number) - at)).toBeLessThanOrEqual(2);
    await user.reminders.add({ text: 'Ping Marcus', time: String(at + 3600), user: MARCUS });
    // After the seed's own reminder for Dana, which lies days ahead.
    expect((await user.reminders.list()).reminders?.map((r) => r.text)).toEqual([
      'Submit expenses',
      'Ping Marcus',
      'Review the Q2 hiring plan',
    ]);
    await user.reminders.complete({ reminder: id });
    expect((await user.reminders.info({ reminder: id })).reminder?.complete_ts).toBeGreaterThan(0);
    await user.reminders.delete({ reminder: id });
    expect(await slackError(user.reminders.info({ reminder: id }))).toMatchObject({ error: 'not_found' });
    expect(await slackError(user.reminders.add({ text: 'x', time: 'whenever' }))).toMatchObject({
      error: 'cannot_parse',
    });
    expect(
      await slackError(user.reminders.add({ text: 'x', time: 'in 5 minutes', user: ACME_BOT.userId })),
    ).toMatchObject({
      error: 'cannot_add_bot',
    });
    expect(await slackError(bot.reminders.list())).toMatchObject({ error: 'not_allowed_token_type' });
  });
});

describe('recurring reminders', () => {
  it('reads "every ..." phrases and the recurrence argument, and cannot be completed', async () => {
    const weekly = await user.reminders.add({ text: 'Team sync', time: 'every Monday and Thursday at 10am' });
    expect(weekly.reminder).toEqual({
      id: expect.stringMatching(/^Rm/),
      creator: ACME_PRIMARY_USER_ID,
      user: ACME_PRIMARY_USER_ID,
      text: 'Team sync',
      recurring: true,
      recurrence: { frequency: 'weekly', weekdays: ['monday', 'thursday'] },
    });
    // Due next on a Monday or Thursday at 10:00 in dana's time zone, within the week.
    const { rows } = await backend.pool.query(
      'SELECT r.time, u.tz_offset FROM reminders r JOIN users u ON u.id = r.user_id WHERE r.id = $1',
      [weekly.reminder?.id],
    );
    const local = new Date((rows[0].time + rows[0].tz_offset) * 1000);
    expect([1, 4]).toContain(local.getUTCDay());
    expect([local.getUTCHours(), local.getUTCMinutes()]).toEqual([10, 0]);
    expect(rows[0].time * 1000 - Date.now()).toBeGreaterThan(0);
    expect(rows[0].time * 1000 - Date.now()).toBeLessThanOrEqual(7 * 86_400_000);

    const daily = await user.reminders.add({
      text: 'Water the plants',
      time: 'in 1 hour',
      recurrence: { frequency: 'daily' },
    });
    expect(daily.reminder).toMatchObject({ recurring: true, recurrence: { frequency: 'daily' } });
    expect((await user.reminders.list()).reminders?.filter((r) => r.recurring).map((r) => r.text)).toEqual(
      expect.arrayContaining(['Team sync', 'Water the plants']),
    );
    expect(
      await slackError(user.reminders.complete({ reminder: daily.reminder?.id as string })),
    ).toMatchObject({ error: 'cannot_complete_recurring' });
    expect(
      await slackError(user.reminders.add({ text: 'x', time: 'every day', user: MARCUS })),
    ).toMatchObject({ error: 'cannot_add_others_recurring' });
    expect(
      await slackError(
        user.reminders.add({ text: 'x', time: 'in 1 hour', recurrence: { frequency: 'hourly' } as never }),
      ),
    ).toMatchObject({ error: 'cannot_parse' });
    expect(await slackError(user.reminders.add({ text: 'x', time: 'every blue moon' }))).toMatchObject({
      error: 'cannot_parse',
    });
  });

  it('is delivered when due and moves on to its next occurrence', async () => {
    const added = await user.reminders.add({
      text: 'Daily standup',
      time: '1',
      recurrence: { frequency: 'daily' },
    });
    const id = added.reminder?.id as string;
    const first = (await backend.pool.query('SELECT time FROM reminders WHERE id = $1', [id])).rows[0].time;
    const deadline = Date.now() + 5_000;
    let next = first;
    while (Date.now() < deadline && next === first) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      next = (await backend.pool.query('SELECT time FROM reminders WHERE id = $1', [id])).rows[0].time;
    }
    expect(next - first).toBe(86_400);
    const ims = await user.users.conversations({ types: 'im' });
    const slackbot = ims.channels?.find((c) => c.user === 'USLACKBOT');
    const history = await user.conversations.history({ channel: slackbot?.id as string, limit: 5 });
    expect(history.messages?.map((m) => m.text)).toContain('Reminder: Daily standup.');
    // Still listed, still recurring.
    expect((await user.reminders.info({ reminder: id })).reminder).toMatchObject({ recurring: true });
  });
});

describe('reminder delivery', () => {
  it('Slackbot DMs the reminder when it falls due', async () => {
    await user.reminders.add({ text: 'Stretch', time: '1' });
    const deadline = Date.now() + 5_000;
    let text: string | undefined;
    while (Date.now() < deadline && text === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const ims = await user.users.conversations({ types: 'im' });
      const slackbot = ims.channels?.find((c) => c.user === 'USLACKBOT');
      if (slackbot) {
        text = (await user.conversations.history({ channel: slackbot.id as string, limit: 1 })).messages?.[0]
          ?.text;
      }
    }
    expect(text).toBe('Reminder: Stretch.');
  });
});

describe('search.messages', () => {
  it('finds messages by words and modifiers, for user tokens only', async () => {
    const posted = await user.chat.postMessage({ channel: ENGINEERING, text: 'The zebra migration is done' });
    await user.reactions.add({ channel: ENGINEERING, timestamp: posted.ts as string, name: 'tada' });
    const found = await user.search.messages({ query: 'zebra migration' });
    expect(found.messages?.total).toBe(1);
    expect(found.messages?.matches?.[0]).toMatchObject({
      ts: posted.ts,
      text: 'The zebra migration is done',
      user: ACME_PRIMARY_USER_ID,
      username: 'dana',
      channel: { id: ENGINEERING, name: 'engineering' },
    });
    expect(
      (await user.search.messages({ query: 'zebra in:#engineering from:@dana has:reaction' })).messages
        ?.total,
    ).toBe(1);
    expect((await user.search.messages({ query: 'zebra in:#random' })).messages?.total).toBe(0);
    expect((await user.search.messages({ query: 'zebra from:me' })).messages?.total).toBe(1);
    const highlighted = await user.search.messages({ query: 'zebra', highlight: true });
    expect(highlighted.messages?.matches?.[0]?.text).toBe('The \ue000zebra\ue001 migration is done');
    expect((await user.search.messages({ query: 'zebra has:pin' })).messages?.total).toBe(0);

    // Seeded history: the dates bound results exactly (the fixture's dates, moved with its timeline).
    const { shift } = await seedTimeline(backend);
    const date = (month: number, day: number) =>
      new Date(Date.UTC(2024, month, day) + shift * 1000).toISOString().slice(0, 10);
    const { rows } = await backend.pool.query(
      `SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1 AND text ILIKE '%deploy%'
         AND ts_us >= $2 AND ts_us < $3 AND (subtype IS NULL OR subtype IN ('thread_broadcast', 'me_message', 'bot_message', 'file_share'))`,
      [
        ENGINEERING,
        (Date.UTC(2024, 2, 6) + shift * 1000) * 1000,
        (Date.UTC(2024, 2, 14) + shift * 1000) * 1000,
      ],
    );
    const bounded = await user.search.messages({
      query: `deploy in:#engineering after:${date(2, 5)} before:${date(2, 14)}`,
      count: 100,
    });
    expect(bounded.messages?.total).toBe(rows[0].n);

    expect(await slackError(user.search.messages({ query: '' }))).toMatchObject({ error: 'no_query' });
    expect(await slackError(bot.search.messages({ query: 'zebra' }))).toMatchObject({
      error: 'not_allowed_token_type',
    });
  });

  it('ranks by relevance with sort=score, and by time otherwise', async () => {
    const once = await user.chat.postMessage({ channel: ENGINEERING, text: 'okapi sighting' });
    const thrice = await user.chat.postMessage({ channel: ENGINEERING, text: 'okapi okapi okapi!' });
    const later = await user.chat.postMessage({ channel: ENGINEERING, text: 'another okapi' });
    const order = async (args: Record<string, string>) =>
      ((await user.search.messages({ query: 'okapi', ...args })).messages?.matches ?? []).map((m) => m.ts);
    expect(await order({})).toEqual([later.ts, thrice.ts, once.ts]);
    expect(await order({ sort: 'timestamp', sort_dir: 'asc' })).toEqual([once.ts, thrice.ts, later.ts]);
    // Equal scores: the newer first.
    expect(await order({ sort: 'score' })).toEqual([thrice.ts, later.ts, once.ts]);
    expect(await order({ sort: 'score', sort_dir: 'asc' })).toEqual([later.ts, once.ts, thrice.ts]);
  });

  it('pages with page/count and with cursors', async () => {
    const first = await user.search.messages({ query: 'the', count: 5, page: 1 });
    const total = first.messages?.total as number;
    expect(total).toBeGreaterThan(10);
    expect(first.messages?.paging).toMatchObject({ count: 5, page: 1, pages: Math.ceil(total / 5) });
    const seen: string[] = [];
    for await (const page of user.paginate('search.messages', { query: 'the', count: 100 })) {
      const matches = (page as unknown as { messages: { matches: Array<{ iid: string }> } }).messages.matches;
      seen.push(...matches.map((m) => m.iid));
    }
    expect(seen.length).toBe(total);
    expect(new Set(seen).size).toBe(total);
  });
});

describe('files', () => {
  it('uploads with uploadV2, shares in a channel, serves, lists and deletes', async () => {
    const content = Buffer.from('id,amount\n1,42\n');
    const uploaded = await bot.files.uploadV2({
      channel_id: ENGINEERING,
      file: content,
      filename: 'report.csv',
      title: 'Weekly report',
      initial_comment: 'Here is the report',
    });
    expect(uploaded.ok).toBe(true);
    // biome-ignore lint/suspicious/noExplicitAny: the SDK types uploadV2's result loosely
    const fileId = (uploaded as any).files[0].files[0].id as string;
    expect(fileId).toMatch(/^F[A-Z0-9]+$/);

    const history = await user.conversations.history({ channel: ENGINEERING, limit: 1 });
    expect(history.messages?.[0]).toMatchObject({
      text: 'Here is the report',
      files: [
        {
          id: fileId,
          name: 'report.csv',
          title: 'Weekly report',
          mimetype: 'text/csv',
          size: content.length,
        },
      ],
    });
    const info = await user.files.info({ file: fileId });
    expect(info.file).toMatchObject({
      id: fileId,
      channels: [ENGINEERING],
      user: ACME_BOT.userId,
      filetype: 'csv',
    });
    const download = await fetch(info.file?.url_private as string, {
      headers: { authorization: `Bearer ${tokens.userToken}` },
    });
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(content);
    expect((await fetch(info.file?.url_private as string)).status).toBe(404);

    const listed = await user.files.list({ channel: ENGINEERING });
    expect(listed.files?.map((f) => f.id)).toEqual([fileId]);
    expect(listed.paging).toMatchObject({ total: 1 });
    expect(await slackError(user.files.delete({ file: fileId }))).toMatchObject({
      error: 'cant_delete_file',
    });
    await bot.files.delete({ file: fileId });
    expect(await slackError(user.files.info({ file: fileId }))).toMatchObject({ error: 'file_not_found' });
    const after = await user.conversations.history({ channel: ENGINEERING, limit: 1 });
    expect(after.messages?.[0]?.files).toBeUndefined();
  });

  it('refuses to complete files that were never uploaded', async () => {
    const pending = await user.files.getUploadURLExternal({ filename: 'a.txt', length: 3 });
    expect(pending.upload_url).toContain(`/upload/v1/${pending.file_id}`);
    expect(
      await slackError(user.files.completeUploadExternal({ files: [{ id: pending.file_id as string }] })),
    ).toMatchObject({ error: 'file_not_found' });
    const wrongSize = await fetch(pending.upload_url as string, { method: 'POST', body: 'too long' });
    expect(wrongSize.status).toBe(400);
    expect((await fetch(pending.upload_url as string, { method: 'POST', body: 'abc' })).status).toBe(200);
    const done = await user.files.completeUploadExternal({
      files: [{ id: pending.file_id as string, title: 'A' }],
    });
    expect(done.files).toEqual([{ id: pending.file_id, title: 'A' }]);
    expect((await user.files.info({ file: pending.file_id as string })).file?.channels).toEqual([]);
    expect(await slackError(user.files.info({ file: 'F0NOPE0000' }))).toMatchObject({
      error: 'file_not_found',
    });
    expect(await slackError(user.apiCall('files.upload', { content: 'x', filename: 'x.txt' }))).toMatchObject(
      {
        error: 'method_deprecated',
      },
    );
  });
});

describe('the acme-corp seed', () => {
  it('is a lived-in workspace, seeded in well under a second', async () => {
    const line = (await backend.logLines()).find((l) => l.startsWith('seeded acme-corp'));
    const ms = Number(/\((\d+(?:\.\d+)?) ms\)/.exec(line ?? '')?.[1]);
    console.log(line);
    expect(ms, line).toBeLessThan(1000);
    const { rows } = await backend.pool.query(`SELECT
      (SELECT count(*)::int FROM users WHERE NOT is_bot AND id <> 'USLACKBOT') AS people,
      (SELECT count(*)::int FROM users WHERE is_bot) AS bots,
      (SELECT count(*)::int FROM conversations WHERE kind = 'channel' AND NOT is_archived) AS public,
      (SELECT count(*)::int FROM conversations WHERE kind = 'private') AS private,
      (SELECT count(*)::int FROM conversations WHERE is_archived) AS archived,
      (SELECT count(*)::int FROM conversations WHERE kind IN ('im', 'mpim')) AS dms,
      (SELECT count(*)::int FROM messages) AS messages,
      (SELECT count(*)::int FROM messages WHERE thread_ts_us IS NOT NULL) AS replies,
      (SELECT count(*)::int FROM messages WHERE text LIKE '%<@U%') AS mentions,
      (SELECT count(*)::int FROM messages WHERE edited_ts_us IS NOT NULL) AS edited,
      (SELECT count(*)::int FROM reactions) AS reactions,
      (SELECT count(*)::int FROM pins) AS pins,
      (SELECT count(*)::int FROM bookmarks) AS bookmarks,
      (SELECT count(*)::int FROM usergroups) AS usergroups,
      (SELECT count(*)::int FROM custom_emoji) AS emoji,
      (SELECT (max(ts_us) - min(ts_us)) / 86400000000 FROM messages) AS days`);
    const seed = rows[0];
    console.log(`acme-corp seed: ${JSON.stringify(seed)}`);
    expect(seed.people).toBeGreaterThanOrEqual(12);
    expect(seed.bots).toBeGreaterThanOrEqual(1);
    expect(seed.public + seed.private).toBeGreaterThanOrEqual(8);
    expect(seed.private).toBeGreaterThanOrEqual(1);
    expect(seed.archived).toBeGreaterThanOrEqual(1);
    expect(seed.dms).toBeGreaterThanOrEqual(2);
    expect(seed.messages).toBeGreaterThan(300);
    expect(seed.days).toBeGreaterThanOrEqual(14);
    for (const key of [
      'replies',
      'mentions',
      'edited',
      'reactions',
      'pins',
      'bookmarks',
      'usergroups',
      'emoji',
    ]) {
      expect(seed[key], key).toBeGreaterThan(0);
    }
    // The web client signs in as Dana; everyone's precomputed hash verifies.
    expect((await user.auth.test()).user).toBe('dana');
    const { rows: hashes } = await backend.pool.query(
      'SELECT password_hash FROM users WHERE password_hash IS NOT NULL',
    );
    expect(hashes.length).toBe(ACME_PEOPLE.length);
    for (const { password_hash: hash } of hashes)
      expect(await verifyPassword(ACME_PASSWORD, hash)).toBe(true);
    const edited = await backend.pool.query(
      'SELECT conversation_id, ts_us FROM messages WHERE edited_ts_us IS NOT NULL ORDER BY ts_us LIMIT 1',
    );
    const { conversation_id: channel, ts_us: tsUs } = edited.rows[0];
    const ts = (tsUs / 1e6).toFixed(6);
    const thread = await user.conversations.replies({ channel, ts });
    expect(thread.messages?.[0]?.edited).toBeDefined();
    expect((await user.emoji.list()).emoji).toMatchObject({
      shipit: expect.stringContaining('https://'),
      squirrel: 'alias:shipit',
    });
    expect((await user.pins.list({ channel: ENGINEERING })).items?.length).toBeGreaterThan(0);
  });
});

describe('reset', () => {
  it('returns to the seeded rows after all of the above', async () => {
    await user.usergroups.create({ name: 'Temp', handle: 'temp' });
    await user.reminders.add({ text: 'x', time: 'in 1 hour' });
    await user.bookmarks.add({ channel_id: ENGINEERING, title: 't', type: 'link', link: 'https://t.test' });
    await backend.admin('/reset');
    expect(await countPublic(backend.pool)).toEqual(seeded);
  });
});
