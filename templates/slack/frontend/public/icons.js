// Interface icons as inline SVG (stroke = currentColor), so they never depend on the
// viewer's fonts. Emoji in messages and reactions stay text.

const svg = (body, size = 16) =>
  `<svg class="icon" width="${size}" height="${size}" viewBox="0 0 20 20" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">${body}</svg>`;

export const ICONS = {
  hash: svg('<path d="M7.5 3 6 17M14 3l-1.5 14M3.5 7.5h14M2.5 12.5h14"/>'),
  lock: svg('<rect x="4" y="9" width="12" height="8.5" rx="2"/><path d="M6.5 9V6.5a3.5 3.5 0 0 1 7 0V9"/>'),
  smile: svg(
    '<circle cx="10" cy="10" r="7.5"/><path d="M6.8 11.8a4 4 0 0 0 6.4 0"/><path d="M7.5 7.8h.01M12.5 7.8h.01" stroke-width="2.2"/>',
    18,
  ),
  thread: svg('<path d="M3.5 4.5h13v8.5h-7l-4 3v-3h-2z"/>', 18),
  edit: svg('<path d="M12.8 3.7a1.9 1.9 0 0 1 2.7 2.7L7 14.9l-3.5.9.9-3.5z"/>', 18),
  trash: svg('<path d="M3.5 5.5h13M8 5.5V3.8h4v1.7M5.5 5.5l.8 11h7.4l.8-11"/>', 18),
  search: svg('<circle cx="8.5" cy="8.5" r="5"/><path d="m12.5 12.5 4 4"/>'),
  pin: svg('<path d="M7 3h6l-1 5 3 3H5l3-3z"/><path d="M10 11v6"/>', 18),
  plus: svg('<path d="M10 4v12M4 10h12"/>'),
};
