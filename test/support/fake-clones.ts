import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runCli } from '../../src/cli/program.js';
import type { BuiltImage } from '../../src/images/image-builder.js';
import { FakeRuntime } from '../../src/runtime/fake-runtime.js';
import { LABEL } from '../../src/runtime/labels.js';
import type { ContainerSpec } from '../../src/runtime/types.js';

/**
 * The fast tier's stand-in for the Docker engine and the clone servers: a FakeRuntime whose
 * backend and frontend containers, when started, really listen on their published host
 * ports and answer the admin API (health, tokens, reset, seed) like templates/README.md
 * says, so the CLI runs its real HTTP paths without Docker.
 */
export class FakeClones {
  readonly runtime = new FakeRuntime();
  readonly servers = new Map<string, Server>();
  /** Templates whose backend "crashes" on start (to test rollback and partial environments). */
  readonly crashing = new Set<string>();
  readonly resets: string[] = [];
  /** Open `GET /_asym/deliveries/stream` responses, by clone id (what `listen` reads). */
  readonly streams = new Map<string, Set<ServerResponse>>();

  /** Plays a delivery the clone made: every open stream of the clone gets it. */
  deliver(
    cloneId: string,
    delivery: { id: string; type: string; body: string; headers: Record<string, string> },
  ) {
    for (const res of this.streams.get(cloneId) ?? []) {
      res.write(`event: delivery\ndata: ${JSON.stringify(delivery)}\n\n`);
    }
  }

  /** `POST /_asym/act/<action>` bodies the fake clones received, by clone id. */
  readonly acts: Array<{ cloneId: string; action: string; body: unknown }> = [];

  /** What a clone's backend answers on its health route (default 200 ready). */
  readonly health = new Map<string, { status: number; body: unknown }>();

  constructor() {
    this.runtime.onStart = (container, spec) => this.started(container.id, spec);
    this.runtime.onStop = (container) => {
      this.servers.get(container.id)?.close();
      this.servers.delete(container.id);
    };
  }

  /** Every image a clone could need, as if already built. */
  images = async (names: string[]): Promise<Map<string, BuiltImage>> => {
    const result = new Map<string, BuiltImage>();
    for (const name of names) {
      const tag = `asymmetric/${name}:fake`;
      const image = (await this.runtime.inspectImage(tag)) ?? this.runtime.addImage(tag);
      result.set(name, { name, tag, digest: image.id });
    }
    return result;
  };

  private started(id: string, spec: ContainerSpec): void {
    const service = spec.labels[LABEL.service];
    const template = spec.labels[LABEL.template] ?? '';
    const hostPort = spec.ports?.[0]?.hostPort;
    if (!hostPort || (service !== 'backend' && service !== 'frontend')) return;
    if (service === 'backend' && this.crashing.has(template)) {
      // The process exits at once: the container is seen as exited.
      const container = this.runtime.containers.get(id);
      if (container) container.status = 'exited';
      return;
    }
    const cloneId = spec.labels[LABEL.clone] ?? '';
    const server = createServer((req, res) => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.url === '/_asym/health') {
        const answer = this.health.get(cloneId) ?? { status: 200, body: { ok: true, ready: true } };
        return send(answer.status, answer.body);
      }
      if (req.url === '/healthz') return send(200, { ok: true, ready: true });
      if (req.url === '/_asym/reset') {
        this.resets.push(cloneId);
        return send(200, { ok: true, ms: 1 });
      }
      if (req.url === '/_asym/seed') return send(200, { ok: true, identity: {} });
      if (req.url?.startsWith('/_asym/act/')) {
        // A person action: acknowledged, unless the app "stalls" (user USTALL).
        let text = '';
        req.on('data', (chunk) => {
          text += String(chunk);
        });
        req.on('end', () => {
          const action = decodeURIComponent(req.url?.slice('/_asym/act/'.length) ?? '');
          const body = JSON.parse(text) as { params: Record<string, string> };
          this.acts.push({ cloneId, action, body });
          send(
            200,
            body.params.user === 'USTALL'
              ? { ok: true, action, acked: false, reason: 'timeout', detail: 'no answer within 3000 ms' }
              : { ok: true, action, acked: true, type: 'block_actions', trigger_id: '1.2.abc' },
          );
        });
        return;
      }
      if (req.url?.startsWith('/_asym/deliveries/stream')) {
        const events = (new URL(req.url, 'http://x').searchParams.get('events') ?? '')
          .split(',')
          .filter(Boolean);
        if (events.includes('nope')) {
          return send(400, { ok: false, error: { code: 'unknown_event', message: 'unknown event nope' } });
        }
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`event: ready\ndata: ${JSON.stringify({ secret: 'whsec_fake', events })}\n\n`);
        const open = this.streams.get(cloneId) ?? new Set<ServerResponse>();
        this.streams.set(cloneId, open);
        open.add(res);
        res.on('close', () => open.delete(res));
        return;
      }
      if (req.url === '/_asym/tokens') {
        const secret = randomBytes(8).toString('hex');
        return send(
          200,
          template === 'slack'
            ? { botToken: `xoxb-${secret}`, userToken: `xoxp-${secret}`, teamId: 'T0001' }
            : {
                secretKey: `sk_test_${secret}`,
                publishableKey: `pk_test_${secret}`,
                webhookSecret: `whsec_${secret}`,
              },
        );
      }
      return send(404, { ok: false });
    });
    server.listen(hostPort, '127.0.0.1');
    this.servers.set(id, server);
  }

  close(): void {
    for (const server of this.servers.values()) server.close();
    this.servers.clear();
  }
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read the CLI's JSON freely
  json(): any;
}

/** Runs the CLI in-process against the fake, in its own home. */
export async function cli(fake: FakeClones, home: string, ...argv: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk));
        done();
      },
    });
  const code = await runCli(argv, {
    stdout: sink((t) => {
      stdout += t;
    }),
    stderr: sink((t) => {
      stderr += t;
    }),
    env: { ...process.env, ASYM_HOME: home },
    runtime: fake.runtime,
    images: fake.images,
  });
  return { code, stdout, stderr, json: () => JSON.parse(stdout) };
}

let nextRange = 41000 + Math.floor(Math.random() * 40) * 100;

/** A fresh home with a port range of its own, so suites running side by side never collide. */
export function freshHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'asym-home-'));
  const from = nextRange;
  nextRange += 100;
  writeFileSync(join(home, 'config.json'), JSON.stringify({ portRange: { from, to: from + 99 } }));
  return home;
}
