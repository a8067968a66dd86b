// Pure helpers: Slack's mrkdwn to safe HTML, emoji names, times, initials.

export const EMOJI = {
  '+1': '👍',
  thumbsup: '👍',
  '-1': '👎',
  thumbsdown: '👎',
  heart: '❤️',
  joy: '😂',
  smile: '😄',
  slightly_smiling_face: '🙂',
  grinning: '😀',
  laughing: '😆',
  wink: '😉',
  thinking_face: '🤔',
  eyes: '👀',
  tada: '🎉',
  rocket: '🚀',
  fire: '🔥',
  pray: '🙏',
  clap: '👏',
  raised_hands: '🙌',
  muscle: '💪',
  wave: '👋',
  ok_hand: '👌',
  white_check_mark: '✅',
  heavy_check_mark: '✔️',
  x: '❌',
  warning: '⚠️',
  rotating_light: '🚨',
  bug: '🐛',
  sparkles: '✨',
  star: '⭐',
  bulb: '💡',
  memo: '📝',
  calendar: '📆',
  pager: '📟',
  coffee: '☕',
  pizza: '🍕',
  cake: '🍰',
  sunny: '☀️',
  chart_with_upwards_trend: '📈',
  moneybag: '💰',
  lock: '🔒',
  link: '🔗',
  point_right: '👉',
  hourglass: '⌛',
  100: '💯',
  sob: '😭',
  sweat_smile: '😅',
  scream: '😱',
  party_popper: '🎉',
  confused: '😕',
  handshake: '🤝',
  computer: '💻',
  ship: '🚢',
  calendar_spiral: '🗓️',
  speech_balloon: '💬',
  mag: '🔍',
  package: '📦',
  construction: '🚧',
  green_heart: '💚',
  blue_heart: '💙',
  purple_heart: '💜',
};

/** The reactions offered in the picker, in order. */
export const PICKER = [
  '+1',
  'heart',
  'joy',
  'tada',
  'eyes',
  'white_check_mark',
  'rocket',
  'pray',
  'fire',
  'thinking_face',
  'raised_hands',
  'clap',
  '100',
  'sparkles',
  'x',
  'wave',
];

export const emoji = (name) => EMOJI[name.replace(/::skin-tone-\d$/, '')] ?? `:${name}:`;

export function escapeHtml(text) {
  return String(text)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const safeUrl = (url) => (/^(https?:|mailto:)/i.test(url) ? url : null);

/**
 * Slack's message text (mrkdwn, https://api.slack.com/reference/surfaces/formatting) as
 * HTML: `<@U…>`, `<#C…|name>`, `<!here>`, `<url|label>`, *bold*, _italic_, ~strike~,
 * `code`, ```blocks```, > quotes and :emoji:. Everything else is escaped.
 */
export function renderMrkdwn(text, lookup) {
  const source = String(text ?? '');
  const parts = [];
  // Code blocks first: nothing inside them is formatted.
  const fence = /```([\s\S]*?)```/g;
  let last = 0;
  for (const match of source.matchAll(fence)) {
    parts.push(inline(source.slice(last, match.index), lookup));
    parts.push(`<pre class="code-block">${escapeHtml(match[1].replace(/^\n/, ''))}</pre>`);
    last = match.index + match[0].length;
  }
  parts.push(inline(source.slice(last), lookup));
  return parts.join('');
}

function inline(text, lookup) {
  if (text === '') return '';
  const lines = text.split('\n').map((line) => {
    const quote = /^(&gt;|>)\s?(.*)$/.exec(line);
    const body = formatLine(quote ? quote[2] : line, lookup);
    return quote ? `<span class="quote">${body}</span>` : body;
  });
  return lines.join('<br>');
}

function formatLine(line, lookup) {
  // Split out Slack's angle-bracket entities before escaping the rest.
  const out = [];
  let last = 0;
  for (const match of line.matchAll(/<([^<>\s][^<>]*)>/g)) {
    out.push(styles(escapeHtml(line.slice(last, match.index))));
    out.push(entity(match[1], lookup));
    last = match.index + match[0].length;
  }
  out.push(styles(escapeHtml(line.slice(last))));
  return out.join('');
}

function entity(inner, lookup) {
  const [target, label] = inner.split('|', 2);
  if (target.startsWith('@')) {
    const user = lookup.user(target.slice(1));
    const name = label ?? user?.name ?? target.slice(1);
    const self = lookup.me === target.slice(1) ? ' self' : '';
    return `<span class="mention${self}" data-user="${escapeHtml(target.slice(1))}">@${escapeHtml(name)}</span>`;
  }
  if (target.startsWith('#')) {
    const channel = lookup.channel(target.slice(1));
    const name = label ?? channel?.name ?? target.slice(1);
    return `<a class="channel-mention" href="#" data-channel="${escapeHtml(target.slice(1))}">#${escapeHtml(name)}</a>`;
  }
  if (target.startsWith('!')) {
    const name = target.slice(1).split('^')[0];
    return `<span class="mention broadcast">@${escapeHtml(label ?? name)}</span>`;
  }
  const url = safeUrl(target);
  if (!url) return escapeHtml(`<${inner}>`);
  return `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${escapeHtml(label ?? target)}</a>`;
}

function styles(html) {
  return html
    .replace(/`([^`\n]+)`/g, (_, code) => `<code>${code}</code>`)
    .replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s).,!?:;])/g, '$1<b>$2</b>')
    .replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s).,!?:;])/g, '$1<i>$2</i>')
    .replace(/(^|[\s(])~([^~\n]+)~(?=$|[\s).,!?:;])/g, '$1<s>$2</s>')
    .replace(/:([a-z0-9_+-]+(?:::skin-tone-\d)?):/g, (whole, name) => {
      const glyph = EMOJI[name.replace(/::skin-tone-\d$/, '')];
      return glyph ? `<span class="emoji" title=":${name}:">${glyph}</span>` : whole;
    });
}

/** Plain text a block kit message shows, for messages posted with blocks and no text. */
export function blocksText(blocks) {
  const out = [];
  const walk = (node) => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(walk);
    if ((node.type === 'mrkdwn' || node.type === 'plain_text') && typeof node.text === 'string') {
      out.push(node.text);
      return;
    }
    if (node.type === 'text' && typeof node.text === 'string') return out.push(node.text);
    for (const key of ['text', 'fields', 'elements']) if (node[key]) walk(node[key]);
  };
  walk(blocks);
  return out.join('\n');
}

export const tsDate = (ts) => new Date(Number.parseFloat(ts) * 1000);

export function formatTime(ts) {
  return tsDate(ts).toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' });
}

/** "today at 9:41 AM", "yesterday at …", "Mar 22 at …", as Slack's thread summaries say. */
export function formatWhen(ts, now = new Date()) {
  const day = formatDay(ts, now);
  const date =
    day === 'Today' || day === 'Yesterday'
      ? day.toLowerCase()
      : tsDate(ts).toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
  return `${date} at ${formatTime(ts)}`;
}

export function formatDay(ts, now = new Date()) {
  const date = tsDate(ts);
  const key = (d) => `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (key(date) === key(now)) return 'Today';
  if (key(date) === key(yesterday)) return 'Yesterday';
  return date.toLocaleDateString(undefined, {
    weekday: 'long',
    month: 'long',
    day: 'numeric',
    ...(date.getFullYear() === now.getFullYear() ? {} : { year: 'numeric' }),
  });
}

export const dayKey = (ts) => tsDate(ts).toDateString();

export function initials(name) {
  const words = String(name || '?')
    .trim()
    .split(/[\s._-]+/)
    .filter(Boolean);
  const letters = words.length > 1 ? words[0][0] + words[words.length - 1][0] : (words[0] ?? '?').slice(0, 2);
  return letters.toUpperCase();
}

export function formatSize(bytes) {
  if (!Number.isFinite(bytes)) return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
