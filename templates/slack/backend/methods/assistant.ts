import { z } from 'zod';
import { slackJson, slackString, slackTimestamp } from '../args.js';
import { requireScope } from '../caller.js';
import { openConversation } from '../conversation-access.js';
import { type AuthedContext, defineMethod, type SlackMethod } from '../method.js';
import { invalidArguments, SlackError } from '../slack-error.js';
import { findMessage } from '../store/messages.js';

// assistant.threads.*: what an app shows in a thread of its assistant pane (or any thread
// it replies in): a status while it works, a title, suggested prompts. Threads are opened
// by a person (POST /_asym/assistant/threads, assistant-routes.ts).

const MAX_LOADING_MESSAGES = 10;
const MAX_PROMPTS = 4;

const threadArgs = {
  channel_id: slackString.required(),
  thread_ts: slackString.required(),
};

/**
 * The thread a call names: a conversation the app's bot is in, and a message there. The
 * assistant thread's row is made on first use for threads the pane did not open (channels).
 */
async function openThread(ctx: AuthedContext, channelId: string, threadTs: string) {
  requireScope(ctx.caller, 'assistant:write');
  const conversation = await openConversation(ctx, channelId, { allowName: false }).catch((error) => {
    throw error instanceof SlackError
      ? new SlackError('channel_not_found', { detail: 'Invalid channel_id' })
      : error;
  });
  if (!conversation.is_member) throw new SlackError('channel_not_found', { detail: 'Invalid channel_id' });
  const tsUs = slackTimestamp.required().safeParse(threadTs);
  const message = tsUs.success ? await findMessage(ctx.db, conversation.id, tsUs.data) : null;
  if (!message) throw new SlackError('invalid_thread_ts');
  const rootUs = message.thread_ts_us ?? message.ts_us;
  await ctx.db.query(
    `INSERT INTO assistant_threads (conversation_id, thread_ts_us, user_id, created)
     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
    [conversation.id, rootUs, message.user_id ?? ctx.caller.userId, Math.floor(ctx.now() / 1000)],
  );
  return { conversationId: conversation.id, tsUs: rootUs };
}

const stringList = (value: unknown, field: string, max: number): string[] => {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw invalidArguments([`invalid value for field: ${field} (expected an array of strings)`]);
  }
  if (value.length > max) throw invalidArguments([`invalid value for field: ${field} (at most ${max})`]);
  return value;
};

const setStatus = defineMethod({
  name: 'assistant.threads.setStatus',
  tier: 'tier2',
  args: z.object({
    ...threadArgs,
    // An empty status clears it, so it may be '' (the helpers treat '' as absent).
    status: z.string().optional(),
    loading_messages: slackJson.optional(),
    icon_emoji: slackString.optional(),
    icon_url: slackString.optional(),
    username: slackString.optional(),
  }),
  run: async (args, ctx) => {
    if (args.status === undefined) throw invalidArguments(['missing required field: status']);
    const thread = await openThread(ctx, args.channel_id, args.thread_ts);
    const loading =
      args.loading_messages === undefined
        ? null
        : stringList(args.loading_messages, 'loading_messages', MAX_LOADING_MESSAGES);
    await ctx.db.query(
      `UPDATE assistant_threads SET status = $3, loading_messages = $4, status_set_us = $5
       WHERE conversation_id = $1 AND thread_ts_us = $2`,
      [
        thread.conversationId,
        thread.tsUs,
        args.status,
        loading ? JSON.stringify(loading) : null,
        ctx.now() * 1000,
      ],
    );
    return {};
  },
});

const setTitle = defineMethod({
  name: 'assistant.threads.setTitle',
  tier: 'tier2',
  args: z.object({ ...threadArgs, title: slackString.required() }),
  run: async (args, ctx) => {
    const thread = await openThread(ctx, args.channel_id, args.thread_ts);
    await ctx.db.query(
      'UPDATE assistant_threads SET title = $3 WHERE conversation_id = $1 AND thread_ts_us = $2',
      [thread.conversationId, thread.tsUs, args.title],
    );
    return {};
  },
});

const setSuggestedPrompts = defineMethod({
  name: 'assistant.threads.setSuggestedPrompts',
  tier: 'tier2',
  args: z.object({ ...threadArgs, prompts: slackJson.required(), title: slackString.optional() }),
  run: async (args, ctx) => {
    const prompts = args.prompts;
    if (
      !Array.isArray(prompts) ||
      prompts.length === 0 ||
      !prompts.every(
        (p) =>
          typeof p === 'object' &&
          p !== null &&
          typeof (p as { title?: unknown }).title === 'string' &&
          typeof (p as { message?: unknown }).message === 'string',
      )
    ) {
      throw invalidArguments(['invalid value for field: prompts (expected [{ title, message }])']);
    }
    if (prompts.length > MAX_PROMPTS) {
      throw invalidArguments([`invalid value for field: prompts (at most ${MAX_PROMPTS})`]);
    }
    const thread = await openThread(ctx, args.channel_id, args.thread_ts);
    const kept = prompts.map((p) => ({ title: p.title as string, message: p.message as string }));
    await ctx.db.query(
      `UPDATE assistant_threads SET prompts = $3, prompts_title = $4
       WHERE conversation_id = $1 AND thread_ts_us = $2`,
      [thread.conversationId, thread.tsUs, JSON.stringify(kept), args.title ?? null],
    );
    return {};
  },
});

export const assistantMethods: SlackMethod[] = [setStatus, setTitle, setSuggestedPrompts];
