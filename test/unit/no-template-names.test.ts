import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT, TEMPLATES_DIR } from '../../src/paths.js';

/** Every file under `dir`, recursively. */
function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

describe('src/ names no template', () => {
  it('has no template name anywhere in src/ (code, help texts and comments): capabilities live in manifests', () => {
    const names = readdirSync(TEMPLATES_DIR, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('_'))
      .map((entry) => entry.name);
    expect(names.length).toBeGreaterThan(0);
    const pattern = new RegExp(`\\b(${names.join('|')})`, 'i');
    const hits: string[] = [];
    for (const file of files(join(PROJECT_ROOT, 'src'))) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, index) => {
          if (pattern.test(line)) hits.push(`${relative(PROJECT_ROOT, file)}:${index + 1}: ${line.trim()}`);
        });
    }
    expect(hits).toEqual([]);
  });
});
