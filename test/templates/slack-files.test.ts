import { createHash, randomBytes } from 'node:crypto';
import type { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SlackTokens } from '../../templates/slack/backend/tokens.js';
import type { CloneUnderTest } from './harness.js';
import { ENGINEERING, openSlackClone, slackClient, slackError } from './slack-support.js';

// How file bytes are kept (issue 10, case 1): in 256 KiB rows of `file_chunks`, written as
// they arrive and read as the client takes them. The real-engine proof (memory, 20 MB,
// concurrency) is test/docker/reliability-files.e2e.test.ts; this pins the byte handling.

const CHUNK = 256 * 1024;

let backend: CloneUnderTest;
let tokens: SlackTokens;
let bot: WebClient;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function pending(length: number) {
  const answer = await bot.files.getUploadURLExternal({ filename: 'blob.bin', length });
  return { id: answer.file_id as string, url: answer.upload_url as string };
}

async function complete(id: string) {
  await bot.files.completeUploadExternal({ files: [{ id }], channel_id: ENGINEERING });
  const info = await bot.files.info({ file: id });
  return info.file?.url_private as string;
}

async function download(url: string) {
  const response = await fetch(url, { headers: { authorization: `Bearer ${tokens.userToken}` } });
  return {
    status: response.status,
    length: response.headers.get('content-length'),
    bytes: Buffer.from(await response.arrayBuffer()),
  };
}

const chunkRows = async (fileId: string) =>
  (
    await backend.pool.query<{ upload: string; seq: number; size: number }>(
      'SELECT upload, seq, length(data)::int AS size FROM file_chunks WHERE file_id = $1 ORDER BY upload, seq',
      [fileId],
    )
  ).rows;

beforeAll(async () => {
  backend = await openSlackClone('slack_files');
  tokens = (await backend.admin('/tokens')).body as SlackTokens;
  bot = slackClient(backend.url, tokens.botToken);
}, 180_000);

afterAll(async () => {
  await backend?.close();
});

beforeEach(async () => {
  await backend.admin('/reset');
});

describe('file bytes', () => {
  it('keeps a raw upload in 256 KiB chunks and serves it back exactly, with its length', async () => {
    const bytes = randomBytes(3 * CHUNK + 1234);
    const file = await pending(bytes.length);
    const posted = await fetch(file.url, { method: 'POST', body: bytes });
    expect(posted.status).toBe(200);
    expect(await posted.text()).toBe(`OK - ${bytes.length}`);
    expect((await chunkRows(file.id)).map((row) => row.size)).toEqual([CHUNK, CHUNK, CHUNK, 1234]);
    const got = await download(await complete(file.id));
    expect(got.status).toBe(200);
    expect(got.length).toBe(String(bytes.length));
    expect(sha256(got.bytes)).toBe(sha256(bytes));
  });

  it('streams the multipart part the SDK sends (uploadV2), whatever its boundaries', async () => {
    const bytes = randomBytes(2 * CHUNK + 7);
    const done = await bot.filesUploadV2({ channel_id: ENGINEERING, file: bytes, filename: 'sdk.bin' });
    // biome-ignore lint/suspicious/noExplicitAny: the SDK types uploadV2's result loosely
    const id = (done as any).files[0].files[0].id as string;
    const info = await bot.files.info({ file: id });
    expect(info.file?.size).toBe(bytes.length);
    expect(sha256((await download(info.file?.url_private as string)).bytes)).toBe(sha256(bytes));
  });

  it('keeps empty files', async () => {
    const file = await pending(0);
    expect((await fetch(file.url, { method: 'POST', body: new Uint8Array(0) })).status).toBe(200);
    const got = await download(await complete(file.id));
    expect(got).toMatchObject({ status: 200, length: '0' });
    expect(got.bytes.length).toBe(0);
  });

  it('replaces an earlier upload of the same file instead of mixing the two', async () => {
    const first = randomBytes(CHUNK + 10);
    const second = randomBytes(CHUNK + 10);
    const file = await pending(first.length);
    expect((await fetch(file.url, { method: 'POST', body: first })).status).toBe(200);
    expect((await fetch(file.url, { method: 'POST', body: second })).status).toBe(200);
    const rows = await chunkRows(file.id);
    expect(new Set(rows.map((row) => row.upload)).size).toBe(1);
    expect(sha256((await download(await complete(file.id))).bytes)).toBe(sha256(second));
  });

  it('stores nothing of a body longer or shorter than the declared length', async () => {
    const file = await pending(CHUNK * 2);
    const long = await fetch(file.url, { method: 'POST', body: randomBytes(CHUNK * 2 + 1) });
    expect(long.status).toBe(400);
    // Chunked (no Content-Length): found out while streaming, with chunks already written.
    const longStream = new Blob([randomBytes(CHUNK * 3)]).stream();
    const streamed = await fetch(file.url, {
      method: 'POST',
      body: longStream,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(400);
    const short = new Blob([randomBytes(CHUNK + 1)]).stream();
    expect(
      (await fetch(file.url, { method: 'POST', body: short, duplex: 'half' } as RequestInit)).status,
    ).toBe(400);
    expect(await chunkRows(file.id)).toEqual([]);
    expect(
      await slackError(
        bot.files.completeUploadExternal({ files: [{ id: file.id }], channel_id: ENGINEERING }),
      ),
    ).toMatchObject({ error: 'file_not_found' });
  });

  it("answers an upload past the 20 MB cap with Slack's error, keeping nothing", async () => {
    const file = await pending(20 * 1024 * 1024);
    const over = await fetch(file.url, { method: 'POST', body: new Uint8Array(20 * 1024 * 1024 + 1) });
    expect(over.status).toBe(413);
    expect(await over.json()).toEqual({ ok: false, error: 'file_upload_size_restricted' });
    expect(await chunkRows(file.id)).toEqual([]);
    expect(
      await slackError(bot.files.getUploadURLExternal({ filename: 'x', length: 20 * 1024 * 1024 + 1 })),
    ).toMatchObject({ error: 'file_upload_size_restricted' });
  });

  it('drops the chunks of an upload the client abandons halfway, raw or multipart', async () => {
    const file = await pending(CHUNK * 8);
    const abandon = async (contentType: string | null, head: Uint8Array) => {
      const controller = new AbortController();
      let sent = 0;
      let writtenBeforeAbort = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(stream) {
          if (sent === 0) stream.enqueue(head);
          if (sent >= CHUNK * 5) {
            // Let the clone take what was sent, then go away mid-body.
            await new Promise((resolve) => setTimeout(resolve, 300));
            writtenBeforeAbort = (await chunkRows(file.id)).length;
            controller.abort();
            return;
          }
          stream.enqueue(randomBytes(CHUNK));
          sent += CHUNK;
        },
      });
      await expect(
        fetch(file.url, {
          method: 'POST',
          body,
          duplex: 'half',
          signal: controller.signal,
          headers: contentType ? { 'content-type': contentType } : {},
        } as RequestInit),
      ).rejects.toThrow();
      expect(writtenBeforeAbort).toBeGreaterThan(0);
      // The handler drops what it wrote once it sees the client gone.
      const deadline = Date.now() + 10_000;
      while ((await chunkRows(file.id)).length > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await chunkRows(file.id)).toEqual([]);
    };
    await abandon(null, new Uint8Array(0));
    const boundary = 'x-boundary-x';
    await abandon(
      `multipart/form-data; boundary=${boundary}`,
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
    );
    // The file still takes its bytes afterwards.
    const bytes = randomBytes(CHUNK * 8);
    expect((await fetch(file.url, { method: 'POST', body: bytes })).status).toBe(200);
    expect(sha256((await download(await complete(file.id))).bytes)).toBe(sha256(bytes));
  });

  it('drops the chunks with the file (delete) and with everything after the seed (reset)', async () => {
    const deleted = await pending(CHUNK + 1);
    await fetch(deleted.url, { method: 'POST', body: randomBytes(CHUNK + 1) });
    await complete(deleted.id);
    await bot.files.delete({ file: deleted.id });
    expect(await chunkRows(deleted.id)).toEqual([]);

    const kept = await pending(CHUNK + 1);
    await fetch(kept.url, { method: 'POST', body: randomBytes(CHUNK + 1) });
    const url = await complete(kept.id);
    await backend.admin('/reset');
    expect((await backend.pool.query('SELECT count(*)::int AS n FROM file_chunks')).rows[0].n).toBe(0);
    expect((await download(url)).status).toBe(404);
  });
});
