import type { AuthedContext } from '../method.js';
import { CHANNEL_TYPES } from '../posting.js';
import { formatTs } from '../slack-ts.js';
import type { ConversationRow } from '../store/conversations.js';
import type { MessageRow } from '../store/messages.js';
import { messageView } from '../views/message.js';

/** The `message_changed` event Slack sends when a message is edited in place. */
export function emitMessageChanged(
  ctx: AuthedContext,
  conversation: Pick<ConversationRow, 'id' | 'kind'>,
  before: MessageRow,
  after: MessageRow,
): void {
  const eventTs = formatTs(ctx.now() * 1000);
  ctx.events.emit({
    type: 'message',
    subtype: 'message_changed',
    hidden: true,
    channel: conversation.id,
    channel_type: CHANNEL_TYPES[conversation.kind],
    ts: eventTs,
    event_ts: eventTs,
    message: messageView(after, ctx.caller.teamId, ctx.baseUrl, { metadata: true }),
    previous_message: messageView(before, ctx.caller.teamId, ctx.baseUrl),
  });
}
