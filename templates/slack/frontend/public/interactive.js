// Interactivity in the page: clicking Block Kit buttons, the modals an app opens (shown,
// submitted, closed), slash commands typed in the composer, and the app's Home tab. Each
// goes through api.act, which delivers to the app what Slack would.
import * as api from './api.js';
import { readInputs, renderBlocks } from './blocks.js';
import { lookup } from './state.js';
import { $, h, toast } from './ui.js';

const notAcked = (outcome) => {
  if (!outcome.acked) toast('The app did not respond. Try again in a moment.', 'error');
  return outcome;
};

const failed = (error) => toast(`That did not work (${error.code ?? error.message})`, 'error');

/** A button in a message: block_actions; whatever the app does next shows up live. */
export function clickInMessage(channel, message, element, blockId, value) {
  return api
    .act('click', {
      channel,
      ts: message.ts,
      'action-id': element.action_id,
      ...(blockId ? { 'block-id': blockId } : {}),
      ...(value !== undefined && value !== null ? { value: String(value) } : {}),
    })
    .then(notAcked)
    .catch(failed);
}

function clickInView(view, element, blockId, value) {
  return api
    .act('click', {
      'view-id': view.id,
      'action-id': element.action_id,
      ...(blockId ? { 'block-id': blockId } : {}),
      ...(value !== undefined && value !== null ? { value: String(value) } : {}),
    })
    .then(notAcked)
    .catch(failed);
}

/** `/deploy now` typed in the composer: the slash command; resolves to the ephemeral reply, if any. */
export async function runCommand(channel, text) {
  const match = /^(\/[a-z0-9_-]+)(?:\s+([\s\S]*))?$/i.exec(text.trim());
  if (!match) return null;
  const outcome = notAcked(await api.act('command', { channel, command: match[1], text: match[2] ?? '' }));
  return outcome.reply?.action === 'ephemeral' ? outcome.reply.text : null;
}

let shownModal = null;

/** Shows the top of the person's modal stack (or none), as the clone holds it. */
export async function refreshModals() {
  const { modals } = await api.views();
  const top = modals.at(-1) ?? null;
  if (!top) {
    if (shownModal) $('#modal-root').replaceChildren();
    shownModal = null;
    return;
  }
  if (shownModal?.id === top.id && shownModal.hash === top.hash) return;
  shownModal = top;
  showModal(top);
}

function showModal(view) {
  const body = renderBlocks(view.blocks, {
    lookup,
    onAction: (element, blockId, value) => clickInView(view, element, blockId, value),
  });
  const close = async () => {
    shownModal = null;
    $('#modal-root').replaceChildren();
    await api.act('close', { 'view-id': view.id }).catch(failed);
  };
  const form = h(
    'form',
    {
      class: 'modal app-modal',
      role: 'dialog',
      'aria-modal': 'true',
      'data-view-id': view.id,
      onsubmit: async (event) => {
        event.preventDefault();
        try {
          const outcome = notAcked(
            await api.act('submit', { 'view-id': view.id, values: JSON.stringify(readInputs(form)) }),
          );
          if (outcome.response_action === 'errors') {
            for (const [blockId, message] of Object.entries(outcome.errors ?? {})) {
              const slot = form.querySelector(`[data-error-for="${CSS.escape(blockId)}"]`);
              if (slot) {
                slot.textContent = String(message);
                slot.hidden = false;
              }
            }
            return;
          }
          await refreshModals();
        } catch (error) {
          failed(error);
        }
      },
    },
    h(
      'header',
      { class: 'modal-header' },
      h('h2', {}, view.title?.text ?? ''),
      h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Close', onclick: close }, '×'),
    ),
    h('div', { class: 'modal-body' }, body),
    h(
      'footer',
      { class: 'modal-footer' },
      h('button', { type: 'button', class: 'secondary', onclick: close }, view.close?.text ?? 'Cancel'),
      view.submit ? h('button', { type: 'submit', class: 'primary' }, view.submit.text) : null,
    ),
  );
  $('#modal-root').replaceChildren(h('div', { class: 'modal-backdrop' }, form));
  form.querySelector('input, textarea, select')?.focus();
}

/** Opens the app's Home tab: app_home_opened goes to the app, then its published view shows. */
export async function openHome(container) {
  const outcome = notAcked(await api.act('home', {}));
  const render = (view) =>
    container.replaceChildren(
      h(
        'div',
        { class: 'app-home', 'data-view-id': view?.id ?? '' },
        view
          ? renderBlocks(view.blocks, {
              lookup,
              onAction: (element, blockId, value) => clickInView(view, element, blockId, value),
            })
          : h('p', { class: 'muted' }, 'This app has not published a Home tab yet.'),
      ),
    );
  render(outcome.view ?? null);
  return { channel: outcome.channel, render };
}
