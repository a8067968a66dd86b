import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebClient } from '@slack/web-api';
import { build } from 'esbuild';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../templates/_shared/crypto.js';
import { type CloneInfra, startCloneInfra } from '../support/clone-db.js';

/**
 * The servers as they ship: each entry bundled by esbuild into one ESM file (the flags the
 * image build uses) and run with node and the container's environment variables.
 */
const templates = fileURLToPath(new URL('../../templates/', import.meta.url));

let infra: CloneInfra;
let outDir: string;
const children: ChildProcess[] = [];

async function bundle(entry: string, name: string): Promise<string> {
  const outfile = join(outDir, `${name}.mjs`);
  await build({
    entryPoints: [join(templates, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'silent',
    external: ['pg-native'],
    banner: {
      js: "import { createRequire as __asymRequire } from 'node:module'; const require = __asymRequire(import.meta.url);",
    },
  });
  return outfile;
}

interface Running {
  child: ChildProcess;
  output: () => string;
  port: Promise<number>;
  exited: Promise<number | null>;
}

function run(file: string, env: Record<string, string>): Running {
  const child = spawn(process.execPath, [file], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: 'pipe',
  });
  children.push(child);
  let output = '';
  const port = new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on :(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', () => reject(new Error(`exited before listening: ${output}`)));
  });
  port.catch(() => undefined);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, port, exited };
}

async function waitForHealth(url: string, deadlineMs = 30_000): Promise<void> {
  const started = Date.now();
  let last = '';
  while (Date.now() - started < deadlineMs) {
    try {
      const response = await fetch(url);
      if (response.status === 200) return;
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${url} not healthy after ${deadlineMs} ms (last: ${last})`);
}

const backendEnv = async (template: string, database: string, adminToken: string) => ({
  PORT: '0',
  ASYM_CLONE_ID: database,
  DATABASE_URL: await infra.createDatabase(database),
  REDIS_URL: infra.redisUrl,
  REDIS_PREFIX: `${database}:`,
  ASYM_ADMIN_TOKEN_SHA256: sha256Hex(adminToken),
  ASYM_SEED_FIXTURE: 'acme-corp',
  ASYM_MIGRATIONS_DIR: join(templates, template, 'migrations'),
});

async function mint(port: number, adminToken: string) {
  const response = await fetch(`http://127.0.0.1:${port}/_asym/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}` },
  });
  return response.json();
}

async function stop(running: Running): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  running.child.kill('SIGTERM');
  const code = await running.exited;
  return { code, ms: Date.now() - started };
}

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'asym-bundles-'));
  infra = await startCloneInfra();
}, 180_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await infra?.stop();
  await rm(outDir, { recursive: true, force: true });
});

describe('bundled servers', () => {
  it('the Slack backend and frontend bundles start, serve, and stop on SIGTERM', async () => {
    const adminToken = randomBytes(16).toString('hex');
    const frontendSecret = randomBytes(16).toString('hex');
    const backend = run(await bundle('slack/backend/main.ts', 'slack-backend'), {
      ...(await backendEnv('slack', 'bundle_slack', adminToken)),
      ASYM_FRONTEND_SECRET_SHA256: sha256Hex(frontendSecret),
    });
    const port = await backend.port;
    await waitForHealth(`http://127.0.0.1:${port}/_asym/health`);
    expect(backend.output()).toMatch(/migrations: \d+ applied/);
    expect(backend.output()).toMatch(/seeded acme-corp: \d+ rows/);
    expect(backend.output()).toMatch(/\bready\b/);

    const tokens = (await mint(port, adminToken)) as { botToken: string };
    const web = new WebClient(tokens.botToken, {
      slackApiUrl: `http://127.0.0.1:${port}/api/`,
      retryConfig: { retries: 0 },
    });
    expect((await web.auth.test()).team).toBe('Acme Corp');

    const frontend = run(await bundle('slack/frontend/main.ts', 'slack-frontend'), {
      PORT: '0',
      BACKEND_URL: `http://127.0.0.1:${port}`,
      ASYM_FRONTEND_SECRET: frontendSecret,
      ASYM_CLONE_ID: 'bundle_slack',
      ASYM_STATIC_DIR: join(templates, 'slack/frontend/public'),
    });
    const webPort = await frontend.port;
    await waitForHealth(`http://127.0.0.1:${webPort}/healthz`);
    expect(await (await fetch(`http://127.0.0.1:${webPort}/`)).text()).toContain('<title>');
    expect(await (await fetch(`http://127.0.0.1:${webPort}/_asym/workspace`)).json()).toMatchObject({
      name: 'Acme Corp',
    });
    // Sign-in works through the frontend (it adds the secret), and not on the backend's port.
    const signIn = (origin: string) =>
      fetch(`${origin}/_asym/web/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'dana@acme.test', password: 'password123' }),
      });
    expect((await signIn(`http://127.0.0.1:${webPort}`)).status).toBe(200);
    expect((await signIn(`http://127.0.0.1:${port}`)).status).toBe(404);

    const frontendStop = await stop(frontend);
    expect(frontendStop.code).toBe(0);
    const backendStop = await stop(backend);
    expect(backendStop.code).toBe(0);
    expect(backendStop.ms).toBeLessThan(2_500);
    expect(backend.output()).toMatch(/stopping \(SIGTERM\)/);
  }, 60_000);

  it('a restarted backend keeps its data instead of reseeding', async () => {
    const adminToken = randomBytes(16).toString('hex');
    const env = await backendEnv('stripe', 'bundle_restart', adminToken);
    const file = await bundle('stripe/backend/main.ts', 'stripe-backend');
    const first = run(file, env);
    const port = await first.port;
    await waitForHealth(`http://127.0.0.1:${port}/_asym/health`);
    const { secretKey } = (await mint(port, adminToken)) as { secretKey: string };
    const stripe = new Stripe(secretKey, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0 });
    const customer = await stripe.customers.create({ name: 'Survivor' });
    expect((await stop(first)).code).toBe(0);

    const second = run(file, env);
    const port2 = await second.port;
    await waitForHealth(`http://127.0.0.1:${port2}/_asym/health`);
    expect(second.output()).toMatch(/seed from an earlier boot kept \(acme-corp/);
    const again = new Stripe(secretKey, {
      host: '127.0.0.1',
      port: port2,
      protocol: 'http',
      maxNetworkRetries: 0,
    });
    expect((await again.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({
      name: 'Survivor',
    });
    const reset = await fetch(`http://127.0.0.1:${port2}/_asym/reset`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(reset.status).toBe(200);
    await expect(again.customers.retrieve(customer.id)).rejects.toMatchObject({ statusCode: 404 });
    expect((await stop(second)).code).toBe(0);
  }, 60_000);

  it('answers 503 with its stage while Postgres is unreachable, and still stops promptly', async () => {
    const adminToken = randomBytes(16).toString('hex');
    const env = {
      ...(await backendEnv('slack', 'bundle_waiting', adminToken)),
      // Nothing listens on port 9 (discard): the backend keeps retrying.
      DATABASE_URL: 'postgres://asym@127.0.0.1:9/clone',
    };
    const waiting = run(await bundle('slack/backend/main.ts', 'slack-backend-waiting'), env);
    const port = await waiting.port;
    const health = await fetch(`http://127.0.0.1:${port}/_asym/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ ok: false, ready: false, stage: 'connecting' });
    const api = await fetch(`http://127.0.0.1:${port}/api/auth.test`, { method: 'POST' });
    expect(api.status).toBe(503);
    expect(await api.json()).toEqual({ ok: false, error: 'service_unavailable' });
    const stopped = await stop(waiting);
    expect(stopped.code).toBe(0);
    expect(stopped.ms).toBeLessThan(2_500);
  }, 30_000);

  it('refuses to start with an invalid environment, naming every problem', async () => {
    const broken = run(await bundle('stripe/backend/main.ts', 'stripe-backend-broken'), {
      REDIS_URL: infra.redisUrl,
      ASYM_ADMIN_TOKEN_SHA256: 'not-hex',
    });
    expect(await broken.exited).toBe(1);
    expect(broken.output()).toMatch(/DATABASE_URL/);
    expect(broken.output()).toMatch(/REDIS_PREFIX/);
    expect(broken.output()).toMatch(/ASYM_ADMIN_TOKEN_SHA256: must be 64 hex/);
  }, 30_000);
});
