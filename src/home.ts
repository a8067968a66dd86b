import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { AsymError, homeAccessError } from './errors.js';
import { field, integerIn, object, onlyKeys, type Reader, ShapeError } from './registry/shape.js';

/**
 * Where one user's state lives (`~/.asymmetric`, or `ASYM_HOME`). A home is also an
 * isolation boundary on the Docker engine: every object carries the home's id as a label,
 * so two homes on one engine never see each other's containers.
 */
export interface Home {
  dir: string;
  /** Short stable id of the home, used in labels and object names. */
  id: string;
  registryPath: string;
  configPath: string;
  cacheDir: string;
}

const lazyRequire = createRequire(import.meta.url);

export function resolveHome(env: NodeJS.ProcessEnv = process.env): Home {
  const dir = resolve(env.ASYM_HOME ?? join(homedir(), '.asymmetric'));
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw homeAccessError(error, dir, 'write') ?? error;
  }
  let id: string | undefined;
  return {
    dir,
    // Computed on first use: node:crypto is a module `reset`, which never labels anything,
    // would otherwise load at every start.
    get id() {
      id ??= (lazyRequire('node:crypto') as typeof import('node:crypto'))
        .createHash('sha256')
        .update(dir)
        .digest('hex')
        .slice(0, 10);
      return id;
    },
    registryPath: join(dir, 'registry.json'),
    configPath: join(dir, 'config.json'),
    cacheDir: join(dir, 'cache'),
  };
}

export interface Config {
  portRange: { from: number; to: number };
}

const PORT = integerIn(1024, 65535);

/** config.json: a strict object (an unknown key is a mistake worth naming), checked by hand like the registry. */
const readConfig: Reader<Config> = (value, path) => {
  const o = object(value, path);
  onlyKeys(o, ['portRange'], path);
  const readRange: Reader<Config['portRange']> = (range, at) => {
    const r = object(range, at);
    onlyKeys(r, ['from', 'to'], at);
    const from = field(r, 'from', at, PORT);
    const to = field(r, 'to', at, PORT);
    if (from > to) throw new ShapeError(at, '"from" must not be greater than "to"');
    return { from, to };
  };
  return { portRange: field(o, 'portRange', path, readRange, { from: 3000, to: 3999 }) };
};

export function loadConfig(home: Home): Config {
  let raw: unknown = {};
  try {
    raw = JSON.parse(readFileSync(home.configPath, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new AsymError('CONFIG_INVALID', `${home.configPath} is not valid JSON.`, {
        hint: 'Fix the file or delete it to use the defaults.',
      });
    }
  }
  try {
    return readConfig(raw, []);
  } catch (error) {
    if (!(error instanceof ShapeError)) throw error;
    throw new AsymError('CONFIG_INVALID', `${home.configPath} is invalid: ${error.describe('(root)')}.`, {
      hint: 'Expected { "portRange": { "from": 3000, "to": 3999 } }.',
    });
  }
}
