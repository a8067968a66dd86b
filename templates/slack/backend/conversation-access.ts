import { withTransaction } from '../../_shared/db.js';
import { newId } from './ids.js';
import type { AuthedContext } from './method.js';
import { SlackError } from './slack-error.js';
import {
  type ConversationRow,
  createDirectConversation,
  findDirectConversation,
  findVisibleConversation,
} from './store/conversations.js';

export const CONVERSATION_ID = /^[CGD][A-Z0-9]{2,30}$/;

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

const USER_ID = /^[UW][A-Z0-9]{2,30}$/;

/**
 * chat.postMessage and friends accept a user id as `channel`: the message goes to the DM
 * between the caller and that user, opened on first use (as Slack does for apps).
 */
export async function openConversationOrDm(ctx: AuthedContext, channel: string): Promise<ConversationRow> {
  if (!USER_ID.test(channel)) return openConversation(ctx, channel, { allowName: true });
  const { rows } = await ctx.db.query<{ deleted: boolean }>('SELECT deleted FROM users WHERE id = $1', [
    channel,
  ]);
  if (!rows[0] || rows[0].deleted) throw new SlackError('channel_not_found');
  const members = [ctx.caller.userId, channel];
  let id = await findDirectConversation(ctx.db, 'im', members);
  if (!id) {
    const conversation = {
      id: newId('D', 10),
      teamId: ctx.caller.teamId,
      kind: 'im' as const,
      name: null,
      creator: ctx.caller.userId,
      created: Math.floor(ctx.now() / 1000),
    };
    await withTransaction(ctx.db, (tx) => createDirectConversation(tx, conversation, members));
    id = conversation.id;
  }
  return openConversation(ctx, id, { allowName: false });
}
