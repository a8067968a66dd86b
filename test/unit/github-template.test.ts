import { describe, expect, it } from 'vitest';
import { withPackages } from '../../src/images/image-catalog.js';
import { decodeNodeId, nodeId } from '../../templates/github/backend/render.js';
import { parseQuery } from '../../templates/github/backend/routes/search.js';
import { ACME_PEOPLE, emailOf, loginOf } from '../../templates/github/fixtures/acme-people.js';
import { WEBAPP_HISTORY } from '../../templates/github/fixtures/acme-repos.js';
import { ACME_PEOPLE as SLACK_PEOPLE } from '../../templates/slack/fixtures/acme-corp.js';

describe('the GitHub template', () => {
  it('seeds the same people as Slack acme-corp (names, titles, emails), with logins from their names', () => {
    expect(ACME_PEOPLE.map((p) => [p.name, p.first, p.last, p.title])).toEqual(
      SLACK_PEOPLE.map((p) => [p.name, p.first, p.last, p.title]),
    );
    expect(ACME_PEOPLE.map((p) => p.former === true)).toEqual(SLACK_PEOPLE.map((p) => p.deleted === true));
    const dana = ACME_PEOPLE[0];
    expect(dana && [loginOf(dana), emailOf(dana)]).toEqual(['dana-whitfield', 'dana@acme.test']);
  });

  it('builds the seeded git history in code, to the same SHAs every time', () => {
    expect(WEBAPP_HISTORY.refs.get('refs/heads/main')).toBe('b5d6c38ccc0f8b3deba2c3d4acaf5b37e73bc1bc');
    expect(WEBAPP_HISTORY.refs.get('refs/tags/v1.1.0')).toBe(WEBAPP_HISTORY.commits[4]?.sha);
  });

  it('uses GitHub legacy node ids, read back both ways', () => {
    expect(nodeId('User', 1)).toBe('MDQ6VXNlcjE=');
    expect(decodeNodeId(nodeId('PullRequest', 1042))).toEqual({ type: 'PullRequest', id: '1042' });
    expect(decodeNodeId('not-a-node')).toBeNull();
  });

  it("parses GitHub's search syntax: words, phrases, qualifiers and negations", () => {
    expect(parseQuery('is:pr -label:"help wanted" repo:acme/webapp "rate limit" flaky')).toEqual({
      text: ['rate limit', 'flaky'],
      qualifiers: [
        { key: 'is', value: 'pr', negated: false },
        { key: 'label', value: 'help wanted', negated: true },
        { key: 'repo', value: 'acme/webapp', negated: false },
      ],
    });
  });
});

describe('manifest packages in the backend image', () => {
  const dockerfile = ['ARG NODE_IMAGE', 'FROM $' + '{NODE_IMAGE}', 'WORKDIR /app', 'USER app', ''].join('\n');
  it('installs the named Debian packages before the app, as root', () => {
    const out = withPackages(dockerfile, ['git']);
    expect(out).toContain('apt-get install -y --no-install-recommends git');
    expect(out.indexOf('apt-get')).toBeLessThan(out.indexOf('WORKDIR /app'));
    expect(out.indexOf('apt-get')).toBeLessThan(out.indexOf('USER app'));
  });
  it('leaves the Dockerfile as it was without packages', () => {
    expect(withPackages(dockerfile, undefined)).toBe(dockerfile);
    expect(withPackages(dockerfile, [])).toBe(dockerfile);
  });
});
