import { describe, expect, it } from 'vitest';
import {
  validateAttachmentBlocks,
  validateMessageBlocks,
  validateView,
} from '../../templates/slack/backend/block-kit.js';

const section = (text: string, extra: object = {}) => ({
  type: 'section',
  text: { type: 'mrkdwn', text },
  ...extra,
});
const button = (actionId: string, text = 'Approve') => ({
  type: 'button',
  action_id: actionId,
  text: { type: 'plain_text', text },
});

describe('Block Kit validation', () => {
  it('accepts the blocks apps send: sections, buttons, context, dividers, images, headers, inputs', () => {
    expect(
      validateMessageBlocks([
        { type: 'header', text: { type: 'plain_text', text: 'Deploy' } },
        section('*Ship it?*', { accessory: button('more', 'More') }),
        { type: 'divider' },
        { type: 'image', image_url: 'https://example.com/a.png', alt_text: 'a graph' },
        {
          type: 'context',
          elements: [
            { type: 'mrkdwn', text: 'by <@U1>' },
            { type: 'image', image_url: 'https://example.com/u.png', alt_text: 'avatar' },
          ],
        },
        {
          type: 'actions',
          block_id: 'decide',
          elements: [button('approve'), { ...button('reject', 'Reject'), style: 'danger', value: 'no' }],
        },
        { type: 'section', fields: [{ type: 'plain_text', text: 'a' }] },
      ]),
    ).toEqual([]);
  });

  it("names each problem at its JSON pointer, in Slack's words", () => {
    expect(validateMessageBlocks([{ type: 'nonsense' }])).toEqual([
      '[ERROR] unsupported type: nonsense [json-pointer:/blocks/0/type]',
    ]);
    expect(
      validateMessageBlocks([
        { type: 'section' },
        { type: 'section', text: { type: 'mrkdwn', text: '' } },
        section('x'.repeat(3001)),
        { type: 'actions', elements: [{ type: 'button', action_id: 'a' }] },
        { type: 'header', text: { type: 'mrkdwn', text: 'no' } },
        { type: 'image', image_url: 'https://example.com/a.png' },
        'not a block',
      ]),
    ).toEqual([
      '[ERROR] missing required field: text [json-pointer:/blocks/0]',
      '[ERROR] must be more than 0 characters [json-pointer:/blocks/1/text/text]',
      '[ERROR] must be less than 3001 characters [json-pointer:/blocks/2/text/text]',
      '[ERROR] missing required field: text [json-pointer:/blocks/3/elements/0]',
      '[ERROR] must be a valid enum value [json-pointer:/blocks/4/text/type]',
      '[ERROR] missing required field: alt_text [json-pointer:/blocks/5]',
      '[ERROR] must provide an object [json-pointer:/blocks/6]',
    ]);
  });

  it('caps messages at 50 blocks and views at 100', () => {
    const blocks = (n: number) => Array.from({ length: n }, () => ({ type: 'divider' }));
    expect(validateMessageBlocks(blocks(50))).toEqual([]);
    expect(validateMessageBlocks(blocks(51))).toEqual([
      '[ERROR] no more than 50 items allowed [json-pointer:/blocks]',
    ]);
    const home = (n: number) => ({ type: 'home', blocks: blocks(n) });
    expect(validateView(home(100))).toEqual([]);
    expect(validateView(home(101))).toEqual([
      '[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]',
    ]);
  });

  it('wants action_id and block_id unique within one message or view', () => {
    expect(
      validateMessageBlocks([
        { type: 'actions', block_id: 'b', elements: [button('go'), button('go', 'Again')] },
        { type: 'divider', block_id: 'b' },
      ]),
    ).toEqual([
      '[ERROR] duplicate action_id: go [json-pointer:/blocks/0/elements/1/action_id]',
      '[ERROR] duplicate block_id: b [json-pointer:/blocks/1/block_id]',
    ]);
  });

  it('checks elements per place: no input elements in actions, buttons text as plain_text ≤ 75', () => {
    expect(
      validateMessageBlocks([
        { type: 'actions', elements: [{ type: 'plain_text_input', action_id: 'x' }] },
        { type: 'actions', elements: [button('long', 'x'.repeat(76))] },
      ]),
    ).toEqual([
      '[ERROR] unsupported type: plain_text_input [json-pointer:/blocks/0/elements/0/type]',
      '[ERROR] must be less than 76 characters [json-pointer:/blocks/1/elements/0/text/text]',
    ]);
  });

  it('validates attachment blocks at their own pointers', () => {
    expect(validateAttachmentBlocks([{ color: '#f00' }, { blocks: [{ type: 'nope' }] }])).toEqual([
      '[ERROR] unsupported type: nope [json-pointer:/attachments/1/blocks/0/type]',
    ]);
  });

  it('checks views: modal title ≤ 24 and required, submit with inputs, type per method', () => {
    const input = {
      type: 'input',
      block_id: 'reason',
      label: { type: 'plain_text', text: 'Why?' },
      element: { type: 'plain_text_input', action_id: 'why' },
    };
    expect(
      validateView({
        type: 'modal',
        title: { type: 'plain_text', text: 'Approve' },
        submit: { type: 'plain_text', text: 'Send' },
        blocks: [input],
      }),
    ).toEqual([]);
    expect(validateView({ type: 'modal', blocks: [input] })).toEqual([
      '[ERROR] missing required field: title [json-pointer:/view]',
      '[ERROR] missing required field: submit [json-pointer:/view]',
    ]);
    expect(
      validateView({ type: 'modal', title: { type: 'plain_text', text: 'x'.repeat(25) }, blocks: [] }),
    ).toEqual(['[ERROR] must be less than 25 characters [json-pointer:/view/title/text]']);
    expect(validateView({ type: 'home', blocks: [] }, 'modal')).toEqual([
      '[ERROR] unsupported type: home (expected modal) [json-pointer:/view/type]',
    ]);
    expect(validateView({ type: 'home', blocks: [{ type: 'markdown', text: 'hi' }] })).toEqual([
      '[ERROR] unsupported type: markdown (not allowed in a home) [json-pointer:/view/blocks/0/type]',
    ]);
  });
});
