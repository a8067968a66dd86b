import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { WebClient } from '@slack/web-api';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, type RealHome, realHome } from '../support/real-cli.js';

/**
 * MCP on the real engine: every clone serves its tools over Streamable HTTP at
 * `endpoints.mcp` with its own credential, and `asymmetric mcp <clone|env>` serves them
 * over stdio. Driven by the official MCP client; every effect checked through the vendor
 * SDKs, every call in `trace`.
 */
let home: RealHome;
// biome-ignore lint/suspicious/noExplicitAny: CLI JSON
let slack: any;
// biome-ignore lint/suspicious/noExplicitAny: CLI JSON
let slack2: any;
// biome-ignore lint/suspicious/noExplicitAny: CLI JSON
let stripe: any;
let bot: WebClient;
let sk: Stripe;
const open: Client[] = [];

const GENERAL = 'C0ACME0GEN1';
const TEAMMATE = 'U0ACME00M02';

async function http(url: string, token?: string): Promise<Client> {
  const client = new Client({ name: 'asym-e2e', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: token ? { headers: { authorization: `Bearer ${token}` } } : {},
    }),
  );
  open.push(client);
  return client;
}

async function stdio(target: string): Promise<Client> {
  const client = new Client({ name: 'asym-e2e', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [CLI, 'mcp', target],
      env: { PATH: process.env.PATH ?? '', ASYM_HOME: home.dir },
      stderr: 'pipe',
    }),
  );
  open.push(client);
  return client;
}

/** Calls a tool and answers the vendor JSON it returned; a tool error fails the test with its text. */
// biome-ignore lint/suspicious/noExplicitAny: vendor JSON
async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<any> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = (result.content[0] as { text: string }).text;
  expect(result.isError ?? false, `${name}: ${text}`).toBe(false);
  return JSON.parse(text);
}

/** Calls a tool that must fail, answering its result (isError, the vendor's JSON). */
// biome-ignore lint/suspicious/noExplicitAny: vendor JSON
async function fails(client: Client, name: string, args: Record<string, unknown> = {}): Promise<any> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  expect(result.isError, name).toBe(true);
  return JSON.parse((result.content[0] as { text: string }).text);
}

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));

const SLACK_REFERENCE_TOOLS = [
  'slack_list_channels',
  'slack_post_message',
  'slack_reply_to_thread',
  'slack_add_reaction',
  'slack_get_channel_history',
  'slack_get_thread_replies',
  'slack_get_users',
  'slack_get_user_profile',
];
const SLACK_EXTRA_TOOLS = [
  'slack_search_messages',
  'slack_open_dm',
  'slack_send_dm',
  'slack_create_channel',
  'slack_archive_channel',
  'slack_join_channel',
  'slack_invite_to_channel',
  'slack_set_channel_topic',
  'slack_update_message',
  'slack_delete_message',
  'slack_remove_reaction',
  'slack_upload_file',
  'slack_schedule_message',
];
const STRIPE_TOOLKIT_TOOLS = [
  'create_customer',
  'list_customers',
  'create_product',
  'list_products',
  'create_price',
  'list_prices',
  'create_payment_link',
  'create_invoice',
  'list_invoices',
  'create_invoice_item',
  'finalize_invoice',
  'send_invoice',
  'retrieve_balance',
  'create_refund',
  'list_payment_intents',
  'list_subscriptions',
  'cancel_subscription',
  'update_subscription',
  'list_coupons',
  'create_coupon',
  'list_disputes',
  'update_dispute',
  'search_stripe_documentation',
];

beforeAll(async () => {
  home = realHome();
  const spun = await home.run(
    'spin',
    'slack',
    'slack',
    'stripe',
    '--seed',
    'acme-corp',
    '--no-rate-limits',
    '--group',
    'acme',
    '--json',
  );
  expect(spun.exitCode, spun.stderr).toBe(0);
  [slack, slack2, stripe] = spun.json();
  bot = new WebClient(slack.tokens.botToken, {
    slackApiUrl: slack.endpoints.api,
    retryConfig: { retries: 0 },
  });
  const url = new URL(stripe.endpoints.api);
  sk = new Stripe(stripe.tokens.secretKey, {
    host: url.hostname,
    port: Number(url.port),
    protocol: 'http',
    maxNetworkRetries: 0,
  });
});
afterAll(async () => {
  await Promise.all(open.map((client) => client.close().catch(() => {})));
  await home?.destroyAll();
});

describe('endpoints.mcp', () => {
  it('is in the clone JSON of spin and status, on the backend port', async () => {
    expect(slack.endpoints.mcp).toBe(`http://127.0.0.1:${slack.ports.backend}/mcp`);
    expect(stripe.endpoints.mcp).toBe(`http://127.0.0.1:${stripe.ports.backend}/mcp`);
    const status = await home.run('status', stripe.id, '--json');
    expect(status.json()[0].endpoints.mcp).toBe(stripe.endpoints.mcp);
  });

  it('answers 401 and no tools without a token or with a wrong one', async () => {
    for (const [url, authorization] of [
      [slack.endpoints.mcp, undefined],
      [slack.endpoints.mcp, 'Bearer xoxb-0-0-wrong'],
      [slack.endpoints.mcp, `Bearer ${slack2.tokens.botToken}`], // another clone's token
      [stripe.endpoints.mcp, undefined],
      [stripe.endpoints.mcp, 'Bearer sk_test_wrong'],
      [stripe.endpoints.mcp, `Bearer ${stripe.tokens.publishableKey}`],
    ]) {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...(authorization ? { authorization } : {}),
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
      });
      expect(response.status, `${url} ${authorization}`).toBe(401);
      expect(await response.text()).not.toMatch(/slack_post_message|create_customer/);
    }
    await expect(http(slack.endpoints.mcp)).rejects.toMatchObject({ code: 401 });
    await expect(http(stripe.endpoints.mcp, 'sk_test_wrong')).rejects.toMatchObject({ code: 401 });
  });
});

describe('Slack over Streamable HTTP', () => {
  it('lists the reference server-slack tools and the extra ones', async () => {
    const client = await http(slack.endpoints.mcp, slack.tokens.botToken);
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining([...SLACK_REFERENCE_TOOLS, ...SLACK_EXTRA_TOOLS]));
  });

  it('runs every tool as the bot (or the person), with effects the Web API shows', async () => {
    const asBot = await http(slack.endpoints.mcp, slack.tokens.botToken);
    const asPerson = await http(slack.endpoints.mcp, slack.tokens.userToken);
    const botUser = slack.tokens.botUserId;

    const channels = await call(asBot, 'slack_list_channels', { limit: 50 });
    expect(channels.channels.map((c: { id: string }) => c.id)).toContain(GENERAL);

    const posted = await call(asBot, 'slack_post_message', {
      channel_id: GENERAL,
      text: 'standup in 5 (mcp)',
    });
    expect(posted).toMatchObject({ ok: true, channel: GENERAL, message: { user: botUser } });
    const reply = await call(asBot, 'slack_reply_to_thread', {
      channel_id: GENERAL,
      thread_ts: posted.ts,
      text: 'moved to 10',
    });
    expect(
      (await bot.conversations.replies({ channel: GENERAL, ts: posted.ts })).messages?.map((m) => m.ts),
    ).toEqual([posted.ts, reply.ts]);
    const history = await call(asBot, 'slack_get_channel_history', { channel_id: GENERAL, limit: 5 });
    expect(history.messages[0]).toMatchObject({ ts: posted.ts, text: 'standup in 5 (mcp)', user: botUser });
    const replies = await call(asBot, 'slack_get_thread_replies', {
      channel_id: GENERAL,
      thread_ts: posted.ts,
    });
    expect(replies.messages.map((m: { text: string }) => m.text)).toEqual([
      'standup in 5 (mcp)',
      'moved to 10',
    ]);

    await call(asBot, 'slack_add_reaction', { channel_id: GENERAL, timestamp: posted.ts, reaction: 'eyes' });
    const reacted = await bot.reactions.get({ channel: GENERAL, timestamp: posted.ts });
    expect(reacted.message?.reactions).toEqual([expect.objectContaining({ name: 'eyes', users: [botUser] })]);
    await call(asBot, 'slack_remove_reaction', {
      channel_id: GENERAL,
      timestamp: posted.ts,
      reaction: 'eyes',
    });
    expect(
      (await bot.reactions.get({ channel: GENERAL, timestamp: posted.ts })).message?.reactions,
    ).toBeUndefined();

    await call(asBot, 'slack_update_message', {
      channel_id: GENERAL,
      timestamp: posted.ts,
      text: 'standup at 10',
    });
    expect(
      (await bot.conversations.history({ channel: GENERAL, latest: posted.ts, inclusive: true, limit: 1 }))
        .messages?.[0]?.text,
    ).toBe('standup at 10');

    const users = await call(asBot, 'slack_get_users', { limit: 200 });
    expect(users.members.map((m: { id: string }) => m.id)).toEqual(
      expect.arrayContaining([TEAMMATE, botUser]),
    );
    const profile = await call(asBot, 'slack_get_user_profile', { user_id: TEAMMATE });
    expect(profile.profile).toEqual(
      (await bot.users.profile.get({ user: TEAMMATE, include_labels: true })).profile,
    );

    // A user token acts as the person: search needs one (search:read).
    const found = await call(asPerson, 'slack_search_messages', { query: 'moved to 10' });
    expect(found.messages.matches.map((m: { ts: string }) => m.ts)).toContain(reply.ts);

    const dm = await call(asBot, 'slack_open_dm', { user_ids: TEAMMATE });
    expect(dm.channel.id).toMatch(/^D/);
    const sent = await call(asBot, 'slack_send_dm', { user_id: TEAMMATE, text: 'your report is ready' });
    expect(sent.channel).toBe(dm.channel.id);
    expect((await bot.conversations.history({ channel: dm.channel.id, limit: 1 })).messages?.[0]?.text).toBe(
      'your report is ready',
    );

    // The person makes a channel; the bot joins it, invites a teammate, sets its topic.
    const room = `mcp-room-${Date.now().toString(36)}`;
    const created = await call(asPerson, 'slack_create_channel', { name: room });
    const roomId = created.channel.id;
    await call(asBot, 'slack_join_channel', { channel_id: roomId });
    await call(asBot, 'slack_invite_to_channel', { channel_id: roomId, user_ids: TEAMMATE });
    expect((await bot.conversations.members({ channel: roomId })).members).toEqual(
      expect.arrayContaining([slack.tokens.userId, botUser, TEAMMATE]),
    );
    await call(asBot, 'slack_set_channel_topic', { channel_id: roomId, topic: 'incident 42' });
    expect((await bot.conversations.info({ channel: roomId })).channel?.topic?.value).toBe('incident 42');

    const uploaded = await call(asBot, 'slack_upload_file', {
      channel_id: roomId,
      filename: 'notes.txt',
      content: 'line one\nline two\n',
      initial_comment: 'the notes',
    });
    const fileId = uploaded.files[0].id;
    expect((await bot.files.info({ file: fileId })).file).toMatchObject({ name: 'notes.txt', size: 18 });

    const postAt = Math.floor(Date.now() / 1000) + 3600;
    const scheduled = await call(asBot, 'slack_schedule_message', {
      channel_id: roomId,
      text: 'reminder',
      post_at: postAt,
    });
    expect((await bot.chat.scheduledMessages.list({ channel: roomId })).scheduled_messages).toEqual([
      expect.objectContaining({ id: scheduled.scheduled_message_id, post_at: postAt }),
    ]);

    const doomed = await call(asBot, 'slack_post_message', { channel_id: roomId, text: 'oops' });
    await call(asBot, 'slack_delete_message', { channel_id: roomId, timestamp: doomed.ts });
    expect((await bot.conversations.history({ channel: roomId })).messages?.map((m) => m.ts)).not.toContain(
      doomed.ts,
    );

    await call(asBot, 'slack_archive_channel', { channel_id: roomId });
    expect((await bot.conversations.info({ channel: roomId })).channel?.is_archived).toBe(true);
  });

  it('answers vendor errors as tool errors with the Web API code, and respects the token scopes', async () => {
    const asBot = await http(slack.endpoints.mcp, slack.tokens.botToken);
    expect(await fails(asBot, 'slack_post_message', { channel_id: 'C0NOSUCH', text: 'x' })).toEqual(
      expect.objectContaining({ ok: false, error: 'channel_not_found' }),
    );
    // What the bot token gets for search from the Web API itself, it gets from the tool.
    const direct = await bot.search.messages({ query: 'standup' }).catch((error) => error.data);
    expect(direct.ok).toBe(false);
    expect((await fails(asBot, 'slack_search_messages', { query: 'standup' })).error).toBe(direct.error);
    // Arguments the schema refuses are a tool error too, never a crash.
    expect((await asBot.callTool({ name: 'slack_post_message', arguments: { text: 1 } })).isError).toBe(true);
  });

  it('journals each tool call and the API calls it made (trace --json)', async () => {
    const reset = await home.run('reset', slack.id, '--json');
    expect(reset.exitCode, reset.stderr).toBe(0);
    const asBot = await http(slack.endpoints.mcp, slack.tokens.botToken);
    await call(asBot, 'slack_post_message', { channel_id: GENERAL, text: 'traced' });
    await fails(asBot, 'slack_add_reaction', { channel_id: GENERAL, timestamp: '1.000001', reaction: 'x' });
    const trace = await home.run('trace', slack.id, '--json');
    expect(trace.exitCode, trace.stderr).toBe(0);
    const records = jsonLines(trace.stdout);
    // In the order they began: each tool call, then the API call it made.
    expect(records.map((r) => [r.method, r.ok])).toEqual([
      ['mcp:slack_post_message', true],
      ['chat.postMessage', true],
      ['mcp:slack_add_reaction', false],
      ['reactions.add', false],
    ]);
    expect(records[0]).toMatchObject({
      actor: expect.stringMatching(/^bot:/),
      args: { channel_id: GENERAL, text: 'traced' },
    });
    expect(records[2].error).toBe(records[3].error);
  });
});

describe('Stripe over Streamable HTTP', () => {
  it('lists the agent toolkit tools plus retrieve and search tools', async () => {
    const client = await http(stripe.endpoints.mcp, stripe.tokens.secretKey);
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    expect(names).toEqual(
      expect.arrayContaining([
        ...STRIPE_TOOLKIT_TOOLS,
        'retrieve_customer',
        'search_customers',
        'retrieve_invoice',
      ]),
    );
  });

  it('runs every tool the clone serves with the secret key, with effects the SDK shows', async () => {
    const client = await http(stripe.endpoints.mcp, stripe.tokens.secretKey);
    const customer = await call(client, 'create_customer', {
      name: 'Grace Hopper',
      email: 'grace@example.com',
    });
    expect(await sk.customers.retrieve(customer.id)).toMatchObject({
      name: 'Grace Hopper',
      email: 'grace@example.com',
    });
    const listed = await call(client, 'list_customers', { email: 'grace@example.com' });
    expect(listed.data.map((c: { id: string }) => c.id)).toEqual([customer.id]);
    expect(await call(client, 'retrieve_customer', { customer: customer.id })).toMatchObject({
      id: customer.id,
    });

    const product = await call(client, 'create_product', { name: 'MCP Seats', description: 'per seat' });
    expect(
      (await call(client, 'list_products', { limit: 100 })).data.map((p: { id: string }) => p.id),
    ).toContain(product.id);
    const price = await call(client, 'create_price', {
      product: product.id,
      unit_amount: 1500,
      currency: 'usd',
    });
    expect(await sk.prices.retrieve(price.id)).toMatchObject({ product: product.id, unit_amount: 1500 });
    expect(
      (await call(client, 'list_prices', { product: product.id })).data.map((p: { id: string }) => p.id),
    ).toEqual([price.id]);

    const invoice = await call(client, 'create_invoice', { customer: customer.id, days_until_due: 30 });
    expect(invoice).toMatchObject({
      customer: customer.id,
      collection_method: 'send_invoice',
      status: 'draft',
    });
    await call(client, 'create_invoice_item', {
      customer: customer.id,
      price: price.id,
      invoice: invoice.id,
    });
    const finalized = await call(client, 'finalize_invoice', { invoice: invoice.id });
    expect(finalized).toMatchObject({ id: invoice.id, status: 'open', amount_due: 1500 });
    expect((await sk.invoices.retrieve(invoice.id)).status).toBe('open');
    expect(
      (await call(client, 'list_invoices', { customer: customer.id })).data.map((i: { id: string }) => i.id),
    ).toEqual([invoice.id]);

    const balance = await call(client, 'retrieve_balance');
    expect(balance).toEqual(JSON.parse(JSON.stringify(await sk.balance.retrieve())));

    const intent = await sk.paymentIntents.create({
      amount: 5000,
      currency: 'usd',
      customer: customer.id,
      payment_method: 'pm_card_visa',
      confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    });
    expect(intent.status).toBe('succeeded');
    const intents = await call(client, 'list_payment_intents', { customer: customer.id });
    expect(intents.data.map((i: { id: string }) => i.id)).toEqual([intent.id]);
    const refund = await call(client, 'create_refund', { payment_intent: intent.id, amount: 1200 });
    expect(await sk.refunds.retrieve(refund.id)).toMatchObject({ amount: 1200, payment_intent: intent.id });

    const active = await call(client, 'list_subscriptions', { status: 'active', limit: 10 });
    expect(active.data.length).toBeGreaterThanOrEqual(2);
    const [toUpdate, toCancel] = active.data;
    const updated = await call(client, 'update_subscription', {
      subscription: toUpdate.id,
      proration_behavior: 'none',
      items: [{ id: toUpdate.items.data[0].id, quantity: 3 }],
    });
    expect(updated.items.data[0].quantity).toBe(3);
    expect((await sk.subscriptions.retrieve(toUpdate.id)).items.data[0]?.quantity).toBe(3);
    await call(client, 'cancel_subscription', { subscription: toCancel.id });
    expect((await sk.subscriptions.retrieve(toCancel.id)).status).toBe('canceled');

    const coupon = await call(client, 'create_coupon', { name: 'Launch', percent_off: 15 });
    expect(await sk.coupons.retrieve(coupon.id)).toMatchObject({
      name: 'Launch',
      percent_off: 15,
      duration: 'once',
    });
    const fixed = await call(client, 'create_coupon', { name: 'Five off', amount_off: 500 });
    expect(fixed).toMatchObject({ amount_off: 500, currency: 'usd' });
    expect(
      (await call(client, 'list_coupons', { limit: 100 })).data.map((c: { id: string }) => c.id),
    ).toEqual(expect.arrayContaining([coupon.id, fixed.id]));
  });

  it('answers Stripe errors and the tools the clone lacks as tool errors with a code', async () => {
    const client = await http(stripe.endpoints.mcp, stripe.tokens.secretKey);
    expect((await fails(client, 'retrieve_customer', { customer: 'cus_missing' })).error).toMatchObject({
      code: 'resource_missing',
      type: 'invalid_request_error',
    });
    expect(
      (await fails(client, 'create_price', { product: 'prod_missing', unit_amount: 1, currency: 'usd' }))
        .error.code,
    ).toBe('resource_missing');
    for (const [name, args] of [
      ['search_stripe_documentation', { question: 'How do refunds work?' }],
    ] as const) {
      expect((await fails(client, name, args)).error.code, name).toBe('not_available_in_clone');
    }
    // Disputes and sending invoices are served: a missing object is Stripe's own error.
    for (const [name, args] of [
      ['send_invoice', { invoice: 'in_x' }],
      ['update_dispute', { dispute: 'dp_x' }],
    ] as const) {
      expect((await fails(client, name, args)).error.code, name).toBe('resource_missing');
    }
    expect((await call(client, 'list_disputes', { limit: 3 })).object).toBe('list');
  });
});

describe('asymmetric mcp (stdio)', () => {
  it('serves one clone: the Stripe tools with its secret key', async () => {
    const client = await stdio(stripe.id);
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(STRIPE_TOOLKIT_TOOLS));
    const customer = await call(client, 'create_customer', { name: 'Via Stdio' });
    expect((await sk.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({
      name: 'Via Stdio',
    });
    expect((await fails(client, 'retrieve_customer', { customer: 'cus_missing' })).error.code).toBe(
      'resource_missing',
    );
  });

  it('serves an environment: every member, the second Slack prefixed with its clone id', async () => {
    const client = await stdio('acme');
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    expect(names).toEqual(
      expect.arrayContaining([
        ...SLACK_REFERENCE_TOOLS,
        ...SLACK_REFERENCE_TOOLS.map((name) => `${slack2.id}__${name}`),
        ...STRIPE_TOOLKIT_TOOLS,
      ]),
    );
    expect(new Set(names).size).toBe(names.length);
    expect(names.filter((name) => name.startsWith(`${slack.id}__`))).toEqual([]);

    const first = await call(client, 'slack_post_message', { channel_id: GENERAL, text: 'to the first' });
    const second = await call(client, `${slack2.id}__slack_post_message`, {
      channel_id: GENERAL,
      text: 'to the second',
    });
    // As the bot of each clone, landing in that clone only.
    expect(first.message.user).toBe(slack.tokens.botUserId);
    expect(second.message.user).toBe(slack2.tokens.botUserId);
    const other = new WebClient(slack2.tokens.botToken, {
      slackApiUrl: slack2.endpoints.api,
      retryConfig: { retries: 0 },
    });
    expect((await other.conversations.history({ channel: GENERAL, limit: 1 })).messages?.[0]?.text).toBe(
      'to the second',
    );
    expect((await bot.conversations.history({ channel: GENERAL, limit: 1 })).messages?.[0]?.text).toBe(
      'to the first',
    );
    const customer = await call(client, 'create_customer', { name: 'Env Customer' });
    expect((await sk.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({
      name: 'Env Customer',
    });
  });

  it('fails with a named error for a name that is neither a clone nor an environment', async () => {
    const run = await home.run('mcp', 'nosuch');
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('There is no clone or environment "nosuch"');
    expect(run.stdout).toBe('');
  });
});

describe('after a reset', () => {
  it('serves MCP with the same tokens, over HTTP and stdio, on the reset data', async () => {
    const marker = await bot.chat.postMessage({ channel: GENERAL, text: 'before the reset' });
    const reset = await home.run('env', 'reset', 'acme', '--json');
    expect(reset.exitCode, reset.stderr).toBe(0);
    const client = await http(slack.endpoints.mcp, slack.tokens.botToken);
    const history = await call(client, 'slack_get_channel_history', { channel_id: GENERAL, limit: 50 });
    expect(history.messages.map((m: { ts: string }) => m.ts)).not.toContain(marker.ts);
    const viaStdio = await stdio('acme');
    expect((await call(viaStdio, 'list_customers', { email: 'grace@example.com' })).data).toEqual([]);
  });
});

describe('after tokens --reprovision', () => {
  it('refuses the old key at the endpoint, and a running bridge carries on with the new one', async () => {
    const bridge = await stdio('acme');
    await call(bridge, 'list_customers', { limit: 1 });
    const rotated = await home.run('tokens', stripe.id, '--reprovision', '--json');
    expect(rotated.exitCode, rotated.stderr).toBe(0);
    const { secretKey } = rotated.json();
    expect(secretKey).not.toBe(stripe.tokens.secretKey);
    await expect(http(stripe.endpoints.mcp, stripe.tokens.secretKey)).rejects.toMatchObject({ code: 401 });
    const customer = await call(bridge, 'create_customer', { name: 'After Rotation' });
    const url = new URL(stripe.endpoints.api);
    const fresh = new Stripe(secretKey, { host: url.hostname, port: Number(url.port), protocol: 'http' });
    expect((await fresh.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({
      name: 'After Rotation',
    });
  });
});
