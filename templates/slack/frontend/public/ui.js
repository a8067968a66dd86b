// Small DOM helpers: element builder, toast, modal, emoji picker, @-mention autocomplete.
import { EMOJI, PICKER } from './format.js';

/** `h('div', { class: 'x', onclick }, child, 'text')`. */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') element.className = value;
    else if (key === 'html') element.innerHTML = value;
    else if (key === 'dataset') Object.assign(element.dataset, value);
    // Through the CSSOM: the page's CSP refuses style attributes (setAttribute('style')).
    else if (key === 'style') element.style.cssText = value;
    else if (key.startsWith('on') && typeof value === 'function')
      element.addEventListener(key.slice(2), value);
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

let toastTimer = null;
export function toast(text, kind = 'info') {
  const element = $('#toast');
  element.textContent = text;
  element.dataset.kind = kind;
  element.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    element.hidden = true;
  }, 4000);
}

/**
 * A modal dialog. `body` is an element; `actions` are `{ label, kind, onClick }` where
 * onClick may return a promise (the modal closes when it resolves to anything but false).
 */
export function openModal({ title, body, actions, id }) {
  const root = $('#modal-root');
  closeModal();
  const close = () => closeModal();
  const buttons = actions.map((action) =>
    h(
      'button',
      {
        type: action.submit ? 'submit' : 'button',
        class: action.kind ?? 'secondary',
        'data-action': action.name,
        onclick: action.submit
          ? null
          : async () => {
              if (!action.onClick) return close();
              if ((await action.onClick()) !== false) close();
            },
      },
      action.label,
    ),
  );
  const submit = actions.find((action) => action.submit);
  const form = h(
    'form',
    {
      class: 'modal',
      role: 'dialog',
      'aria-modal': 'true',
      id,
      onsubmit: async (event) => {
        event.preventDefault();
        if (!submit) return;
        if ((await submit.onClick()) !== false) close();
      },
    },
    h(
      'header',
      { class: 'modal-header' },
      h('h2', {}, title),
      h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Close', onclick: close }, '×'),
    ),
    h('div', { class: 'modal-body' }, body),
    h('footer', { class: 'modal-footer' }, buttons),
  );
  const backdrop = h(
    'div',
    { class: 'modal-backdrop', onmousedown: (event) => event.target === backdrop && close() },
    form,
  );
  root.append(backdrop);
  const first = form.querySelector('input, textarea, button.primary, button.danger');
  first?.focus();
  return form;
}

export function closeModal() {
  $('#modal-root').replaceChildren();
}

let pickerCleanup = null;

/** A small floating card next to `anchor` (a profile); closes on outside click or Escape. */
export function openPopover(anchor, content, className = 'popover') {
  closeEmojiPicker();
  const popover = h('div', { class: className, role: 'dialog' }, content);
  document.body.append(popover);
  const box = anchor.getBoundingClientRect();
  const top = Math.min(box.bottom + 6, window.innerHeight - popover.offsetHeight - 8);
  popover.style.top = `${Math.max(8, top)}px`;
  popover.style.left = `${Math.max(8, Math.min(box.left, window.innerWidth - popover.offsetWidth - 8))}px`;
  const outside = (event) => {
    if (!popover.contains(event.target) && event.target !== anchor) closeEmojiPicker();
  };
  const onEscape = (event) => event.key === 'Escape' && closeEmojiPicker();
  setTimeout(() => document.addEventListener('mousedown', outside), 0);
  document.addEventListener('keydown', onEscape);
  pickerCleanup = () => {
    popover.remove();
    document.removeEventListener('mousedown', outside);
    document.removeEventListener('keydown', onEscape);
  };
  return popover;
}

/** The reaction picker, under (or above) `anchor`; `onPick(name)`. */
export function openEmojiPicker(anchor, onPick) {
  closeEmojiPicker();
  const picker = h(
    'div',
    { class: 'emoji-picker', role: 'dialog', 'aria-label': 'Add reaction' },
    PICKER.map((name) =>
      h(
        'button',
        {
          type: 'button',
          class: 'emoji-choice',
          'data-name': name,
          title: `:${name}:`,
          onclick: () => {
            closeEmojiPicker();
            onPick(name);
          },
        },
        EMOJI[name],
      ),
    ),
  );
  document.body.append(picker);
  const box = anchor.getBoundingClientRect();
  const width = picker.offsetWidth;
  const height = picker.offsetHeight;
  const top = box.bottom + height + 8 > window.innerHeight ? box.top - height - 6 : box.bottom + 6;
  picker.style.top = `${Math.max(8, top)}px`;
  picker.style.left = `${Math.max(8, Math.min(box.right - width, window.innerWidth - width - 8))}px`;
  const outside = (event) => {
    if (!picker.contains(event.target) && event.target !== anchor) closeEmojiPicker();
  };
  const onEscape = (event) => event.key === 'Escape' && closeEmojiPicker();
  setTimeout(() => document.addEventListener('mousedown', outside), 0);
  document.addEventListener('keydown', onEscape);
  pickerCleanup = () => {
    picker.remove();
    document.removeEventListener('mousedown', outside);
    document.removeEventListener('keydown', onEscape);
  };
}

export function closeEmojiPicker() {
  pickerCleanup?.();
  pickerCleanup = null;
}

/**
 * `@` autocomplete on a textarea: typing `@da` offers matching people; Enter or Tab
 * inserts `@dana `. `isOpen()` lets the textarea's own Enter handler stand aside.
 */
export function attachMentions(textarea, people) {
  const popup = h('ul', { class: 'mention-popup', role: 'listbox', hidden: true });
  textarea.parentElement.append(popup);
  let matches = [];
  let index = 0;

  const query = () => {
    const before = textarea.value.slice(0, textarea.selectionStart);
    const match = /(^|\s)@([\w.-]*)$/.exec(before);
    return match ? match[2].toLowerCase() : null;
  };
  const hide = () => {
    popup.hidden = true;
    matches = [];
  };
  const render = () => {
    popup.replaceChildren(
      ...matches.map((person, i) =>
        h(
          'li',
          {
            role: 'option',
            class: i === index ? 'active' : '',
            'data-name': person.name,
            onmousedown: (event) => {
              event.preventDefault();
              choose(person);
            },
          },
          h('span', { class: 'avatar tiny', style: `background:#${person.color}` }, person.initials),
          h('b', {}, person.label),
          h('span', { class: 'muted' }, `@${person.name}`),
        ),
      ),
    );
    popup.hidden = matches.length === 0;
  };
  const update = () => {
    const q = query();
    if (q === null) return hide();
    matches = people()
      .filter(
        (person) =>
          person.name.startsWith(q) ||
          person.label.toLowerCase().startsWith(q) ||
          person.label.toLowerCase().includes(` ${q}`),
      )
      .slice(0, 8);
    index = 0;
    render();
  };
  const choose = (person) => {
    const caret = textarea.selectionStart;
    const before = textarea.value.slice(0, caret).replace(/@([\w.-]*)$/, `@${person.name} `);
    textarea.value = before + textarea.value.slice(caret);
    textarea.selectionStart = textarea.selectionEnd = before.length;
    hide();
    textarea.dispatchEvent(new Event('input'));
    textarea.focus();
  };

  textarea.addEventListener('input', update);
  // Later, so a click on a suggestion lands first; and only if focus has really gone.
  textarea.addEventListener('blur', () =>
    setTimeout(() => {
      if (document.activeElement !== textarea) hide();
    }, 150),
  );
  textarea.addEventListener('keydown', (event) => {
    if (popup.hidden || matches.length === 0) return;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      index = (index + (event.key === 'ArrowDown' ? 1 : matches.length - 1)) % matches.length;
      render();
    } else if (event.key === 'Enter' || event.key === 'Tab') {
      choose(matches[index]);
    } else if (event.key === 'Escape') {
      hide();
    } else {
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
  });
}

/** Grows a textarea with its content, up to a cap set in CSS. */
export function autoGrow(textarea) {
  const fit = () => {
    textarea.style.height = 'auto';
    textarea.style.height = `${textarea.scrollHeight}px`;
  };
  textarea.addEventListener('input', fit);
  return fit;
}
