// Builds the CLI into dist/cli/ and the programmatic API (`import ... from 'asymmetric'`) into
// dist/lib/ with its type declarations in dist/types/ (tsc: esbuild does not emit types).
// The CLI: : one ES module per entry plus shared chunks (esbuild), with
// the pure-JS dependencies inlined. A bundle starts much faster than hundreds of small
// modules resolved one by one, and `asymmetric reset` runs between every trial.
// dockerode (native ssh2 bits) and esbuild (a native binary) stay in node_modules.
import { execFileSync } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { build } from 'esbuild';

const dist = (path) => new URL(`../dist/${path}`, import.meta.url).pathname;
const source = (path) => new URL(`../src/${path}`, import.meta.url).pathname;
for (const dir of ['cli/', 'lib/', 'types/']) await rm(dist(dir), { recursive: true, force: true });
// commander requires node:child_process at load, for executable subcommands we never use;
// that module is a few to tens of milliseconds of every start (`reset` runs between trials).
// The bundled copy loads it when first touched instead.
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(build) {
    build.onLoad({ filter: /commander[\\/]lib[\\/]command\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const eager = "const childProcess = require('node:child_process');";
      if (!text.includes(eager)) throw new Error(`${args.path}: the child_process require moved`);
      const lazy =
        "const childProcess = new Proxy({}, { get: (_, key) => require('node:child_process')[key] });";
      return { contents: text.replace(eager, lazy), loader: 'js' };
    });
  },
};
const bundle = (entryPoints, outdir) =>
  build({
    entryPoints,
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
    plugins: [lazyChildProcess],
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
await Promise.all([
  bundle({ asymmetric: source('cli/main.ts') }, dist('cli/')),
  bundle({ index: source('index.ts') }, dist('lib/')),
  // `asymmetric run` preloads this into the Node programs it wraps (NODE_OPTIONS=--require):
  // one CommonJS file with its dependencies inside, since those programs cannot resolve ours.
  build({
    entryPoints: [source('services/run-preload.ts')],
    outfile: dist('cli/run-preload.cjs'),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minify: true, // parsed by every Node process the command starts
    logLevel: 'warning',
  }),
]);
execFileSync(
  process.execPath,
  [
    new URL('../node_modules/typescript/bin/tsc', import.meta.url).pathname,
    '-p',
    new URL('../tsconfig.lib.json', import.meta.url).pathname,
  ],
  { stdio: 'inherit' },
);
