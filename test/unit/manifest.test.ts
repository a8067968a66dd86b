import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AsymError } from '../../src/errors.js';
import { TEMPLATES_DIR } from '../../src/paths.js';
import { loadTemplates } from '../../src/templates/catalog.js';

/** A copy of the real stripe template folder's manifest, edited, in a templates dir of its own. */
function templatesWith(manifest: (text: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'asym-templates-'));
  cpSync(join(TEMPLATES_DIR, 'stripe', 'manifest.yaml'), join(dir, 'stripe', 'manifest.yaml'), {
    recursive: true,
  });
  const path = join(dir, 'stripe', 'manifest.yaml');
  writeFileSync(path, manifest(readFileSync(path, 'utf8')));
  return dir;
}

const failure = (dir: string): AsymError => {
  try {
    loadTemplates(dir);
  } catch (error) {
    return error as AsymError;
  }
  throw new Error('expected the manifest to be refused');
};

describe('template manifests', () => {
  it('loads the real templates', () => {
    expect(loadTemplates().map((t) => t.name)).toEqual(expect.arrayContaining(['slack', 'stripe']));
  });

  it('refuses a bad manifest with a named error listing every problem at its line:column', () => {
    const dir = templatesWith((text) =>
      text
        .replace('health: /_asym/health', 'health: _asym/health\ncolour: blue')
        .replace('port: 8080', 'port: eighty'),
    );
    const error = failure(dir);
    expect(error).toBeInstanceOf(AsymError);
    expect(error.code).toBe('TEMPLATE_INVALID');
    const lines = readFileSync(join(dir, 'stripe', 'manifest.yaml'), 'utf8').split('\n');
    const lineOf = (needle: string) => lines.findIndex((line) => line.includes(needle)) + 1;
    expect(error.message).toContain('has 3 problems');
    expect(error.message).toContain(`:${lineOf('port: eighty')}:11 services.backend.port:`);
    expect(error.message).toContain(`:${lineOf('health: _asym')}:9 health:`);
    expect(error.message).toContain(`:${lineOf('colour:')}:1 colour: unknown key`);
    expect(error.hint).toMatch(/line:column/);
  });

  it('refuses malformed YAML and a manifest without the api mode, by name', () => {
    expect(failure(templatesWith((text) => `${text}\nmodes: [\n`)).code).toBe('TEMPLATE_INVALID');
    const noApi = failure(templatesWith((text) => text.replace(/^ {2}api:$/m, '  rest:')));
    expect(noApi.code).toBe('TEMPLATE_INVALID');
    expect(noApi.message).toContain('modes: every template needs an "api" mode');
  });

  it('checks the capabilities too: rateLimits names a variable, deliveries takes a verification hint', () => {
    const dir = templatesWith((text) => `${text}\nrateLimits:\n  env: rate-limits\n  tiers: 4\n`);
    const lines = readFileSync(join(dir, 'stripe', 'manifest.yaml'), 'utf8').split('\n');
    const lineOf = (needle: string) => lines.findIndex((line) => line.includes(needle)) + 1;
    const error = failure(dir);
    expect(error.code).toBe('TEMPLATE_INVALID');
    expect(error.message).toContain(
      `:${lineOf('env: rate-limits')}:8 rateLimits.env: a variable name looks like`,
    );
    expect(error.message).toContain(`:${lineOf('tiers: 4')}:3 rateLimits.tiers: unknown key`);
    const ok = loadTemplates(
      templatesWith((text) =>
        `${text}\nrateLimits:\n  env: VENDOR_LIMITS\n`.replace(
          'register:',
          'verification: echo it\n  register:',
        ),
      ),
    );
    expect(ok[0]?.rateLimits).toEqual({ env: 'VENDOR_LIMITS' });
    expect(ok[0]?.deliveries?.verification).toBe('echo it');
  });
});
