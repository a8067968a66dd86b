import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { AsymError } from '../errors.js';
import { PROJECT_ROOT } from '../paths.js';
import { getTemplate } from '../templates/catalog.js';
import { listClones } from './clone-service.js';
import type { AppContext } from './context.js';
import { loadRunCertificateAuthority } from './run-ca.js';
import { planRun, proxyVariables, type RunMember, type RunPlan } from './run-plan.js';
import { type ProxyEvent, startInterceptingProxy } from './run-proxy.js';

export interface RunTarget {
  /** What ASYM_ENVIRONMENT says: the environment, or a lone clone's environment or id. */
  environment: string;
  members: RunMember[];
}

/**
 * `<env-name|clone-id>` → the running clones it names, with their tokens. An environment
 * name wins over a clone id. Every member must be running and have tokens.
 */
export async function resolveRunTarget(ctx: AppContext, name: string): Promise<RunTarget> {
  const registry = await ctx.store.read();
  const environment = registry.environments[name];
  const clone = registry.clones[name];
  if (!environment && !clone) {
    const envs = Object.keys(registry.environments);
    const clones = Object.keys(registry.clones);
    throw new AsymError('ENVIRONMENT_NOT_FOUND', `There is no environment or clone "${name}".`, {
      hint:
        envs.length + clones.length > 0
          ? `Known: ${[...envs.map((e) => `environment ${e}`), ...clones.map((c) => `clone ${c}`)].join(', ')}.`
          : 'Create one with `asymmetric env spin environment.yaml` or `asymmetric spin <template>`.',
    });
  }
  const ids = environment ? environment.members : [name];
  const views = new Map((await listClones(ctx)).map((view) => [view.id, view]));
  const members = ids.map((id): RunMember => {
    const view = views.get(id);
    const record = registry.clones[id];
    if (!view || !record || view.state !== 'running') {
      throw new AsymError('CLONE_NOT_RUNNING', `Clone ${id} is ${view?.state ?? 'missing'}, not running.`, {
        hint: view ? `Start it with \`asymmetric start ${id}\`.` : 'See `asymmetric doctor`.',
      });
    }
    if (!record.tokens) {
      throw new AsymError('CLONE_NOT_RUNNING', `Clone ${id} has no tokens yet.`, {
        hint: `Mint them with \`asymmetric tokens ${id} --reprovision\`.`,
      });
    }
    return {
      id,
      template: view.template,
      origin: `http://127.0.0.1:${view.ports.backend}`,
      endpoints: { ...view.endpoints },
      tokens: record.tokens,
      run: getTemplate(view.template).run,
    };
  });
  if (members.length === 0) {
    throw new AsymError('CLONE_NOT_RUNNING', `Environment ${name} has no clones.`, {
      hint: 'Spin its clones with `asymmetric env spin <environment.yaml>`.',
    });
  }
  const lone = environment
    ? undefined
    : Object.values(registry.environments).find((e) => e.members.includes(name));
  return { environment: environment ? name : (lone?.name ?? name), members };
}

/** The Node preload, built next to the CLI (dist/cli/run-preload.cjs). */
function preloadPath(): string {
  const path = join(PROJECT_ROOT, 'dist', 'cli', 'run-preload.cjs');
  if (!existsSync(path)) throw new Error(`${path} is missing: build the CLI (npm run build)`);
  return path;
}

export interface RunIO {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Inherit the terminal (the real CLI) instead of piping into stdout/stderr (tests). */
  inherit: boolean;
}

const describe = (event: ProxyEvent): string => {
  switch (event.kind) {
    case 'intercepted':
      return `${event.method} https://${event.host}${event.path} → ${event.cloneId} (${event.status})`;
    case 'passed':
      return `${event.host}:${event.port} passed through`;
    case 'refused':
      return `${event.host}:${event.port} refused (--offline)`;
    case 'failed':
      return `${event.host}: ${event.message}`;
  }
};

/**
 * Runs `command` with the target's variables and the intercepting proxy, and returns its
 * exit code (128 + the signal number when a signal ended it, as shells report). The proxy
 * stops when the command does. `onChild` lets the caller forward signals.
 */
export async function runWithEnvironment(
  ctx: AppContext,
  io: RunIO,
  target: RunTarget,
  command: readonly string[],
  options: { offline: boolean; onChild?: (child: ChildProcess) => () => void },
): Promise<number> {
  const [file, ...args] = command;
  if (!file) {
    throw new AsymError('INVALID_ARGUMENT', 'Name the command to run after `--`.', {
      hint: 'For example: `asymmetric run <env> -- node agent.js`.',
    });
  }
  const plan: RunPlan = planRun(target.environment, target.members);
  const preload = preloadPath();
  const ca = await loadRunCertificateAuthority(ctx.home.dir, ctx.home.id, io.env);
  const debug = Boolean(io.env.ASYM_DEBUG);
  const proxy = await startInterceptingProxy({
    routes: plan.routes,
    ca,
    offline: options.offline,
    ...(debug ? { onEvent: (event) => io.stderr.write(`asym run: ${describe(event)}\n`) } : {}),
  });
  try {
    const env = {
      ...io.env,
      ...plan.variables,
      ...proxyVariables({
        proxyUrl: proxy.url,
        caPath: ca.caPath,
        bundlePath: ca.bundlePath,
        preloadPath: preload,
        nodeOptions: io.env.NODE_OPTIONS,
      }),
    };
    const child = spawn(file, args, { env, stdio: io.inherit ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
    if (!io.inherit) {
      child.stdout?.pipe(io.stdout, { end: false });
      child.stderr?.pipe(io.stderr, { end: false });
    }
    const release = options.onChild?.(child) ?? (() => {});
    try {
      return await new Promise<number>((resolve, reject) => {
        child.once('error', (error: NodeJS.ErrnoException) =>
          reject(
            error.code === 'ENOENT'
              ? new AsymError('COMMAND_NOT_FOUND', `There is no command "${file}" on the PATH.`, {
                  hint: 'Check the spelling, or give the path to the program.',
                })
              : error,
          ),
        );
        // 'close' waits for the piped output to drain; with inherited stdio it follows 'exit'.
        child.once('close', (code, signal) =>
          resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)),
        );
      });
    } finally {
      release();
    }
  } finally {
    await proxy.close();
  }
}
