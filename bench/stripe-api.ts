/**
 * Issue #4's targets: customer create and list against one Stripe clone, load from this
 * machine: p50 <= 5 ms, >= 1,000 requests/s sustained.
 * Run: npm run build && node --import tsx bench/stripe-api.ts [--seconds 10]
 */
import { asym, benchHome } from './lib.js';
import { measure, printLoad } from './load.js';

const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 10;
const home = benchHome(47400);
const clone = (await asym(home.env, 'spin', 'stripe', '--seed', 'acme-corp', '--json')).json;
const auth = { authorization: `Bearer ${clone.tokens.secretKey}` };
try {
  const results = [
    await measure(
      'POST /v1/customers',
      clone.endpoints.api,
      {
        method: 'POST',
        path: '/v1/customers',
        headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'email=bench%40example.com&name=Bench&metadata[source]=bench',
      },
      { seconds },
    ),
    await measure(
      'GET /v1/customers?limit=10',
      clone.endpoints.api,
      { method: 'GET', path: '/v1/customers?limit=10', headers: auth },
      { seconds },
    ),
  ];
  printLoad(
    `stripe clone ${clone.id} (${seconds} s per run)`,
    results,
    'targets: p50 <= 5 ms, >= 1000 req/s',
  );
} finally {
  await asym(home.env, 'destroy', clone.id);
}
