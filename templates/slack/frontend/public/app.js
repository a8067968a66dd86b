// The Slack clone's web client: sign-in, sidebar, channel history, threads, composer,
// reactions, and live updates. State lives here; rendering is in messages.js.
import * as api from './api.js';
import {
  browseChannelsDialog,
  createChannelDialog,
  newMessageDialog,
  openProfile,
  showMembers,
} from './dialogs.js';
import { ICONS } from './icons.js';
import { clickInMessage, openHome, refreshModals, runCommand } from './interactive.js';
import { connectLive } from './live.js';
import { renderMessage, renderMessageList } from './messages.js';
import {
  author,
  channelLabel,
  decodeMentions,
  encodeMentions,
  isDirect,
  lookup,
  PAGE,
  person,
  state,
} from './state.js';
import { $, attachMentions, autoGrow, closeEmojiPicker, h, openEmojiPicker, openModal, toast } from './ui.js';

async function loadUsers() {
  const members = await api.callAll('users.list', { limit: 200 }, 'members');
  state.users = new Map(members.map((user) => [user.id, person(user)]));
  state.usersByName = new Map([...state.users.values()].map((user) => [user.name, user]));
}

async function loadChannels() {
  const channels = await api.callAll(
    'conversations.list',
    { types: 'public_channel,private_channel,mpim,im', exclude_archived: true, limit: 200 },
    'channels',
  );
  const previous = state.channels;
  state.channels = new Map(channels.map((channel) => [channel.id, channel]));
  // A channel being previewed (not joined) stays reachable even if the list omits it.
  if (state.current && !state.channels.has(state.current) && previous.has(state.current)) {
    state.channels.set(state.current, previous.get(state.current));
  }
  renderSidebar();
}

// ---------------------------------------------------------------------------------------
// Sidebar

function renderSidebar() {
  const channels = [...state.channels.values()]
    .filter((channel) => !isDirect(channel) && (channel.is_member || channel.id === state.current))
    .sort((a, b) => a.name.localeCompare(b.name));
  const directs = [...state.channels.values()]
    .filter((channel) => isDirect(channel) && !(channel.is_im && state.users.get(channel.user)?.deleted))
    .sort((a, b) => channelLabel(a).localeCompare(channelLabel(b)));

  $('#channel-list').replaceChildren(
    ...channels.map((channel) =>
      navItem(
        channel,
        h('span', { class: 'nav-icon', html: channel.is_private ? ICONS.lock : ICONS.hash }),
        channel.name,
      ),
    ),
  );
  $('#dm-list').replaceChildren(
    ...directs.map((channel) => {
      const other = channel.is_im ? state.users.get(channel.user) : null;
      const icon = other
        ? h('span', { class: 'avatar tiny', style: `background:#${other.color}` }, other.initials)
        : h('span', { class: 'avatar tiny group' }, String((channel.name ?? '').split('--').length));
      return navItem(channel, icon, channelLabel(channel));
    }),
  );
}

function navItem(channel, icon, label) {
  const unread = state.unread.has(channel.id);
  const classes = [
    'nav-item',
    channel.id === state.current ? 'active' : '',
    unread ? 'unread' : '',
    channel.is_member === false ? 'preview' : '',
  ];
  return h(
    'li',
    { 'data-id': channel.id, 'data-name': channel.name ?? '' },
    h(
      'a',
      {
        href: `#/${channel.id}`,
        class: classes.filter(Boolean).join(' '),
        onclick: (event) => {
          event.preventDefault();
          openChannel(channel.id);
        },
      },
      icon,
      h('span', { class: 'nav-label' }, label),
      unread ? h('span', { class: 'unread-dot', 'aria-label': 'unread' }) : null,
    ),
  );
}

// ---------------------------------------------------------------------------------------
// A channel

async function openChannel(id, { quiet = false, reload = false } = {}) {
  // Clicking the open conversation again keeps it as it is (scroll position, older pages).
  if (id === state.current && !reload && state.messages.length > 0) {
    $('#composer-input').focus();
    return;
  }
  const load = ++state.loadToken;
  let channel = state.channels.get(id);
  if (!channel) {
    try {
      channel = (await api.call('conversations.info', { channel: id })).channel;
      state.channels.set(id, channel);
    } catch (error) {
      if (!quiet) toast(`Cannot open that conversation (${error.code ?? error.message})`, 'error');
      return;
    }
  }
  state.current = id;
  state.home = null;
  state.unread.delete(id);
  state.editing = null;
  if (location.hash !== `#/${id}`) history.replaceState(null, '', `#/${id}`);
  renderSidebar();
  renderHeader();
  $('#messages').replaceChildren(h('div', { class: 'loading' }, 'Loading…'));
  try {
    const body = await api.call('conversations.history', { channel: id, limit: PAGE });
    if (load !== state.loadToken) return;
    state.messages = body.messages.slice().reverse();
    state.hasMore = body.has_more;
    state.cursor = body.response_metadata?.next_cursor ?? '';
    renderMessages({ toBottom: true });
    markRead();
    // Short channels: fetch older pages until the list can scroll (or history ends).
    await fillViewport();
  } catch (error) {
    if (load === state.loadToken)
      $('#messages').replaceChildren(
        h('div', { class: 'empty' }, `Could not load messages (${error.code ?? error.message}).`),
      );
  }
  $('#composer-input').focus();
}

function renderHeader() {
  const channel = state.channels.get(state.current);
  if (!channel) return;
  const direct = isDirect(channel);
  const title = $('#channel-header .channel-title');
  title.replaceChildren(
    direct ? '' : h('span', { class: 'hash', html: channel.is_private ? ICONS.lock : ICONS.hash }),
    channelLabel(channel),
  );
  const other = channel.is_im ? state.users.get(channel.user) : null;
  $('#channel-header .channel-topic').textContent = other
    ? [other.title, other.status].filter(Boolean).join(' · ')
    : (channel.topic?.value ?? '');
  $('#channel-header .member-count').textContent =
    !direct && channel.num_members ? `${channel.num_members} members` : '';
  document.title = `${direct ? '' : '#'}${channelLabel(channel)} - ${state.team.name} - Slack`;
  const joined = channel.is_member !== false;
  $('#leave-channel').hidden = direct || !joined || channel.is_general;
  $('#composer').hidden = !joined;
  $('#join-bar').hidden = joined;
  $('#join-bar .join-channel-name').textContent = `#${channel.name}`;
  $('#composer-input').placeholder = direct ? `Message ${channelLabel(channel)}` : `Message #${channel.name}`;
}

const messageView = () => ({
  me: state.me.id,
  lookup,
  author,
  editing: state.editing,
  onReact: (message, anchor) => openEmojiPicker(anchor, (name) => react(message, name, false)),
  onToggleReaction: (message, name, reacted) => react(message, name, reacted),
  onOpenThread: (message) => openThread(message.thread_ts ?? message.ts),
  onEdit: (message, inThread) => {
    state.editing = { ts: message.ts, inThread, draft: decodeMentions(message.text) };
    rerender();
  },
  onCancelEdit: () => {
    state.editing = null;
    rerender();
  },
  onSaveEdit: (message, text) => saveEdit(message, text),
  onDelete: (message) => confirmDelete(message),
  onPin: (message, unpin) => pin(message, unpin),
  onAuthor: (message, anchor) =>
    message.user && !message.bot_id && openProfile(message.user, anchor, { onMessage: startDirect }),
  onBlockAction: (message, element, blockId, value) =>
    clickInMessage(channelOf(message), message, element, blockId, value),
});

function rerender() {
  renderMessages();
  renderThread();
}

function renderMessages({ toBottom = false, keepAnchor = null } = {}) {
  const list = $('#messages');
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
  const before = { height: list.scrollHeight, top: list.scrollTop };
  const channel = state.channels.get(state.current);
  const intro =
    !state.hasMore && channel
      ? h(
          'div',
          { class: 'channel-intro' },
          h('h2', {}, isDirect(channel) ? channelLabel(channel) : `# ${channel.name}`),
          h(
            'p',
            { class: 'muted' },
            isDirect(channel)
              ? 'This is the very beginning of your direct message history.'
              : `This is the very beginning of the #${channel.name} channel. ${channel.purpose?.value ?? ''}`,
          ),
        )
      : null;
  renderMessageList(list, state.messages, messageView(), { header: intro });
  // Replies only this person sees (a slash command's): never stored, gone on reload.
  for (const note of state.ephemeral ?? []) {
    if (note.channel !== state.current) continue;
    list.append(
      h(
        'div',
        { class: 'message ephemeral' },
        h('div', { class: 'gutter' }),
        h(
          'div',
          { class: 'content' },
          h('div', { class: 'ephemeral-note muted' }, 'Only visible to you'),
          h('div', { class: 'text' }, note.text),
        ),
      ),
    );
  }
  if (keepAnchor) list.scrollTop = list.scrollHeight - before.height + before.top;
  else if (toBottom || atBottom) list.scrollTop = list.scrollHeight;
  else list.scrollTop = before.top;
}

async function loadOlder() {
  if (!state.hasMore || state.loadingOlder || !state.cursor) return;
  state.loadingOlder = true;
  const channel = state.current;
  try {
    const body = await api.call('conversations.history', { channel, limit: PAGE, cursor: state.cursor });
    if (channel !== state.current) return;
    const known = new Set(state.messages.map((message) => message.ts));
    state.messages = [
      ...body.messages.filter((message) => !known.has(message.ts)).reverse(),
      ...state.messages,
    ];
    state.hasMore = body.has_more;
    state.cursor = body.response_metadata?.next_cursor ?? '';
    renderMessages({ keepAnchor: true });
  } catch (error) {
    toast(`Could not load older messages (${error.code ?? error.message})`, 'error');
  } finally {
    state.loadingOlder = false;
  }
}

async function fillViewport() {
  const list = $('#messages');
  for (let i = 0; i < 5 && state.hasMore && list.scrollHeight <= list.clientHeight + 40; i++)
    await loadOlder();
}

function upsert(messages, message) {
  const index = messages.findIndex((existing) => existing.ts === message.ts);
  if (index >= 0) {
    messages[index] = message;
    return messages;
  }
  const next = [...messages, message];
  next.sort((a, b) => Number.parseFloat(a.ts) - Number.parseFloat(b.ts));
  return next;
}

/** Re-reads one channel-level message by ts (history at `latest=ts, inclusive`). */
async function fetchChannelMessage(channel, ts) {
  const body = await api.call('conversations.history', { channel, latest: ts, inclusive: true, limit: 1 });
  const message = body.messages[0];
  return message?.ts === ts ? message : null;
}

async function refreshChannelMessage(ts) {
  const channel = state.current;
  const message = await fetchChannelMessage(channel, ts).catch(() => null);
  if (channel !== state.current) return;
  if (message) state.messages = upsert(state.messages, message);
  else state.messages = state.messages.filter((existing) => existing.ts !== ts);
  renderMessages();
}

/** Tells the clone (conversations.mark) that the open conversation is read up to its newest message. */
function markRead() {
  const latest = state.messages[state.messages.length - 1];
  const channel = state.channels.get(state.current);
  if (!latest || !channel || document.visibilityState === 'hidden') return;
  if (channel.last_read && Number.parseFloat(channel.last_read) >= Number.parseFloat(latest.ts)) return;
  channel.last_read = latest.ts;
  api.call('conversations.mark', { channel: state.current, ts: latest.ts }).catch(() => undefined);
}

/**
 * Unread markers after a (re)load: a conversation is unread when its newest message, by
 * someone else, is newer than the member's `last_read` (conversations.mark).
 */
async function loadUnread() {
  const candidates = [...state.channels.values()].filter(
    (channel) => (channel.is_member || channel.is_im) && channel.last_read !== undefined,
  );
  const check = async (channel) => {
    const body = await api.call('conversations.history', { channel: channel.id, limit: 1 }).catch(() => null);
    const latest = body?.messages?.[0];
    if (!latest || latest.user === state.me.id || channel.id === state.current) return;
    if (Number.parseFloat(latest.ts) > Number.parseFloat(channel.last_read || '0'))
      state.unread.add(channel.id);
  };
  // A few at a time: a big workspace should not fire hundreds of requests at once.
  const queue = [...candidates];
  await Promise.all(
    Array.from({ length: 6 }, async () => {
      for (let channel = queue.shift(); channel; channel = queue.shift()) await check(channel);
    }),
  );
  renderSidebar();
}

// ---------------------------------------------------------------------------------------
// Writing

async function send(text, { threadTs = null } = {}) {
  const channel = threadTs ? state.thread.channel : state.current;
  // `/command text` runs the app's slash command, as Slack's composer does.
  if (!threadTs && /^\/[a-z0-9_-]+(\s|$)/i.test(text.trim())) {
    const reply = await runCommand(channel, text);
    if (reply) {
      state.ephemeral = [...(state.ephemeral ?? []), { channel, text: reply }];
      renderMessages({ toBottom: true });
    }
    return;
  }
  const broadcast = threadTs !== null && $('#thread-broadcast').checked;
  const body = await api.call('chat.postMessage', {
    channel,
    text: encodeMentions(text),
    ...(threadTs ? { thread_ts: threadTs } : {}),
    ...(broadcast ? { reply_broadcast: true } : {}),
  });
  if (broadcast) {
    $('#thread-broadcast').checked = false;
    if (channel === state.current) state.messages = upsert(state.messages, body.message);
  }
  if (threadTs) {
    if (state.thread?.ts === threadTs) {
      state.thread.messages = upsert(state.thread.messages, body.message);
      renderThread({ toBottom: true });
    }
  } else if (channel === state.current) {
    state.messages = upsert(state.messages, body.message);
    renderMessages({ toBottom: true });
  }
}

function wireComposer(form, input, onSend) {
  attachMentions(input, () => [...state.users.values()].filter((user) => !user.deleted && !user.isBot));
  const resize = autoGrow(input);
  let sending = false;
  const submit = async () => {
    const text = input.value;
    if (text.trim() === '' || sending) return;
    sending = true;
    try {
      await onSend(text);
      input.value = '';
      resize();
    } catch (error) {
      toast(`Message not sent (${error.code ?? error.message})`, 'error');
    } finally {
      sending = false;
      input.focus();
    }
  };
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    } else if (event.key === 'ArrowUp' && input.value === '' && form.id === 'composer') {
      // Like Slack: Up in an empty composer edits your last message.
      const last = [...state.messages]
        .reverse()
        .find((message) => message.user === state.me.id && !message.bot_id);
      if (last) {
        event.preventDefault();
        state.editing = { ts: last.ts, inThread: false, draft: decodeMentions(last.text) };
        renderMessages();
      }
    }
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
  });
}

async function saveEdit(message, text) {
  const inThread = state.editing?.inThread ?? false;
  const channel = inThread ? state.thread.channel : state.current;
  if (text.trim() === '') return confirmDelete(message);
  try {
    const body = await api.call('chat.update', { channel, ts: message.ts, text: encodeMentions(text) });
    state.editing = null;
    const updated = { ...message, text: body.text ?? text, ...(body.message ?? {}) };
    if (!updated.edited) updated.edited = { user: state.me.id, ts: String(Date.now() / 1000) };
    state.messages = state.messages.map((existing) =>
      existing.ts === message.ts ? { ...existing, ...updated } : existing,
    );
    if (state.thread)
      state.thread.messages = state.thread.messages.map((existing) =>
        existing.ts === message.ts ? { ...existing, ...updated } : existing,
      );
    rerender();
  } catch (error) {
    toast(`Could not edit the message (${error.code ?? error.message})`, 'error');
  }
}

function confirmDelete(message) {
  const channel = channelOf(message);
  openModal({
    id: 'delete-dialog',
    title: 'Delete message',
    body: h('p', {}, 'Are you sure you want to delete this message? This cannot be undone.'),
    actions: [
      { name: 'cancel', label: 'Cancel' },
      {
        name: 'confirm-delete',
        label: 'Delete',
        kind: 'danger',
        onClick: async () => {
          try {
            await api.call('chat.delete', { channel, ts: message.ts });
            state.editing = null;
            state.messages = state.messages.filter((existing) => existing.ts !== message.ts);
            if (state.thread) {
              if (state.thread.ts === message.ts) closeThread();
              else
                state.thread.messages = state.thread.messages.filter(
                  (existing) => existing.ts !== message.ts,
                );
            }
            rerender();
          } catch (error) {
            toast(`Could not delete the message (${error.code ?? error.message})`, 'error');
          }
        },
      },
    ],
  });
}

async function react(message, name, remove) {
  const channel = channelOf(message);
  try {
    await api.call(remove ? 'reactions.remove' : 'reactions.add', { channel, timestamp: message.ts, name });
  } catch (error) {
    if (error.code !== 'already_reacted' && error.code !== 'no_reaction') {
      toast(`Could not ${remove ? 'remove' : 'add'} the reaction (${error.code ?? error.message})`, 'error');
      return;
    }
  }
  await refreshMessage(
    channel,
    message.ts,
    message.thread_ts && message.thread_ts !== message.ts ? message.thread_ts : null,
  );
}

async function pin(message, unpin) {
  const channel = channelOf(message);
  try {
    await api.call(unpin ? 'pins.remove' : 'pins.add', { channel, timestamp: message.ts });
  } catch (error) {
    if (error.code !== 'already_pinned' && error.code !== 'no_pin') {
      toast(`Could not ${unpin ? 'unpin' : 'pin'} the message (${error.code ?? error.message})`, 'error');
      return;
    }
  }
  await refreshMessage(
    channel,
    message.ts,
    message.thread_ts && message.thread_ts !== message.ts ? message.thread_ts : null,
  );
}

/** The conversation a rendered message belongs to (the open thread's, or the open channel's). */
function channelOf(message) {
  const inThreadOnly =
    state.thread?.messages.some((existing) => existing.ts === message.ts) &&
    !state.messages.some((existing) => existing.ts === message.ts);
  return inThreadOnly ? state.thread.channel : state.current;
}

/** Re-reads a message wherever it shows (the channel, the open thread). */
async function refreshMessage(channel, ts, threadTs) {
  if (channel === state.current && (!threadTs || state.messages.some((message) => message.ts === ts)))
    await refreshChannelMessage(ts);
  if (
    state.thread &&
    state.thread.channel === channel &&
    (state.thread.ts === ts || state.thread.ts === threadTs)
  )
    await loadThread();
}

// ---------------------------------------------------------------------------------------
// Threads

async function openThread(ts) {
  state.thread = { channel: state.current, ts, messages: [] };
  $('#thread-panel').hidden = false;
  document.body.classList.add('thread-open');
  const channel = state.channels.get(state.current);
  for (const element of document.querySelectorAll('#thread-panel .thread-channel')) {
    element.textContent = isDirect(channel) ? channelLabel(channel) : `#${channel.name}`;
  }
  await loadThread({ toBottom: true });
  $('#thread-input').focus();
}

async function loadThread({ toBottom = false } = {}) {
  const thread = state.thread;
  if (!thread) return;
  try {
    const messages = await api.callAll(
      'conversations.replies',
      { channel: thread.channel, ts: thread.ts, limit: 200 },
      'messages',
    );
    if (state.thread !== thread) return;
    thread.messages = messages;
    renderThread({ toBottom });
  } catch (error) {
    if (error.code === 'thread_not_found' || error.code === 'message_not_found') return closeThread();
    toast(`Could not load the thread (${error.code ?? error.message})`, 'error');
  }
}

function renderThread({ toBottom = false } = {}) {
  const list = $('#thread-messages');
  if (!state.thread) return;
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
  renderMessageList(list, state.thread.messages, messageView(), { inThread: true });
  if (toBottom || atBottom) list.scrollTop = list.scrollHeight;
}

function closeThread() {
  state.thread = null;
  $('#thread-panel').hidden = true;
  document.body.classList.remove('thread-open');
}

// ---------------------------------------------------------------------------------------
// Channels: create, browse, join

async function joinChannel(id) {
  try {
    const body = await api.call('conversations.join', { channel: id });
    state.channels.set(id, { ...(state.channels.get(id) ?? {}), ...body.channel, is_member: true });
    await openChannel(id, { reload: true });
    toast(`You joined #${body.channel.name}`);
  } catch (error) {
    toast(`Could not join (${error.code ?? error.message})`, 'error');
  }
}

// ---------------------------------------------------------------------------------------
// Search, direct messages, profiles

async function runSearch(query) {
  const load = ++state.loadToken;
  state.current = null;
  state.messages = [];
  state.editing = null;
  closeThread();
  renderSidebar();
  $('#channel-header .channel-title').replaceChildren(
    h('span', { class: 'hash', html: ICONS.search }),
    `Results for “${query}”`,
  );
  $('#channel-header .channel-topic').textContent = '';
  $('#channel-header .member-count').textContent = '';
  $('#composer').hidden = true;
  $('#join-bar').hidden = true;
  $('#leave-channel').hidden = true;
  document.title = `Search: ${query} - ${state.team.name} - Slack`;
  const list = $('#messages');
  list.replaceChildren(h('div', { class: 'loading' }, 'Searching…'));
  try {
    const body = await api.call('search.messages', { query, count: 50 });
    if (load !== state.loadToken) return;
    const { matches = [], total = 0 } = body.messages ?? {};
    list.replaceChildren(
      h('div', { class: 'search-summary muted' }, `${total} ${total === 1 ? 'result' : 'results'}`),
      ...(matches.length > 0
        ? matches.map(searchResult)
        : [h('div', { class: 'empty' }, `No messages match “${query}”.`)]),
    );
    list.scrollTop = 0;
  } catch (error) {
    if (load === state.loadToken)
      list.replaceChildren(h('div', { class: 'empty' }, `Search failed (${error.code ?? error.message}).`));
  }
}

function searchResult(match) {
  const known = state.channels.get(match.channel.id);
  const where = known ? (isDirect(known) ? channelLabel(known) : `#${known.name}`) : `#${match.channel.name}`;
  const reply = match.thread_ts && match.thread_ts !== match.ts;
  const go = () => jumpTo(match.channel.id, match.ts, reply ? match.thread_ts : null);
  return h(
    'div',
    {
      class: 'search-result',
      role: 'button',
      tabindex: '0',
      'data-channel': match.channel.id,
      'data-ts': match.ts,
      onclick: go,
      onkeydown: (event) => event.key === 'Enter' && go(),
    },
    h('div', { class: 'result-channel' }, where, reply ? ' · reply in a thread' : ''),
    renderMessage(match, messageView(), { inThread: true, readOnly: true }),
  );
}

/** Opens a conversation at one message (loading older pages, or its thread, to find it). */
async function jumpTo(channelId, ts, threadTs) {
  $('#search-input').value = '';
  await openChannel(channelId);
  if (state.current !== channelId) return;
  if (threadTs) {
    await openThread(threadTs);
    return highlight('#thread-messages', ts);
  }
  for (let page = 0; page < 20 && state.hasMore && !state.messages.some((m) => m.ts === ts); page++)
    await loadOlder();
  highlight('#messages', ts);
}

function highlight(listSelector, ts) {
  const element = $(`${listSelector} .message[data-ts="${ts}"]`);
  if (!element) return;
  element.scrollIntoView({ block: 'center' });
  element.classList.add('highlight');
  setTimeout(() => element.classList.remove('highlight'), 3000);
}

async function leaveChannel() {
  const channel = state.channels.get(state.current);
  if (!channel) return;
  try {
    await api.call('conversations.leave', { channel: channel.id });
    toast(`You left #${channel.name}`);
    closeThread();
    await loadChannels();
    await openDefaultChannel();
  } catch (error) {
    toast(`Could not leave (${error.code ?? error.message})`, 'error');
  }
}

async function startDirect(userId) {
  try {
    const body = await api.call('conversations.open', { users: userId });
    await loadChannels();
    await openChannel(body.channel.id);
  } catch (error) {
    toast(`Could not open the conversation (${error.code ?? error.message})`, 'error');
  }
}

// ---------------------------------------------------------------------------------------
// Live updates

const refreshSoon = (() => {
  let timer = null;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(() => loadChannels().catch(() => undefined), 150);
  };
})();

async function onLive(event) {
  switch (event.type) {
    case 'message':
    case 'reaction': {
      const reply = event.thread_ts && event.thread_ts !== event.ts;
      if (event.channel === state.current) {
        if (event.op === 'delete' && event.type === 'message') {
          state.messages = state.messages.filter((message) => message.ts !== event.ts);
          if (state.thread?.ts === event.ts) closeThread();
          renderMessages();
        } else if (!reply || state.messages.some((message) => message.ts === event.ts)) {
          await refreshChannelMessage(event.ts);
        }
        // A reply changes its parent's reply count.
        if (reply && event.type === 'message') await refreshChannelMessage(event.thread_ts);
        if (event.type === 'message' && event.op === 'insert' && !reply) markRead();
      } else if (event.type === 'message' && event.op === 'insert' && !reply) {
        state.unread.add(event.channel);
        if (!state.channels.has(event.channel)) refreshSoon();
        else renderSidebar();
      }
      if (
        state.thread &&
        state.thread.channel === event.channel &&
        (state.thread.ts === event.ts || state.thread.ts === event.thread_ts)
      )
        await loadThread();
      break;
    }
    case 'member':
    case 'conversation':
      refreshSoon();
      if (event.channel === state.current) {
        api
          .call('conversations.info', { channel: event.channel })
          .then((body) => {
            state.channels.set(event.channel, body.channel);
            renderHeader();
          })
          .catch(() => undefined);
      }
      break;
    case 'user':
      await loadUsers().catch(() => undefined);
      rerender();
      renderSidebar();
      break;
    case 'view':
      // An app opened, changed or closed one of this person's modals, or published Home.
      if (event.view_type === 'modal') await refreshModals();
      else if (state.home) state.home.render((await api.views()).home);
      break;
    case 'reset':
      await reloadEverything();
      break;
    case 'signed_out':
      // The session ended (the clone was reset or reseeded, its tokens minted, or it expired).
      window.dispatchEvent(new Event('asym:signed-out'));
      break;
  }
}

/** The app's Home tab in the main pane (app_home_opened goes to the app first). */
async function showHome() {
  state.current = null;
  state.messages = [];
  history.replaceState(null, '', '#/home');
  renderSidebar();
  $('#channel-header .channel-title').replaceChildren('App Home');
  $('#channel-header .channel-topic').textContent = '';
  $('#channel-header .member-count').textContent = '';
  $('#leave-channel').hidden = true;
  $('#composer').hidden = true;
  $('#join-bar').hidden = true;
  try {
    state.home = await openHome($('#messages'));
  } catch (error) {
    toast(`Could not open the app's Home (${error.code ?? error.message})`, 'error');
  }
}

async function reloadEverything() {
  await loadUsers();
  await loadChannels();
  loadUnread().catch(() => undefined);
  if (state.current && state.channels.has(state.current))
    await openChannel(state.current, { quiet: true, reload: true });
  else await openDefaultChannel();
  if (state.thread) await loadThread();
}

// ---------------------------------------------------------------------------------------
// Session

async function showApp(session) {
  state.me = session.user;
  state.team = session.team;
  for (const element of document.querySelectorAll('.workspace-name')) element.textContent = session.team.name;
  $('#search-input').placeholder = `Search ${session.team.name}`;
  $('#login-view').hidden = true;
  $('#app-view').hidden = false;
  await loadUsers();
  const me = state.users.get(state.me.id);
  state.me = { ...state.me, ...me };
  $('#user-menu-button').replaceChildren(
    h('span', { class: 'avatar small', style: `background:#${me?.color ?? '9f69e7'}` }, me?.initials ?? '?'),
    h('span', { class: 'user-chip-name' }, me?.label ?? state.me.name),
  );
  $('#user-menu .menu-header').replaceChildren(
    h('b', {}, me?.label ?? state.me.name),
    h('div', { class: 'muted' }, me?.title ?? ''),
  );
  await loadChannels();
  loadUnread().catch(() => undefined);
  state.stopLive = connectLive({
    onEvent: (event) => onLive(event).catch((error) => console.error(error)),
    onReady: (reconnected) => {
      if (reconnected) reloadEverything().catch(() => undefined);
    },
    onStatus: (status) => {
      document.body.dataset.live = status;
      $('#live-status').dataset.status = status;
      $('#live-status').title = status === 'live' ? 'Live updates on' : 'Reconnecting…';
    },
  });
  refreshModals().catch(() => undefined);
  const wanted = location.hash.replace(/^#\//, '');
  if (wanted && (await tryOpen(wanted))) return;
  await openDefaultChannel();
}

async function tryOpen(id) {
  await openChannel(id, { quiet: true });
  return state.current === id;
}

async function openDefaultChannel() {
  const channels = [...state.channels.values()].filter((channel) => channel.is_member && !isDirect(channel));
  const general =
    channels.find((channel) => channel.is_general) ??
    channels.sort((a, b) => a.name.localeCompare(b.name))[0];
  if (general) await openChannel(general.id);
}

function showLogin() {
  state.stopLive?.();
  state.stopLive = null;
  state.current = null;
  state.thread = null;
  state.messages = [];
  state.unread.clear();
  closeThread();
  $('#app-view').hidden = true;
  $('#login-view').hidden = false;
  document.title = `${state.team?.name ?? 'Slack'} | Sign in`;
  $('#login-form [name=email]').focus();
}

function wireLogin() {
  const form = $('#login-form');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const error = $('.login-error', form);
    error.hidden = true;
    const button = $('button[type=submit]', form);
    button.disabled = true;
    try {
      const session = await api.login(form.email.value, form.password.value);
      form.password.value = '';
      await showApp(session);
    } catch (failure) {
      error.textContent =
        failure.code === 'invalid_credentials'
          ? 'Sorry, that email and password do not match an account.'
          : failure.code === 'ratelimited'
            ? 'Too many failed attempts. Please wait a minute and try again.'
            : `Sign-in failed (${failure.code ?? failure.message}).`;
      error.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
}

function wireChrome() {
  $('#user-menu-button').addEventListener('click', () => {
    $('#user-menu').hidden = !$('#user-menu').hidden;
  });
  document.addEventListener('mousedown', (event) => {
    if (!event.target.closest('.topbar-user')) $('#user-menu').hidden = true;
  });
  $('#logout').addEventListener('click', async () => {
    $('#user-menu').hidden = true;
    await api.logout();
    showLogin();
  });
  $('#add-channel').addEventListener('click', () =>
    createChannelDialog({
      onCreated: async (channel) => {
        state.channels.set(channel.id, channel);
        await openChannel(channel.id);
      },
    }),
  );
  $('#new-message').addEventListener('click', () => newMessageDialog({ onPick: startDirect }));
  $('#leave-channel').addEventListener('click', leaveChannel);
  $('#channel-members').addEventListener('click', (event) => {
    if (state.current) showMembers(event.currentTarget, state.current);
  });
  $('#search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const query = $('#search-input').value.trim();
    if (query) runSearch(query);
  });
  $('#browse-channels').addEventListener('click', () =>
    browseChannelsDialog({
      onView: (channel) => {
        if (!state.channels.has(channel.id)) state.channels.set(channel.id, channel);
        openChannel(channel.id);
      },
      onJoin: joinChannel,
    }),
  );
  $('#join-channel').addEventListener('click', () => joinChannel(state.current));
  $('#app-home').addEventListener('click', showHome);
  $('#close-thread').addEventListener('click', closeThread);
  $('#messages').addEventListener('scroll', () => {
    if ($('#messages').scrollTop < 200) loadOlder();
  });
  document.addEventListener('click', (event) => {
    const link = event.target.closest('a.channel-mention');
    if (link) {
      event.preventDefault();
      openChannel(link.dataset.channel);
    }
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      closeEmojiPicker();
      if ($('#modal-root').childElementCount > 0) $('#modal-root').replaceChildren();
    }
  });
  window.addEventListener('focus', markRead);
  wireComposer($('#composer'), $('#composer-input'), (text) => send(text));
  wireComposer($('#thread-composer'), $('#thread-input'), (text) =>
    send(text, { threadTs: state.thread.ts }),
  );
}

async function main() {
  // The modules loaded: index.html's reload watchdog stands down.
  document.body.dataset.loaded = 'true';
  sessionStorage.removeItem('asym-reloads');
  window.addEventListener('asym:signed-out', () => {
    if (state.me && !$('#app-view').hidden) {
      showLogin();
      toast('You have been signed out.');
    }
  });
  wireLogin();
  wireChrome();
  const summary = await api.workspace().catch(() => null);
  if (summary?.name) {
    state.team = { name: summary.name, domain: summary.domain };
    for (const element of document.querySelectorAll('.workspace-name')) element.textContent = summary.name;
    for (const element of document.querySelectorAll('.workspace-domain'))
      element.textContent = `${summary.domain}.slack.com`;
  }
  const session = await api.session().catch(() => null);
  if (session) await showApp(session);
  else showLogin();
  document.body.dataset.ready = 'true';
}

main().catch((error) => {
  console.error(error);
  toast(`Something went wrong: ${error.message}`, 'error');
});
