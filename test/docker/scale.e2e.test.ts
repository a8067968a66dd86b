import { WebClient } from '@slack/web-api';
import Stripe from 'stripe';
import { afterAll, describe, expect, it } from 'vitest';
import { realHome } from '../support/real-cli.js';

/**
 * Ten seeded clones at once on the real engine (the 50-clone run is `bench/scale.ts`): one
 * `spin --count` makes them several at a time, each serves its own seeded data through the
 * official SDKs, one `env reset` resets them all, and `env destroy` leaves no container,
 * volume or network of the home behind.
 */
const home = realHome();
afterAll(() => home.destroyAll());

interface Spun {
  id: string;
  template: string;
  environment: string | null;
  ports: { backend: number };
  endpoints: { api: string };
  tokens: Record<string, string>;
}

describe('ten clones on one engine', () => {
  it('spins 5 Slack + 5 Stripe at once; all serve, reset together and destroy cleanly', async () => {
    const spun = await home.run(
      'spin',
      'slack',
      'stripe',
      '--count',
      '5',
      '--seed',
      'acme-corp',
      '-g',
      'ten',
      '--json',
    );
    expect(spun.exitCode, spun.stderr).toBe(0);
    const clones: Spun[] = spun.json();
    expect(clones.map((c) => c.template)).toEqual([...Array(5).fill('slack'), ...Array(5).fill('stripe')]);
    expect(new Set(clones.map((c) => c.id)).size).toBe(10);
    expect(new Set(clones.map((c) => c.ports.backend)).size).toBe(10);
    expect(clones.every((c) => c.environment === 'ten')).toBe(true);

    // Each clone answers with its own tokens and its own seeded data.
    const serve = () =>
      Promise.all(
        clones.map(async (clone) => {
          if (clone.template === 'slack') {
            const slack = new WebClient(clone.tokens.botToken, {
              slackApiUrl: clone.endpoints.api,
              retryConfig: { retries: 0 },
            });
            const auth = await slack.auth.test();
            const channels = await slack.conversations.list({ limit: 100 });
            return { id: clone.id, ok: auth.ok === true, count: channels.channels?.length ?? 0 };
          }
          const url = new URL(clone.endpoints.api);
          const stripe = new Stripe(clone.tokens.secretKey!, {
            host: url.hostname,
            port: Number(url.port),
            protocol: 'http',
            maxNetworkRetries: 0,
          });
          const customers = await stripe.customers.list({ limit: 100 });
          return { id: clone.id, ok: true, count: customers.data.length };
        }),
      );
    const before = await serve();
    expect(before.every((r) => r.ok && r.count > 0)).toBe(true);

    // A write to one clone is its own: the others do not see it, and reset removes it.
    const [firstStripe] = clones.filter((c) => c.template === 'stripe');
    const url = new URL(firstStripe!.endpoints.api);
    const stripe = new Stripe(firstStripe!.tokens.secretKey!, {
      host: url.hostname,
      port: Number(url.port),
      protocol: 'http',
      maxNetworkRetries: 0,
    });
    await stripe.customers.create({ email: 'only-here@example.com' });
    const after = await serve();
    expect(after.find((r) => r.id === firstStripe!.id)!.count).toBe(
      before.find((r) => r.id === firstStripe!.id)!.count + 1,
    );
    expect(after.filter((r) => r.id !== firstStripe!.id)).toEqual(
      before.filter((r) => r.id !== firstStripe!.id),
    );

    const reset = await home.run('env', 'reset', 'ten', '--json');
    expect(reset.exitCode, reset.stderr).toBe(0);
    expect(reset.json().members).toHaveLength(10);
    expect(await serve()).toEqual(before);

    const status = await home.run('env', 'status', 'ten', '--json');
    expect(status.json()[0]).toMatchObject({ name: 'ten', state: 'running' });

    const destroyed = await home.run('env', 'destroy', 'ten', '--json');
    expect(destroyed.exitCode, destroyed.stderr).toBe(0);
    expect(destroyed.json().destroyed.sort()).toEqual(clones.map((c) => c.id).sort());
    expect(await home.objects()).toEqual({ containers: [], volumes: [], networks: [] });
    expect((await home.run('status', '--json')).json()).toEqual([]);
  }, 600_000);
});
