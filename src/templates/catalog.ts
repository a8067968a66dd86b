import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { AsymError } from '../errors.js';
import { TEMPLATES_DIR } from '../paths.js';

const serviceSchema = z
  .object({ entry: z.string(), port: z.number().int(), static: z.string().optional() })
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
  })
  .strict();

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
    migrations: z.string(),
    fixtures: z.record(z.string(), z.string()),
    deliveries: deliveriesSchema.optional(),
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
    .map((entry) => {
      const path = join(dir, entry.name, 'manifest.yaml');
      const parsed = manifestSchema.safeParse(parse(readFileSync(path, 'utf8')));
      if (!parsed.success) {
        throw new Error(`Invalid template manifest ${path}: ${parsed.error.message}`);
      }
      if (!('api' in parsed.data.modes))
        throw new Error(`Template manifest ${path} lacks the required "api" mode`);
      return { ...parsed.data, dir: join(dir, entry.name) };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  if (dir === TEMPLATES_DIR) cached = templates;
  return templates;
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
