import type { AuthedContext } from './method.js';
import { SlackError } from './slack-error.js';
import { type ConversationRow, findVisibleConversation } from './store/conversations.js';

const CONVERSATION_ID = /^[CGD][A-Z0-9]{2,30}$/;

/**
 * Finds the conversation a `channel` argument names, as the caller may see it. Anything
 * the caller may not see is `channel_not_found`, exactly like a missing one, so private
 * channels do not leak their existence.
 */
export async function openConversation(
  ctx: AuthedContext,
  channel: string,
  options: { allowName: boolean },
): Promise<ConversationRow> {
  const bare = channel.startsWith('#') ? channel.slice(1) : channel;
  const byId = CONVERSATION_ID.test(channel);
  if (!byId && !options.allowName) throw new SlackError('channel_not_found');
  const row = await findVisibleConversation(
    ctx.db,
    ctx.caller.userId,
    byId ? { id: channel } : { name: bare.toLowerCase() },
  );
  if (!row) throw new SlackError('channel_not_found');
  return row;
}
