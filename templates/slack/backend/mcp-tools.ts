import { z } from 'zod';
import { type AppFetch, type McpTool, McpToolError, toolsFor } from '../../_shared/mcp.js';

/**
 * Slack's MCP tools. The first eight are those of `@modelcontextprotocol/server-slack`
 * (names, argument names, defaults and the Web API calls they make), so prompts written
 * for it work unchanged; the rest are named in its style. Each calls the clone's own Web
 * API with the MCP caller's token and answers what the API answered.
 */

/** The clone's Web API with the MCP caller's token. */
export interface SlackApi {
  /** One method; an `ok: false` answer becomes a tool error carrying Slack's code. */
  call(method: string, args: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Sends a file's bytes to an upload URL the API handed out; true when it took them. */
  upload(url: string, content: string): Promise<boolean>;
}

export function slackApi(fetch: AppFetch): SlackApi {
  return {
    async call(method, args) {
      const response = await fetch(`/api/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(dropUndefined(args)),
      });
      const body = (await response.json()) as Record<string, unknown>;
      if (body.ok !== true) throw new McpToolError(String(body.error ?? 'unknown_error'), body);
      return body;
    },
    async upload(url, content) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: content,
      });
      return response.ok;
    },
  };
}

const dropUndefined = (args: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(args).filter(([, value]) => value !== undefined));

const channelId = (what = 'The ID of the channel') => z.string().describe(what);
const threadTs = z
  .string()
  .describe(
    "The timestamp of the parent message in the format '1234567890.123456'. Timestamps in the format without the period can be converted by adding the period such that 6 numbers come after it.",
  );
const cursor = z.string().optional().describe('Pagination cursor for next page of results');
const timestamp = (what: string) => z.string().describe(what);
const reaction = z.string().describe('The name of the emoji reaction (without ::)');
const userList = z.string().describe('A comma-separated list of user IDs');

const tool = toolsFor<SlackApi>();

export const SLACK_MCP_TOOLS: McpTool<SlackApi>[] = [
  // The reference server's eight.
  tool({
    name: 'slack_list_channels',
    description: 'List public or pre-defined channels in the workspace with pagination',
    readOnly: true,
    input: z.object({
      limit: z.number().default(100).describe('Maximum number of channels to return (default 100, max 200)'),
      cursor,
    }),
    run: (args, slack) =>
      slack.call('conversations.list', {
        types: 'public_channel',
        exclude_archived: true,
        limit: Math.min(args.limit, 200),
        cursor: args.cursor,
      }),
  }),
  tool({
    name: 'slack_post_message',
    description: 'Post a new message to a Slack channel',
    input: z.object({
      channel_id: channelId('The ID of the channel to post to'),
      text: z.string().describe('The message text to post'),
    }),
    run: (args, slack) => slack.call('chat.postMessage', { channel: args.channel_id, text: args.text }),
  }),
  tool({
    name: 'slack_reply_to_thread',
    description: 'Reply to a specific message thread in Slack',
    input: z.object({
      channel_id: channelId('The ID of the channel containing the thread'),
      thread_ts: threadTs,
      text: z.string().describe('The reply text'),
    }),
    run: (args, slack) =>
      slack.call('chat.postMessage', {
        channel: args.channel_id,
        thread_ts: args.thread_ts,
        text: args.text,
      }),
  }),
  tool({
    name: 'slack_add_reaction',
    description: 'Add a reaction emoji to a message',
    input: z.object({
      channel_id: channelId('The ID of the channel containing the message'),
      timestamp: timestamp('The timestamp of the message to react to'),
      reaction,
    }),
    run: (args, slack) =>
      slack.call('reactions.add', {
        channel: args.channel_id,
        timestamp: args.timestamp,
        name: args.reaction,
      }),
  }),
  tool({
    name: 'slack_get_channel_history',
    description: 'Get recent messages from a channel',
    readOnly: true,
    input: z.object({
      channel_id: channelId(),
      limit: z.number().default(10).describe('Number of messages to retrieve (default 10)'),
    }),
    run: (args, slack) =>
      slack.call('conversations.history', { channel: args.channel_id, limit: args.limit }),
  }),
  tool({
    name: 'slack_get_thread_replies',
    description: 'Get all replies in a message thread',
    readOnly: true,
    input: z.object({
      channel_id: channelId('The ID of the channel containing the thread'),
      thread_ts: threadTs,
    }),
    run: (args, slack) =>
      slack.call('conversations.replies', { channel: args.channel_id, ts: args.thread_ts }),
  }),
  tool({
    name: 'slack_get_users',
    description: 'Get a list of all users in the workspace with their basic profile information',
    readOnly: true,
    input: z.object({
      cursor,
      limit: z.number().default(100).describe('Maximum number of users to return (default 100, max 200)'),
    }),
    run: (args, slack) => slack.call('users.list', { limit: Math.min(args.limit, 200), cursor: args.cursor }),
  }),
  tool({
    name: 'slack_get_user_profile',
    description: 'Get detailed profile information for a specific user',
    readOnly: true,
    input: z.object({ user_id: z.string().describe('The ID of the user') }),
    run: (args, slack) => slack.call('users.profile.get', { user: args.user_id, include_labels: true }),
  }),

  // Beyond the reference server: what an agent needs to get around a workspace.
  tool({
    name: 'slack_search_messages',
    description: 'Search messages in the workspace (needs a user token with search:read)',
    readOnly: true,
    input: z.object({
      query: z.string().describe('The search query (Slack search syntax: in:#channel, from:@user ...)'),
      count: z.number().optional().describe('Results per page (default 20, max 100)'),
      page: z.number().optional().describe('The page of results (from 1)'),
      sort: z.enum(['score', 'timestamp']).optional().describe('Sort by relevance or by time'),
      sort_dir: z.enum(['asc', 'desc']).optional().describe('Sort direction'),
    }),
    run: (args, slack) => slack.call('search.messages', args),
  }),
  tool({
    name: 'slack_open_dm',
    description: 'Open (or find) a direct message or group DM with one or more users',
    input: z.object({ user_ids: userList }),
    run: (args, slack) => slack.call('conversations.open', { users: args.user_ids }),
  }),
  tool({
    name: 'slack_send_dm',
    description: 'Send a direct message to a user (opens the DM first)',
    input: z.object({
      user_id: z.string().describe('The ID of the user to message'),
      text: z.string().describe('The message text to send'),
    }),
    run: async (args, slack) => {
      const opened = await slack.call('conversations.open', { users: args.user_id });
      const channel = (opened.channel as { id?: string } | undefined)?.id;
      return slack.call('chat.postMessage', { channel, text: args.text });
    },
  }),
  tool({
    name: 'slack_create_channel',
    description: 'Create a channel',
    input: z.object({
      name: z.string().describe('The channel name (lowercase, no spaces)'),
      is_private: z.boolean().optional().describe('Create a private channel'),
    }),
    run: (args, slack) => slack.call('conversations.create', args),
  }),
  tool({
    name: 'slack_archive_channel',
    description: 'Archive a channel',
    input: z.object({ channel_id: channelId('The ID of the channel to archive') }),
    run: (args, slack) => slack.call('conversations.archive', { channel: args.channel_id }),
  }),
  tool({
    name: 'slack_join_channel',
    description: 'Join a public channel',
    input: z.object({ channel_id: channelId('The ID of the channel to join') }),
    run: (args, slack) => slack.call('conversations.join', { channel: args.channel_id }),
  }),
  tool({
    name: 'slack_invite_to_channel',
    description: 'Invite users to a channel',
    input: z.object({ channel_id: channelId('The ID of the channel'), user_ids: userList }),
    run: (args, slack) =>
      slack.call('conversations.invite', { channel: args.channel_id, users: args.user_ids }),
  }),
  tool({
    name: 'slack_set_channel_topic',
    description: "Set a channel's topic",
    input: z.object({
      channel_id: channelId(),
      topic: z.string().describe('The new topic (empty clears it)'),
    }),
    run: (args, slack) =>
      slack.call('conversations.setTopic', { channel: args.channel_id, topic: args.topic }),
  }),
  tool({
    name: 'slack_update_message',
    description: 'Edit a message',
    input: z.object({
      channel_id: channelId('The ID of the channel containing the message'),
      timestamp: timestamp('The timestamp of the message to edit'),
      text: z.string().describe('The new message text'),
    }),
    run: (args, slack) =>
      slack.call('chat.update', { channel: args.channel_id, ts: args.timestamp, text: args.text }),
  }),
  tool({
    name: 'slack_delete_message',
    description: 'Delete a message',
    input: z.object({
      channel_id: channelId('The ID of the channel containing the message'),
      timestamp: timestamp('The timestamp of the message to delete'),
    }),
    run: (args, slack) => slack.call('chat.delete', { channel: args.channel_id, ts: args.timestamp }),
  }),
  tool({
    name: 'slack_remove_reaction',
    description: 'Remove a reaction emoji from a message',
    input: z.object({
      channel_id: channelId('The ID of the channel containing the message'),
      timestamp: timestamp('The timestamp of the message'),
      reaction,
    }),
    run: (args, slack) =>
      slack.call('reactions.remove', {
        channel: args.channel_id,
        timestamp: args.timestamp,
        name: args.reaction,
      }),
  }),
  tool({
    name: 'slack_upload_file',
    description: 'Upload a text file and share it in a channel',
    input: z.object({
      channel_id: channelId('The ID of the channel to share the file in'),
      filename: z.string().describe('The file name, e.g. report.csv'),
      content: z.string().describe('The file content (text)'),
      title: z.string().optional().describe('The file title'),
      initial_comment: z.string().optional().describe('A message to post with the file'),
      thread_ts: threadTs.optional(),
    }),
    // Slack's upload flow: an upload URL, the bytes, then completing the upload into a channel.
    run: async (args, slack) => {
      const length = Buffer.byteLength(args.content, 'utf8');
      const upload = await slack.call('files.getUploadURLExternal', { filename: args.filename, length });
      const uploaded = await slack.upload(String(upload.upload_url), args.content);
      if (!uploaded) throw new McpToolError('upload_failed', { ok: false, error: 'upload_failed' });
      return slack.call('files.completeUploadExternal', {
        files: JSON.stringify([{ id: upload.file_id, title: args.title ?? args.filename }]),
        channel_id: args.channel_id,
        initial_comment: args.initial_comment,
        thread_ts: args.thread_ts,
      });
    },
  }),
  tool({
    name: 'slack_schedule_message',
    description: 'Schedule a message to be posted to a channel later',
    input: z.object({
      channel_id: channelId('The ID of the channel to post to'),
      text: z.string().describe('The message text'),
      post_at: z.number().int().describe('When to post it, in Unix seconds'),
      thread_ts: threadTs.optional(),
    }),
    run: (args, slack) =>
      slack.call('chat.scheduleMessage', {
        channel: args.channel_id,
        text: args.text,
        post_at: args.post_at,
        thread_ts: args.thread_ts,
      }),
  }),
];
