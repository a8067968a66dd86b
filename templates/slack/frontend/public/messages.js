// Renders message lists (a channel's history, a thread) as Slack lays them out.

import { renderBlocks } from './blocks.js';
import {
  blocksText,
  dayKey,
  emoji,
  formatDay,
  formatSize,
  formatTime,
  formatWhen,
  initials,
  renderMrkdwn,
  tsDate,
} from './format.js';
import { ICONS } from './icons.js';
import { h } from './ui.js';

// Messages by one author within this many seconds are grouped under one header.
const GROUP_SECONDS = 5 * 60;

const SYSTEM_SUBTYPES = new Set([
  'channel_join',
  'channel_leave',
  'channel_topic',
  'channel_purpose',
  'channel_name',
  'channel_archive',
  'channel_unarchive',
  'group_join',
  'group_leave',
]);

/**
 * `view` supplies what rendering needs: `author(message)` → { name, color, initials, isBot },
 * `lookup` for mrkdwn, `me` (user id), `editing` ({ ts, draft } or null), and handlers
 * (`onReact`, `onToggleReaction`, `onOpenThread`, `onEdit`, `onDelete`, `onSaveEdit`,
 * `onCancelEdit`). `inThread` lists a thread: no thread buttons, no day dividers after the parent.
 */
export function renderMessageList(container, messages, view, { inThread = false, header = null } = {}) {
  const nodes = [];
  if (header) nodes.push(header);
  let previous = null;
  for (const message of messages) {
    if (!inThread && (!previous || dayKey(previous.ts) !== dayKey(message.ts))) {
      nodes.push(h('div', { class: 'day-divider' }, h('span', {}, formatDay(message.ts))));
      previous = null;
    }
    const compact =
      previous !== null &&
      !SYSTEM_SUBTYPES.has(message.subtype) &&
      !SYSTEM_SUBTYPES.has(previous.subtype) &&
      authorKey(previous) === authorKey(message) &&
      Number.parseFloat(message.ts) - Number.parseFloat(previous.ts) < GROUP_SECONDS &&
      !(inThread && previous === messages[0]);
    nodes.push(renderMessage(message, view, { compact, inThread }));
    if (inThread && message === messages[0] && messages.length > 1) {
      const count = messages.length - 1;
      nodes.push(
        h('div', { class: 'thread-divider' }, h('span', {}, `${count} ${count === 1 ? 'reply' : 'replies'}`)),
      );
      previous = null;
      continue;
    }
    previous = message;
  }
  container.replaceChildren(...nodes);
}

const authorKey = (message) => message.user ?? message.bot_id ?? message.username ?? '';

export function renderMessage(message, view, { compact = false, inThread = false, readOnly = false } = {}) {
  const author = view.author(message);
  const mine = message.user === view.me && !message.bot_id;
  const editing = view.editing?.ts === message.ts && view.editing.inThread === inThread;
  const system = SYSTEM_SUBTYPES.has(message.subtype);
  const pinned = (message.pinned_to ?? []).length > 0;

  const content = h('div', { class: 'content' });
  if (pinned) content.append(h('div', { class: 'pinned-note', html: `${ICONS.pin} Pinned` }));
  if (!compact) {
    content.append(
      h(
        'div',
        { class: 'meta' },
        h(
          'button',
          {
            type: 'button',
            class: 'author',
            title: author.title ?? '',
            onclick: (event) => view.onAuthor?.(message, event.currentTarget),
          },
          author.name,
        ),
        author.isBot ? h('span', { class: 'bot-tag' }, 'APP') : null,
        h(
          'time',
          {
            class: 'time',
            datetime: tsDate(message.ts).toISOString(),
            title: tsDate(message.ts).toLocaleString(),
          },
          formatTime(message.ts),
        ),
      ),
    );
  }
  if (editing) {
    content.append(editForm(message, view, inThread));
  } else if (message.blocks?.length > 0 && !system) {
    // Slack shows the blocks; `text` is only the notification fallback.
    const blocks = renderBlocks(message.blocks, {
      lookup: view.lookup,
      onAction:
        readOnly || !view.onBlockAction
          ? null
          : (element, blockId, value) => view.onBlockAction(message, element, blockId, value),
    });
    if (message.edited) blocks.append(h('span', { class: 'edited' }, ' (edited)'));
    content.append(blocks);
  } else {
    const text = message.text || (message.blocks ? blocksText(message.blocks) : '');
    const body = h('div', { class: system ? 'text system' : 'text', html: renderMrkdwn(text, view.lookup) });
    if (message.edited)
      body.append(
        h('span', { class: 'edited', title: `Edited ${formatTime(message.edited.ts)}` }, ' (edited)'),
      );
    if (message.subtype === 'thread_broadcast' && !inThread) {
      content.append(h('div', { class: 'broadcast-note' }, 'replied to a thread'));
    }
    content.append(body);
  }
  for (const file of message.files ?? []) content.append(renderFile(file));
  for (const attachment of message.attachments ?? []) content.append(renderAttachment(attachment, view));

  const reactions = message.reactions ?? [];
  if (reactions.length > 0) {
    content.append(
      h(
        'div',
        { class: 'reactions' },
        reactions.map((reaction) => {
          const reacted = reaction.users?.includes(view.me);
          const names = (reaction.users ?? []).map((id) => view.lookup.user(id)?.name ?? id).join(', ');
          return h(
            'button',
            {
              type: 'button',
              class: reacted ? 'reaction mine' : 'reaction',
              'data-name': reaction.name,
              title: `${names} reacted with :${reaction.name}:`,
              'aria-pressed': reacted ? 'true' : 'false',
              onclick: readOnly ? null : () => view.onToggleReaction(message, reaction.name, reacted),
            },
            h('span', { class: 'reaction-emoji' }, emoji(reaction.name)),
            h('span', { class: 'count' }, String(reaction.count ?? reaction.users?.length ?? 1)),
          );
        }),
        readOnly
          ? null
          : h(
              'button',
              {
                type: 'button',
                class: 'reaction add-reaction',
                title: 'Add reaction',
                onclick: (event) => view.onReact(message, event.currentTarget),
              },
              h('span', { html: ICONS.smile }),
            ),
      ),
    );
  }

  if (!inThread && message.reply_count > 0) {
    content.append(
      h(
        'button',
        { type: 'button', class: 'thread-summary', onclick: () => view.onOpenThread(message) },
        h(
          'span',
          { class: 'reply-avatars' },
          (message.reply_users ?? []).slice(0, 4).map((id) => {
            const person = view.lookup.user(id);
            return h(
              'span',
              { class: 'avatar tiny', style: `background:#${person?.color ?? '9f69e7'}` },
              initials(person?.label ?? id),
            );
          }),
        ),
        h(
          'span',
          { class: 'reply-count' },
          `${message.reply_count} ${message.reply_count === 1 ? 'reply' : 'replies'}`,
        ),
        message.latest_reply
          ? h('span', { class: 'muted' }, `Last reply ${formatWhen(message.latest_reply)}`)
          : null,
      ),
    );
  }

  const gutter = compact
    ? h('div', { class: 'gutter' }, h('time', { class: 'hover-time' }, formatTime(message.ts)))
    : h(
        'div',
        { class: 'gutter' },
        h(
          'div',
          {
            class: author.isBot ? 'avatar bot' : 'avatar',
            style: `background:#${author.color}`,
            'aria-hidden': 'true',
          },
          author.initials,
        ),
      );

  const actions =
    system || readOnly
      ? null
      : h(
          'div',
          { class: 'message-actions', role: 'toolbar' },
          action('react', 'Add reaction', ICONS.smile, (event) => view.onReact(message, event.currentTarget)),
          inThread
            ? null
            : action('reply', 'Reply in thread', ICONS.thread, () => view.onOpenThread(message)),
          pinned
            ? action('unpin', 'Unpin from channel', ICONS.pin, () => view.onPin(message, true))
            : action('pin', 'Pin to channel', ICONS.pin, () => view.onPin(message, false)),
          mine ? action('edit', 'Edit message', ICONS.edit, () => view.onEdit(message, inThread)) : null,
          mine ? action('delete', 'Delete message', ICONS.trash, () => view.onDelete(message)) : null,
        );

  return h(
    'div',
    {
      class: [
        'message',
        compact ? 'compact' : '',
        mine ? 'mine' : '',
        system ? 'system-message' : '',
        pinned ? 'pinned' : '',
        editing ? 'editing' : '',
      ]
        .filter(Boolean)
        .join(' '),
      'data-ts': message.ts,
      'data-user': message.user ?? '',
    },
    gutter,
    content,
    actions,
  );
}

function action(name, label, icon, onclick) {
  return h('button', {
    type: 'button',
    class: 'action',
    'data-action': name,
    title: label,
    'aria-label': label,
    onclick,
    html: icon,
  });
}

function editForm(message, view, inThread) {
  const input = h('textarea', { class: 'edit-input', rows: '2', 'aria-label': 'Edit message' });
  input.value = view.editing.draft;
  input.addEventListener('input', () => {
    view.editing.draft = input.value;
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      view.onSaveEdit(message, input.value);
    } else if (event.key === 'Escape') {
      view.onCancelEdit();
    }
  });
  requestAnimationFrame(() => {
    if (document.activeElement !== input) {
      input.focus();
      input.selectionStart = input.selectionEnd = input.value.length;
    }
  });
  return h(
    'div',
    { class: 'edit-form', 'data-thread': inThread ? 'true' : 'false' },
    input,
    h(
      'div',
      { class: 'edit-buttons' },
      h('button', { type: 'button', class: 'secondary', onclick: () => view.onCancelEdit() }, 'Cancel'),
      h(
        'button',
        { type: 'button', class: 'primary save-edit', onclick: () => view.onSaveEdit(message, input.value) },
        'Save',
      ),
    ),
  );
}

/** A shared file: a card that opens it (through the session's file route), images previewed. */
function renderFile(file) {
  const name = file.title || file.name || 'file';
  const kind = (file.pretty_type || file.filetype || file.mimetype || '').split('/').pop().toUpperCase();
  const link = file.id
    ? `/_asym/web/files/${encodeURIComponent(file.id)}/${encodeURIComponent(file.name || 'file')}`
    : null;
  const image = link && /^image\/(png|jpeg|gif|webp)$/i.test(file.mimetype ?? '');
  return h(
    'div',
    { class: 'file', 'data-file': file.id ?? '' },
    image
      ? h(
          'a',
          { href: link, target: '_blank', rel: 'noopener' },
          h('img', { class: 'file-preview', src: link, alt: name, loading: 'lazy' }),
        )
      : null,
    h(
      'div',
      { class: 'file-card' },
      h('div', { class: 'file-icon' }, kind.slice(0, 4) || 'FILE'),
      h(
        'div',
        { class: 'file-meta' },
        link
          ? h('a', { href: link, target: '_blank', rel: 'noopener', class: 'file-name' }, name)
          : h('span', { class: 'file-name' }, name),
        h('span', { class: 'muted' }, [kind, formatSize(file.size)].filter(Boolean).join(' · ')),
      ),
      link
        ? h(
            'a',
            {
              class: 'file-download',
              href: `${link}?download=1`,
              title: `Download ${name}`,
              'aria-label': `Download ${name}`,
            },
            '⤓',
          )
        : null,
    ),
  );
}

function renderAttachment(attachment, view) {
  const color = /^#?[0-9a-f]{6}$/i.test(attachment.color ?? '')
    ? `#${attachment.color.replace('#', '')}`
    : attachment.color === 'good'
      ? '#2eb67d'
      : attachment.color === 'danger'
        ? '#e01e5a'
        : attachment.color === 'warning'
          ? '#ecb22e'
          : '#dddddd';
  const title = attachment.title
    ? attachment.title_link && /^https?:/i.test(attachment.title_link)
      ? h(
          'a',
          { href: attachment.title_link, target: '_blank', rel: 'noopener noreferrer' },
          attachment.title,
        )
      : attachment.title
    : null;
  return h(
    'div',
    { class: 'attachment', style: `border-left-color:${color}` },
    attachment.pretext
      ? h('div', { class: 'text', html: renderMrkdwn(attachment.pretext, view.lookup) })
      : null,
    attachment.author_name ? h('div', { class: 'attachment-author' }, attachment.author_name) : null,
    title ? h('div', { class: 'attachment-title' }, title) : null,
    attachment.text ? h('div', { class: 'text', html: renderMrkdwn(attachment.text, view.lookup) }) : null,
    (attachment.fields ?? []).length > 0
      ? h(
          'div',
          { class: 'attachment-fields' },
          attachment.fields.map((field) =>
            h(
              'div',
              { class: field.short ? 'field short' : 'field' },
              h('b', {}, field.title ?? ''),
              h('div', { html: renderMrkdwn(field.value ?? '', view.lookup) }),
            ),
          ),
        )
      : null,
    !attachment.text && !title && attachment.fallback
      ? h('div', { class: 'text' }, attachment.fallback)
      : null,
    attachment.footer ? h('div', { class: 'attachment-footer muted' }, attachment.footer) : null,
  );
}
