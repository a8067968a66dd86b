/**
 * Loaded into every Node process under `asymmetric run` (NODE_OPTIONS=--require), built to
 * dist/cli/run-preload.cjs with its dependencies inlined. Node 20 has no NODE_USE_ENV_PROXY,
 * and SDKs bring their own agents (some vendor SDKs make a keep-alive https.Agent), so
 * honouring HTTPS_PROXY is not enough: this sends global fetch through the proxy (undici's
 * ProxyAgent, NO_PROXY honoured) and gives every http/https request the
 * proxy's agent, whatever agent the caller chose. Requests to loopback and unix sockets go
 * direct: those are the clones' own ports and the Docker socket.
 */
import http from 'node:http';
import https from 'node:https';
import { syncBuiltinESMExports } from 'node:module';
import { HttpsProxyAgent } from 'https-proxy-agent';
import type { Dispatcher } from 'undici';

const proxyUrl = process.env.ASYM_RUN_PROXY;

/** NO_PROXY as curl reads it: `*`, exact hosts, or domain suffixes (`.example.com`, `example.com`); no ports. */
export function isDirect(host: string, noProxy: string): boolean {
  const name = host.replace(/^\[|\]$/g, '').toLowerCase();
  const entries = noProxy
    .split(',')
    .map((entry) =>
      entry
        .trim()
        .toLowerCase()
        .replace(/^\[|\]$/g, ''),
    )
    .filter(Boolean);
  return entries.some((entry) => {
    if (entry === '*') return true;
    const domain = entry.replace(/^\*?\./, '');
    return name === domain || name.endsWith(`.${domain}`);
  });
}

export type RequestArgs = [unknown, unknown?, unknown?];

const noProxy = () => process.env.NO_PROXY ?? process.env.no_proxy ?? '';

/** Puts `agent` into a request's options, for each form http.request takes. */
export function withAgent(args: RequestArgs, agent: http.Agent, noProxy: string): RequestArgs {
  const [first, second, third] = args;
  const isTarget = typeof first === 'string' || first instanceof URL;
  const options = (isTarget ? (typeof second === 'object' && second !== null ? second : {}) : first) as
    | (http.RequestOptions & { socketPath?: string })
    | undefined;
  if (!options || typeof options !== 'object') return args;
  if (options.socketPath || options.createConnection) return args;
  const host = options.hostname ?? options.host ?? (isTarget ? new URL(String(first)).hostname : 'localhost');
  if (isDirect(String(host), noProxy)) return args;
  const patched = { ...options, agent };
  if (!isTarget) return [patched, second, third];
  return typeof second === 'function' ? [first, patched, second] : [first, patched, third];
}

function patch(module: typeof http | typeof https, agent: http.Agent): void {
  const { request, get } = module;
  const target = module as unknown as Record<string, unknown>;
  target.request = (...args: RequestArgs) =>
    (request as (...a: unknown[]) => http.ClientRequest)(...withAgent(args, agent, noProxy()));
  // https.get calls the module's own request, not the export: patch it too.
  target.get = (...args: RequestArgs) =>
    (get as (...a: unknown[]) => http.ClientRequest)(...withAgent(args, agent, noProxy()));
}

/**
 * fetch's dispatcher: the proxy, or direct for NO_PROXY hosts. (undici's EnvHttpProxyAgent
 * does the same but warns on stderr that it is experimental, into the user's output.)
 * undici is loaded on first use: most Node processes never fetch, and loading it costs
 * tens of milliseconds in each.
 */
function createDispatcher(uri: string): Dispatcher {
  const { Agent, ProxyAgent } = require('undici') as typeof import('undici');
  class ProxyOrDirect extends Agent {
    readonly #proxy = new ProxyAgent(uri);
    override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandlers): boolean {
      const origin = new URL(String(options.origin));
      return isDirect(origin.hostname, noProxy())
        ? super.dispatch(options, handler)
        : this.#proxy.dispatch(options, handler);
    }
  }
  return new ProxyOrDirect();
}

/**
 * Node's fetch reads its dispatcher from this global slot (shared by every undici 6), so a
 * getter there builds ours on the first fetch. Configurable, so a program's own
 * setGlobalDispatcher still wins.
 */
const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

function installLazyDispatcher(uri: string): void {
  const slot = globalThis as unknown as Record<symbol, Dispatcher | undefined>;
  const settle = (value: Dispatcher | undefined) =>
    Object.defineProperty(globalThis, GLOBAL_DISPATCHER, { value, writable: true, configurable: true });
  Object.defineProperty(globalThis, GLOBAL_DISPATCHER, {
    configurable: true,
    enumerable: false,
    get: () => {
      // A plain slot first: loading undici reads it (and fills it with a default Agent).
      settle(undefined);
      const dispatcher = createDispatcher(uri);
      slot[GLOBAL_DISPATCHER] = dispatcher;
      return dispatcher;
    },
    set: settle,
  });
}

if (proxyUrl) {
  // The bundled undici of Node 20/22 is 6.x and shares the global dispatcher slot with this
  // one; a newer Node honours NODE_USE_ENV_PROXY (set by `run`) for fetch on its own.
  if (process.versions.undici?.startsWith('6.')) installLazyDispatcher(proxyUrl);
  const agent = new HttpsProxyAgent(proxyUrl, { keepAlive: true });
  patch(http, agent);
  patch(https, agent);
  // ES modules importing `{ request } from 'node:https'` see the patched functions too.
  syncBuiltinESMExports();
}
