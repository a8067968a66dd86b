import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { AsymError, homeAccessError } from './errors.js';

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

const configSchema = z
  .object({
    portRange: z
      .object({ from: z.number().int().min(1024).max(65535), to: z.number().int().min(1024).max(65535) })
      .strict()
      .refine((r) => r.from <= r.to, { message: '"from" must not be greater than "to"' })
      .default({ from: 3000, to: 3999 }),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;

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
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new AsymError('CONFIG_INVALID', `${home.configPath} is invalid: ${problems}.`, {
      hint: 'Expected { "portRange": { "from": 3000, "to": 3999 } }.',
    });
  }
  return parsed.data;
}
