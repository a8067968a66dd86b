// How much of Stripe's v1 API a clone answers: walks the `stripe` package's resource
// namespaces (every v1 resource, nested ones like `checkout.sessions` included), calls one
// harmless method of each and counts those whose route the clone knows.
//
//   node --import tsx scripts/stripe-coverage.ts [--url http://127.0.0.1:3003 --key sk_test_...] [--json]
//
// Without --url it spins a Stripe clone with the built CLI (npm run build first) and
// destroys it afterwards.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Stripe from 'stripe';

/** Probe ids: never a real object, so a known route answers resource_missing, not a change. */
const PROBE_ID = 'asym_coverage_probe';
/** The order methods are tried in: reads first, then a create the clone refuses for want of params. */
const PREFERRED = ['list', 'retrieve', 'search', 'create', 'del'];

type Resource = Record<string, unknown> & { _makeRequest: unknown };

export interface Coverage {
  responding: string[];
  missing: string[];
  total: number;
}

/** `checkout.sessions`, `customers`...: the v1 resources of an SDK client (v2 and OAuth left out). */
export function v1Resources(stripe: Stripe): Array<[name: string, resource: Resource]> {
  const out: Array<[string, Resource]> = [];
  const seen = new WeakSet<object>([stripe]);
  const walk = (holder: Record<string, unknown>, prefix: string) => {
    for (const key of Object.keys(holder)) {
      if (key.startsWith('_') || key === 'v2' || key === 'oauth') continue;
      const value = holder[key];
      if (typeof value !== 'object' || value === null || seen.has(value)) continue;
      seen.add(value);
      if (typeof (value as Resource)._makeRequest === 'function')
        out.push([`${prefix}${key}`, value as Resource]);
      else walk(value as Record<string, unknown>, `${prefix}${key}.`);
    }
  };
  walk(stripe as unknown as Record<string, unknown>, '');
  return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function methodsOf(resource: Resource): string[] {
  const names = Object.getOwnPropertyNames(Object.getPrototypeOf(resource)).filter(
    (name) => name !== 'constructor' && typeof resource[name] === 'function',
  );
  const preferred = PREFERRED.filter((name) => names.includes(name));
  return [...preferred, ...names.filter((name) => !preferred.includes(name))];
}

const unrecognized = (error: unknown) =>
  error instanceof Stripe.errors.StripeError &&
  error.statusCode === 404 &&
  /^Unrecognized request URL/.test(error.message);

/**
 * Whether the clone knows the resource: the first method the SDK sends (one that fails in
 * the SDK itself, for missing options, is skipped) answers anything but Stripe's
 * `Unrecognized request URL` 404. A `resource_missing` for the probe id counts: the route
 * exists, there is just no such object.
 */
async function responds(resource: Resource): Promise<boolean> {
  for (const name of methodsOf(resource)) {
    const method = resource[name] as (...args: unknown[]) => Promise<unknown>;
    // Methods take their path ids first, then params and options.
    const ids = Array.from({ length: Math.max(0, method.length - 2) }, () => PROBE_ID);
    try {
      await method.call(resource, ...ids, name === 'list' || name === 'search' ? { limit: 1 } : {});
      return true;
    } catch (error) {
      if (unrecognized(error)) return false;
      if (error instanceof Stripe.errors.StripeConnectionError) throw error;
      if (error instanceof Stripe.errors.StripeError) return true;
      // Refused by the SDK before any request (a required option missing): try the next method.
    }
  }
  return false;
}

export async function stripeCoverage(stripe: Stripe): Promise<Coverage> {
  const responding: string[] = [];
  const missing: string[] = [];
  const resources = v1Resources(stripe);
  for (const [name, resource] of resources) ((await responds(resource)) ? responding : missing).push(name);
  return { responding, missing, total: resources.length };
}

export function clientFor(url: string, key: string): Stripe {
  const origin = new URL(url);
  return new Stripe(key, {
    host: origin.hostname,
    port: Number(origin.port || (origin.protocol === 'https:' ? 443 : 80)),
    protocol: origin.protocol === 'https:' ? 'https' : 'http',
    maxNetworkRetries: 0,
    timeout: 10_000,
  });
}

async function main() {
  const { values } = parseArgs({
    options: { url: { type: 'string' }, key: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const cli = fileURLToPath(new URL('../dist/cli/asymmetric.mjs', import.meta.url));
  let url = values.url;
  let key = values.key;
  let spun: string | null = null;
  if (url === undefined) {
    const clone = JSON.parse(execFileSync('node', [cli, 'spin', 'stripe', '--json'], { encoding: 'utf8' }));
    const first = Array.isArray(clone) ? clone[0] : clone;
    spun = first.id as string;
    url = first.endpoints.api as string;
    key = first.tokens.secretKey as string;
  }
  if (key === undefined)
    throw new Error("--key is needed with --url (the clone's secret key, from `asymmetric tokens <id>`)");
  try {
    const coverage = await stripeCoverage(clientFor(url, key));
    if (values.json) {
      console.log(JSON.stringify(coverage, null, 2));
    } else {
      console.log(`${coverage.responding.length} of ${coverage.total} v1 resources respond (not 404)`);
      console.log(`not answered: ${coverage.missing.join(', ')}`);
    }
  } finally {
    if (spun) execFileSync('node', [cli, 'destroy', spun], { stdio: 'ignore' });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
