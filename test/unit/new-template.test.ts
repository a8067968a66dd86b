import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEMPLATES_DIR } from '../../src/paths.js';
import { loadTemplates } from '../../src/templates/catalog.js';

describe('scripts/new-template.mjs', () => {
  it('copies the scaffold under a new name that the catalog loads, and refuses a bad or taken name', async () => {
    // @ts-expect-error: a plain ES module script, without types
    const { newTemplate } = (await import('../../scripts/new-template.mjs')) as {
      newTemplate: (name: string, dir?: string) => string;
    };
    const dir = mkdtempSync(join(tmpdir(), 'asym-new-template-'));
    const target = newTemplate('notes', dir);
    const [template] = loadTemplates(dir);
    expect(template?.name).toBe('notes');
    expect(template?.run?.env).toEqual({ NOTES_API_KEY: 'tokens.apiKey', NOTES_API_URL: 'endpoints.api' });
    const app = readFileSync(join(target, 'backend', 'app.ts'), 'utf8');
    expect(app).toContain('export function createNotesApp(');
    expect(app).not.toMatch(/example/i);
    expect(() => newTemplate('notes', dir)).toThrow(/exists already/);
    expect(() => newTemplate('Bad-Name', dir)).toThrow(/lowercase/);
    // The scaffold itself is not offered to users.
    expect(loadTemplates(TEMPLATES_DIR).map((t) => t.name)).not.toContain('example');
  });
});
