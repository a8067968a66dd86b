import type { Document, Node } from 'yaml';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import { z } from 'zod';
import { ISO_INSTANT } from '../../templates/_shared/clock.js';
import { AsymError } from '../errors.js';
import { didYouMean } from './did-you-mean.js';
import type { PathSegment, Position, YamlLocator } from './yaml-positions.js';
import { createYamlLocator, formatPath } from './yaml-positions.js';

/** What the spec is checked against: the installed templates. */
export interface TemplateCatalogEntry {
  name: string;
  /** The first mode is the default. */
  modes: string[];
  fixtures: string[];
}

/** A checked and normalised environment.yaml: every default filled in. */
export interface EnvironmentSpec {
  name: string;
  /** `clock` (a pinned ISO instant, normalised to UTC) only where the file sets one. */
  clones: Array<{ template: string; mode: string; seed: string | null; clock?: string }>;
}

/** One problem in the file; `path` is empty for problems of the file as a whole. */
export interface SpecIssue {
  line: number;
  column: number;
  path: string;
  message: string;
}

const DEFAULT_FILE_NAME = 'environment.yaml';

// The name ends up in Docker network names, which must stay short and lowercase.
const NAME_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;

const cloneSchema = z.strictObject({
  template: z.string(),
  mode: z.string().optional(),
  // null is accepted as an explicit "no seed": it is what the normalised form holds.
  seed: z.string().nullable().optional(),
  // A pinned clock for byte-identical timelines: an ISO 8601 instant (checked below).
  clock: z.string().optional(),
});

const specSchema = z.strictObject({
  name: z.string().regex(NAME_PATTERN),
  clones: z.array(cloneSchema).min(1),
});

const TOP_KEYS = Object.keys(specSchema.shape);
const CLONE_KEYS = Object.keys(cloneSchema.shape);

/**
 * Keys that name real, planned features. Rejecting them as mere typos would tell the user
 * they misspelt something; saying they are not supported yet tells them the truth.
 */
// A Map, not an object literal: a key like `constructor` must not find Object.prototype.
const UNSUPPORTED_KEYS = new Map<string, string>([
  [
    'identity',
    '"identity" (users shared across clones) is not supported yet; remove it (each clone gets its own users)',
  ],
  [
    'data',
    '"data" (bring-your-own Postgres) is not supported yet; remove it (each clone gets its own seeded database)',
  ],
]);

type Raw = Record<string, unknown>;
const isRecord = (value: unknown): value is Raw =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const list = (items: readonly string[]): string => items.join(', ');

const withHint = (problem: string, suggestion: string | undefined, available: string): string =>
  `${problem}${suggestion ? `; did you mean "${suggestion}"?` : ''} (${available})`;

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number' || typeof value === 'bigint') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return `a ${typeof value}`;
}

function expectedAt(path: readonly PathSegment[], expected: string): string {
  if (path.length === 0) return 'a mapping with "name" and "clones"';
  if (path.length === 1 && path[0] === 'clones') return 'a list of clones';
  if (path.length === 2 && path[0] === 'clones') return 'a mapping with a "template" key';
  if (expected === 'string') return 'a string';
  if (expected === 'array') return 'a list';
  if (expected === 'object') return 'a mapping';
  return expected;
}

function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let current = data;
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === 'number') current = current[segment];
    else if (isRecord(current)) current = current[String(segment)];
    else return undefined;
  }
  return current;
}

/** Collects issues, plus what is needed to drop the ones a typo already explains. */
class IssueList {
  readonly issues: SpecIssue[] = [];
  private readonly missing: Array<{ issue: SpecIssue; parent: string; key: string }> = [];
  private readonly suggested = new Set<string>();

  constructor(private readonly locate: YamlLocator) {}

  add(position: Position, path: readonly PathSegment[], message: string): void {
    this.issues.push({ ...position, path: formatPath(path), message });
  }

  unknownKey(parent: readonly PathSegment[], key: string, allowed: readonly string[]): void {
    const path = [...parent, key];
    const unsupported = UNSUPPORTED_KEYS.get(key);
    if (unsupported) {
      this.add(this.locate.key(path), path, unsupported);
      return;
    }
    const suggestion = didYouMean(key, allowed);
    if (suggestion) this.suggested.add(`${formatPath(parent)}\0${suggestion}`);
    const message = suggestion
      ? `unknown key "${key}"; did you mean "${suggestion}"?`
      : `unknown key "${key}" (allowed: ${list(allowed)})`;
    this.add(this.locate.key(path), path, message);
  }

  missingKey(parent: readonly PathSegment[], key: string, message: string): void {
    const issue: SpecIssue = { ...this.locate.value(parent), path: formatPath([...parent, key]), message };
    this.issues.push(issue);
    this.missing.push({ issue, parent: formatPath(parent), key });
  }

  /**
   * Issues in file order. `templat: crm` yields both "unknown key, did you mean
   * template" and "missing template"; the second only repeats the first, so it goes.
   */
  sorted(): SpecIssue[] {
    const redundant = new Set(
      this.missing.filter((m) => this.suggested.has(`${m.parent}\0${m.key}`)).map((m) => m.issue),
    );
    return this.issues
      .filter((issue) => !redundant.has(issue))
      .sort((a, b) => a.line - b.line || a.column - b.column);
  }
}

function missingKeyMessage(key: string, catalog: readonly TemplateCatalogEntry[]): string {
  if (key === 'name') return 'missing required key "name" (the environment\'s name, e.g. "name: acme")';
  if (key === 'clones') return 'missing required key "clones" (a list of clones, each with a "template")';
  if (key === 'template')
    return `missing required key "template" (one of: ${list(catalog.map((t) => t.name))})`;
  return `missing required key "${key}"`;
}

function schemaIssues(
  data: unknown,
  catalog: readonly TemplateCatalogEntry[],
  locate: YamlLocator,
  issues: IssueList,
): void {
  const parsed = specSchema.safeParse(data);
  if (parsed.success) return;
  for (const issue of parsed.error.issues) {
    const path = issue.path.filter((s): s is PathSegment => typeof s !== 'symbol');
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) issues.unknownKey(path, key, path.length === 0 ? TOP_KEYS : CLONE_KEYS);
        break;
      case 'invalid_type': {
        const value = valueAt(data, path);
        const key = path[path.length - 1];
        if (value === undefined && typeof key === 'string') {
          issues.missingKey(path.slice(0, -1), key, missingKeyMessage(key, catalog));
          break;
        }
        let message = `expected ${expectedAt(path, issue.expected)}, got ${describeValue(value)}`;
        // `clones: [crm, billing]` is the likeliest shape mistake; show the fix.
        if (path.length === 2 && path[0] === 'clones' && typeof value === 'string') {
          message += ` (write "- template: ${value}")`;
        }
        issues.add(locate.value(path), path, message);
        break;
      }
      case 'too_small':
        issues.add(locate.value(path), path, 'must list at least one clone');
        break;
      case 'invalid_format':
        issues.add(
          locate.value(path),
          path,
          `"${String(valueAt(data, path))}" is not a valid name: use 1-40 lowercase letters, digits and hyphens, ` +
            'starting with a letter (it becomes part of Docker network names)',
        );
        break;
      default:
        issues.add(locate.value(path), path, issue.message);
    }
  }
}

/** A clock value the clone can pin to, in its normal form (UTC, milliseconds), or null. */
export function normalizeClock(value: string): string | null {
  const text = value.trim();
  if (!ISO_INSTANT.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

export const CLOCK_EXAMPLE = '2026-03-02T09:00:00Z';

/** Values the shape allows but a clone cannot use. */
function valueIssues(data: unknown, locate: YamlLocator, issues: IssueList): void {
  if (!isRecord(data) || !Array.isArray(data.clones)) return;
  data.clones.forEach((clone: unknown, index) => {
    if (!isRecord(clone) || typeof clone.clock !== 'string') return;
    if (normalizeClock(clone.clock) !== null) return;
    const path = ['clones', index, 'clock'];
    issues.add(
      locate.value(path),
      path,
      `"${clone.clock}" is not an ISO 8601 date-time with a zone (e.g. ${CLOCK_EXAMPLE})`,
    );
  });
}

/** Rules that need the catalog; run on the raw data so they report alongside shape issues. */
function catalogIssues(
  data: unknown,
  catalog: readonly TemplateCatalogEntry[],
  locate: YamlLocator,
  issues: IssueList,
): void {
  if (!isRecord(data) || !Array.isArray(data.clones)) return;
  const templateNames = catalog.map((t) => t.name);
  data.clones.forEach((clone: unknown, index) => {
    if (!isRecord(clone) || typeof clone.template !== 'string') return;
    const template = clone.template;
    const entry = catalog.find((t) => t.name === template);
    if (!entry) {
      const path = ['clones', index, 'template'];
      const message = withHint(
        `unknown template "${template}"`,
        didYouMean(template, templateNames),
        `available: ${list(templateNames)}`,
      );
      issues.add(locate.value(path), path, message);
      return;
    }
    if (typeof clone.mode === 'string' && !entry.modes.includes(clone.mode)) {
      const path = ['clones', index, 'mode'];
      const message = withHint(
        `template "${template}" has no mode "${clone.mode}"`,
        didYouMean(clone.mode, entry.modes),
        `available: ${list(entry.modes)}`,
      );
      issues.add(locate.value(path), path, message);
    }
    if (typeof clone.seed === 'string' && !entry.fixtures.includes(clone.seed)) {
      const path = ['clones', index, 'seed'];
      const message =
        entry.fixtures.length === 0
          ? `template "${template}" has no fixtures; remove "seed"`
          : withHint(
              `template "${template}" has no fixture "${clone.seed}"`,
              didYouMean(clone.seed, entry.fixtures),
              `available: ${list(entry.fixtures)}`,
            );
      issues.add(locate.value(path), path, message);
    }
  });
}

/**
 * The parser notices an unclosed `[`, `{` or quote only where the text stops making sense
 * (the next line, or the end of the file); the user's mistake is where that node opened.
 * The innermost flow collection or quoted scalar that opens before the error and runs up
 * to it is that node.
 */
function unclosedNodeAt(doc: Document, offset: number): { start: number; what: string } | undefined {
  let found: { start: number; what: string } | undefined;
  visit(doc, {
    Node(_key, node) {
      const range = (node as Node).range;
      if (!range || range[0] >= offset || range[1] < offset) return;
      let what: string | undefined;
      if ((isSeq(node) || isMap(node)) && node.flow) what = isSeq(node) ? 'this "["' : 'this "{"';
      else if (isScalar(node) && node.type === 'QUOTE_DOUBLE') what = "this '\"' quote";
      else if (isScalar(node) && node.type === 'QUOTE_SINGLE') what = `this "'" quote`;
      if (what && (!found || range[0] > found.start)) found = { start: range[0], what };
    },
  });
  return found;
}

/** Aliases to anchors that do not exist would make toJS throw without a position. */
function unresolvedAliases(doc: Document, locate: YamlLocator, issues: IssueList): void {
  visit(doc, {
    Alias(_key, node) {
      if (node.resolve(doc) === undefined) {
        const offset = (node as Node).range?.[0] ?? 0;
        issues.add(locate.at(offset), [], `invalid YAML: unknown alias "*${node.source}"`);
      }
    },
  });
}

type CheckResult = { spec: EnvironmentSpec; issues: [] } | { spec: null; issues: SpecIssue[] };

function checkEnvironmentSpec(text: string, catalog: readonly TemplateCatalogEntry[]): CheckResult {
  const lineCounter = new LineCounter();
  // prettyErrors off: positions come from the LineCounter, and the messages stay one line.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const locate = createYamlLocator(doc, lineCounter);
  const issues = new IssueList(locate);

  // A document that does not parse has no reliable shape; checking it would add noise.
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const opened = unclosedNodeAt(doc, error.pos[0]);
      issues.add(
        locate.at(opened?.start ?? error.pos[0]),
        [],
        opened ? `invalid YAML: ${opened.what} is never closed` : `invalid YAML: ${error.message}`,
      );
    }
    return { spec: null, issues: issues.sorted() };
  }
  if (doc.contents === null) {
    const what = text.trim() === '' ? 'the file is empty' : 'the file has only comments';
    issues.add({ line: 1, column: 1 }, [], `${what}; expected a mapping with "name" and "clones"`);
    return { spec: null, issues: issues.sorted() };
  }
  unresolvedAliases(doc, locate, issues);
  if (issues.issues.length > 0) return { spec: null, issues: issues.sorted() };

  let data: unknown;
  try {
    data = doc.toJS();
  } catch (error) {
    // toJS refuses alias bombs (exponential expansion); that is the only expected throw.
    issues.add(
      { line: 1, column: 1 },
      [],
      `invalid YAML: ${error instanceof Error ? error.message : String(error)}`,
    );
    return { spec: null, issues: issues.sorted() };
  }

  schemaIssues(data, catalog, locate, issues);
  catalogIssues(data, catalog, locate, issues);
  valueIssues(data, locate, issues);
  const sorted = issues.sorted();
  if (sorted.length > 0) return { spec: null, issues: sorted };

  const spec = specSchema.parse(data);
  return {
    spec: {
      name: spec.name,
      clones: spec.clones.map((clone) => {
        const entry = catalog.find((t) => t.name === clone.template);
        const mode = clone.mode ?? entry?.modes[0];
        if (mode === undefined) throw new Error(`Template "${clone.template}" in the catalog lists no modes`);
        const clock = clone.clock === undefined ? null : normalizeClock(clone.clock);
        return { template: clone.template, mode, seed: clone.seed ?? null, ...(clock ? { clock } : {}) };
      }),
    },
    issues: [],
  };
}

/**
 * Reads environment.yaml text and checks it against the installed templates. Every
 * problem is reported at once (each with its line:column) in one SPEC_INVALID error, so
 * a user fixes the file in one pass rather than one error per run.
 */
export function parseEnvironmentSpec(
  text: string,
  catalog: TemplateCatalogEntry[],
  fileName: string = DEFAULT_FILE_NAME,
): EnvironmentSpec {
  const result = checkEnvironmentSpec(text, catalog);
  if (result.spec === null) {
    throw new AsymError('SPEC_INVALID', formatSpecIssues(result.issues, fileName), {
      hint: `Fix each problem in ${fileName} at the line:column shown, then run the command again.`,
      details: result.issues,
    });
  }
  return result.spec;
}

/** `environment.yaml has 2 problems:` then one `  file:line:column path: message` line each. */
export function formatSpecIssues(issues: SpecIssue[], fileName: string = DEFAULT_FILE_NAME): string {
  const count = issues.length;
  const header = `${fileName} has ${count} problem${count === 1 ? '' : 's'}:`;
  const lines = issues.map(
    (issue) =>
      `  ${fileName}:${issue.line}:${issue.column} ${issue.path ? `${issue.path}: ` : ''}${issue.message}`,
  );
  return [header, ...lines].join('\n');
}
