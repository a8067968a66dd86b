import { randomBytes } from 'node:crypto';
import { type Config, type Home, loadConfig, resolveHome } from '../home.js';
import { type Reporter, silentReporter } from '../log.js';
import { RegistryStore } from '../registry/store.js';
import type { ContainerRuntime } from '../runtime/types.js';

/**
 * Everything a service needs, injected: the home and its registry, the container runtime,
 * where progress goes, and the clock and randomness (tests pin them).
 */
export interface AppContext {
  home: Home;
  config: Config;
  store: RegistryStore;
  /** Created on first use, so commands that never touch Docker never load dockerode. */
  runtime(): Promise<ContainerRuntime>;
  reporter: Reporter;
  now(): Date;
  randomHex(bytes: number): string;
}

export interface ContextOptions {
  env?: NodeJS.ProcessEnv;
  runtime?: ContainerRuntime;
  reporter?: Reporter;
  now?: () => Date;
}

export function createContext(options: ContextOptions = {}): AppContext {
  const home = resolveHome(options.env);
  let runtime: Promise<ContainerRuntime> | undefined = options.runtime
    ? Promise.resolve(options.runtime)
    : undefined;
  return {
    home,
    config: loadConfig(home),
    store: new RegistryStore(home.registryPath),
    runtime() {
      runtime ??= import('../runtime/docker-runtime.js').then(({ DockerRuntime }) => new DockerRuntime());
      return runtime;
    },
    reporter: options.reporter ?? silentReporter,
    now: options.now ?? (() => new Date()),
    randomHex: (bytes) => randomBytes(bytes).toString('hex'),
  };
}
