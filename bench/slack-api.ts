/**
 * Issue #3's targets: chat.postMessage and conversations.history against one Slack clone,
 * load from this machine: p50 <= 5 ms, >= 1,500 requests/s sustained. Slack's tier rate
 * limits are turned off for the clone first (they would cap chat.postMessage at 1/s).
 * Run: npm run build && node --import tsx bench/slack-api.ts [--seconds 10]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { asym, benchHome } from './lib.js';
import { load, printLoad } from './load.js';

const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 10;
const home = benchHome(47500);
const clone = (await asym(home.env, 'spin', 'slack', '--seed', 'acme-corp', '--json')).json;
const origin = clone.endpoints.api.replace(/\/api\/$/, '');
try {
  const registry = JSON.parse(readFileSync(join(home.dir, 'registry.json'), 'utf8'));
  const admin = await fetch(`${origin}/_asym/rate-limits`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${registry.clones[clone.id].adminToken}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ enabled: false }),
  });
  if (!admin.ok) throw new Error(`could not turn rate limits off: HTTP ${admin.status}`);

  const token = clone.tokens.userToken;
  const list = await fetch(`${origin}/api/conversations.list?limit=200`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const channel = (
    (await list.json()) as { channels: Array<{ id: string; is_member: boolean }> }
  ).channels.find((c) => c.is_member);
  if (!channel) throw new Error('the seeded user is in no channel');
  const slackError = (status: number, body: string) => status !== 200 || !body.startsWith('{"ok":true');
  const results = [
    await load(
      'chat.postMessage',
      origin,
      {
        method: 'POST',
        path: '/api/chat.postMessage',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ channel: channel.id, text: 'load test message' }),
      },
      { connections: 10, seconds, isError: slackError },
    ),
    await load(
      'conversations.history (limit 20)',
      origin,
      {
        method: 'GET',
        path: `/api/conversations.history?channel=${channel.id}&limit=20`,
        headers: { authorization: `Bearer ${token}` },
      },
      { connections: 10, seconds, isError: slackError },
    ),
  ];
  printLoad(
    `slack clone ${clone.id} (10 connections, ${seconds} s each)`,
    results,
    'targets: p50 <= 5 ms, >= 1500 req/s',
  );
} finally {
  await asym(home.env, 'destroy', clone.id);
}
