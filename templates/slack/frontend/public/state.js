// The page's state, and how people and conversations are named and shown.
import { emoji, initials } from './format.js';

/** Messages per history page. */
export const PAGE = 50;

/** Everything the page knows; app.js owns the changes, the rest reads it. */
export const state = {
  me: null,
  team: null,
  users: new Map(),
  usersByName: new Map(),
  channels: new Map(),
  current: null,
  messages: [],
  hasMore: false,
  cursor: '',
  loadingOlder: false,
  thread: null,
  editing: null,
  unread: new Set(),
  stopLive: null,
  loadToken: 0,
};

export function person(user) {
  const label = user.profile?.display_name || user.real_name || user.profile?.real_name || user.name;
  return {
    id: user.id,
    name: user.name,
    label,
    title: user.profile?.title ?? '',
    color: /^[0-9a-f]{6}$/i.test(user.color ?? '') ? user.color : '9f69e7',
    initials: initials(user.real_name || label),
    isBot: Boolean(user.is_bot),
    deleted: Boolean(user.deleted),
    botId: user.profile?.bot_id ?? null,
    tz: user.tz ?? 'UTC',
    status: [
      user.profile?.status_emoji ? emoji(user.profile.status_emoji.replaceAll(':', '')) : '',
      user.profile?.status_text ?? '',
    ]
      .filter(Boolean)
      .join(' '),
  };
}

export const lookup = {
  get me() {
    return state.me?.id;
  },
  user: (id) => state.users.get(id),
  channel: (id) => state.channels.get(id),
};

export function author(message) {
  if (message.bot_id) {
    const bot = message.bot_profile;
    const name = message.username || bot?.name || state.users.get(message.user)?.label || 'App';
    return { name, color: '4a154b', initials: initials(name), isBot: true };
  }
  const user = state.users.get(message.user);
  if (!user) return { name: message.user ?? 'Unknown', color: '9f69e7', initials: '?', isBot: false };
  return {
    name: user.label,
    title: user.title,
    color: user.color,
    initials: user.initials,
    isBot: user.isBot,
  };
}

export function channelLabel(channel) {
  if (!channel) return '';
  if (channel.is_im) {
    const other = state.users.get(channel.user);
    const name = other?.label ?? channel.user;
    return channel.user === state.me.id ? `${name} (you)` : name;
  }
  if (channel.is_mpim) {
    const names = (channel.name ?? '')
      .replace(/^mpdm-/, '')
      .replace(/-\d+$/, '')
      .split('--');
    return names
      .filter((name) => name !== state.me.name)
      .map((name) => state.usersByName.get(name)?.label ?? name)
      .join(', ');
  }
  return channel.name;
}

export const isDirect = (channel) => channel.is_im || channel.is_mpim;

export function encodeMentions(text) {
  return text.replace(/(^|[\s(])@([a-z0-9][a-z0-9._-]*)/gi, (whole, lead, name) => {
    const lower = name.toLowerCase();
    if (lower === 'here' || lower === 'channel' || lower === 'everyone') return `${lead}<!${lower}>`;
    const user = state.usersByName.get(lower) ?? state.usersByName.get(lower.replace(/[.]+$/, ''));
    if (!user) return whole;
    const rest = name.slice(user.name.length);
    return `${lead}<@${user.id}>${rest}`;
  });
}

export function decodeMentions(text) {
  return String(text ?? '')
    .replace(/<@([A-Z0-9]+)(?:\|[^>]*)?>/g, (whole, id) => {
      const user = state.users.get(id);
      return user ? `@${user.name}` : whole;
    })
    .replace(/<!(here|channel|everyone)>/g, '@$1');
}
