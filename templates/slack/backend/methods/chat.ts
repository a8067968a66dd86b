import { z } from 'zod';
import { withTransaction } from '../../../_shared/db.js';
import { slackBoolean, slackJson, slackString, slackTimestamp } from '../args.js';
import { hasScope, requireScope } from '../caller.js';
import { openConversation } from '../conversation-access.js';
import { defineMethod, type SlackMethod } from '../method.js';
import { SlackError } from '../slack-error.js';
import { nextMessageTs } from '../store/conversations.js';
import { findMessage, insertMessage } from '../store/messages.js';
import { messageView } from '../views/message.js';

// Slack truncates longer texts; block and attachment caps are its documented limits.
const MAX_TEXT = 40_000;
const MAX_BLOCKS = 50;
const MAX_ATTACHMENTS = 100;

function validBlocks(value: unknown): unknown[] | null {
  if (value === undefined) return null;
  if (!Array.isArray(value)) throw new SlackError('invalid_blocks_format');
  if (value.length > MAX_BLOCKS) throw new SlackError('msg_blocks_too_long');
  for (const block of value) {
    if (
      typeof block !== 'object' ||
      block === null ||
      typeof (block as { type?: unknown }).type !== 'string'
    ) {
      throw new SlackError('invalid_blocks', { errors: ['each block needs a string "type"'] });
    }
  }
  return value.length === 0 ? null : value;
}

function validAttachments(value: unknown): unknown[] | null {
  if (value === undefined) return null;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'object' || item === null)) {
    throw new SlackError('invalid_attachments');
  }
  if (value.length > MAX_ATTACHMENTS) throw new SlackError('too_many_attachments');
  return value.length === 0 ? null : value;
}

const postMessage = defineMethod({
  name: 'chat.postMessage',
  tier: 'special',
  args: z.object({
    channel: slackString.required(),
    text: slackString.optional(),
    blocks: slackJson.optional(),
    attachments: slackJson.optional(),
    thread_ts: slackTimestamp.optional(),
    reply_broadcast: slackBoolean.optional(),
    as_user: slackBoolean.optional(),
    mrkdwn: slackBoolean.optional(),
    unfurl_links: slackBoolean.optional(),
    unfurl_media: slackBoolean.optional(),
    username: slackString.optional(),
    icon_emoji: slackString.optional(),
    icon_url: slackString.optional(),
  }),
  run: async (args, ctx) => {
    const { caller } = ctx;
    requireScope(caller, 'chat:write', caller.kind === 'bot' ? 'chat:write:bot' : 'chat:write:user');
    const blocks = validBlocks(args.blocks);
    const attachments = validAttachments(args.attachments);
    const text = (args.text ?? '').slice(0, MAX_TEXT);
    if (text.trim() === '' && blocks === null && attachments === null) throw new SlackError('no_text');

    const conversation = await openConversation(ctx, args.channel, { allowName: true });
    if (conversation.is_archived) throw new SlackError('is_archived');
    const mayPostUnjoined =
      caller.kind === 'bot' && conversation.kind === 'channel' && hasScope(caller, 'chat:write.public');
    if (!conversation.is_member && !mayPostUnjoined) throw new SlackError('not_in_channel');

    const stored = await withTransaction(ctx.db, async (tx) => {
      let threadTsUs: number | null = null;
      if (args.thread_ts !== undefined) {
        const parent = await findMessage(tx, conversation.id, args.thread_ts);
        if (!parent) throw new SlackError('thread_not_found');
        // A reply to a reply joins the parent's thread, as Slack does.
        threadTsUs = parent.thread_ts_us ?? parent.ts_us;
      }
      const tsUs = await nextMessageTs(tx, conversation.id, ctx.now() * 1000);
      await insertMessage(tx, {
        conversationId: conversation.id,
        tsUs,
        userId: caller.userId,
        botId: caller.botId,
        appId: caller.appId,
        text,
        blocks,
        attachments,
        threadTsUs,
        replyBroadcast: threadTsUs !== null && (args.reply_broadcast ?? false),
      });
      return findMessage(tx, conversation.id, tsUs);
    });
    if (!stored) throw new Error('posted message not found');
    const message = messageView(stored, caller.teamId);
    if (stored.thread_ts_us !== null) {
      const parent = await findMessage(ctx.db, conversation.id, stored.thread_ts_us);
      if (parent?.user_id) message.parent_user_id = parent.user_id;
    }
    return { channel: conversation.id, ts: message.ts, message };
  },
});

export const chatMethods: SlackMethod[] = [postMessage];
