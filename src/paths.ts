import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project's root folder (templates/ and docker/ live there). Found by walking up from
 * this file, so it works from the TypeScript sources (tests) and from dist/ alike.
 */
export const PROJECT_ROOT: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (
      existsSync(pkg) &&
      (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'asymmetric'
    ) {
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('asymmetric: cannot find the project root (package.json)');
    dir = parent;
  }
})();

export const TEMPLATES_DIR = join(PROJECT_ROOT, 'templates');
export const DOCKER_DIR = join(PROJECT_ROOT, 'docker');
