import { openConversation } from '../conversation-access.js';
import type { AuthedContext } from '../method.js';
import { SlackError } from '../slack-error.js';
import type { ConversationRow } from '../store/conversations.js';
import { findMessage, type MessageRow } from '../store/messages.js';

/**
 * The message a reactions.* or pins.* call names by `channel` and `timestamp`. Files and
 * file comments (the legacy item kinds) are not items here: `no_item_specified`.
 */
export async function findMessageItem(
  ctx: AuthedContext,
  channel: string | undefined,
  timestamp: number | undefined,
): Promise<{ conversation: ConversationRow; message: MessageRow }> {
  if (channel === undefined || timestamp === undefined) throw new SlackError('no_item_specified');
  const conversation = await openConversation(ctx, channel, { allowName: false });
  const message = await findMessage(ctx.db, conversation.id, timestamp);
  if (!message || message.subtype === 'tombstone') throw new SlackError('message_not_found');
  return { conversation, message };
}
