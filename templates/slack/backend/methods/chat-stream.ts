import { z } from 'zod';
import { slackJson, slackString, slackTimestamp } from '../args.js';
import { openConversation } from '../conversation-access.js';
import { type AuthedContext, defineMethod, type SlackMethod } from '../method.js';
import { postMessage } from '../posting.js';
import { invalidArguments, SlackError } from '../slack-error.js';
import { formatTs } from '../slack-ts.js';
import { findMessage, type MessageRow } from '../store/messages.js';
import { messageView } from '../views/message.js';
import {
  author,
  customization,
  MAX_TEXT,
  postableConversation,
  requireChatWrite,
  threadRoot,
  validBlocks,
  validMetadata,
} from './chat.js';
import { emitMessageChanged } from './message-changed.js';

// Streamed messages (chat.startStream / appendStream / stopStream): an app's reply whose
// text grows as it is generated. Readers see it grow (history, the web client); the app's
// event subscription hears `message` when it starts and `message_changed` when it stops.

const MAX_MARKDOWN = 12_000;

/** markdown_text plus the text of `markdown_text` chunks, in order; other chunk types carry no text. */
function streamedText(args: { markdown_text?: string; chunks?: unknown }): string {
  if (args.markdown_text !== undefined && args.markdown_text.length > MAX_MARKDOWN) {
    throw invalidArguments([`invalid value for field: markdown_text (at most ${MAX_MARKDOWN} characters)`]);
  }
  let text = args.markdown_text ?? '';
  if (args.chunks !== undefined) {
    if (!Array.isArray(args.chunks)) throw new SlackError('invalid_chunks');
    for (const chunk of args.chunks) {
      const { type, text: chunkText } = (chunk ?? {}) as { type?: unknown; text?: unknown };
      if (typeof type !== 'string') throw new SlackError('invalid_chunks');
      if (type === 'markdown_text') {
        if (typeof chunkText !== 'string') throw new SlackError('invalid_chunks');
        text += chunkText;
      }
    }
  }
  return text;
}

/** The stream a call names: the app's own message, still streaming. */
async function openStream(ctx: AuthedContext, channel: string, ts: number) {
  const conversation = await openConversation(ctx, channel, { allowName: false });
  const message = await findMessage(ctx.db, conversation.id, ts);
  if (!message) throw new SlackError('message_not_found');
  const own =
    ctx.caller.botId !== null ? message.bot_id === ctx.caller.botId : message.user_id === ctx.caller.userId;
  if (!own) throw new SlackError('message_not_owned_by_app');
  if (!message.streaming) throw new SlackError('message_not_in_streaming_state');
  return { conversation, message };
}

async function appendText(ctx: AuthedContext, message: MessageRow, text: string): Promise<void> {
  if (message.text.length + text.length > MAX_TEXT) throw new SlackError('msg_too_long');
  await ctx.db.query('UPDATE messages SET text = text || $3 WHERE conversation_id = $1 AND ts_us = $2', [
    message.conversation_id,
    message.ts_us,
    text,
  ]);
}

const chunkArgs = { markdown_text: slackString.optional(), chunks: slackJson.optional() };

const startStream = defineMethod({
  name: 'chat.startStream',
  tier: 'tier2',
  args: z.object({
    channel: slackString.required(),
    thread_ts: slackTimestamp.optional(),
    recipient_user_id: slackString.optional(),
    recipient_team_id: slackString.optional(),
    task_display_mode: slackString.optional(),
    username: slackString.optional(),
    icon_emoji: slackString.optional(),
    icon_url: slackString.optional(),
    ...chunkArgs,
  }),
  run: async (args, ctx) => {
    const { caller } = ctx;
    requireChatWrite(caller);
    const text = streamedText(args);
    const conversation = await postableConversation(ctx, args.channel);
    // Outside a DM the stream is for one person, whom Slack needs named.
    if (conversation.kind !== 'im') {
      if (args.recipient_user_id === undefined) throw new SlackError('missing_recipient_user_id');
      if (args.recipient_team_id === undefined) throw new SlackError('missing_recipient_team_id');
      const { rowCount } = await ctx.db.query('SELECT 1 FROM users WHERE id = $1 AND NOT deleted', [
        args.recipient_user_id,
      ]);
      if (!rowCount) throw new SlackError('user_not_found');
      if (args.recipient_team_id !== caller.teamId) throw new SlackError('team_not_found');
    }
    const threadTsUs = await threadRoot(ctx.db, conversation.id, args.thread_ts);
    const posted = await postMessage(ctx, {
      conversation,
      author: author(caller),
      teamId: caller.teamId,
      text,
      threadTsUs,
      ...customization(caller, args),
    });
    await ctx.db.query('UPDATE messages SET streaming = true WHERE conversation_id = $1 AND ts_us = $2', [
      conversation.id,
      posted.row.ts_us,
    ]);
    return { channel: conversation.id, ts: formatTs(posted.row.ts_us) };
  },
});

const appendStream = defineMethod({
  name: 'chat.appendStream',
  tier: 'tier4',
  args: z.object({ channel: slackString.required(), ts: slackTimestamp.required(), ...chunkArgs }),
  run: async (args, ctx) => {
    requireChatWrite(ctx.caller);
    const text = streamedText(args);
    if (text === '' && args.chunks === undefined) throw new SlackError('no_text');
    const { conversation, message } = await openStream(ctx, args.channel, args.ts);
    await appendText(ctx, message, text);
    return { channel: conversation.id, ts: formatTs(message.ts_us) };
  },
});

const stopStream = defineMethod({
  name: 'chat.stopStream',
  tier: 'tier2',
  args: z.object({
    channel: slackString.required(),
    ts: slackTimestamp.required(),
    blocks: slackJson.optional(),
    metadata: slackJson.optional(),
    ...chunkArgs,
  }),
  run: async (args, ctx) => {
    requireChatWrite(ctx.caller);
    const text = streamedText(args);
    const blocks = validBlocks(args.blocks);
    const metadata = validMetadata(args.metadata);
    const { conversation, message: before } = await openStream(ctx, args.channel, args.ts);
    await appendText(ctx, before, text);
    await ctx.db.query(
      `UPDATE messages SET streaming = false, blocks = coalesce($3, blocks),
         metadata = CASE WHEN $4 THEN $5::jsonb ELSE metadata END
       WHERE conversation_id = $1 AND ts_us = $2`,
      [
        conversation.id,
        before.ts_us,
        blocks === null ? null : JSON.stringify(blocks),
        metadata !== undefined,
        metadata ? JSON.stringify(metadata) : null,
      ],
    );
    const after = await findMessage(ctx.db, conversation.id, before.ts_us);
    if (!after) throw new SlackError('message_not_found');
    emitMessageChanged(ctx, conversation, before, after);
    return {
      channel: conversation.id,
      ts: formatTs(after.ts_us),
      message: messageView(after, ctx.caller.teamId, ctx.baseUrl, { metadata: true }),
    };
  },
});

export const chatStreamMethods: SlackMethod[] = [startStream, appendStream, stopStream];
