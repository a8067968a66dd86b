import { z } from 'zod';
import { slackBoolean, slackJson, slackString, slackTimestamp } from '../args.js';
import { requireScope } from '../caller.js';
import { openConversation } from '../conversation-access.js';
import { defineMethod, type SlackMethod } from '../method.js';
import { SlackError } from '../slack-error.js';
import { findMessage } from '../store/messages.js';
import { emitMessageChanged } from './message-changed.js';

/** The URLs a message links to, as Slack's markup writes them (<https://...|label>) or bare. */
function linkedUrls(text: string): Set<string> {
  const urls = new Set<string>();
  for (const match of text.matchAll(/<(https?:\/\/[^|>\s]+)(?:\|[^>]*)?>|(https?:\/\/[^\s<>]+)/g)) {
    urls.add((match[1] ?? match[2]) as string);
  }
  return urls;
}

const unfurl = defineMethod({
  name: 'chat.unfurl',
  tier: 'tier3',
  args: z.object({
    channel: slackString.optional(),
    ts: slackTimestamp.optional(),
    unfurls: slackJson.optional(),
    unfurl_id: slackString.optional(),
    source: slackString.optional(),
    user_auth_message: slackString.optional(),
    user_auth_required: slackBoolean.optional(),
    user_auth_url: slackString.optional(),
    user_auth_blocks: slackJson.optional(),
  }),
  run: async (args, ctx) => {
    requireScope(ctx.caller, 'links:write');
    // unfurl_id + source come from composer previews, which the clone's people never open.
    if (args.unfurl_id !== undefined || args.source !== undefined) {
      if (args.unfurl_id === undefined) throw new SlackError('missing_unfurl_id');
      if (args.source === undefined) throw new SlackError('missing_source');
      throw new SlackError('invalid_unfurl_id');
    }
    if (args.channel === undefined) throw new SlackError('missing_channel');
    if (args.ts === undefined) throw new SlackError('missing_ts');
    if (args.unfurls === undefined && !args.user_auth_required) throw new SlackError('missing_unfurls');
    const unfurls = args.unfurls ?? {};
    if (typeof unfurls !== 'object' || unfurls === null || Array.isArray(unfurls)) {
      throw new SlackError('invalid_unfurls_format');
    }
    const entries = Object.entries(unfurls as Record<string, unknown>);
    if (entries.some(([, value]) => typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw new SlackError('cannot_parse_attachment');
    }
    const conversation = await openConversation(ctx, args.channel, { allowName: false }).catch((error) => {
      throw error instanceof SlackError ? new SlackError('cannot_find_channel') : error;
    });
    const before = await findMessage(ctx.db, conversation.id, args.ts);
    if (!before || before.subtype === 'tombstone') throw new SlackError('cannot_find_message');
    // An app unfurls the links a message has, no others.
    const linked = linkedUrls(before.text);
    if (entries.some(([url]) => !linked.has(url))) throw new SlackError('cannot_unfurl_url');
    if (entries.length === 0) return {};

    // Unfurls show as attachments carrying the URL they preview; a new one for a URL replaces the old.
    const kept = (before.attachments ?? []).filter(
      (a) => !entries.some(([url]) => (a as { app_unfurl_url?: unknown }).app_unfurl_url === url),
    );
    let id = kept.length;
    const added = entries.map(([url, value]) => ({
      ...(value as Record<string, unknown>),
      id: ++id,
      app_unfurl_url: url,
      is_app_unfurl: true,
      ...(ctx.caller.appId ? { app_id: ctx.caller.appId } : {}),
      ...(ctx.caller.botId ? { bot_id: ctx.caller.botId } : {}),
    }));
    await ctx.db.query('UPDATE messages SET attachments = $3 WHERE conversation_id = $1 AND ts_us = $2', [
      conversation.id,
      before.ts_us,
      JSON.stringify([...kept, ...added]),
    ]);
    const after = await findMessage(ctx.db, conversation.id, before.ts_us);
    if (after) emitMessageChanged(ctx, conversation, before, after);
    return {};
  },
});

export const chatUnfurlMethods: SlackMethod[] = [unfurl];
