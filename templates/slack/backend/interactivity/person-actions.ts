import type pg from 'pg';
import {
  ActionError,
  type ActionOutcome,
  type ActionParams,
  type ActionRequest,
  requireParam,
  type TemplateActions,
} from '../../../_shared/actions.js';
import { validateView } from '../block-kit.js';
import { readSigningSecret, verificationTokenFor } from '../events/dispatcher.js';
import type { EventSink } from '../events/event-sink.js';
import type { MethodContext } from '../method.js';
import { SLACK_METHODS } from '../methods/index.js';
import { SlackError } from '../slack-error.js';
import { formatTs, parseTs } from '../slack-ts.js';
import { findVisibleConversation } from '../store/conversations.js';
import { findMessage, type MessageRow } from '../store/messages.js';
import { messageView } from '../views/message.js';
import { type AppIdentity, appBotCaller, findApp, personCaller } from './actors.js';
import type { AppAck, AppTransport } from './app-transport.js';
import { type ResponseMessage, type ResponseUrls, respond } from './response-urls.js';
import type { TriggerStore } from './triggers.js';
import {
  closeFrom,
  findHome,
  findView,
  insertView,
  MAX_STACK,
  renderView,
  replaceView,
  setViewState,
  type ViewRow,
} from './view-store.js';

export interface PersonActionsDeps {
  pool: pg.Pool;
  now: () => number;
  transport: AppTransport;
  triggers: TriggerStore;
  responseUrls: ResponseUrls;
  events: EventSink;
  /** The method context for a request reaching the clone at `baseUrl`. */
  context: (baseUrl: string) => MethodContext;
  /**
   * Where the app hears events (null: nowhere, or not subscribed to `name`), and the
   * outcomes of event deliveries so far: `ok` true once acked, false once a first attempt
   * failed or timed out, null while undecided.
   */
  eventRoute: (name: string) => Promise<'socket' | 'http' | null>;
  eventOutcomes: () => ReadonlyArray<{ ref: object; type: string; ok: boolean | null }>;
}

// An event's first attempt takes at most Slack's 3 s; a little more for the queue ahead of it.
const EVENT_ACK_WAIT_MS = 4_500;

type Json = Record<string, unknown>;

interface Person {
  id: string;
  name: string;
  teamId: string;
}

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every interactive element of a list of blocks, with the block it sits in. */
function* elementsOf(
  blocks: unknown,
): Generator<{ blockId: string | undefined; index: number; element: Json }> {
  if (!Array.isArray(blocks)) return;
  for (const [index, block] of blocks.entries()) {
    if (!isObject(block)) continue;
    const blockId = typeof block.block_id === 'string' ? block.block_id : undefined;
    for (const element of [
      block.accessory,
      block.element,
      ...(Array.isArray(block.elements) ? block.elements : []),
    ]) {
      if (isObject(element) && typeof element.action_id === 'string') yield { blockId, index, element };
    }
  }
}

/** A block_id Slack would have given a block the app left without one (stable per message). */
const derivedBlockId = (index: number) => `blk${index}`;

/** The `actions[0]` of a block_actions payload, as Slack describes the element acted on. */
function actionOf(element: Json, blockId: string, value: string | undefined, actionTs: string): Json {
  const base = { action_id: element.action_id, block_id: blockId, type: element.type, action_ts: actionTs };
  const options = Array.isArray(element.options) ? (element.options as Json[]) : [];
  switch (element.type) {
    case 'button':
      return {
        ...base,
        text: element.text,
        ...((value ?? element.value) !== undefined ? { value: value ?? element.value } : {}),
        ...(element.style ? { style: element.style } : {}),
      };
    case 'static_select':
    case 'overflow':
    case 'radio_buttons':
      return { ...base, selected_option: options.find((option) => option.value === value) ?? null };
    case 'users_select':
      return { ...base, selected_user: value ?? null };
    case 'conversations_select':
      return { ...base, selected_conversation: value ?? null };
    case 'channels_select':
      return { ...base, selected_channel: value ?? null };
    case 'datepicker':
      return { ...base, selected_date: value ?? null };
    default:
      return { ...base, value: value ?? null };
  }
}

/** state.values for a view's input blocks, from what the person entered (`--values`). */
function stateValues(view: ViewRow, entered: Json): Record<string, Record<string, unknown>> {
  const values: Record<string, Record<string, unknown>> = {};
  for (const { blockId, element } of elementsOf(view.definition.blocks)) {
    if (!blockId) continue;
    const actionId = element.action_id as string;
    const given = isObject(entered[blockId]) ? (entered[blockId] as Json)[actionId] : undefined;
    const entry: Json = { type: element.type };
    if (isObject(given)) Object.assign(entry, given);
    else {
      const text = given === undefined || given === null ? null : String(given);
      const options = Array.isArray(element.options) ? (element.options as Json[]) : [];
      switch (element.type) {
        case 'static_select':
        case 'radio_buttons':
          entry.selected_option = options.find((option) => option.value === text) ?? null;
          break;
        case 'checkboxes':
        case 'multi_static_select':
          entry.selected_options = Array.isArray(given)
            ? options.filter((option) => (given as unknown[]).includes(option.value))
            : options.filter((option) => option.value === text);
          break;
        case 'users_select':
          entry.selected_user = text;
          break;
        case 'conversations_select':
          entry.selected_conversation = text;
          break;
        case 'channels_select':
          entry.selected_channel = text;
          break;
        case 'datepicker':
          entry.selected_date = text;
          break;
        case 'timepicker':
          entry.selected_time = text;
          break;
        default:
          entry.value = text;
      }
    }
    values[blockId] = { ...values[blockId], [actionId]: entry };
  }
  return values;
}

function parseValues(text: string | undefined): Json {
  if (text === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ActionError(
      'invalid_param',
      '--values must be JSON: {"<block_id>": {"<action_id>": "<value>"}}',
    );
  }
  if (!isObject(parsed)) {
    throw new ActionError(
      'invalid_param',
      '--values must be a JSON object: {"<block_id>": {"<action_id>": "<value>"}}',
    );
  }
  return parsed;
}

const outcome = (ack: AppAck, extra: Json = {}): ActionOutcome =>
  ack.acked
    ? { acked: true, via: ack.via, ...extra }
    : { acked: false, reason: ack.reason, detail: ack.detail, ...extra };

/**
 * Slack's person actions for `asymmetric act` and the web client: each builds exactly the
 * payload Slack would send the app (block_actions, view_submission, view_closed, shortcut,
 * message_action, a slash command, app_home_opened, a message), sends it through the
 * app's transport, and carries out what the ack asks (a view_submission's response_action,
 * a slash command's reply).
 */
export function createPersonActions(deps: PersonActionsDeps): TemplateActions {
  const { pool, now, transport, triggers, responseUrls } = deps;

  const person = async (params: ActionParams): Promise<Person> => {
    const id = requireParam(params, 'user');
    const { rows } = await pool.query<{ id: string; name: string; team_id: string }>(
      'SELECT id, name, team_id FROM users WHERE id = $1 AND NOT deleted AND NOT is_bot',
      [id],
    );
    const row = rows[0];
    if (!row)
      throw new ActionError('user_not_found', `no person ${id} in the workspace (users.list names them)`);
    return { id: row.id, name: row.name, teamId: row.team_id };
  };

  const app = async (): Promise<AppIdentity> => {
    const found = await findApp(pool);
    if (!found) throw new ActionError('app_not_installed', 'the workspace has no app installed');
    return found;
  };

  /** What every interaction payload starts with. */
  const envelope = async (type: string, who: Person, identity: AppIdentity) => ({
    type,
    user: { id: who.id, username: who.name, name: who.name, team_id: who.teamId },
    api_app_id: identity.appId,
    token: verificationTokenFor(await readSigningSecret(pool)),
    team: { id: identity.teamId, domain: identity.teamDomain },
    enterprise: null,
    is_enterprise_install: false,
  });

  const conversation = async (who: Person, channel: string) => {
    const found = await findVisibleConversation(pool, who.id, { id: channel });
    if (!found) throw new ActionError('channel_not_found', `${who.id} cannot see a conversation ${channel}`);
    return found;
  };

  const ownModal = async (who: Person, viewId: string): Promise<ViewRow> => {
    const view = await findView(pool, viewId);
    if (!view || view.user_id !== who.id || view.type !== 'modal') {
      throw new ActionError('view_not_found', `${who.id} has no open modal ${viewId}`);
    }
    return view;
  };

  /** The element a person acts on: the first with that action_id (and block_id, when given). */
  const findElement = (blockLists: unknown[], actionId: string, wantedBlock: string | undefined) => {
    for (const blocks of blockLists) {
      for (const candidate of elementsOf(blocks)) {
        const blockId = candidate.blockId ?? derivedBlockId(candidate.index);
        if (
          candidate.element.action_id === actionId &&
          (wantedBlock === undefined || wantedBlock === blockId)
        ) {
          return { blockId, element: candidate.element };
        }
      }
    }
    return null;
  };

  /** A click in a modal or the Home tab: block_actions whose container is the view. */
  const clickInView = async (params: ActionParams, who: Person, identity: AppIdentity, viewId: string) => {
    const view = await findView(pool, viewId);
    if (!view || view.user_id !== who.id)
      throw new ActionError('view_not_found', `${who.id} has no view ${viewId}`);
    const actionId = requireParam(params, 'action-id');
    const found = findElement([view.definition.blocks], actionId, params['block-id']);
    if (!found)
      throw new ActionError('action_not_found', `view ${viewId} has no element with action_id ${actionId}`);
    const triggerId = triggers.mint({ userId: who.id, viewId: view.type === 'modal' ? view.id : null });
    const payload = {
      ...(await envelope('block_actions', who, identity)),
      container: { type: 'view', view_id: view.id },
      trigger_id: triggerId,
      view: renderView(view),
      state: { values: view.state },
      actions: [actionOf(found.element, found.blockId, params.value, formatTs(now() * 1000))],
    };
    const ack = await transport.send('interactive', 'block_actions', payload);
    return outcome(ack, { type: 'block_actions', trigger_id: triggerId, view_id: view.id });
  };

  const click = async (params: ActionParams, request: ActionRequest): Promise<ActionOutcome> => {
    const who = await person(params);
    const identity = await app();
    if (params['view-id'] !== undefined) return clickInView(params, who, identity, params['view-id']);
    const channel = await conversation(who, requireParam(params, 'channel'));
    const tsText = requireParam(params, 'ts');
    const tsUs = parseTs(tsText);
    const message: MessageRow | null = tsUs === null ? null : await findMessage(pool, channel.id, tsUs);
    if (!message) throw new ActionError('message_not_found', `no message ${tsText} in ${channel.id}`);
    const actionId = requireParam(params, 'action-id');
    const blockLists = [
      message.blocks,
      ...(message.attachments ?? []).map((a) => (isObject(a) ? a.blocks : null)),
    ];
    const found = findElement(blockLists, actionId, params['block-id']);
    if (!found) {
      throw new ActionError(
        'action_not_found',
        `message ${tsText} has no element with action_id ${actionId}`,
      );
    }
    const actionTs = formatTs(now() * 1000);
    const responseUrl = responseUrls.mint(request.baseUrl, identity.teamId, {
      userId: who.id,
      channelId: channel.id,
      messageTs: formatTs(message.ts_us),
    });
    const triggerId = triggers.mint({ userId: who.id, viewId: null });
    const payload = {
      ...(await envelope('block_actions', who, identity)),
      container: {
        type: 'message',
        message_ts: formatTs(message.ts_us),
        channel_id: channel.id,
        is_ephemeral: false,
      },
      trigger_id: triggerId,
      channel: { id: channel.id, name: channel.name ?? channel.id },
      message: messageView(message, identity.teamId, request.baseUrl),
      state: { values: {} },
      response_url: responseUrl,
      actions: [actionOf(found.element, found.blockId, params.value, actionTs)],
    };
    const ack = await transport.send('interactive', 'block_actions', payload);
    return outcome(ack, { type: 'block_actions', trigger_id: triggerId, response_url: responseUrl });
  };

  const submit = async (params: ActionParams): Promise<ActionOutcome> => {
    const who = await person(params);
    const identity = await app();
    const view = await ownModal(who, requireParam(params, 'view-id'));
    const values = stateValues(view, parseValues(params.values));
    await setViewState(pool, view.id, values);
    const submitted = { ...view, state: values };
    const triggerId = triggers.mint({ userId: who.id, viewId: view.id });
    const payload = {
      ...(await envelope('view_submission', who, identity)),
      trigger_id: triggerId,
      view: renderView(submitted),
      response_urls: [],
    };
    const ack = await transport.send('interactive', 'view_submission', payload);
    if (!ack.acked) return outcome(ack, { type: 'view_submission', view_id: view.id });
    return {
      ...(await responseAction(view, ack.body)),
      acked: true,
      via: ack.via,
      type: 'view_submission',
    };
  };

  /** What the app's ack of a view_submission asks for (Slack's response_action). */
  const responseAction = async (view: ViewRow, body: unknown): Promise<Json> => {
    const answer = isObject(body) ? body : {};
    const action = typeof answer.response_action === 'string' ? answer.response_action : null;
    const checked = (next: unknown) => {
      const problems = validateView(next, 'modal');
      if (problems.length > 0) {
        throw new ActionError(
          'invalid_response_action',
          `the app answered with an invalid view: ${problems.join('; ')}`,
        );
      }
      return next as Json;
    };
    switch (action) {
      case 'errors':
        // The modal stays open with the errors under their inputs.
        return {
          response_action: 'errors',
          errors: isObject(answer.errors) ? answer.errors : {},
          view_id: view.id,
        };
      case 'update': {
        const updated = await replaceView(pool, view.id, checked(answer.view), now());
        return { response_action: 'update', view: renderView(updated) };
      }
      case 'push': {
        const definition = checked(answer.view);
        if (view.depth >= MAX_STACK)
          throw new ActionError('push_limit_reached', 'the modal stack already holds 3 views');
        const pushed = await insertView(pool, {
          teamId: view.team_id,
          userId: view.user_id,
          appId: view.app_id,
          botId: view.bot_id,
          type: 'modal',
          parent: view,
          definition,
          nowMs: now(),
        });
        return { response_action: 'push', view: renderView(pushed) };
      }
      case 'clear': {
        const root = (await findView(pool, view.root_view_id)) ?? view;
        const closed = await closeFrom(pool, root);
        return { response_action: 'clear', closed: closed.map((v) => v.id) };
      }
      default: {
        // No response_action: the submitted view closes (and what was pushed above it).
        const closed = await closeFrom(pool, view);
        return { response_action: null, closed: closed.map((v) => v.id) };
      }
    }
  };

  const close = async (params: ActionParams): Promise<ActionOutcome> => {
    const who = await person(params);
    const identity = await app();
    const view = await ownModal(who, requireParam(params, 'view-id'));
    const root = view.depth === 1 ? view : ((await findView(pool, view.root_view_id)) ?? view);
    // Closing a modal closes its whole stack; Slack tells the app only when it asked to know.
    const closed = await closeFrom(pool, root);
    if (!view.definition.notify_on_close) {
      return { acked: true, delivered: false, type: 'view_closed', closed: closed.map((v) => v.id) };
    }
    const payload = {
      ...(await envelope('view_closed', who, identity)),
      view: renderView(view),
      is_cleared: closed.length > 1,
    };
    const ack = await transport.send('interactive', 'view_closed', payload);
    return outcome(ack, { delivered: true, type: 'view_closed', closed: closed.map((v) => v.id) });
  };

  const command = async (params: ActionParams, request: ActionRequest): Promise<ActionOutcome> => {
    const who = await person(params);
    const identity = await app();
    const channel = await conversation(who, requireParam(params, 'channel'));
    const name = requireParam(params, 'command');
    if (!/^\/[a-z0-9_-]{1,32}$/i.test(name)) {
      throw new ActionError(
        'invalid_param',
        `--command takes a slash command such as /deploy, not "${name}"`,
      );
    }
    const target = { userId: who.id, channelId: channel.id, messageTs: null };
    const responseUrl = responseUrls.mint(request.baseUrl, identity.teamId, target);
    const triggerId = triggers.mint({ userId: who.id, viewId: null });
    const payload = {
      token: verificationTokenFor(await readSigningSecret(pool)),
      team_id: identity.teamId,
      team_domain: identity.teamDomain,
      channel_id: channel.id,
      channel_name: channel.kind === 'im' ? 'directmessage' : (channel.name ?? channel.id),
      user_id: who.id,
      user_name: who.name,
      command: name,
      text: params.text ?? '',
      api_app_id: identity.appId,
      is_enterprise_install: 'false',
      response_url: responseUrl,
      trigger_id: triggerId,
    };
    const ack = await transport.send('slash_commands', name, payload);
    if (!ack.acked) return outcome(ack, { type: 'slash_command' });
    // The ack may carry the reply: plain text or a message (ephemeral unless in_channel).
    const reply: ResponseMessage | null =
      typeof ack.body === 'string' && ack.body.trim() !== ''
        ? { text: ack.body }
        : isObject(ack.body) && (ack.body.text !== undefined || ack.body.blocks !== undefined)
          ? (ack.body as ResponseMessage)
          : null;
    const replied = reply
      ? await respond(deps.context(request.baseUrl), responseUrls, { ...target, id: 'ack' }, reply)
      : null;
    return outcome(ack, {
      type: 'slash_command',
      trigger_id: triggerId,
      response_url: responseUrl,
      reply: replied,
    });
  };

  const shortcut = async (params: ActionParams, request: ActionRequest): Promise<ActionOutcome> => {
    const who = await person(params);
    const identity = await app();
    const callbackId = requireParam(params, 'callback-id');
    const triggerId = triggers.mint({ userId: who.id, viewId: null });
    const actionTs = formatTs(now() * 1000);
    if (params.channel === undefined) {
      const payload = {
        ...(await envelope('shortcut', who, identity)),
        callback_id: callbackId,
        trigger_id: triggerId,
        action_ts: actionTs,
      };
      const ack = await transport.send('interactive', 'shortcut', payload);
      return outcome(ack, { type: 'shortcut', trigger_id: triggerId });
    }
    // On a message: a message shortcut (message_action).
    const channel = await conversation(who, params.channel);
    const tsUs = parseTs(requireParam(params, 'ts'));
    const message = tsUs === null ? null : await findMessage(pool, channel.id, tsUs);
    if (!message) throw new ActionError('message_not_found', `no message ${params.ts} in ${channel.id}`);
    const responseUrl = responseUrls.mint(request.baseUrl, identity.teamId, {
      userId: who.id,
      channelId: channel.id,
      messageTs: formatTs(message.ts_us),
    });
    const payload = {
      ...(await envelope('message_action', who, identity)),
      callback_id: callbackId,
      trigger_id: triggerId,
      action_ts: actionTs,
      message_ts: formatTs(message.ts_us),
      channel: { id: channel.id, name: channel.name ?? channel.id },
      message: messageView(message, identity.teamId, request.baseUrl),
      response_url: responseUrl,
    };
    const ack = await transport.send('interactive', 'message_action', payload);
    return outcome(ack, { type: 'message_action', trigger_id: triggerId, response_url: responseUrl });
  };

  /** Opening the app's Home tab: the app_home_opened event, over the Events API like Slack. */
  const home = async (params: ActionParams, request: ActionRequest): Promise<ActionOutcome> => {
    const who = await person(params);
    const identity = await app();
    const bot = await appBotCaller(pool);
    const opener = SLACK_METHODS.get('conversations.open');
    if (!bot || !opener) throw new ActionError('app_not_installed', 'the workspace has no app installed');
    const opened = (await opener.invoke({ users: who.id }, deps.context(request.baseUrl), bot)) as {
      channel: { id: string };
    };
    const view = await findHome(pool, identity.appId, who.id);
    const route = await deps.eventRoute('app_home_opened');
    if (route === null) {
      return {
        acked: false,
        reason: 'no_request_url',
        detail:
          'the app neither has an Events Request URL subscribed to app_home_opened nor is in Socket Mode',
      };
    }
    const earlier = new Set(deps.eventOutcomes().map((outcome) => outcome.ref));
    deps.events.emit({
      type: 'app_home_opened',
      user: who.id,
      channel: opened.channel.id,
      tab: 'home',
      ...(view ? { view: renderView(view) } : {}),
      event_ts: formatTs(now() * 1000),
    });
    // Exits once the app acknowledged the event (or its first attempt failed), as for interactions.
    const deadline = Date.now() + EVENT_ACK_WAIT_MS;
    let ok: boolean | null = null;
    while (ok === null && Date.now() < deadline) {
      const fresh = deps
        .eventOutcomes()
        .find((o) => !earlier.has(o.ref) && o.type === 'app_home_opened' && o.ok !== null);
      if (fresh) ok = fresh.ok;
      else await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const result = {
      type: 'app_home_opened',
      via: route,
      channel: opened.channel.id,
      view: view ? renderView(view) : null,
    };
    return ok
      ? { acked: true, ...result }
      : {
          acked: false,
          reason: 'timeout',
          detail: 'the app did not acknowledge app_home_opened in 3 s',
          ...result,
        };
  };

  /** A person writes a message (the Events API tells the app, as for any message). */
  const post = async (params: ActionParams, request: ActionRequest): Promise<ActionOutcome> => {
    const who = await person(params);
    const caller = await personCaller(pool, who.id);
    const method = SLACK_METHODS.get('chat.postMessage');
    if (!caller || !method) throw new ActionError('user_not_found', `no person ${who.id} in the workspace`);
    try {
      const posted = await method.invoke(
        {
          channel: requireParam(params, 'channel'),
          text: requireParam(params, 'text'),
          ...(params['thread-ts'] ? { thread_ts: params['thread-ts'] } : {}),
        },
        deps.context(request.baseUrl),
        caller,
      );
      return { acked: true, type: 'message', channel: posted.channel, ts: posted.ts };
    } catch (error) {
      if (error instanceof SlackError)
        throw new ActionError(error.code, `chat.postMessage answered ${error.code}`);
      throw error;
    }
  };

  /** An action handler whose Slack errors (a response that failed) are named, not a 500. */
  const guarded =
    (handler: (params: ActionParams, request: ActionRequest) => Promise<ActionOutcome>) =>
    async (params: ActionParams, request: ActionRequest) => {
      try {
        return await handler(params, request);
      } catch (error) {
        if (error instanceof SlackError) throw new ActionError(error.code, `Slack answered ${error.code}`);
        throw error;
      }
    };

  return {
    click: guarded(click),
    submit: guarded(submit),
    close: guarded(close),
    command: guarded(command),
    shortcut: guarded(shortcut),
    home: guarded(home),
    post: guarded(post),
  };
}
