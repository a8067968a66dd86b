import type { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloneClock } from '../../templates/_shared/clock.js';
import { createSlackApp } from '../../templates/slack/backend/app.js';
import { forgetIssuedTs } from '../../templates/slack/backend/store/messages.js';
import { slackTemplate } from '../../templates/slack/backend/template.js';
import type { SlackTokens } from '../../templates/slack/backend/tokens.js';
import { type CloneInfra, startCloneInfra } from '../support/clone-db.js';
import { type RunningBackend, startBackend } from './harness.js';
import { GENERAL, RANDOM, slackClient } from './slack-support.js';

// How chat.postMessage hands out a ts without locking the conversation (issue #17): the
// messages' primary key settles two posts that pick the same ts. The clone's clock stands
// still here, so every ts a post gets is decided by the allocation alone.

const FROZEN_MS = Date.UTC(2031, 0, 15, 12, 0, 0);
const FROZEN_US = FROZEN_MS * 1000;
const tsUs = (ts: string) => Math.round(Number(ts) * 1e6);
const tsOf = (us: number) => `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`;

let infra: CloneInfra;
// biome-ignore lint/suspicious/noExplicitAny: the harness's backend, of any identity
let backend: RunningBackend<any, any>;
let user: WebClient;

beforeAll(async () => {
  infra = await startCloneInfra();
  backend = await startBackend(infra, {
    template: slackTemplate,
    createApp: (deps) => createSlackApp({ ...deps, rateLimits: { enabled: false } }),
    database: 'slack_post_ts',
    seedFixture: 'acme-corp',
    clock: new CloneClock(null, () => FROZEN_MS),
  });
  const tokens = (await backend.admin('/tokens')).body as SlackTokens;
  user = slackClient(backend.url, tokens.userToken);
}, 180_000);

afterAll(async () => {
  await backend?.close();
  await infra?.stop();
});

beforeEach(async () => {
  await backend.admin('/reset');
});

const post = async (text: string) => {
  const answer = await user.chat.postMessage({ channel: GENERAL, text });
  return tsUs(answer.ts as string);
};

describe('chat.postMessage ts allocation', () => {
  it('gives 40 concurrent posts to one channel 40 distinct ts from the clock on, all kept', async () => {
    const posted = await Promise.all(Array.from({ length: 40 }, (_, i) => post(`concurrent ${i}`)));
    expect(new Set(posted).size).toBe(40);
    // The clock does not move: the posts take the microseconds after it (with gaps where a
    // post found a later one already committed and went past it).
    const sorted = [...posted].sort((a, b) => a - b);
    expect(sorted[0]).toBe(FROZEN_US);
    expect(sorted[39]).toBeLessThan(FROZEN_US + 1000);
    const { rows } = await backend.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM messages WHERE conversation_id = $1 AND text LIKE 'concurrent %'`,
      [GENERAL],
    );
    expect(Number(rows[0]?.n)).toBe(40);
  });

  it('hands out the same ts again after a reset, under the same clock', async () => {
    const first = [await post('one'), await post('two')];
    await backend.admin('/reset');
    expect([await post('one again'), await post('two again')]).toEqual(first);
    expect(first).toEqual([FROZEN_US, FROZEN_US + 1]);
  });

  it('never hands out the ts of a deleted message again', async () => {
    const kept = await post('kept');
    const deleted = await post('deleted');
    await user.chat.delete({ channel: GENERAL, ts: tsOf(deleted) });
    // Without what this process remembers, only the database decides.
    forgetIssuedTs(backend.pool);
    expect(await post('after the delete')).toBe(deleted + 1);
    expect(deleted).toBe(kept + 1);
  });

  it('goes past a ts another writer holds uncommitted, once that writer commits', async () => {
    forgetIssuedTs(backend.pool);
    const other = await backend.pool.connect();
    try {
      await other.query('BEGIN');
      await other.query(
        `INSERT INTO messages (conversation_id, ts_us, user_id, text)
         SELECT $1, $2, user_id, 'the other writer' FROM messages WHERE conversation_id = $1 AND user_id IS NOT NULL LIMIT 1`,
        [GENERAL, FROZEN_US],
      );
      let settled = false;
      const posting = post('waits for the other writer').finally(() => {
        settled = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      // The post picked the same ts and waits on the key for the other transaction.
      expect(settled).toBe(false);
      await other.query('COMMIT');
      expect(await posting).toBe(FROZEN_US + 1);
    } finally {
      other.release();
    }
    const history = await user.conversations.history({ channel: GENERAL, limit: 2 });
    expect(history.messages?.map((m) => m.text)).toEqual(['waits for the other writer', 'the other writer']);
  });

  it('answers each of many concurrent posts for itself: its own ts, content and error', async () => {
    // Posts that arrive together are written by one statement (templates/_shared/coalesce.ts);
    // every caller must still get back its own message, or its own refusal.
    const parent = await post('a thread to reply in');
    const calls = Array.from({ length: 24 }, (_, i) => {
      const n = `mixed ${i}`;
      switch (i % 6) {
        case 0:
          return user.chat.postMessage({ channel: 'C0ACME0OLDX', text: n });
        case 1:
          return user.chat.postMessage({ channel: 'C0NOSUCHONE', text: n });
        case 2:
          return user.chat.postMessage({ channel: GENERAL, text: n, thread_ts: tsOf(parent) });
        case 3:
          return user.chat.postMessage({
            channel: RANDOM,
            text: n,
            blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `*${n}*` } }],
            metadata: { event_type: 'mixed', event_payload: { i } },
          });
        default:
          return user.chat.postMessage({ channel: GENERAL, text: n });
      }
    });
    const settled = await Promise.allSettled(calls);
    const errors = settled.map((s) =>
      s.status === 'rejected' ? (s.reason as { data?: { error?: string } }).data?.error : null,
    );
    expect(errors).toEqual(
      Array.from({ length: 24 }, (_, i) =>
        i % 6 === 0 ? 'is_archived' : i % 6 === 1 ? 'channel_not_found' : null,
      ),
    );
    const posted = settled.flatMap((s, i) => (s.status === 'fulfilled' ? [{ i, answer: s.value }] : []));
    expect(posted).toHaveLength(16);
    for (const { i, answer } of posted) {
      expect(answer.message?.text).toBe(`mixed ${i}`);
      expect(answer.channel).toBe(i % 6 === 3 ? RANDOM : GENERAL);
      if (i % 6 === 2) expect(answer.message?.thread_ts).toBe(tsOf(parent));
      if (i % 6 === 3) expect(answer.message?.blocks?.[0]?.type).toBe('section');
    }
    const inGeneral = posted.filter(({ i }) => i % 6 !== 3).map(({ answer }) => answer.ts);
    expect(new Set(inGeneral).size).toBe(inGeneral.length);
    // What the database holds is what was answered: each ts with its own text.
    const { rows } = await backend.pool.query<{ conversation_id: string; ts_us: number; text: string }>(
      `SELECT conversation_id, ts_us, text FROM messages WHERE text LIKE 'mixed %'`,
    );
    expect(new Map(rows.map((r) => [`${r.conversation_id}/${tsOf(r.ts_us)}`, r.text]))).toEqual(
      new Map(posted.map(({ i, answer }) => [`${answer.channel}/${answer.ts}`, `mixed ${i}`])),
    );
    const replies = await user.conversations.replies({ channel: GENERAL, ts: tsOf(parent) });
    expect(replies.messages?.map((m) => m.text).slice(1)).toEqual(
      posted
        .filter(({ i }) => i % 6 === 2)
        .sort((a, b) => Number(a.answer.ts) - Number(b.answer.ts))
        .map(({ i }) => `mixed ${i}`),
    );
  });
});
