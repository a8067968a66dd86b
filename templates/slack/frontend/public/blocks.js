// Renders Block Kit (https://api.slack.com/reference/block-kit) as Slack lays it out:
// sections (text, fields, an accessory), buttons and selects in actions blocks, context,
// dividers, images, headers, and inputs in modals. Interactive elements call
// `onAction(element, blockId, value)`; inputs carry data-block-id / data-action-id so a
// modal's values can be read back.
import { blocksText, escapeHtml, renderMrkdwn } from './format.js';
import { h } from './ui.js';

const safeImage = (url) => (typeof url === 'string' && /^https:\/\//i.test(url) ? url : null);

/** A text object: mrkdwn formatted, plain_text escaped. */
function text(object, lookup) {
  if (!object || typeof object.text !== 'string') return '';
  return object.type === 'mrkdwn' ? renderMrkdwn(object.text, lookup) : escapeHtml(object.text);
}

function image(element, className) {
  const src = safeImage(element.image_url);
  return src
    ? h('img', { class: className, src, alt: element.alt_text ?? '', title: element.alt_text ?? '' })
    : h(
        'span',
        { class: `${className} image-missing`, title: element.alt_text ?? '' },
        element.alt_text ?? '',
      );
}

function option(o, selected) {
  return h('option', { value: o.value, selected: selected ? 'selected' : null }, o.text?.text ?? o.value);
}

/** An interactive element (button, select, overflow, datepicker...). */
function element(el, blockId, ctx) {
  switch (el.type) {
    case 'button':
      return h(
        'button',
        {
          type: 'button',
          class: [
            'block-button',
            el.style === 'primary' ? 'primary' : '',
            el.style === 'danger' ? 'danger' : '',
          ]
            .filter(Boolean)
            .join(' '),
          'data-action-id': el.action_id ?? '',
          onclick: ctx.onAction ? () => ctx.onAction(el, blockId, el.value) : null,
          disabled: ctx.onAction ? null : 'disabled',
        },
        el.text?.text ?? 'Button',
      );
    case 'image':
      return image(el, 'block-accessory-image');
    case 'static_select':
    case 'overflow':
    case 'radio_buttons': {
      const options = el.options ?? (el.option_groups ?? []).flatMap((group) => group.options ?? []);
      return h(
        'select',
        {
          class: 'block-select',
          'data-action-id': el.action_id ?? '',
          onchange: ctx.onAction ? (event) => ctx.onAction(el, blockId, event.currentTarget.value) : null,
        },
        h('option', { value: '' }, el.placeholder?.text ?? 'Select an option'),
        options.map((o) => option(o, false)),
      );
    }
    default:
      return h('span', { class: 'block-unsupported muted' }, `[${el.type}]`);
  }
}

/** An input block's element, inside a modal: its value is read back on submit. */
function input(el, blockId) {
  const data = { 'data-block-id': blockId, 'data-action-id': el.action_id ?? '', 'data-type': el.type };
  switch (el.type) {
    case 'plain_text_input':
      return el.multiline
        ? h(
            'textarea',
            { ...data, class: 'block-input', rows: 3, placeholder: el.placeholder?.text ?? '' },
            el.initial_value ?? '',
          )
        : h('input', {
            ...data,
            class: 'block-input',
            type: 'text',
            value: el.initial_value ?? '',
            placeholder: el.placeholder?.text ?? '',
          });
    case 'static_select':
    case 'radio_buttons': {
      const options = el.options ?? (el.option_groups ?? []).flatMap((group) => group.options ?? []);
      return h(
        'select',
        { ...data, class: 'block-select' },
        h('option', { value: '' }, el.placeholder?.text ?? 'Select an option'),
        options.map((o) => option(o, el.initial_option?.value === o.value)),
      );
    }
    case 'datepicker':
      return h('input', { ...data, class: 'block-input', type: 'date', value: el.initial_date ?? '' });
    default:
      return h('input', { ...data, class: 'block-input', type: 'text', value: el.initial_value ?? '' });
  }
}

function block(b, ctx) {
  const blockId = b.block_id ?? '';
  switch (b.type) {
    case 'section':
      return h(
        'div',
        { class: 'block block-section', 'data-block-id': blockId },
        h(
          'div',
          { class: 'block-section-body' },
          b.text ? h('div', { class: 'text', html: text(b.text, ctx.lookup) }) : null,
          (b.fields ?? []).length > 0
            ? h(
                'div',
                { class: 'block-fields' },
                b.fields.map((field) => h('div', { class: 'text', html: text(field, ctx.lookup) })),
              )
            : null,
        ),
        b.accessory ? h('div', { class: 'block-accessory' }, element(b.accessory, blockId, ctx)) : null,
      );
    case 'divider':
      return h('hr', { class: 'block block-divider' });
    case 'image':
      return h(
        'figure',
        { class: 'block block-image' },
        b.title ? h('figcaption', {}, b.title.text ?? '') : null,
        image(b, 'block-image-img'),
      );
    case 'context':
      return h(
        'div',
        { class: 'block block-context' },
        (b.elements ?? []).map((el) =>
          el.type === 'image'
            ? image(el, 'block-context-image')
            : h('span', { class: 'block-context-text', html: text(el, ctx.lookup) }),
        ),
      );
    case 'header':
      return h('div', { class: 'block block-header' }, b.text?.text ?? '');
    case 'actions':
      return h(
        'div',
        { class: 'block block-actions', 'data-block-id': blockId },
        (b.elements ?? []).map((el) => element(el, blockId, ctx)),
      );
    case 'input':
      return h(
        'label',
        { class: 'block block-input-block', 'data-block-id': blockId },
        h(
          'span',
          { class: 'block-label' },
          b.label?.text ?? '',
          b.optional ? h('span', { class: 'muted' }, ' (optional)') : null,
        ),
        b.element ? input(b.element, blockId) : null,
        b.hint ? h('span', { class: 'block-hint muted' }, b.hint.text ?? '') : null,
        h('span', { class: 'block-error', 'data-error-for': blockId, hidden: 'hidden' }),
      );
    default:
      // rich_text, markdown and the rest: their text.
      return h('div', { class: 'block text', html: renderMrkdwn(blocksText([b]), ctx.lookup) });
  }
}

/** `blocks` as elements; `ctx` is `{ lookup, onAction }` (no onAction: buttons are inert). */
export function renderBlocks(blocks, ctx) {
  return h(
    'div',
    { class: 'blocks' },
    (blocks ?? []).map((b) => block(b, ctx)),
  );
}

/** What a modal's inputs hold, as `--values` takes it: { block_id: { action_id: value } }. */
export function readInputs(root) {
  const values = {};
  for (const field of root.querySelectorAll('[data-block-id][data-action-id]')) {
    if (!('value' in field)) continue;
    const blockId = field.dataset.blockId;
    values[blockId] = {
      ...values[blockId],
      [field.dataset.actionId]: field.value === '' ? null : field.value,
    };
  }
  return values;
}
