// Regenerates test/support/github-reference/examples.json: GitHub's own documented example
// object of each shape the clone serves, from GitHub's REST API description
// (github/rest-api-description, descriptions/api.github.com/api.github.com.json, MIT; the
// same file ships in the npm package @octokit/openapi as generated/api.github.com.json).
// Run: node scripts/github-reference-examples.mjs <path to api.github.com.json>
import { readFileSync, writeFileSync } from 'node:fs';

const EXAMPLES = [
  'simple-user',
  'private-user',
  'organization-full',
  'full-repository',
  'minimal-repository',
  'issue',
  'issue-comment',
  'label',
  'milestone',
  'pull-request',
  'pull-request-simple',
  'pull-request-review',
  'pull-request-review-comment',
  'commit',
  'branch-with-protection',
  'content-file',
  'file-commit',
  'git-ref',
  'git-commit',
  'git-tree',
  'blob',
  'release',
  'status',
  'combined-commit-status',
  'check-run',
  'hook',
  'reaction',
  'rate-limit-overview',
  'commit-comparison',
  'diff-entry-items',
  'topic',
  'collaborator-items',
  'tag-items',
  'issue-event-for-issue-items',
  'branch-short-items',
  'content-file-response-if-content-is-a-directory',
  'issue-search-result-item-paginated',
  'repo-search-result-item-paginated',
  'code-search-result-item-paginated',
  'hook-delivery-items',
];
const source = process.argv[2];
if (!source) throw new Error('usage: node scripts/github-reference-examples.mjs <api.github.com.json>');
const { components, info } = JSON.parse(readFileSync(source, 'utf8'));
const out = {};
for (const name of EXAMPLES) {
  const example = components.examples[name];
  if (!example) throw new Error(`the description has no example "${name}"`);
  out[name] = example.value;
}
writeFileSync(
  new URL('../test/support/github-reference/examples.json', import.meta.url),
  `${JSON.stringify({ source: `github/rest-api-description ${info.version}`, examples: out }, null, 2)}\n`,
);
