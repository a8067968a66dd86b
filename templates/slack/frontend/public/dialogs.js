// Dialogs and popovers: create and browse channels, start a direct message, a person's
// profile, a conversation's members. They call the Web API and report back by callback.
import * as api from './api.js';
import { state } from './state.js';
import { closeEmojiPicker, closeModal, h, openModal, openPopover, toast } from './ui.js';

/** "Create a channel": conversations.create, then `onCreated(channel)`. */
export function createChannelDialog({ onCreated }) {
  const name = h('input', {
    name: 'channel-name',
    placeholder: 'e.g. plan-budget',
    maxlength: '80',
    autocomplete: 'off',
    required: true,
  });
  const isPrivate = h('input', { type: 'checkbox', name: 'private' });
  const error = h('p', { class: 'form-error', hidden: true });
  name.addEventListener('input', () => {
    name.value = name.value.toLowerCase().replace(/\s/g, '-');
  });
  openModal({
    id: 'create-channel-dialog',
    title: 'Create a channel',
    body: h(
      'div',
      {},
      h('label', {}, 'Name', h('div', { class: 'input-prefix' }, h('span', {}, '#'), name)),
      h('label', { class: 'checkbox' }, isPrivate, ' Make private'),
      h(
        'p',
        { class: 'muted' },
        'Channels are where conversations happen around a topic. Names are lowercase, without spaces or periods.',
      ),
      error,
    ),
    actions: [
      { name: 'cancel', label: 'Cancel' },
      {
        name: 'create',
        label: 'Create',
        kind: 'primary',
        submit: true,
        onClick: async () => {
          try {
            const body = await api.call('conversations.create', {
              name: name.value.trim(),
              is_private: isPrivate.checked,
            });
            await onCreated(body.channel);
            return true;
          } catch (failure) {
            error.textContent =
              failure.code === 'name_taken'
                ? 'That name is already taken by a channel.'
                : `Could not create the channel (${failure.code ?? failure.message}).`;
            error.hidden = false;
            return false;
          }
        },
      },
    ],
  });
}

/** "Browse channels": every public channel, to view (`onView`) or join (`onJoin`). */
export async function browseChannelsDialog({ onView, onJoin }) {
  const list = h('ul', { class: 'browse-list' }, h('li', { class: 'muted' }, 'Loading…'));
  const filter = h('input', { placeholder: 'Search for channels', autocomplete: 'off', name: 'filter' });
  openModal({
    id: 'browse-dialog',
    title: 'Browse channels',
    body: h('div', {}, filter, list),
    actions: [{ name: 'close', label: 'Close' }],
  });
  let channels = [];
  try {
    channels = await api.callAll(
      'conversations.list',
      { types: 'public_channel', exclude_archived: true, limit: 200 },
      'channels',
    );
  } catch (error) {
    list.replaceChildren(
      h('li', { class: 'form-error' }, `Could not list channels (${error.code ?? error.message})`),
    );
    return;
  }
  const render = () => {
    const q = filter.value.trim().toLowerCase();
    list.replaceChildren(
      ...channels
        .filter((channel) => channel.name.includes(q))
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((channel) =>
          h(
            'li',
            { 'data-name': channel.name },
            h(
              'div',
              {},
              h('b', {}, `# ${channel.name}`),
              h(
                'div',
                { class: 'muted' },
                [
                  channel.is_member ? 'Joined' : null,
                  `${channel.num_members ?? 0} members`,
                  channel.purpose?.value,
                ]
                  .filter(Boolean)
                  .join(' · '),
              ),
            ),
            h(
              'div',
              { class: 'browse-actions' },
              h(
                'button',
                {
                  type: 'button',
                  class: 'secondary',
                  onclick: () => {
                    closeModal();
                    onView(channel);
                  },
                },
                'View',
              ),
              channel.is_member
                ? null
                : h(
                    'button',
                    {
                      type: 'button',
                      class: 'primary join',
                      onclick: () => {
                        closeModal();
                        onJoin(channel.id);
                      },
                    },
                    'Join',
                  ),
            ),
          ),
        ),
    );
  };
  filter.addEventListener('input', render);
  render();
}

/** The members of conversation `id`, in a popover under `anchor`. */
export async function showMembers(anchor, id) {
  try {
    const ids = await api.callAll('conversations.members', { channel: id, limit: 200 }, 'members');
    const people = ids.map((userId) => state.users.get(userId)).filter(Boolean);
    people.sort((a, b) => a.label.localeCompare(b.label));
    openPopover(
      anchor,
      h(
        'div',
        { class: 'member-list' },
        h('b', {}, `${people.length} members`),
        h(
          'ul',
          {},
          people.map((p) =>
            h(
              'li',
              { 'data-user': p.id },
              h('span', { class: 'avatar tiny', style: `background:#${p.color}` }, p.initials),
              h('span', {}, p.id === state.me.id ? `${p.label} (you)` : p.label),
              p.isBot ? h('span', { class: 'bot-tag' }, 'APP') : null,
            ),
          ),
        ),
      ),
    );
  } catch (error) {
    toast(`Could not list members (${error.code ?? error.message})`, 'error');
  }
}

/** "New message": find a person, then `onPick(userId)` (to open a direct message). */
export function newMessageDialog({ onPick }) {
  const filter = h('input', { placeholder: 'Find a person by name', autocomplete: 'off', name: 'filter' });
  const list = h('ul', { class: 'browse-list' });
  const render = () => {
    const q = filter.value.trim().toLowerCase();
    const people = [...state.users.values()]
      .filter((p) => !p.deleted && (p.name.includes(q) || p.label.toLowerCase().includes(q)))
      .sort((a, b) => a.label.localeCompare(b.label));
    list.replaceChildren(
      ...people.map((p) =>
        h(
          'li',
          { 'data-name': p.name },
          h(
            'div',
            { class: 'person' },
            h('span', { class: 'avatar small', style: `background:#${p.color}` }, p.initials),
            h(
              'div',
              {},
              h('b', {}, p.id === state.me.id ? `${p.label} (you)` : p.label),
              h('div', { class: 'muted' }, [`@${p.name}`, p.title].filter(Boolean).join(' · ')),
            ),
          ),
          h(
            'div',
            { class: 'browse-actions' },
            h(
              'button',
              {
                type: 'button',
                class: 'primary message-person',
                onclick: () => {
                  closeModal();
                  onPick(p.id);
                },
              },
              'Message',
            ),
          ),
        ),
      ),
    );
  };
  filter.addEventListener('input', render);
  openModal({
    id: 'new-message-dialog',
    title: 'New message',
    body: h('div', {}, filter, list),
    actions: [{ name: 'close', label: 'Close' }],
  });
  render();
}

/** A person's card under `anchor`, with a "Message" button (`onMessage(userId)`). */
export function openProfile(userId, anchor, { onMessage }) {
  const p = state.users.get(userId);
  if (!p) return;
  const local = new Date().toLocaleTimeString('en-US', {
    hour: 'numeric',
    minute: '2-digit',
    timeZone: p.tz || 'UTC',
  });
  openPopover(
    anchor,
    h(
      'div',
      { class: 'profile', 'data-user': p.id },
      h('div', { class: 'avatar large', style: `background:#${p.color}` }, p.initials),
      h('div', { class: 'profile-name' }, p.label),
      p.title ? h('div', { class: 'muted' }, p.title) : null,
      h('div', { class: 'muted' }, `@${p.name}`),
      p.status ? h('div', { class: 'profile-status' }, p.status) : null,
      h('div', { class: 'muted' }, `${local} local time`),
      p.id === state.me.id
        ? null
        : h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              onclick: () => {
                closeEmojiPicker();
                onMessage(p.id);
              },
            },
            'Message',
          ),
    ),
  );
}
