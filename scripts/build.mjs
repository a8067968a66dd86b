// Builds the CLI into dist/cli/: one ES module per entry plus shared chunks (esbuild), with
// the pure-JS dependencies inlined. A bundle starts much faster than hundreds of small
// modules resolved one by one, and `asymmetric reset` runs between every trial.
// dockerode (native ssh2 bits) and esbuild (a native binary) stay in node_modules.
import { rm } from 'node:fs/promises';
import { build } from 'esbuild';

const outdir = new URL('../dist/cli/', import.meta.url).pathname;
await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: { asymmetric: new URL('../src/cli/main.ts', import.meta.url).pathname },
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true, // commands import their services lazily; keep those as separate chunks
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  external: ['esbuild', 'dockerode'],
  // Bundled CommonJS dependencies expect require and __filename, which ES modules lack.
  banner: {
    js: [
      "import { createRequire as __asymRequire } from 'node:module';",
      "import { fileURLToPath as __asymPath } from 'node:url';",
      'const require = __asymRequire(import.meta.url);',
      'const __filename = __asymPath(import.meta.url);',
      "const __dirname = __asymPath(new URL('.', import.meta.url));",
    ].join(' '),
  },
});
