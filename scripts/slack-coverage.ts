/**
 * How much of Slack's Web API a clone answers: walks every method of @slack/web-api's
 * WebClient (admin.* aside), calls each once with minimal arguments and counts those that
 * answer with anything but `unknown_method`.
 *
 *   node --import tsx scripts/slack-coverage.ts <clone-id>            (a clone the CLI spun)
 *   node --import tsx scripts/slack-coverage.ts --url <api url> --token <xoxb-...>
 *
 * The calls go out with the bot token and minimal arguments, so they mostly answer with
 * argument or permission errors and change little; `auth.revoke` is asked with `test`.
 * Reset the clone afterwards for a clean state.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, type WebAPIPlatformError, WebClient } from '@slack/web-api';

export interface SlackCoverage {
  /** Every non-admin method name the WebClient offers, sorted. */
  methods: string[];
  /** Those the clone answered. */
  answered: string[];
  /** Those it answered with unknown_method. */
  missing: string[];
}

// WebClient helpers that are not Web API methods: uploadV2 runs files.getUploadURLExternal
// and files.completeUploadExternal (both counted on their own).
const NOT_METHODS = new Set(['files.uploadV2']);

// Arguments some methods need so the call is harmless: auth.revoke would revoke the token.
const ARGUMENTS: Record<string, Record<string, unknown>> = { 'auth.revoke': { test: true } };

/** The method names a WebClient exposes: `chat.postMessage` for client.chat.postMessage. */
export function webClientMethods(client = new WebClient()): string[] {
  const names: string[] = [];
  const walk = (node: Record<string, unknown>, prefix: string, depth: number) => {
    for (const [key, value] of Object.entries(node)) {
      const name = `${prefix}.${key}`;
      if (typeof value === 'function') names.push(name);
      else if (value && typeof value === 'object' && depth < 5)
        walk(value as Record<string, unknown>, name, depth + 1);
    }
  };
  for (const [key, value] of Object.entries(client)) {
    // Method families are plain objects; the client's own state (logger, axios ...) is not.
    if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      walk(value as Record<string, unknown>, key, 0);
    }
  }
  return names.filter((name) => !name.startsWith('admin.') && !NOT_METHODS.has(name)).sort();
}

/** Calls every method once against the clone at `apiUrl` (…/api/) with `token`. */
export async function slackCoverage(options: { apiUrl: string; token: string }): Promise<SlackCoverage> {
  const client = new WebClient(options.token, {
    slackApiUrl: options.apiUrl.endsWith('/') ? options.apiUrl : `${options.apiUrl}/`,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
  });
  const methods = webClientMethods();
  const answered: string[] = [];
  const missing: string[] = [];
  // One call per method, one after another: 184 requests, each bounded by the timeout.
  for (const method of methods) {
    try {
      await client.apiCall(method, ARGUMENTS[method] ?? {});
      answered.push(method);
    } catch (error) {
      const platform = error as WebAPIPlatformError;
      if (platform.code === ErrorCode.PlatformError && platform.data.error === 'unknown_method')
        missing.push(method);
      else if (platform.code === ErrorCode.PlatformError || platform.code === ErrorCode.RateLimitedError)
        answered.push(method);
      else throw error;
    }
  }
  return { methods, answered, missing };
}

export const coverageLine = (coverage: SlackCoverage) =>
  `${coverage.answered.length} of ${coverage.methods.length} non-admin methods answer (not unknown_method)`;

/** The clone's API URL and bot token, from the arguments or the CLI's registry. */
function target(argv: string[]): { apiUrl: string; token: string } {
  const flag = (name: string) => {
    const at = argv.indexOf(name);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const url = flag('--url');
  const token = flag('--token');
  if (url && token) return { apiUrl: url, token };
  const id = argv.find((arg) => !arg.startsWith('--'));
  if (!id) {
    throw new Error('usage: slack-coverage.ts <clone-id> | --url <api url> --token <xoxb-...>');
  }
  const cli = fileURLToPath(new URL('../dist/cli/asymmetric.mjs', import.meta.url));
  const run = (...args: string[]) =>
    JSON.parse(execFileSync(process.execPath, [cli, ...args, '--json'], { encoding: 'utf8' }));
  const clones = run('status') as Array<{ id: string; endpoints: { api?: string } }>;
  const clone = clones.find((c) => c.id === id);
  if (!clone?.endpoints.api)
    throw new Error(`no running clone ${id} with an API endpoint (asymmetric status)`);
  return { apiUrl: clone.endpoints.api, token: (run('tokens', id) as { botToken: string }).botToken };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  try {
    const coverage = await slackCoverage(target(process.argv.slice(2)));
    console.log(coverageLine(coverage));
    if (coverage.missing.length > 0) {
      console.log(`missing (${coverage.missing.length}):\n  ${coverage.missing.join('\n  ')}`);
    }
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}
