/**
 * The in-memory peer issue #17 measures us against: vercel-labs/emulate (npm `emulate`,
 * Apache-2.0, a devDependency pinned to 0.11.2, the last release that runs on Node 20),
 * Slack and Stripe in one Node process with no database. `startPeer` runs it the way a
 * clone's backend runs: in the project's node image, as the same user, behind published
 * 127.0.0.1 ports, so the two sides pay the same container and port costs and only the
 * work differs (it gets more memory, see below). No webhook or event subscription is configured, so
 * it sends nothing anywhere.
 *
 * The peer counts requests per token and answers 403 after 5,000 an hour, with no switch
 * to turn that off. The bench configures a pool of tokens for its admin user and rotates
 * them (`withTokens`), one per request; our side is given the same rotation over its one
 * token, so the load generator does the same work for both.
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { pathPids, runLikeABackend, untilAnswering } from './floor-lib.js';
import type { LoadRequest } from './load.js';

export const PEER = 'emulate 0.11.2';

/** 2,000 tokens x 5,000 requests an hour each: more than a bench run sends. */
const TOKENS = Array.from({ length: 2000 }, (_, i) => `bench_${String(i).padStart(4, '0')}`);

export interface PeerService {
  origin: string;
  /** Host PIDs serving it: the peer's node process and this port's docker-proxy. */
  pids(): Promise<number[]>;
}

export interface Peer {
  slack: PeerService;
  stripe: PeerService;
  tokens: string[];
  /** The Slack channel its admin user is in (the peer's default seed). */
  channel: string;
  stop(): Promise<void>;
}

export async function startPeer(): Promise<Peer> {
  const nodeModules = fileURLToPath(new URL('../node_modules', import.meta.url));
  const config = mkdtempSync(join(tmpdir(), 'asym-peer-'));
  writeFileSync(
    join(config, 'seed.yaml'),
    `tokens:\n${TOKENS.map((token) => `  ${token}:\n    login: admin\n`).join('')}`,
    { mode: 0o644 },
  );
  chmodSync(config, 0o755); // the container's user (app) reads it through a bind mount
  const name = `asym-bench-peer-${process.pid}-${Date.now()}`;
  const stop = async () => {
    await execa('docker', ['rm', '--force', name], { reject: false });
  };
  try {
    // Services take consecutive ports in the order --service names them.
    const [slackPort = 0, stripePort = 0] = await runLikeABackend(name, {
      ports: [4000, 4001],
      // Everything the peer is told lives in its heap: at a backend's 256 MiB it was killed
      // after about 340,000 keyed creates, before a run ends. It gets 1 GiB, more than a
      // clone's backend and Postgres together (256 MiB each).
      memory: '1g',
      volumes: [`${nodeModules}:/peer/node_modules:ro`, `${config}:/config:ro`],
      command: [
        'node',
        '/peer/node_modules/emulate/dist/index.js',
        'start',
        '--service',
        'slack,stripe',
        '--port',
        '4000',
        '--seed',
        '/config/seed.yaml',
      ],
    });
    const auth = { authorization: `Bearer ${TOKENS[0]}` };
    const slack = `http://127.0.0.1:${slackPort}`;
    const stripe = `http://127.0.0.1:${stripePort}`;
    await untilAnswering(`${slack}/api/auth.test`, { method: 'POST', headers: auth });
    await untilAnswering(`${stripe}/v1/customers?limit=1`, { headers: auth });
    return {
      slack: { origin: slack, pids: () => pathPids([name], slackPort) },
      stripe: { origin: stripe, pids: () => pathPids([name], stripePort) },
      tokens: TOKENS,
      channel: 'C000000001',
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** `request` with its bearer token taken in turn from `tokens`, one per request. */
export function withTokens(request: LoadRequest, tokens: string[]): LoadRequest {
  let next = 0;
  const inner = request.setupRequest;
  return {
    ...request,
    setupRequest: (sent) => {
      const shaped = inner ? inner(sent) : sent;
      const token = tokens[next++ % tokens.length]!;
      return { ...shaped, headers: { ...shaped.headers, authorization: `Bearer ${token}` } };
    },
  };
}
