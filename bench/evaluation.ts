/**
 * Issue #12's figures: `diff` of a seeded Slack clone after 100 changes (the whole command,
 * target <= 300 ms), checkpoint save and restore (target: like reset, well under a second),
 * each beside `reset` measured in the same run, min/median/max over the runs.
 * Run: npm run build && node --import tsx bench/evaluation.ts [--runs 5]
 */
import { asym, benchHome, fmt, median, report } from './lib.js';

const runs = process.argv.includes('--runs') ? Number(process.argv[process.argv.indexOf('--runs') + 1]) : 5;
const home = benchHome(47900);
const slack = (await asym(home.env, 'spin', 'slack', '--seed', 'acme-corp', '--no-rate-limits', '--json'))
  .json;
const api = slack.endpoints.api;
const show = (values: number[]) =>
  `${fmt(Math.min(...values))} / ${fmt(median(values))} / ${fmt(Math.max(...values))}`;

async function hundredChanges(): Promise<void> {
  const headers = { authorization: `Bearer ${slack.tokens.botToken}`, 'content-type': 'application/json' };
  for (let i = 0; i < 100; i++) {
    const answer = await fetch(`${api}chat.postMessage`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ channel: 'C0ACME0GEN1', text: `change ${i}` }),
    });
    if (!answer.ok) throw new Error(`chat.postMessage: HTTP ${answer.status}`);
  }
}

try {
  const diffs: number[] = [];
  const resets: number[] = [];
  const saves: number[] = [];
  const restores: number[] = [];
  for (let run = 0; run < runs; run++) {
    resets.push((await asym(home.env, 'reset', slack.id, '--json')).ms);
    await hundredChanges();
    const diff = await asym(home.env, 'diff', slack.id, '--json');
    if (diff.json.changes.length !== 100)
      throw new Error(`expected 100 changes, got ${diff.json.changes.length}`);
    diffs.push(diff.ms);
    saves.push((await asym(home.env, 'snapshot', 'save', slack.id, 'bench', '--json')).ms);
    restores.push((await asym(home.env, 'snapshot', 'restore', slack.id, 'bench', '--json')).ms);
  }
  report(`evaluation toolkit on ${slack.id}, ${runs} runs (min / median / max, whole commands)`, [
    ['reset (baseline)', show(resets), ''],
    [
      'diff after 100 changes',
      show(diffs),
      `target <= 300 ms; ${(median(diffs) / median(resets)).toFixed(2)}x reset`,
    ],
    ['snapshot save', show(saves), `${(median(saves) / median(resets)).toFixed(2)}x reset`],
    [
      'snapshot restore',
      show(restores),
      `target: like reset; ${(median(restores) / median(resets)).toFixed(2)}x reset`,
    ],
  ]);
} finally {
  await asym(home.env, 'destroy', slack.id);
}
