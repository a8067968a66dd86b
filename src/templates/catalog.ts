import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { AsymError } from '../errors.js';
import { PROJECT_ROOT, TEMPLATES_DIR } from '../paths.js';
import { createYamlLocator, formatPath, type PathSegment } from '../spec/yaml-positions.js';

const serviceSchema = z
  .object({
    entry: z.string(),
    port: z.number().int(),
    static: z.string().optional(),
    // Debian packages the service's image installs (a backend that runs git, say).
    packages: z.array(z.string().regex(/^[a-z0-9][a-z0-9+.-]*$/, 'a Debian package name')).optional(),
  })
  .strict();

/** What a template delivers to the user's URLs (webhooks, Events API callbacks). */
const deliveriesSchema = z
  .object({
    /** What `listen --events` names, in words (shown in help and errors). */
    events: z.string(),
    /** Its clones take a Request URL through `asymmetric events --url`. */
    requestUrl: z.boolean().default(false),
    /** Otherwise: how a receiver is registered through the clone's own API. */
    register: z.string().optional(),
    /** What a Request URL must do to be accepted (the hint when the clone refuses one). */
    verification: z.string().optional(),
  })
  .strict();

/**
 * The template's backend enforces its vendor's rate limits unless the variable `env` is
 * `off` (`spin --no-rate-limits`); templates without the key get no such variable.
 */
const rateLimitsSchema = z
  .object({ env: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'a variable name looks like "ASYM_RATE_LIMITS"') })
  .strict();

/**
 * What `asymmetric run` gives a wrapped command: variables (name → `tokens.<key>` from the
 * clone's token set, or `endpoints.<key>` from its JSON), and the vendor hosts whose
 * requests go to the clone instead (paths kept, to the clone's backend origin).
 */
const runSchema = z
  .object({
    env: z.record(
      z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'a variable name looks like "VENDOR_API_KEY"'),
      z
        .string()
        .regex(
          /^(tokens|endpoints)\.[A-Za-z][A-Za-z0-9]*$/,
          'a value looks like "tokens.<key>" or "endpoints.<key>"',
        ),
    ),
    hosts: z.array(
      z
        .string()
        .regex(
          /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/,
          'a host looks like "api.vendor.com"',
        ),
    ),
  })
  .strict();

export type TemplateRunSpec = z.infer<typeof runSchema>;

/**
 * Person actions (`asymmetric act`): by name, what each does and its parameters (`--<name>
 * <value>`), served by the kit's admin route `POST /_asym/act/<name>` (templates/_shared/actions.ts).
 */
const actionsSchema = z.record(
  z.string().regex(/^[a-z][a-z0-9-]*$/, 'an action name looks like "click"'),
  z
    .object({
      description: z.string().min(1),
      params: z
        .record(
          z.string().regex(/^[a-z][a-z0-9-]*$/, 'a parameter name looks like "action-id"'),
          z.object({ required: z.boolean().default(false), description: z.string().min(1) }).strict(),
        )
        .default({}),
    })
    .strict(),
);

export type TemplateActionSpec = z.infer<typeof actionsSchema>[string];

const manifestSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9]*$/),
    description: z.string(),
    modes: z.record(
      z.string(),
      z.object({ services: z.array(z.enum(['backend', 'postgres', 'frontend'])) }).strict(),
    ),
    services: z.object({ backend: serviceSchema, frontend: serviceSchema.optional() }).strict(),
    health: z.string().startsWith('/'),
    apiPath: z.string().startsWith('/'),
    // The template serves MCP (the kit's templates/_shared/mcp.ts) at `path`; `token` names
    // the credential in the clone's tokens that `asymmetric mcp` acts with.
    mcp: z
      .object({ path: z.string().startsWith('/'), token: z.string() })
      .strict()
      .optional(),
    migrations: z.string(),
    fixtures: z.record(z.string(), z.string()),
    deliveries: deliveriesSchema.optional(),
    rateLimits: rateLimitsSchema.optional(),
    run: runSchema.optional(),
    actions: actionsSchema.optional(),
  })
  .strict();

export type TemplateManifest = z.infer<typeof manifestSchema> & { dir: string };

/** The first mode listed is the default. */
export const defaultMode = (template: TemplateManifest): string => Object.keys(template.modes)[0] ?? 'api';

let cached: TemplateManifest[] | undefined;

/** Every template folder under templates/ (folders starting with `_` are shared code). */
export function loadTemplates(dir: string = TEMPLATES_DIR): TemplateManifest[] {
  if (cached && dir === TEMPLATES_DIR) return cached;
  const templates = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('_'))
    .map((entry) => readManifest(join(dir, entry.name)))
    .sort((a, b) => a.name.localeCompare(b.name));
  if (dir === TEMPLATES_DIR) cached = templates;
  return templates;
}

/**
 * One template's manifest, checked by schema like environment.yaml: every problem at once,
 * each at its line:column, as a named error (a broken manifest is the template author's
 * mistake to fix, not a bug of the CLI).
 */
function readManifest(templateDir: string): TemplateManifest {
  const path = join(templateDir, 'manifest.yaml');
  const shown = relative(PROJECT_ROOT, path).startsWith('..') ? path : relative(PROJECT_ROOT, path);
  const lineCounter = new LineCounter();
  const doc = parseDocument(readFileSync(path, 'utf8'), {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
  });
  const locate = createYamlLocator(doc, lineCounter);
  const problems: string[] = [];
  const add = (at: { line: number; column: number }, path: readonly PathSegment[], message: string) =>
    problems.push(
      `${shown}:${at.line}:${at.column} ${path.length > 0 ? `${formatPath(path)}: ` : ''}${message}`,
    );
  for (const error of doc.errors) add(locate.at(error.pos[0]), [], `invalid YAML: ${error.message}`);
  let manifest: z.infer<typeof manifestSchema> | undefined;
  if (problems.length === 0) {
    const parsed = manifestSchema.safeParse(doc.toJS());
    if (parsed.success) manifest = parsed.data;
    else {
      for (const issue of parsed.error.issues) {
        const at = issue.path as PathSegment[];
        if (issue.code === 'unrecognized_keys') {
          for (const key of issue.keys) add(locate.key([...at, key]), [...at, key], 'unknown key');
        } else add(locate.value(at), at, issue.message);
      }
    }
  }
  if (manifest && !('api' in manifest.modes))
    add(locate.value(['modes']), ['modes'], 'every template needs an "api" mode');
  if (!manifest || problems.length > 0) {
    throw new AsymError(
      'TEMPLATE_INVALID',
      `The template manifest ${shown} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n  ${problems.join('\n  ')}`,
      { hint: 'Fix each problem at the line:column shown (templates/README.md describes the manifest).' },
    );
  }
  return { ...manifest, dir: templateDir };
}

export function getTemplate(name: string): TemplateManifest {
  const templates = loadTemplates();
  const template = templates.find((t) => t.name === name);
  if (!template) {
    throw new AsymError('TEMPLATE_NOT_FOUND', `There is no template "${name}".`, {
      hint: `Use one of: ${templates.map((t) => t.name).join(', ')} (see \`asymmetric templates\`).`,
    });
  }
  return template;
}

/** Checks a template/mode/fixture choice, returning the normalised mode. */
export function resolveChoice(
  templateName: string,
  mode: string | undefined,
  fixture: string | null | undefined,
) {
  const template = getTemplate(templateName);
  const chosenMode = mode ?? defaultMode(template);
  if (!(chosenMode in template.modes)) {
    throw new AsymError('MODE_NOT_SUPPORTED', `Template "${template.name}" has no mode "${chosenMode}".`, {
      hint: `Use one of: ${Object.keys(template.modes).join(', ')}.`,
    });
  }
  if (fixture && !(fixture in template.fixtures)) {
    throw new AsymError('FIXTURE_NOT_FOUND', `Template "${template.name}" has no fixture "${fixture}".`, {
      hint: `Use one of: ${Object.keys(template.fixtures).join(', ')}.`,
    });
  }
  return { template, mode: chosenMode, fixture: fixture ?? null };
}

/** The shape the environment spec checks against. */
export function templateCatalog() {
  return loadTemplates().map((t) => ({
    name: t.name,
    modes: Object.keys(t.modes),
    fixtures: Object.keys(t.fixtures),
  }));
}
