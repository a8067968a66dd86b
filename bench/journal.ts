/**
 * Issue #12: the journal must not slow the API. chat.postMessage and POST /v1/customers at
 * 10 connections with the journal on and off, alternating in one run (the machine is shared
 * and noisy: only the ratio means something), min/median/max over the runs.
 * Run: npm run build && node --import tsx bench/journal.ts [--seconds 5] [--runs 3]
 */
import { asym, benchHome, median } from './lib.js';
import { type LoadRequest, load } from './load.js';

const arg = (name: string, fallback: number) =>
  process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : fallback;
const seconds = arg('--seconds', 5);
const runs = arg('--runs', 3);

const home = benchHome(47700);
const [slack, stripe] = (
  await asym(home.env, 'spin', 'slack', 'stripe', '--seed', 'acme-corp', '--no-rate-limits', '--json')
).json;
const registry = await import(`${home.dir}/registry.json`, { with: { type: 'json' } });
const adminToken = (id: string): string => registry.default.clones[id].adminToken;

async function journal(clone: { id: string; ports: { backend: number } }, enabled: boolean): Promise<void> {
  const answer = await fetch(`http://127.0.0.1:${clone.ports.backend}/_asym/journal`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${adminToken(clone.id)}`, 'content-type': 'application/json' },
    body: JSON.stringify({ enabled }),
  });
  if (!answer.ok) throw new Error(`journal toggle: HTTP ${answer.status}`);
}

const cases: Array<{ name: string; clone: typeof slack; origin: string; request: LoadRequest }> = [
  {
    name: 'chat.postMessage',
    clone: slack,
    origin: slack.endpoints.api.replace(/\/api\/$/, ''),
    request: {
      method: 'POST',
      path: '/api/chat.postMessage',
      headers: { authorization: `Bearer ${slack.tokens.botToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'C0ACME0GEN1', text: 'load test message' }),
    },
  },
  {
    name: 'POST /v1/customers',
    clone: stripe,
    origin: stripe.endpoints.api,
    request: {
      method: 'POST',
      path: '/v1/customers',
      headers: {
        authorization: `Bearer ${stripe.tokens.secretKey}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'email=load%40example.com&metadata[plan]=pro',
    },
  },
];

try {
  process.stdout.write(`\njournal on vs off, 10 connections, ${seconds} s per run, ${runs} runs each\n`);
  for (const c of cases) {
    const rps: Record<'on' | 'off', number[]> = { on: [], off: [] };
    for (let run = 0; run < runs; run++) {
      for (const state of run % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
        await journal(c.clone, state === 'on');
        rps[state].push((await load(c.name, c.origin, c.request, { connections: 10, seconds })).rps);
      }
    }
    await journal(c.clone, true);
    const show = (values: number[]) =>
      `${Math.min(...values).toFixed(0)}/${median(values).toFixed(0)}/${Math.max(...values).toFixed(0)}`;
    const ratio = median(rps.on) / median(rps.off);
    process.stdout.write(
      `  ${c.name.padEnd(22)} off ${show(rps.off).padStart(16)} req/s   on ${show(rps.on).padStart(16)} req/s   on/off ${ratio.toFixed(2)}x   target >= 0.90x\n`,
    );
  }
} finally {
  await asym(home.env, 'destroy', slack.id);
  await asym(home.env, 'destroy', stripe.id);
}
