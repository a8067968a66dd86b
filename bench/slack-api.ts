/**
 * Issue #3's targets: chat.postMessage and conversations.history against one Slack clone,
 * load from this machine: p50 <= 5 ms, >= 1,500 requests/s sustained. The clone is spun
 * with --no-rate-limits (Slack's tiers would cap chat.postMessage at about 1/s).
 * Run: npm run build && node --import tsx bench/slack-api.ts [--seconds 10]
 */
import { asym, benchHome } from './lib.js';
import { measure, printLoad } from './load.js';

const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 10;
const home = benchHome(47500);
const clone = (await asym(home.env, 'spin', 'slack', '--seed', 'acme-corp', '--no-rate-limits', '--json'))
  .json;
const origin = clone.endpoints.api.replace(/\/api\/$/, '');
try {
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
    await measure(
      'chat.postMessage',
      origin,
      {
        method: 'POST',
        path: '/api/chat.postMessage',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ channel: channel.id, text: 'load test message' }),
      },
      { seconds, isError: slackError },
    ),
    await measure(
      'conversations.history (limit 20)',
      origin,
      {
        method: 'GET',
        path: `/api/conversations.history?channel=${channel.id}&limit=20`,
        headers: { authorization: `Bearer ${token}` },
      },
      { seconds, isError: slackError },
    ),
  ];
  printLoad(`slack clone ${clone.id} (${seconds} s per run)`, results, 'targets: p50 <= 5 ms, >= 1500 req/s');
} finally {
  await asym(home.env, 'destroy', clone.id);
}
