import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * A digest of everything an image is built from: the files (path and content, in a
 * stable order) plus extra inputs such as the parent image id. An image is rebuilt only
 * when this changes.
 */
export function hashSources(paths: string[], extra: string[] = [], root = '/'): string {
  const hash = createHash('sha256');
  for (const item of extra) hash.update(`extra:${item}\0`);
  for (const file of paths.flatMap((p) => listFiles(p)).sort()) {
    hash.update(`file:${relative(root, file)}\0`);
    hash.update(readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex');
}

function listFiles(path: string): string[] {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return [];
  if (stat.isFile()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .filter((entry) => entry.name !== 'node_modules' && !entry.name.startsWith('.'))
    .flatMap((entry) => listFiles(join(path, entry.name)));
}
