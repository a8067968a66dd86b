// Regenerates test/support/slack-reference-examples.json: the success examples (`"ok": true`)
// of the Slack Web API methods the clone serves, from slack-api-ref (MIT, in the team's shared
// reference folder), so the shape tests run on machines that only have this repository.
// Run: node scripts/slack-reference-examples.mjs [path to slack-api-ref]
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const GROUPS = ['api', 'auth', 'bookmarks', 'bots', 'chat', 'conversations', 'emoji', 'files', 'pins'];
GROUPS.push('reactions', 'reminders', 'search', 'team', 'usergroups', 'users');
const source =
  process.argv[2] ?? fileURLToPath(new URL('../../shared/reference/slack-api-ref', import.meta.url));

const methods = {};
for (const group of GROUPS) {
  for (const file of readdirSync(join(source, 'methods', group)).sort()) {
    if (!file.endsWith('.json')) continue;
    const doc = JSON.parse(readFileSync(join(source, 'methods', group, file), 'utf8'));
    const examples = (doc.response?.examples ?? [])
      .map((text) => {
        try {
          return JSON.parse(text);
        } catch {
          return null;
        }
      })
      .filter((example) => example?.ok === true);
    if (examples.length > 0) methods[doc.name] = examples;
  }
}
// MIT asks for its notice with every substantial copy: the whole of it travels along.
const license = readFileSync(join(source, 'LICENSE.md'), 'utf8').trim();
const out = fileURLToPath(new URL('../test/support/slack-reference-examples.json', import.meta.url));
writeFileSync(
  out,
  `${JSON.stringify({ source: 'slack-api-ref (github.com/slack-ruby/slack-api-ref)', license, methods }, null, 1)}\n`,
);
console.log(`wrote ${Object.keys(methods).length} methods to ${out}`);
