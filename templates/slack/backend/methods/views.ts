import { z } from 'zod';
import { withTransaction } from '../../../_shared/db.js';
import { slackJson, slackString } from '../args.js';
import { validateView } from '../block-kit.js';
import type { SlackCaller } from '../caller.js';
import {
  closeModals,
  findHome,
  findView,
  findViewByExternalId,
  insertView,
  MAX_STACK,
  openModals,
  renderView,
  replaceView,
} from '../interactivity/view-store.js';
import { type AuthedContext, defineMethod, type SlackMethod } from '../method.js';
import { SlackError } from '../slack-error.js';
import { userExists } from '../store/users.js';

// Slack refuses a view whose JSON is over 250 kB.
const MAX_VIEW_BYTES = 250_000;

type ViewDefinition = Record<string, unknown>;

/** A view argument checked as Slack checks it: invalid_arguments with Block Kit's messages. */
function readView(value: unknown, expected: 'modal' | 'home'): ViewDefinition {
  if (JSON.stringify(value ?? null).length > MAX_VIEW_BYTES) throw new SlackError('view_too_large');
  const problems = validateView(value, expected);
  if (problems.length > 0) {
    throw new SlackError('invalid_arguments', { response_metadata: { messages: problems } });
  }
  return value as ViewDefinition;
}

/** Views belong to an app: only a bot token speaks for one. */
function appOf(caller: SlackCaller): { appId: string; botId: string | null } {
  if (caller.kind !== 'bot' || !caller.appId) throw new SlackError('not_allowed_token_type');
  return { appId: caller.appId, botId: caller.botId };
}

const viewArgs = {
  trigger_id: slackString.optional(),
  interactivity_pointer: slackString.optional(),
  view: slackJson.required(),
};

/** Another view of this app already has that external_id. */
async function assertExternalIdFree(ctx: AuthedContext, appId: string, view: ViewDefinition, self?: string) {
  const externalId = view.external_id;
  if (typeof externalId !== 'string' || externalId === '') return;
  const existing = await findViewByExternalId(ctx.db, appId, externalId);
  if (existing && existing.id !== self) throw new SlackError('duplicate_external_id');
}

const open = defineMethod({
  name: 'views.open',
  tier: 'tier4',
  args: z.object(viewArgs),
  run: async (args, ctx) => {
    const { appId, botId } = appOf(ctx.caller);
    const view = readView(args.view, 'modal');
    const grant = ctx.triggers.exchange(args.trigger_id ?? args.interactivity_pointer);
    await assertExternalIdFree(ctx, appId, view);
    const row = await withTransaction(ctx.db, async (db) => {
      // One modal stack shows at a time: a new root replaces whatever was open.
      await closeModals(db, grant.userId);
      return insertView(db, {
        teamId: ctx.caller.teamId,
        userId: grant.userId,
        appId,
        botId,
        type: 'modal',
        parent: null,
        definition: view,
        nowMs: ctx.now(),
      });
    });
    return { view: renderView(row) };
  },
});

const push = defineMethod({
  name: 'views.push',
  tier: 'tier4',
  args: z.object(viewArgs),
  run: async (args, ctx) => {
    const { appId, botId } = appOf(ctx.caller);
    const view = readView(args.view, 'modal');
    const grant = ctx.triggers.exchange(args.trigger_id ?? args.interactivity_pointer);
    const stack = await openModals(ctx.db, grant.userId);
    const top = stack.at(-1);
    if (!top) throw new SlackError('not_found');
    if (stack.length >= MAX_STACK) throw new SlackError('push_limit_reached');
    await assertExternalIdFree(ctx, appId, view);
    const row = await insertView(ctx.db, {
      teamId: ctx.caller.teamId,
      userId: grant.userId,
      appId,
      botId,
      type: 'modal',
      parent: top,
      definition: view,
      nowMs: ctx.now(),
    });
    return { view: renderView(row) };
  },
});

const update = defineMethod({
  name: 'views.update',
  tier: 'tier4',
  args: z.object({
    view_id: slackString.optional(),
    external_id: slackString.optional(),
    view: slackJson.required(),
    hash: slackString.optional(),
  }),
  run: async (args, ctx) => {
    const { appId } = appOf(ctx.caller);
    if (args.view_id === undefined && args.external_id === undefined) {
      throw new SlackError('invalid_arguments', {
        response_metadata: { messages: ['[ERROR] either view_id or external_id is required'] },
      });
    }
    const current =
      args.view_id !== undefined
        ? await findView(ctx.db, args.view_id)
        : await findViewByExternalId(ctx.db, appId, args.external_id as string);
    if (!current || current.app_id !== appId) throw new SlackError('not_found');
    const view = readView(args.view, current.type);
    if (args.hash !== undefined && args.hash !== current.hash) throw new SlackError('hash_conflict');
    await assertExternalIdFree(ctx, appId, view, current.id);
    return { view: renderView(await replaceView(ctx.db, current.id, view, ctx.now())) };
  },
});

const publish = defineMethod({
  name: 'views.publish',
  tier: 'tier4',
  args: z.object({
    user_id: slackString.required(),
    view: slackJson.required(),
    hash: slackString.optional(),
  }),
  run: async (args, ctx) => {
    const { appId, botId } = appOf(ctx.caller);
    const view = readView(args.view, 'home');
    if (!(await userExists(ctx.db, args.user_id))) {
      throw new SlackError('invalid_arguments', {
        response_metadata: { messages: ['[ERROR] invalid user_id [json-pointer:/user_id]'] },
      });
    }
    const current = await findHome(ctx.db, appId, args.user_id);
    if (args.hash !== undefined && current && args.hash !== current.hash)
      throw new SlackError('hash_conflict');
    await assertExternalIdFree(ctx, appId, view, current?.id);
    const row = current
      ? await replaceView(ctx.db, current.id, view, ctx.now())
      : await insertView(ctx.db, {
          teamId: ctx.caller.teamId,
          userId: args.user_id,
          appId,
          botId,
          type: 'home',
          parent: null,
          definition: view,
          nowMs: ctx.now(),
        });
    return { view: renderView(row) };
  },
});

export const viewsMethods: SlackMethod[] = [open, push, update, publish];
