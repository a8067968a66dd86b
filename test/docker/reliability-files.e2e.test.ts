import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { WebClient } from '@slack/web-api';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL } from '../../src/runtime/labels.js';
import { type RealHome, realHome } from '../support/real-cli.js';

// Issue 10, case 1 (and the oversize-body point of case 8) on the real engine: a stored
// 20 MB file (the cap) downloaded three times while three more 20 MB uploads run must not
// take the Slack backend down at its container memory limit; over-cap uploads are refused
// with Slack's error before their bodies are read; and a 21 MB body to any route gets a
// vendor-shaped 413 that a Node client can read (no EPIPE, no reset).

const MB = 1024 * 1024;
const CAP = 20 * MB;
const ENGINEERING = 'C0ACME0ENG3';

let home: RealHome;
// biome-ignore lint/suspicious/noExplicitAny: tests read the CLI's JSON freely
let slack: any;
// biome-ignore lint/suspicious/noExplicitAny: tests read the CLI's JSON freely
let stripe: any;
let bot: WebClient;
let backend: Docker.Container;
let before: Docker.ContainerInspectInfo;
let idleBytes = 0;

interface MemoryStats {
  memory_stats: { max_usage?: number; usage?: number; limit?: number };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The hash of a download, read as a stream (the test holds no more than the server does). */
async function downloadHash(
  url: string,
  token: string,
): Promise<{ status: number; hash: string; bytes: number }> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    bytes += chunk.byteLength;
  }
  return { status: response.status, hash: hash.digest('hex'), bytes };
}

async function upload(bytes: Buffer, filename: string): Promise<string> {
  const done = await bot.filesUploadV2({ channel_id: ENGINEERING, file: bytes, filename });
  // biome-ignore lint/suspicious/noExplicitAny: the SDK types uploadV2's result loosely
  const id = (done as any).files[0].files[0].id as string;
  expect(id).toMatch(/^F[A-Z0-9]+$/);
  return id;
}

async function privateUrl(fileId: string): Promise<string> {
  const info = await bot.files.info({ file: fileId });
  return info.file?.url_private_download as string;
}

/**
 * A POST of `total` bytes with a declared Content-Length through node:http, written a
 * piece at a time: how much had been written when the answer came, and the answer.
 */
function postCounting(
  url: string,
  total: number,
  options: { headers?: Record<string, string>; paceMs?: number } = {},
): Promise<{ status: number; body: string; writtenAtAnswer: number }> {
  return new Promise((resolve, reject) => {
    let written = 0;
    let answered = false;
    const req = httpRequest(
      url,
      { method: 'POST', headers: { 'content-length': String(total), ...options.headers } },
      (res) => {
        answered = true;
        const writtenAtAnswer = written;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body, writtenAtAnswer });
          req.destroy();
        });
      },
    );
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    // Paced (256 KiB every `paceMs`), an answer that waits for the whole body shows as one
    // that comes after the last piece; unpaced, the client writes as fast as it is let.
    const piece = Buffer.alloc(256 * 1024, 0x61);
    const pace = options.paceMs ?? 0;
    const writeMore = () => {
      while (!answered) {
        if (written >= total) {
          req.end();
          return;
        }
        const next = piece.subarray(0, Math.min(piece.length, total - written));
        written += next.length;
        if (!req.write(next)) {
          req.once('drain', () => setTimeout(writeMore, pace));
          return;
        }
        if (pace > 0) {
          setTimeout(writeMore, pace);
          return;
        }
      }
    };
    writeMore();
  });
}

beforeAll(async () => {
  home = realHome();
  const spun = await home.run('spin', 'slack', '--seed', 'acme-corp', '--json');
  expect(spun.exitCode, spun.stderr).toBe(0);
  slack = spun.json();
  const spunStripe = await home.run('spin', 'stripe', '--json');
  expect(spunStripe.exitCode, spunStripe.stderr).toBe(0);
  stripe = spunStripe.json();
  bot = new WebClient(slack.tokens.botToken, {
    slackApiUrl: slack.endpoints.api,
    retryConfig: { retries: 0 },
    timeout: 120_000,
  });
  const docker = new Docker();
  const [found] = await docker.listContainers({
    filters: {
      label: [`${LABEL.home}=${home.id}`, `${LABEL.clone}=${slack.id}`, `${LABEL.service}=backend`],
    },
  });
  if (!found) throw new Error('no backend container for the Slack clone');
  backend = docker.getContainer(found.Id);
  before = await backend.inspect();
  idleBytes = ((await backend.stats({ stream: false })) as unknown as MemoryStats).memory_stats.usage ?? 0;
});

afterAll(async () => {
  await home?.destroyAll();
});

describe('20 MB files on a spun Slack clone', () => {
  it('round-trips 20 MB files, three downloads beside three uploads, without the backend dying', async () => {
    // The limit this is about: the backend runs capped, as users get it.
    expect(before.HostConfig.Memory).toBe(256 * MB);
    const first = randomBytes(CAP);
    const firstId = await upload(first, 'first.bin');
    const firstUrl = await privateUrl(firstId);

    const others = [randomBytes(CAP), randomBytes(CAP), randomBytes(CAP)];
    const [downloads, uploaded] = await Promise.all([
      Promise.all([1, 2, 3].map(() => downloadHash(firstUrl, slack.tokens.userToken))),
      Promise.all(others.map((bytes, i) => upload(bytes, `other-${i}.bin`))),
    ]);
    for (const download of downloads) {
      expect(download).toEqual({ status: 200, hash: sha256(first), bytes: CAP });
    }
    // Each concurrent upload stored exactly its own bytes.
    const again = await Promise.all(
      uploaded.map(async (id) => downloadHash(await privateUrl(id), slack.tokens.userToken)),
    );
    expect(again.map((d) => d.hash)).toEqual(others.map(sha256));

    const after = await backend.inspect();
    expect(after.State).toMatchObject({ Running: true, OOMKilled: false, Restarting: false });
    expect(after.RestartCount).toBe(0);
    expect(after.State.StartedAt).toBe(before.State.StartedAt);
    expect((await bot.auth.test()).ok).toBe(true);

    // Cgroup v1 keeps the container's high-water mark; v2 engines may not report it.
    const stats = (await backend.stats({ stream: false })) as unknown as MemoryStats;
    const peak = stats.memory_stats.max_usage ?? stats.memory_stats.usage ?? 0;
    console.log(
      `slack backend memory: idle ${(idleBytes / MB).toFixed(1)} MiB, peak ${(peak / MB).toFixed(1)} MiB of ${((stats.memory_stats.limit ?? 0) / MB).toFixed(0)} MiB (4 x 20 MB uploads, 6 x 20 MB downloads)`,
    );
    expect(peak).toBeLessThan(256 * MB);
  });

  it("refuses over-cap uploads with Slack's error before reading them", async () => {
    // The SDK asks for an upload URL first: the declared length is refused there.
    const tooBig = Buffer.alloc(CAP + MB, 0x62);
    await expect(bot.filesUploadV2({ file: tooBig, filename: 'big.bin' })).rejects.toMatchObject({
      data: { ok: false, error: 'file_upload_size_restricted' },
    });

    // A client posting more than the cap to an upload URL is answered long before it has
    // sent the cap's worth of its body.
    const pending = await bot.files.getUploadURLExternal({ filename: 'cap.bin', length: CAP });
    const declared = await postCounting(pending.upload_url as string, CAP + MB, { paceMs: 10 });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toEqual({ ok: false, error: 'file_upload_size_restricted' });
    expect(declared.writtenAtAnswer).toBeLessThan(CAP / 2);

    // A chunked body (no declared length) is stopped once it grows past the cap.
    const chunks = 21;
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled++ >= chunks) controller.close();
        else controller.enqueue(new Uint8Array(MB));
      },
    });
    const chunked = await fetch(
      pending.upload_url as string,
      {
        method: 'POST',
        body: stream,
        duplex: 'half',
      } as RequestInit,
    );
    expect(chunked.status).toBe(413);
    expect(await chunked.json()).toEqual({ ok: false, error: 'file_upload_size_restricted' });

    // Nothing of the refused bodies was kept: the file is still waiting for its bytes.
    await expect(
      bot.files.completeUploadExternal({ files: [{ id: pending.file_id as string }] }),
    ).rejects.toMatchObject({ data: { error: 'file_not_found' } });
    expect((await bot.auth.test()).ok).toBe(true);
  });

  it('answers a 21 MB body with a readable 413 in the vendor shape, through fetch and node:http', async () => {
    const huge = Buffer.alloc(21 * MB, 0x61);
    for (let round = 0; round < 3; round++) {
      const slackAnswer = await fetch(`${slack.endpoints.api}chat.postMessage`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${slack.tokens.botToken}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: huge,
      });
      expect(slackAnswer.status).toBe(413);
      expect(await slackAnswer.json()).toEqual({ ok: false, error: 'request_too_large' });

      const stripeAnswer = await fetch(`${new URL(stripe.endpoints.api).origin}/v1/customers`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${stripe.tokens.secretKey}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: huge,
      });
      expect(stripeAnswer.status).toBe(413);
      expect((await stripeAnswer.json()).error).toMatchObject({ type: 'invalid_request_error' });

      const slackHttp = await postCounting(`${slack.endpoints.api}chat.postMessage`, 21 * MB, {
        headers: {
          authorization: `Bearer ${slack.tokens.botToken}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
      });
      expect(slackHttp.status).toBe(413);
      expect(JSON.parse(slackHttp.body)).toEqual({ ok: false, error: 'request_too_large' });
      const stripeHttp = await postCounting(`${new URL(stripe.endpoints.api).origin}/v1/customers`, 21 * MB, {
        headers: {
          authorization: `Bearer ${stripe.tokens.secretKey}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
      });
      expect(stripeHttp.status).toBe(413);
      expect(JSON.parse(stripeHttp.body).error).toMatchObject({ type: 'invalid_request_error' });
    }
    expect((await bot.auth.test()).ok).toBe(true);
  });

  it('answers a 21 MB body to other routes (unknown, unauthenticated) in the vendor shape too', async () => {
    const huge = Buffer.alloc(21 * MB, 0x61);
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const stripeOrigin = new URL(stripe.endpoints.api).origin;
    const routes: Array<{ url: string; headers: Record<string, string>; vendor: 'slack' | 'stripe' }> = [
      {
        url: `${slack.endpoints.api}nope.method`,
        headers: { ...form, authorization: `Bearer ${slack.tokens.botToken}` },
        vendor: 'slack',
      },
      { url: `${slack.endpoints.api}chat.postMessage`, headers: form, vendor: 'slack' },
      {
        url: `${slack.endpoints.api}files.upload`,
        headers: {
          'content-type': 'multipart/form-data; boundary=b',
          authorization: `Bearer ${slack.tokens.botToken}`,
        },
        vendor: 'slack',
      },
      {
        url: `${stripeOrigin}/v1/nope`,
        headers: { ...form, authorization: `Bearer ${stripe.tokens.secretKey}` },
        vendor: 'stripe',
      },
      {
        url: `${stripeOrigin}/v1/customers`,
        headers: { ...form, authorization: 'Bearer sk_test_wrong' },
        vendor: 'stripe',
      },
      { url: `${stripeOrigin}/v1/customers`, headers: form, vendor: 'stripe' },
    ];
    for (const route of routes) {
      const answer = await fetch(route.url, { method: 'POST', headers: route.headers, body: huge });
      expect(answer.status, route.url).toBeLessThan(500);
      const body = await answer.json();
      if (route.vendor === 'slack')
        expect(body, route.url).toMatchObject({ ok: false, error: expect.any(String) });
      else
        expect(body.error, route.url).toMatchObject({
          type: expect.any(String),
          message: expect.any(String),
        });
    }
    expect((await bot.auth.test()).ok).toBe(true);
  });
});
