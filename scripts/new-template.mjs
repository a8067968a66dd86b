// Starts a new template from the scaffold: `node scripts/new-template.mjs <name> [templates dir]`
// copies templates/_example to templates/<name> with its names changed (manifest name,
// variables, vendor host, identifiers), ready for `asymmetric spin <name>` once built.
import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const files = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });

/** Copies the scaffold to `<templatesDir>/<name>`; answers the new folder. */
export function newTemplate(name, templatesDir = join(ROOT, 'templates')) {
  if (!/^[a-z][a-z0-9]*$/.test(name))
    throw new Error(`a template name is lowercase letters and digits: ${name}`);
  const target = join(templatesDir, name);
  if (existsSync(target)) throw new Error(`${target} exists already`);
  cpSync(join(ROOT, 'templates', '_example'), target, { recursive: true });
  const pascal = name[0].toUpperCase() + name.slice(1);
  for (const file of files(target)) {
    const text = readFileSync(file, 'utf8')
      .replaceAll('Example', pascal)
      .replaceAll('EXAMPLE', name.toUpperCase())
      .replaceAll('example', name)
      .replace(/^# The smallest complete template.*\n(#.*\n)*/, `# The ${name} template.\n`);
    writeFileSync(file, text);
  }
  // The kit lives at templates/_shared; a copy elsewhere (tests) points its imports there.
  if (resolve(templatesDir) !== join(ROOT, 'templates')) {
    for (const file of files(target).filter((f) => f.endsWith('.ts'))) {
      const shared = join(ROOT, 'templates', '_shared');
      writeFileSync(file, readFileSync(file, 'utf8').replaceAll("'../../_shared/", `'${shared}/`));
    }
  }
  return target;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [name, dir] = process.argv.slice(2);
  if (!name) {
    process.stderr.write('usage: node scripts/new-template.mjs <name> [templates dir]\n');
    process.exit(1);
  }
  try {
    const target = newTemplate(name, dir ? resolve(dir) : undefined);
    process.stdout.write(`created ${target}: edit its manifest, migrations and backend/app.ts\n`);
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
