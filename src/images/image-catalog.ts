import { copyFile, cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { DOCKER_DIR, PROJECT_ROOT, TEMPLATES_DIR } from '../paths.js';
import { loadTemplates, type TemplateManifest } from '../templates/catalog.js';
import { NODE_VERSION, nodePackageName, provideNodeBinary } from './node-binary.js';

/**
 * What each project image is built from. `sources` decide when it is rebuilt; `prepare`
 * fills a build context folder; `parent` is built first and passed as a build argument.
 */
export interface ImageRecipe {
  name: string;
  parent: 'base' | 'node';
  sources: string[];
  extraInputs: string[];
  prepare(contextDir: string): Promise<void>;
}

const dockerfileFolder = (name: string): ImageRecipe => ({
  name,
  parent: 'base',
  sources: [join(DOCKER_DIR, name)],
  extraInputs: [],
  prepare: (contextDir) => cp(join(DOCKER_DIR, name), contextDir, { recursive: true }),
});

const nodeRecipe: ImageRecipe = {
  name: 'node',
  parent: 'base',
  sources: [join(DOCKER_DIR, 'node')],
  extraInputs: [`${nodePackageName()}@${NODE_VERSION}`],
  async prepare(contextDir) {
    await cp(join(DOCKER_DIR, 'node'), contextDir, { recursive: true });
    await provideNodeBinary(join(contextDir, 'node'));
  },
};

/** The inputs every template server is bundled from, besides its own folder. */
const sharedServerSources = () => [join(TEMPLATES_DIR, '_shared'), join(PROJECT_ROOT, 'package-lock.json')];

/**
 * Bundles a server into one file. `linked` writes its source map beside it (the image
 * copies both): Node reads a 2.5 MB file at start instead of 8.5 MB with the map inlined,
 * about half a second of a backend's start on a busy 2-core machine, stack traces unchanged.
 */
async function bundle(
  entry: string,
  outfile: string,
  sourcemap: 'inline' | 'linked' = 'linked',
): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap,
    logLevel: 'silent',
    // pg loads pg-native only when asked to; it is not installed.
    external: ['pg-native'],
    // Bundled CommonJS dependencies call require(); give the ES module one.
    banner: {
      js: "import { createRequire as __asymRequire } from 'node:module'; const require = __asymRequire(import.meta.url);",
    },
  });
}

/**
 * The shared backend Dockerfile with the manifest's Debian packages installed before the
 * app is copied in (as root, from Debian's mirror): only templates that name packages get
 * the extra layer, so the others' images stay as they were.
 */
export function withPackages(dockerfile: string, packages: readonly string[] | undefined): string {
  if (!packages || packages.length === 0) return dockerfile;
  const install = `RUN apt-get update \\\n && apt-get install -y --no-install-recommends ${[...packages].sort().join(' ')} \\\n && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin\n`;
  return dockerfile.replace(/^WORKDIR /m, `${install}WORKDIR `);
}

function backendRecipe(template: TemplateManifest): ImageRecipe {
  return {
    name: `${template.name}-backend`,
    parent: 'node',
    sources: [template.dir, join(DOCKER_DIR, 'backend'), ...sharedServerSources()],
    extraInputs: [],
    async prepare(contextDir) {
      await writeFile(
        join(contextDir, 'Dockerfile'),
        withPackages(
          await readFile(join(DOCKER_DIR, 'backend', 'Dockerfile'), 'utf8'),
          template.services.backend.packages,
        ),
      );
      await bundle(join(template.dir, template.services.backend.entry), join(contextDir, 'server.mjs'));
      await cp(join(template.dir, template.migrations), join(contextDir, 'migrations'), { recursive: true });
    },
  };
}

function frontendRecipe(template: TemplateManifest): ImageRecipe | null {
  const frontend = template.services.frontend;
  if (!frontend) return null;
  return {
    name: `${template.name}-frontend`,
    parent: 'node',
    sources: [template.dir, join(DOCKER_DIR, 'frontend'), ...sharedServerSources()],
    extraInputs: [],
    async prepare(contextDir) {
      await copyFile(join(DOCKER_DIR, 'frontend', 'Dockerfile'), join(contextDir, 'Dockerfile'));
      await bundle(join(template.dir, frontend.entry), join(contextDir, 'server.mjs'));
      await mkdir(join(contextDir, 'public'), { recursive: true });
      if (frontend.static)
        await cp(join(template.dir, frontend.static), join(contextDir, 'public'), { recursive: true });
    },
  };
}

/** The home's delivery relay (src/relay), bundled like a backend. */
const relayRecipe: ImageRecipe = {
  name: 'relay',
  parent: 'node',
  sources: [join(PROJECT_ROOT, 'src', 'relay'), join(DOCKER_DIR, 'relay')],
  extraInputs: [],
  async prepare(contextDir) {
    await copyFile(join(DOCKER_DIR, 'relay', 'Dockerfile'), join(contextDir, 'Dockerfile'));
    await bundle(join(PROJECT_ROOT, 'src', 'relay', 'main.ts'), join(contextDir, 'relay.mjs'), 'inline');
  },
};

export function imageRecipes(): Map<string, ImageRecipe> {
  const recipes: ImageRecipe[] = [
    nodeRecipe,
    dockerfileFolder('postgres'),
    dockerfileFolder('redis'),
    relayRecipe,
  ];
  for (const template of loadTemplates()) {
    recipes.push(backendRecipe(template));
    const frontend = frontendRecipe(template);
    if (frontend) recipes.push(frontend);
  }
  return new Map(recipes.map((r) => [r.name, r]));
}

/** The images one clone of `template` in `mode` runs. */
export function imagesForMode(template: TemplateManifest, mode: string): string[] {
  const services = template.modes[mode]?.services ?? [];
  return services.map((service) => (service === 'postgres' ? 'postgres' : `${template.name}-${service}`));
}
