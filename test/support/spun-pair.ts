import { WebClient } from '@slack/web-api';
import Stripe from 'stripe';
import { expect } from 'vitest';
import type { RealHome } from './real-cli.js';

/**
 * A seeded Slack clone and a seeded Stripe clone in one environment, spun by the built CLI
 * (rate limits off: suites call faster than Slack's tiers allow), with an SDK client for
 * each: what the evaluation-toolkit suites start from.
 */
export interface SpunPair {
  // biome-ignore lint/suspicious/noExplicitAny: CLI JSON
  slack: any;
  // biome-ignore lint/suspicious/noExplicitAny: CLI JSON
  stripe: any;
  bot: WebClient;
  sk: Stripe;
}

export async function spinSlackAndStripe(home: RealHome, environment: string): Promise<SpunPair> {
  const spun = await home.run(
    'spin',
    'slack',
    'stripe',
    '--seed',
    'acme-corp',
    '--no-rate-limits',
    '--group',
    environment,
    '--json',
  );
  expect(spun.exitCode, spun.stderr).toBe(0);
  const [slack, stripe] = spun.json();
  const url = new URL(stripe.endpoints.api);
  return {
    slack,
    stripe,
    bot: new WebClient(slack.tokens.botToken, {
      slackApiUrl: slack.endpoints.api,
      retryConfig: { retries: 0 },
    }),
    sk: new Stripe(stripe.tokens.secretKey, {
      host: url.hostname,
      port: Number(url.port),
      protocol: 'http',
      maxNetworkRetries: 0,
    }),
  };
}
