import { createRequire } from 'node:module';
import { type Config, type Home, loadConfig, resolveHome } from '../home.js';
import type { BuiltImage } from '../images/image-builder.js';
import { type Reporter, silentReporter } from '../log.js';
import { RegistryStore } from '../registry/store.js';
import type { ContainerRuntime } from '../runtime/types.js';
import { type PausePoint, pausePoints } from './pause-points.js';

/** Makes sure the named project images exist (building what changed) and names them. */
export type ImageProvider = (names: string[]) => Promise<Map<string, BuiltImage>>;

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
  images: ImageProvider;
  reporter: Reporter;
  now(): Date;
  randomHex(bytes: number): string;
  /** A named point between two steps of a long operation (a test hook, inert by default). */
  checkpoint: PausePoint;
}

export interface ContextOptions {
  env?: NodeJS.ProcessEnv;
  runtime?: ContainerRuntime;
  /** Tests hand in images that already exist instead of building them. */
  images?: ImageProvider;
  reporter?: Reporter;
  now?: () => Date;
}

const lazyRequire = createRequire(import.meta.url);

export function createContext(options: ContextOptions = {}): AppContext {
  const home = resolveHome(options.env);
  let runtime: Promise<ContainerRuntime> | undefined = options.runtime
    ? Promise.resolve(options.runtime)
    : undefined;
  const reporter = options.reporter ?? silentReporter;
  const getRuntime = () => {
    runtime ??= import('../runtime/docker-runtime.js').then(({ DockerRuntime }) => new DockerRuntime());
    return runtime;
  };
  // One builder per command, so an image two clones share is resolved once.
  let builder: Promise<{ ensure: ImageProvider }> | undefined;
  return {
    home,
    config: loadConfig(home),
    store: new RegistryStore(home.registryPath),
    runtime: getRuntime,
    images:
      options.images ??
      (async (names) => {
        builder ??= Promise.all([import('../images/image-builder.js'), getRuntime()]).then(
          ([{ ImageBuilder }, rt]) => new ImageBuilder(rt, reporter),
        );
        return (await builder).ensure(names);
      }),
    reporter,
    now: options.now ?? (() => new Date()),
    // node:crypto on first use only (see resolveHome).
    randomHex: (bytes) =>
      (lazyRequire('node:crypto') as typeof import('node:crypto')).randomBytes(bytes).toString('hex'),
    checkpoint: pausePoints(options.env ?? process.env, process.stderr),
  };
}
