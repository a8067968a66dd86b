import { describe, expect, it } from 'vitest';
import { AsymError } from '../../src/errors.js';
import { didYouMean } from '../../src/spec/did-you-mean.js';
import type { SpecIssue, TemplateCatalogEntry } from '../../src/spec/environment-spec.js';
import { formatSpecIssues, parseEnvironmentSpec } from '../../src/spec/environment-spec.js';

const catalog: TemplateCatalogEntry[] = [
  { name: 'slack', modes: ['api', 'full'], fixtures: ['acme-corp'] },
  { name: 'stripe', modes: ['api'], fixtures: ['acme-corp'] },
];

/** One YAML line per argument, so the line numbers asserted below are easy to count. */
const yaml = (...lines: string[]): string => `${lines.join('\n')}\n`;

function specError(text: string, fileName?: string): AsymError {
  try {
    parseEnvironmentSpec(text, catalog, fileName);
  } catch (error) {
    if (error instanceof AsymError) return error;
    throw error;
  }
  throw new Error('expected parseEnvironmentSpec to throw');
}

const issuesOf = (text: string): SpecIssue[] => specError(text).details as SpecIssue[];

const HINT = 'Fix each problem in environment.yaml at the line:column shown, then run the command again.';

describe('parseEnvironmentSpec: valid files', () => {
  it('reads the documented example', () => {
    const text = yaml(
      'name: acme',
      'clones:',
      '  - template: slack',
      '    mode: full',
      '    seed: acme-corp',
      '  - template: stripe',
      '    mode: api',
    );
    expect(parseEnvironmentSpec(text, catalog)).toEqual({
      name: 'acme',
      clones: [
        { template: 'slack', mode: 'full', seed: 'acme-corp' },
        { template: 'stripe', mode: 'api', seed: null },
      ],
    });
  });

  it("fills the template's first mode and no seed when they are left out", () => {
    const text = yaml('name: a', 'clones:', '  - template: slack', '  - template: stripe', '    seed: null');
    expect(parseEnvironmentSpec(text, catalog)).toEqual({
      name: 'a',
      clones: [
        { template: 'slack', mode: 'api', seed: null },
        { template: 'stripe', mode: 'api', seed: null },
      ],
    });
  });

  it('accepts flow style, comments and anchors', () => {
    const text = yaml(
      '# the eval environment',
      'name: eval-2-x # trailing comment',
      'clones: [&s {template: slack, seed: acme-corp}, *s]',
    );
    expect(parseEnvironmentSpec(text, catalog).clones).toEqual([
      { template: 'slack', mode: 'api', seed: 'acme-corp' },
      { template: 'slack', mode: 'api', seed: 'acme-corp' },
    ]);
  });

  it('accepts a 40-character name', () => {
    const name = `a${'b'.repeat(39)}`;
    expect(parseEnvironmentSpec(yaml(`name: ${name}`, 'clones: [{template: slack}]'), catalog).name).toBe(
      name,
    );
  });
});

describe('parseEnvironmentSpec: the error a user sees', () => {
  it('throws SPEC_INVALID with every issue in details, the message lines and a hint', () => {
    const error = specError(yaml('name: acme', 'clone:', '  - template: slack'));
    expect(error.code).toBe('SPEC_INVALID');
    expect(error.details).toEqual([
      { line: 2, column: 1, path: 'clone', message: 'unknown key "clone"; did you mean "clones"?' },
    ]);
    expect(error.message).toBe(
      'environment.yaml has 1 problem:\n  environment.yaml:2:1 clone: unknown key "clone"; did you mean "clones"?',
    );
    expect(error.hint).toBe(HINT);
  });

  it('names the file it was given', () => {
    const error = specError(yaml('name: acme', 'clones: []'), 'envs/acme.yaml');
    expect(error.message).toBe(
      'envs/acme.yaml has 1 problem:\n  envs/acme.yaml:2:9 clones: must list at least one clone',
    );
    expect(error.hint).toBe(
      'Fix each problem in envs/acme.yaml at the line:column shown, then run the command again.',
    );
  });

  it('reports several problems at once, in file order', () => {
    const text = yaml(
      'name: Acme Corp', //               1
      'clones:', //                      2
      '  - templat: slack', //           3
      '    mdoe: full', //               4
      '    foo: 1', //                   5
      '  - template: slak', //           6
      '    mode: 3', //                  7
      '  - template: stripe', //         8
      '    mode: full', //               9
      '    seed: acme-crop', //          10
      '  - slack', //                    11
      'identity: {}', //                 12
      'zzz: 1', //                       13
    );
    const error = specError(text);
    expect(error.code).toBe('SPEC_INVALID');
    expect(error.message).toBe(
      [
        'environment.yaml has 11 problems:',
        '  environment.yaml:1:7 name: "Acme Corp" is not a valid name: use 1-40 lowercase letters, digits and hyphens, starting with a letter (it becomes part of Docker network names)',
        '  environment.yaml:3:5 clones[0].templat: unknown key "templat"; did you mean "template"?',
        '  environment.yaml:4:5 clones[0].mdoe: unknown key "mdoe"; did you mean "mode"?',
        '  environment.yaml:5:5 clones[0].foo: unknown key "foo" (allowed: template, mode, seed, clock)',
        '  environment.yaml:6:15 clones[1].template: unknown template "slak"; did you mean "slack"? (available: slack, stripe)',
        '  environment.yaml:7:11 clones[1].mode: expected a string, got a number',
        '  environment.yaml:9:11 clones[2].mode: template "stripe" has no mode "full" (available: api)',
        '  environment.yaml:10:11 clones[2].seed: template "stripe" has no fixture "acme-crop"; did you mean "acme-corp"? (available: acme-corp)',
        '  environment.yaml:11:5 clones[3]: expected a mapping with a "template" key, got a string (write "- template: slack")',
        '  environment.yaml:12:1 identity: "identity" (users shared across clones) is not supported yet; remove it (each clone gets its own users)',
        '  environment.yaml:13:1 zzz: unknown key "zzz" (allowed: name, clones)',
      ].join('\n'),
    );
    expect((error.details as SpecIssue[]).map((i) => `${i.line}:${i.column} ${i.path}`)).toEqual([
      '1:7 name',
      '3:5 clones[0].templat',
      '4:5 clones[0].mdoe',
      '5:5 clones[0].foo',
      '6:15 clones[1].template',
      '7:11 clones[1].mode',
      '9:11 clones[2].mode',
      '10:11 clones[2].seed',
      '11:5 clones[3]',
      '12:1 identity',
      '13:1 zzz',
    ]);
  });
});

describe('parseEnvironmentSpec: unknown keys', () => {
  it('suggests the closest top-level key, and does not also report the key as missing', () => {
    expect(issuesOf(yaml('nmae: acme', 'clones: [{template: slack}]'))).toEqual([
      { line: 1, column: 1, path: 'nmae', message: 'unknown key "nmae"; did you mean "name"?' },
    ]);
  });

  it('lists the allowed keys when nothing is close', () => {
    expect(issuesOf(yaml('name: acme', 'clones: [{template: slack}]', 'owner: me'))).toEqual([
      { line: 3, column: 1, path: 'owner', message: 'unknown key "owner" (allowed: name, clones)' },
    ]);
  });

  it('treats keys named like Object.prototype members as plain unknown keys', () => {
    expect(issuesOf(yaml('name: acme', 'clones: [{template: slack}]', 'constructor: 1'))).toEqual([
      {
        line: 3,
        column: 1,
        path: 'constructor',
        message: 'unknown key "constructor" (allowed: name, clones)',
      },
    ]);
  });

  it('suggests at depth: templat and mdoe inside a clone', () => {
    const text = yaml(
      'name: acme',
      'clones:',
      '  - template: stripe',
      '  - templat: slack',
      '    mdoe: full',
    );
    expect(issuesOf(text)).toEqual([
      {
        line: 4,
        column: 5,
        path: 'clones[1].templat',
        message: 'unknown key "templat"; did you mean "template"?',
      },
      { line: 5, column: 5, path: 'clones[1].mdoe', message: 'unknown key "mdoe"; did you mean "mode"?' },
    ]);
  });

  it('lists the clone keys for a far-off key inside a clone, in flow style too', () => {
    expect(issuesOf(yaml('name: acme', 'clones: [{template: slack, ports: 3000}]'))).toEqual([
      {
        line: 2,
        column: 28,
        path: 'clones[0].ports',
        message: 'unknown key "ports" (allowed: template, mode, seed, clock)',
      },
    ]);
  });
});

describe('parseEnvironmentSpec: features not supported yet', () => {
  const identity =
    '"identity" (users shared across clones) is not supported yet; remove it (each clone gets its own users)';
  const data =
    '"data" (bring-your-own Postgres) is not supported yet; remove it (each clone gets its own seeded database)';

  it('rejects identity and data at the top level', () => {
    const text = yaml(
      'name: acme',
      'identity:',
      '  users: [dana]',
      'data:',
      '  url: postgres://x',
      'clones:',
      '  - template: slack',
    );
    expect(issuesOf(text)).toEqual([
      { line: 2, column: 1, path: 'identity', message: identity },
      { line: 4, column: 1, path: 'data', message: data },
    ]);
  });

  it('rejects identity and data inside a clone', () => {
    const text = yaml(
      'name: acme',
      'clones:',
      '  - template: slack',
      '    identity: shared',
      '    data: byo',
    );
    expect(issuesOf(text)).toEqual([
      { line: 4, column: 5, path: 'clones[0].identity', message: identity },
      { line: 5, column: 5, path: 'clones[0].data', message: data },
    ]);
  });
});

describe('parseEnvironmentSpec: name', () => {
  it('requires it, pointing at the mapping that lacks it', () => {
    expect(issuesOf(yaml('# env', 'clones:', '  - template: slack'))).toEqual([
      {
        line: 2,
        column: 1,
        path: 'name',
        message: 'missing required key "name" (the environment\'s name, e.g. "name: acme")',
      },
    ]);
  });

  it.each([['Acme'], ['1acme'], ['acme_corp'], [`a${'b'.repeat(40)}`]])(
    'rejects %s with the allowed form',
    (name) => {
      expect(issuesOf(yaml(`name: ${name}`, 'clones: [{template: slack}]'))).toEqual([
        {
          line: 1,
          column: 7,
          path: 'name',
          message: `"${name}" is not a valid name: use 1-40 lowercase letters, digits and hyphens, starting with a letter (it becomes part of Docker network names)`,
        },
      ]);
    },
  );

  it('says the expected type for a number or an empty value', () => {
    expect(issuesOf(yaml('name: 42', 'clones: [{template: slack}]'))).toEqual([
      { line: 1, column: 7, path: 'name', message: 'expected a string, got a number' },
    ]);
    // An empty value points at its key: the zero-width value sits past the colon.
    expect(issuesOf(yaml('name:', 'clones: [{template: slack}]'))).toEqual([
      { line: 1, column: 1, path: 'name', message: 'expected a string, got an empty value' },
    ]);
  });
});

describe('parseEnvironmentSpec: clones', () => {
  it('requires the key', () => {
    expect(issuesOf(yaml('name: acme'))).toEqual([
      {
        line: 1,
        column: 1,
        path: 'clones',
        message: 'missing required key "clones" (a list of clones, each with a "template")',
      },
    ]);
  });

  it('requires at least one clone', () => {
    expect(issuesOf(yaml('name: acme', 'clones: []'))).toEqual([
      { line: 2, column: 9, path: 'clones', message: 'must list at least one clone' },
    ]);
  });

  it('says a list is expected', () => {
    expect(issuesOf(yaml('name: acme', 'clones: foo'))).toEqual([
      { line: 2, column: 9, path: 'clones', message: 'expected a list of clones, got a string' },
    ]);
    expect(issuesOf(yaml('name: acme', 'clones:'))).toEqual([
      { line: 2, column: 1, path: 'clones', message: 'expected a list of clones, got an empty value' },
    ]);
    expect(issuesOf(yaml('name: acme', 'clones:', '  template: slack'))).toEqual([
      { line: 3, column: 3, path: 'clones', message: 'expected a list of clones, got a mapping' },
    ]);
  });

  it('says each item must be a mapping, and shows the fix for a bare template name', () => {
    expect(issuesOf(yaml('name: acme', 'clones:', '  - slack', '  - [stripe]'))).toEqual([
      {
        line: 3,
        column: 5,
        path: 'clones[0]',
        message: 'expected a mapping with a "template" key, got a string (write "- template: slack")',
      },
      {
        line: 4,
        column: 5,
        path: 'clones[1]',
        message: 'expected a mapping with a "template" key, got a list',
      },
    ]);
  });

  it('requires template in each clone, pointing at the clone', () => {
    expect(
      issuesOf(yaml('name: acme', 'clones:', '  - template: stripe', '  - mode: api', '    seed: acme-corp')),
    ).toEqual([
      {
        line: 4,
        column: 5,
        path: 'clones[1].template',
        message: 'missing required key "template" (one of: slack, stripe)',
      },
    ]);
  });

  it('says the expected type of template, mode and seed', () => {
    const text = yaml(
      'name: acme',
      'clones:',
      '  - template: 3',
      '  - template: slack',
      '    mode: 3',
      '    seed: [a]',
    );
    expect(issuesOf(text)).toEqual([
      { line: 3, column: 15, path: 'clones[0].template', message: 'expected a string, got a number' },
      { line: 5, column: 11, path: 'clones[1].mode', message: 'expected a string, got a number' },
      { line: 6, column: 11, path: 'clones[1].seed', message: 'expected a string, got a list' },
    ]);
  });
});

describe('parseEnvironmentSpec: rules against the catalog', () => {
  it('rejects an unknown template with a suggestion and the list', () => {
    expect(issuesOf(yaml('name: acme', 'clones:', '  - template: slak'))).toEqual([
      {
        line: 3,
        column: 15,
        path: 'clones[0].template',
        message: 'unknown template "slak"; did you mean "slack"? (available: slack, stripe)',
      },
    ]);
  });

  it('rejects a far-off template with the list only', () => {
    expect(issuesOf(yaml('name: acme', 'clones:', '  - template: github'))).toEqual([
      {
        line: 3,
        column: 15,
        path: 'clones[0].template',
        message: 'unknown template "github" (available: slack, stripe)',
      },
    ]);
  });

  it("rejects a mode the template lacks, listing the template's modes", () => {
    expect(issuesOf(yaml('name: acme', 'clones:', '  - template: stripe', '    mode: full'))).toEqual([
      {
        line: 4,
        column: 11,
        path: 'clones[0].mode',
        message: 'template "stripe" has no mode "full" (available: api)',
      },
    ]);
    expect(issuesOf(yaml('name: acme', 'clones:', '  - template: slack', '    mode: ful'))).toEqual([
      {
        line: 4,
        column: 11,
        path: 'clones[0].mode',
        message: 'template "slack" has no mode "ful"; did you mean "full"? (available: api, full)',
      },
    ]);
  });

  it("rejects a seed that is not one of the template's fixtures", () => {
    expect(issuesOf(yaml('name: acme', 'clones:', '  - template: slack', '    seed: acme-crop'))).toEqual([
      {
        line: 4,
        column: 11,
        path: 'clones[0].seed',
        message:
          'template "slack" has no fixture "acme-crop"; did you mean "acme-corp"? (available: acme-corp)',
      },
    ]);
    expect(issuesOf(yaml('name: acme', 'clones:', '  - template: slack', '    seed: globex'))).toEqual([
      {
        line: 4,
        column: 11,
        path: 'clones[0].seed',
        message: 'template "slack" has no fixture "globex" (available: acme-corp)',
      },
    ]);
  });

  it('says so when a template has no fixtures at all', () => {
    const bare: TemplateCatalogEntry[] = [{ name: 'bare', modes: ['api'], fixtures: [] }];
    expect(() =>
      parseEnvironmentSpec(yaml('name: acme', 'clones: [{template: bare, seed: x}]'), bare),
    ).toThrow('environment.yaml:2:33 clones[0].seed: template "bare" has no fixtures; remove "seed"');
  });
});

describe('parseEnvironmentSpec: clock', () => {
  it('pins a clone to an ISO instant, normalised to UTC, and leaves the others real-time', () => {
    const text = yaml(
      'name: acme',
      'clones:',
      '  - template: slack',
      '    seed: acme-corp',
      '    clock: 2026-03-02T10:00:00+01:00',
      '  - template: stripe',
      '    clock: "2026-03-02T09:00:00Z"',
      '  - template: stripe',
    );
    expect(parseEnvironmentSpec(text, catalog).clones).toEqual([
      { template: 'slack', mode: 'api', seed: 'acme-corp', clock: '2026-03-02T09:00:00.000Z' },
      { template: 'stripe', mode: 'api', seed: null, clock: '2026-03-02T09:00:00.000Z' },
      { template: 'stripe', mode: 'api', seed: null },
    ]);
  });

  it('rejects a value that is not an instant with a zone, at its line:column', () => {
    const text = yaml(
      'name: acme',
      'clones:',
      '  - template: slack',
      '    clock: yesterday',
      '  - template: stripe',
      '    clock: 2026-03-02T09:00:00',
      '  - template: stripe',
      '    clock: 2026-13-45T09:00:00Z',
      '  - template: stripe',
      '    clock: 1772442000',
    );
    expect(issuesOf(text)).toEqual([
      {
        line: 4,
        column: 12,
        path: 'clones[0].clock',
        message: '"yesterday" is not an ISO 8601 date-time with a zone (e.g. 2026-03-02T09:00:00Z)',
      },
      {
        line: 6,
        column: 12,
        path: 'clones[1].clock',
        message: '"2026-03-02T09:00:00" is not an ISO 8601 date-time with a zone (e.g. 2026-03-02T09:00:00Z)',
      },
      {
        line: 8,
        column: 12,
        path: 'clones[2].clock',
        message:
          '"2026-13-45T09:00:00Z" is not an ISO 8601 date-time with a zone (e.g. 2026-03-02T09:00:00Z)',
      },
      { line: 10, column: 12, path: 'clones[3].clock', message: 'expected a string, got a number' },
    ]);
  });
});

describe('parseEnvironmentSpec: files that are not a spec at all', () => {
  const expected = (what: string) =>
    `environment.yaml has 1 problem:\n  environment.yaml:1:1 ${what}; expected a mapping with "name" and "clones"`;

  it.each([[''], ['\n  \n']])('rejects an empty file (%j)', (text) => {
    const error = specError(text);
    expect(error.code).toBe('SPEC_INVALID');
    expect(error.message).toBe(expected('the file is empty'));
    expect(error.details).toEqual([
      {
        line: 1,
        column: 1,
        path: '',
        message: 'the file is empty; expected a mapping with "name" and "clones"',
      },
    ]);
  });

  it('rejects a file of only comments', () => {
    expect(specError(yaml('# name: acme', '# clones: []')).message).toBe(
      expected('the file has only comments'),
    );
  });

  it('rejects a list or a scalar at the top level', () => {
    expect(issuesOf(yaml('# a list', '- template: slack'))).toEqual([
      { line: 2, column: 1, path: '', message: 'expected a mapping with "name" and "clones", got a list' },
    ]);
    expect(issuesOf(yaml('acme'))).toEqual([
      { line: 1, column: 1, path: '', message: 'expected a mapping with "name" and "clones", got a string' },
    ]);
  });

  it('reports YAML syntax errors where the offending node starts, and nothing else', () => {
    const error = specError(yaml('name: [acme', 'clones: 3'));
    expect(error.details).toEqual([
      { line: 1, column: 7, path: '', message: 'invalid YAML: this "[" is never closed' },
    ]);
    expect(error.message).toBe(
      'environment.yaml has 1 problem:\n  environment.yaml:1:7 invalid YAML: this "[" is never closed',
    );
    // The unclosed bracket on line 4, not the line after it or the end of the file.
    expect(
      issuesOf(
        yaml('name: acme', 'clones:', '  - template: slack', '    mode: [full', '  - template: stripe'),
      ),
    ).toEqual([{ line: 4, column: 11, path: '', message: 'invalid YAML: this "[" is never closed' }]);
    expect(
      issuesOf(yaml('name: acme', 'clones:', '  - {template: slack, mode: full', '  - template: x')),
    ).toEqual([{ line: 3, column: 5, path: '', message: 'invalid YAML: this "{" is never closed' }]);
    expect(issuesOf(yaml('name: "acme', 'clones:', '  - template: slack'))).toEqual([
      { line: 1, column: 7, path: '', message: `invalid YAML: this '"' quote is never closed` },
    ]);
  });

  it('reports tabs, duplicate keys and several documents as YAML errors', () => {
    expect(issuesOf(yaml('name: acme', 'clones:', '\t- template: slack'))[0]).toMatchObject({
      line: 3,
      column: 1,
      message: 'invalid YAML: Tabs are not allowed as indentation',
    });
    expect(issuesOf(yaml('name: acme', 'clones: [{template: slack}]', 'name: beta'))).toEqual([
      { line: 3, column: 1, path: '', message: 'invalid YAML: Map keys must be unique' },
    ]);
    expect(issuesOf(yaml('name: acme', '---', 'name: beta'))).toEqual([
      {
        line: 2,
        column: 1,
        path: '',
        message: 'invalid YAML: Source contains multiple documents; please use YAML.parseAllDocuments()',
      },
    ]);
  });

  it('reports an alias to an anchor that does not exist', () => {
    expect(issuesOf(yaml('name: acme', 'clones:', '  - template: *slack'))).toEqual([
      { line: 3, column: 15, path: '', message: 'invalid YAML: unknown alias "*slack"' },
    ]);
  });
});

describe('formatSpecIssues', () => {
  it('writes a header and one line per issue, leaving out an empty path', () => {
    const issues: SpecIssue[] = [
      { line: 1, column: 1, path: '', message: 'first' },
      { line: 2, column: 3, path: 'clones[0]', message: 'second' },
    ];
    expect(formatSpecIssues(issues)).toBe(
      'environment.yaml has 2 problems:\n  environment.yaml:1:1 first\n  environment.yaml:2:3 clones[0]: second',
    );
    expect(formatSpecIssues(issues.slice(0, 1), 'x.yaml')).toBe('x.yaml has 1 problem:\n  x.yaml:1:1 first');
  });
});

describe('didYouMean', () => {
  it.each([
    ['clone', ['name', 'clones'], 'clones'],
    ['mdoe', ['template', 'mode', 'seed'], 'mode'],
    ['Slack', ['slack', 'stripe'], 'slack'],
    ['owner', ['name', 'clones'], undefined],
    ['x', ['api', 'full'], undefined],
    ['mode', ['template', 'mode', 'seed'], undefined],
  ])('%s among %j -> %s', (input, candidates, suggestion) => {
    expect(didYouMean(input, candidates)).toBe(suggestion);
  });
});
