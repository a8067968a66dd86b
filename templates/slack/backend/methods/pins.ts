import { z } from 'zod';
import { slackString, slackTimestamp } from '../args.js';
import { requireScope } from '../caller.js';
import { openConversation } from '../conversation-access.js';
import { defineMethod, type SlackMethod } from '../method.js';
import { SlackError } from '../slack-error.js';
import { formatTs } from '../slack-ts.js';
import { findMessages } from '../store/messages.js';
import { addPin, listPins, removePin } from '../store/pins.js';
import { messageView } from '../views/message.js';
import { findMessageItem } from './message-item.js';

// System messages (joins, topic changes ...) cannot be pinned.
const PINNABLE_SUBTYPES = new Set([null, 'thread_broadcast', 'me_message', 'bot_message', 'file_share']);

const itemArgs = { channel: slackString.required(), timestamp: slackTimestamp.optional() };

const add = defineMethod({
  name: 'pins.add',
  tier: 'tier2',
  args: z.object(itemArgs),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'pins:write');
    const { conversation, message } = await findMessageItem(ctx, args.channel, args.timestamp);
    if (!conversation.is_member) throw new SlackError('not_in_channel');
    if (conversation.is_archived) throw new SlackError('is_archived');
    if (!PINNABLE_SUBTYPES.has(message.subtype)) throw new SlackError('not_pinnable');
    const pinned = await addPin(ctx.db, {
      conversation_id: conversation.id,
      message_ts_us: message.ts_us,
      pinned_by: ctx.caller.userId,
      pinned_at: Math.floor(ctx.now() / 1000),
    });
    if (!pinned) throw new SlackError('already_pinned');
    ctx.events.emit({
      type: 'pin_added',
      user: ctx.caller.userId,
      channel_id: conversation.id,
      item: {
        type: 'message',
        channel: conversation.id,
        message: messageView(message, ctx.caller.teamId, ctx.baseUrl),
      },
      event_ts: formatTs(ctx.now() * 1000),
    });
    return {};
  },
});

const remove = defineMethod({
  name: 'pins.remove',
  tier: 'tier2',
  args: z.object(itemArgs),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'pins:write');
    const { conversation, message } = await findMessageItem(ctx, args.channel, args.timestamp);
    if (!conversation.is_member) throw new SlackError('not_in_channel');
    if (!(await removePin(ctx.db, conversation.id, message.ts_us))) throw new SlackError('no_pin');
    ctx.events.emit({
      type: 'pin_removed',
      user: ctx.caller.userId,
      channel_id: conversation.id,
      item: {
        type: 'message',
        channel: conversation.id,
        message: messageView(message, ctx.caller.teamId, ctx.baseUrl),
      },
      has_pins: false,
      event_ts: formatTs(ctx.now() * 1000),
    });
    return {};
  },
});

const list = defineMethod({
  name: 'pins.list',
  tier: 'tier2',
  args: z.object({ channel: slackString.required() }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'pins:read');
    const conversation = await openConversation(ctx, args.channel, { allowName: false });
    const pins = await listPins(ctx.db, conversation.id);
    const messages = await findMessages(
      ctx.db,
      pins.map((pin) => ({ conversationId: pin.conversation_id, tsUs: pin.message_ts_us })),
    );
    return {
      items: pins.flatMap((pin) => {
        const message = messages.get(`${pin.conversation_id}:${pin.message_ts_us}`);
        if (!message) return [];
        return [
          {
            type: 'message',
            created: pin.pinned_at,
            created_by: pin.pinned_by,
            channel: conversation.id,
            message: {
              ...messageView(message, ctx.caller.teamId, ctx.baseUrl),
              permalink: `https://${ctx.caller.teamDomain}.slack.com/archives/${conversation.id}/p${formatTs(message.ts_us).replace('.', '')}`,
            },
          },
        ];
      }),
    };
  },
});

export const pinsMethods: SlackMethod[] = [add, remove, list];
