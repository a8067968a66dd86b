import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { WebClient } from '@slack/web-api';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackApp } from '../../templates/slack/backend/app.js';
import { slackTemplate } from '../../templates/slack/backend/template.js';
import type { SlackTokens } from '../../templates/slack/backend/tokens.js';
import { createStripeApp } from '../../templates/stripe/backend/app.js';
import { stripeTemplate } from '../../templates/stripe/backend/template.js';
import type { StripeTokens } from '../../templates/stripe/backend/tokens.js';
import { type CloneInfra, startCloneInfra } from '../support/clone-db.js';
import { type RunningBackend, startBackend } from './harness.js';

/**
 * The kit's MCP server in-process (fast): the tool list against the reference Slack server,
 * auth, results as the vendor's JSON, errors as tool errors with the vendor's code, and
 * the journal. test/docker/mcp.e2e.test.ts proves the same against spun clones.
 */

let infra: CloneInfra;
let slack: RunningBackend<object, SlackTokens>;
let stripeClone: RunningBackend<object, StripeTokens>;
let slackTokens: SlackTokens;
let stripeTokens: StripeTokens;

async function connect(url: string, token?: string): Promise<Client> {
  const client = new Client({ name: 'asym-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
      requestInit: token ? { headers: { authorization: `Bearer ${token}` } } : {},
    }),
  );
  return client;
}

// biome-ignore lint/suspicious/noExplicitAny: tests read vendor JSON freely
const json = (result: unknown): any =>
  JSON.parse(((result as CallToolResult).content[0] as { text: string }).text);

beforeAll(async () => {
  infra = await startCloneInfra();
  slack = (await startBackend(infra, {
    template: slackTemplate,
    createApp: (deps) => createSlackApp({ ...deps, rateLimits: { enabled: false } }),
    database: 'slack_mcp',
    seedFixture: 'acme-corp',
  })) as RunningBackend<object, SlackTokens>;
  stripeClone = (await startBackend(infra, {
    template: stripeTemplate,
    createApp: (deps) => createStripeApp(deps),
    database: 'stripe_mcp',
    seedFixture: 'acme-corp',
  })) as RunningBackend<object, StripeTokens>;
  slackTokens = (await slack.admin('/tokens')).body;
  stripeTokens = (await stripeClone.admin('/tokens')).body;
}, 180_000);

afterAll(async () => {
  await slack?.close();
  await stripeClone?.close();
  await infra?.stop();
});

describe('Slack MCP (in-process)', () => {
  it('lists the reference server-slack tools with its names, argument names and required lists', async () => {
    const reference = new Client({ name: 'asym-test', version: '1.0.0' });
    await reference.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [fileURLToPath(import.meta.resolve('@modelcontextprotocol/server-slack/dist/index.js'))],
        // It only needs the variables to start; listing tools makes no Slack call.
        env: { PATH: process.env.PATH ?? '', SLACK_BOT_TOKEN: 'xoxb-unused', SLACK_TEAM_ID: 'T0' },
        stderr: 'ignore',
      }),
    );
    const expected = (await reference.listTools()).tools;
    await reference.close();
    const client = await connect(slack.url, slackTokens.botToken);
    const ours = new Map((await client.listTools()).tools.map((tool) => [tool.name, tool]));
    await client.close();
    expect(expected).toHaveLength(8);
    const shape = (tool: Tool) => ({
      properties: Object.keys(tool.inputSchema.properties ?? {}).sort(),
      required: [...(tool.inputSchema.required ?? [])].sort(),
      types: Object.fromEntries(
        Object.entries(tool.inputSchema.properties ?? {}).map(([key, value]) => [
          key,
          (value as { type?: string }).type,
        ]),
      ),
    });
    for (const tool of expected) {
      expect(ours.has(tool.name), tool.name).toBe(true);
      expect(shape(ours.get(tool.name) as Tool), tool.name).toEqual(shape(tool));
    }
  });

  it('answers 401 with no token and with a wrong one, and serves no tools', async () => {
    for (const authorization of [undefined, 'Bearer xoxb-not-a-real-token']) {
      const response = await fetch(`${slack.url}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...(authorization ? { authorization } : {}),
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
      });
      expect(response.status).toBe(401);
      expect(JSON.stringify(await response.json())).not.toContain('slack_post_message');
    }
    await expect(connect(slack.url)).rejects.toMatchObject({ code: 401 });
  });

  it('answers malformed, oversized and GET requests with JSON-RPC errors, never a 5xx', async () => {
    const post = (body: string) =>
      fetch(`${slack.url}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          authorization: `Bearer ${slackTokens.botToken}`,
        },
        body,
      });
    const malformed = await post('{"jsonrpc": "2.0", "id": 1, "method": ');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32700 } });
    const huge = await post(
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(9 * 1024 * 1024) } }),
    );
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32600 } });
    const get = await fetch(`${slack.url}/mcp`, {
      headers: { authorization: `Bearer ${slackTokens.botToken}` },
    });
    expect(get.status).toBe(405);
  });

  it('posts as the bot, returns what the API returned, and journals the tool call and the API call', async () => {
    const client = await connect(slack.url, slackTokens.botToken);
    const web = new WebClient(slackTokens.botToken, { slackApiUrl: `${slack.url}/api/` });
    const channels = json(await client.callTool({ name: 'slack_list_channels', arguments: {} }));
    expect(channels.ok).toBe(true);
    const general = channels.channels.find((c: { name: string }) => c.name === 'general');
    const posted = json(
      await client.callTool({
        name: 'slack_post_message',
        arguments: { channel_id: general.id, text: 'via mcp' },
      }),
    );
    expect(posted).toMatchObject({ ok: true, channel: general.id, message: { text: 'via mcp' } });
    const history = await web.conversations.history({ channel: general.id, limit: 1 });
    expect(history.messages?.[0]).toMatchObject({
      ts: posted.ts,
      text: 'via mcp',
      user: slackTokens.botUserId,
    });

    const failed = (await client.callTool({
      name: 'slack_post_message',
      arguments: { channel_id: 'C0NOSUCHCHAN', text: 'x' },
    })) as CallToolResult;
    expect(failed.isError).toBe(true);
    expect(json(failed)).toEqual(expect.objectContaining({ ok: false, error: 'channel_not_found' }));
    await client.close();

    const journal = (await (
      await fetch(`${slack.url}/_asym/journal`, {
        headers: { authorization: `Bearer ${slack.adminToken}` },
      })
    ).json()) as {
      entries: Array<{ method: string; ok: boolean; error: string | null; actor: string | null }>;
    };
    const methods = journal.entries.map((entry) => entry.method);
    expect(methods).toContain('mcp:slack_post_message');
    expect(methods).toContain('chat.postMessage');
    expect(
      journal.entries.filter((entry) => entry.method === 'mcp:slack_post_message').map((e) => e.error),
    ).toEqual([null, 'channel_not_found']);
  });
});

describe('Stripe MCP (in-process)', () => {
  it('creates and finds a customer with the secret key; errors carry Stripe codes; unserved tools say so', async () => {
    const client = await connect(stripeClone.url, stripeTokens.secretKey);
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    expect(names).toEqual(
      expect.arrayContaining(['create_customer', 'list_customers', 'search_stripe_documentation']),
    );
    const created = json(
      await client.callTool({
        name: 'create_customer',
        arguments: { name: 'Ada', email: 'ada@example.com' },
      }),
    );
    expect(created).toMatchObject({ object: 'customer', name: 'Ada', email: 'ada@example.com' });
    const sdk = new Stripe(stripeTokens.secretKey, {
      host: '127.0.0.1',
      port: Number(new URL(stripeClone.url).port),
      protocol: 'http',
    });
    expect((await sdk.customers.retrieve(created.id)) as Stripe.Customer).toMatchObject({ name: 'Ada' });

    const missing = (await client.callTool({
      name: 'retrieve_customer',
      arguments: { customer: 'cus_nope' },
    })) as CallToolResult;
    expect(missing.isError).toBe(true);
    expect(json(missing).error.code).toBe('resource_missing');

    const link = (await client.callTool({
      name: 'create_payment_link',
      arguments: { price: 'price_x', quantity: 1 },
    })) as CallToolResult;
    // A real payment link now: a missing price is Stripe's own error.
    expect(link.isError).toBe(true);
    expect(json(link).error.code).toBe('resource_missing');
    await client.close();
    await expect(connect(stripeClone.url, 'sk_test_wrong')).rejects.toMatchObject({ code: 401 });
  });
});
