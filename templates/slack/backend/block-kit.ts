/**
 * Block Kit validation, as Slack checks `blocks`, attachment blocks and `view` objects
 * (https://api.slack.com/reference/block-kit): block and element types per surface,
 * required fields, lengths and counts, unique block_id and action_id. Pure: it returns
 * Slack's `response_metadata.messages` (`[ERROR] <what> [json-pointer:<where>]`), empty
 * when the payload is valid; the methods turn them into `invalid_blocks` (messages) or
 * `invalid_arguments` (views).
 */

export type Surface = 'message' | 'modal' | 'home';

type Json = Record<string, unknown>;

interface Walk {
  errors: string[];
  surface: Surface;
  blockIds: Set<string>;
  actionIds: Set<string>;
}

const MAX_MESSAGE_BLOCKS = 50;
const MAX_VIEW_BLOCKS = 100;

const BLOCK_TYPES: Record<string, readonly Surface[]> = {
  section: ['message', 'modal', 'home'],
  divider: ['message', 'modal', 'home'],
  image: ['message', 'modal', 'home'],
  actions: ['message', 'modal', 'home'],
  context: ['message', 'modal', 'home'],
  header: ['message', 'modal', 'home'],
  input: ['message', 'modal', 'home'],
  rich_text: ['message', 'modal', 'home'],
  video: ['message', 'modal', 'home'],
  file: ['message'],
  markdown: ['message'],
};

const SELECTS = [
  'static_select',
  'external_select',
  'users_select',
  'conversations_select',
  'channels_select',
  'multi_static_select',
  'multi_external_select',
  'multi_users_select',
  'multi_conversations_select',
  'multi_channels_select',
];
const ACTIONS_ELEMENTS = new Set([
  'button',
  'checkboxes',
  'datepicker',
  'datetimepicker',
  'overflow',
  'radio_buttons',
  'timepicker',
  'workflow_button',
  'rich_text_input',
  ...SELECTS,
]);
const ACCESSORY_ELEMENTS = new Set([
  'button',
  'checkboxes',
  'datepicker',
  'image',
  'overflow',
  'radio_buttons',
  'timepicker',
  'workflow_button',
  ...SELECTS,
]);
const INPUT_ELEMENTS = new Set([
  'plain_text_input',
  'email_text_input',
  'url_text_input',
  'number_input',
  'checkboxes',
  'radio_buttons',
  'datepicker',
  'timepicker',
  'datetimepicker',
  'file_input',
  'rich_text_input',
  ...SELECTS,
]);

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function fail(walk: Walk, message: string, pointer: string): void {
  walk.errors.push(`[ERROR] ${message} [json-pointer:${pointer}]`);
}

/** A string field: required or not, with Slack's "more than 0" / "less than N+1" bounds. */
function checkString(
  walk: Walk,
  parent: Json,
  key: string,
  pointer: string,
  options: { required?: boolean; max?: number; min?: number } = {},
): string | undefined {
  const value = parent[key];
  if (value === undefined || value === null) {
    if (options.required) fail(walk, `missing required field: ${key}`, pointer);
    return undefined;
  }
  const at = `${pointer}/${key}`;
  if (typeof value !== 'string') {
    fail(walk, 'must provide a string', at);
    return undefined;
  }
  const min = options.min ?? (options.required ? 1 : 0);
  if (value.length < min) fail(walk, `must be more than ${min - 1} characters`, at);
  if (options.max !== undefined && value.length > options.max)
    fail(walk, `must be less than ${options.max + 1} characters`, at);
  return value;
}

function checkBoolean(walk: Walk, parent: Json, key: string, pointer: string): void {
  const value = parent[key];
  if (value !== undefined && typeof value !== 'boolean')
    fail(walk, 'must provide a boolean', `${pointer}/${key}`);
}

function checkArray(
  walk: Walk,
  parent: Json,
  key: string,
  pointer: string,
  options: { required?: boolean; max?: number; min?: number },
): unknown[] | undefined {
  const value = parent[key];
  if (value === undefined || value === null) {
    if (options.required) fail(walk, `missing required field: ${key}`, pointer);
    return undefined;
  }
  const at = `${pointer}/${key}`;
  if (!Array.isArray(value)) {
    fail(walk, 'must provide an array', at);
    return undefined;
  }
  const min = options.min ?? (options.required ? 1 : 0);
  if (value.length < min) fail(walk, `must provide at least ${min} items`, at);
  if (options.max !== undefined && value.length > options.max)
    fail(walk, `no more than ${options.max} items allowed`, at);
  return value;
}

/** A composition text object: `plain_text` or `mrkdwn` (or only plain_text where Slack says so). */
function checkText(
  walk: Walk,
  parent: Json,
  key: string,
  pointer: string,
  options: { required?: boolean; max: number; plainOnly?: boolean },
): void {
  const value = parent[key];
  if (value === undefined || value === null) {
    if (options.required) fail(walk, `missing required field: ${key}`, pointer);
    return;
  }
  textObject(walk, value, `${pointer}/${key}`, options);
}

function textObject(
  walk: Walk,
  value: unknown,
  pointer: string,
  options: { max: number; plainOnly?: boolean },
): void {
  if (!isObject(value)) {
    fail(walk, 'must provide an object', pointer);
    return;
  }
  const allowed = options.plainOnly ? ['plain_text'] : ['plain_text', 'mrkdwn'];
  if (typeof value.type !== 'string' || !allowed.includes(value.type)) {
    fail(
      walk,
      value.type === undefined ? 'missing required field: type' : 'must be a valid enum value',
      value.type === undefined ? pointer : `${pointer}/type`,
    );
    return;
  }
  checkString(walk, value, 'text', pointer, { required: true, max: options.max });
  if (value.type === 'plain_text') checkBoolean(walk, value, 'emoji', pointer);
  else checkBoolean(walk, value, 'verbatim', pointer);
}

function checkUrl(walk: Walk, parent: Json, key: string, pointer: string, required: boolean): void {
  const url = checkString(walk, parent, key, pointer, { required, max: 3000 });
  if (url !== undefined && url.length > 0 && !/^https?:\/\/\S+$/i.test(url))
    fail(walk, 'must provide a valid URL', `${pointer}/${key}`);
}

function checkBlockId(walk: Walk, block: Json, pointer: string): void {
  const id = checkString(walk, block, 'block_id', pointer, { max: 255 });
  if (id === undefined) return;
  if (walk.blockIds.has(id)) fail(walk, `duplicate block_id: ${id}`, `${pointer}/block_id`);
  walk.blockIds.add(id);
}

function checkActionId(walk: Walk, element: Json, pointer: string): void {
  const id = checkString(walk, element, 'action_id', pointer, { max: 255 });
  if (id === undefined) return;
  if (walk.actionIds.has(id)) fail(walk, `duplicate action_id: ${id}`, `${pointer}/action_id`);
  walk.actionIds.add(id);
}

function checkOption(walk: Walk, option: unknown, pointer: string, textMax: number): void {
  if (!isObject(option)) {
    fail(walk, 'must provide an object', pointer);
    return;
  }
  checkText(walk, option, 'text', pointer, { required: true, max: textMax });
  checkString(walk, option, 'value', pointer, { required: true, max: 150 });
  checkText(walk, option, 'description', pointer, { max: 75 });
  checkUrl(walk, option, 'url', pointer, false);
}

function checkOptions(
  walk: Walk,
  element: Json,
  pointer: string,
  options: { required: boolean; max: number; min?: number; textMax?: number },
): void {
  const list = checkArray(walk, element, 'options', pointer, options);
  list?.forEach((option, i) => {
    checkOption(walk, option, `${pointer}/options/${i}`, options.textMax ?? 75);
  });
}

function checkConfirm(walk: Walk, element: Json, pointer: string): void {
  const confirm = element.confirm;
  if (confirm === undefined) return;
  const at = `${pointer}/confirm`;
  if (!isObject(confirm)) {
    fail(walk, 'must provide an object', at);
    return;
  }
  checkText(walk, confirm, 'title', at, { required: true, max: 100, plainOnly: true });
  checkText(walk, confirm, 'text', at, { required: true, max: 300 });
  checkText(walk, confirm, 'confirm', at, { required: true, max: 30, plainOnly: true });
  checkText(walk, confirm, 'deny', at, { required: true, max: 30, plainOnly: true });
}

/** An interactive element (or an image element) wherever blocks take one. */
function checkElement(walk: Walk, element: unknown, pointer: string, allowed: ReadonlySet<string>): void {
  if (!isObject(element)) {
    fail(walk, 'must provide an object', pointer);
    return;
  }
  const type = element.type;
  if (typeof type !== 'string') {
    fail(walk, 'missing required field: type', pointer);
    return;
  }
  if (!allowed.has(type)) {
    fail(walk, `unsupported type: ${type}`, `${pointer}/type`);
    return;
  }
  if (type !== 'image') checkActionId(walk, element, pointer);
  checkConfirm(walk, element, pointer);
  switch (type) {
    case 'image':
      imageFields(walk, element, pointer);
      return;
    case 'button':
      checkText(walk, element, 'text', pointer, { required: true, max: 75, plainOnly: true });
      checkUrl(walk, element, 'url', pointer, false);
      checkString(walk, element, 'value', pointer, { max: 2000 });
      if (element.style !== undefined && element.style !== 'primary' && element.style !== 'danger')
        fail(walk, 'must be a valid enum value', `${pointer}/style`);
      checkString(walk, element, 'accessibility_label', pointer, { max: 75 });
      return;
    case 'overflow':
      checkOptions(walk, element, pointer, { required: true, max: 5, min: 1 });
      return;
    case 'checkboxes':
    case 'radio_buttons':
      checkOptions(walk, element, pointer, { required: true, max: 10, min: 1 });
      return;
    case 'datepicker':
      if (
        element.initial_date !== undefined &&
        (typeof element.initial_date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(element.initial_date))
      )
        fail(walk, 'must be a valid date (YYYY-MM-DD)', `${pointer}/initial_date`);
      checkText(walk, element, 'placeholder', pointer, { max: 150, plainOnly: true });
      return;
    case 'timepicker':
      checkText(walk, element, 'placeholder', pointer, { max: 150, plainOnly: true });
      return;
    case 'plain_text_input':
    case 'email_text_input':
    case 'url_text_input':
    case 'number_input':
      checkText(walk, element, 'placeholder', pointer, { max: 150, plainOnly: true });
      checkString(walk, element, 'initial_value', pointer, { max: 3000 });
      checkBoolean(walk, element, 'multiline', pointer);
      return;
    case 'static_select':
    case 'multi_static_select':
      checkText(walk, element, 'placeholder', pointer, { max: 150, plainOnly: true });
      if (element.options === undefined && element.option_groups === undefined)
        fail(walk, 'missing required field: options', pointer);
      checkOptions(walk, element, pointer, { required: false, max: 100 });
      return;
    default:
      if (SELECTS.includes(type))
        checkText(walk, element, 'placeholder', pointer, { max: 150, plainOnly: true });
  }
}

/** image_url or slack_file, and alt_text: the image block and the image element alike. */
function imageFields(walk: Walk, image: Json, pointer: string): void {
  if (image.image_url === undefined && image.slack_file === undefined)
    fail(walk, 'missing required field: image_url', pointer);
  checkUrl(walk, image, 'image_url', pointer, false);
  checkString(walk, image, 'alt_text', pointer, { required: true, max: 2000 });
}

function checkBlock(walk: Walk, block: unknown, pointer: string): void {
  if (!isObject(block)) {
    fail(walk, 'must provide an object', pointer);
    return;
  }
  const type = block.type;
  if (typeof type !== 'string') {
    fail(walk, 'missing required field: type', pointer);
    return;
  }
  const surfaces = BLOCK_TYPES[type];
  if (!surfaces) {
    fail(walk, `unsupported type: ${type}`, `${pointer}/type`);
    return;
  }
  if (!surfaces.includes(walk.surface)) {
    fail(walk, `unsupported type: ${type} (not allowed in a ${walk.surface})`, `${pointer}/type`);
    return;
  }
  checkBlockId(walk, block, pointer);
  switch (type) {
    case 'section': {
      if (block.text === undefined && block.fields === undefined)
        fail(walk, 'missing required field: text', pointer);
      checkText(walk, block, 'text', pointer, { max: 3000 });
      const fields = checkArray(walk, block, 'fields', pointer, { max: 10 });
      fields?.forEach((field, i) => {
        textObject(walk, field, `${pointer}/fields/${i}`, { max: 2000 });
      });
      if (block.accessory !== undefined)
        checkElement(walk, block.accessory, `${pointer}/accessory`, ACCESSORY_ELEMENTS);
      checkBoolean(walk, block, 'expand', pointer);
      return;
    }
    case 'divider':
      return;
    case 'image':
      imageFields(walk, block, pointer);
      checkText(walk, block, 'title', pointer, { max: 2000, plainOnly: true });
      return;
    case 'actions': {
      const elements = checkArray(walk, block, 'elements', pointer, { required: true, max: 25 });
      elements?.forEach((element, i) => {
        checkElement(walk, element, `${pointer}/elements/${i}`, ACTIONS_ELEMENTS);
      });
      return;
    }
    case 'context': {
      const elements = checkArray(walk, block, 'elements', pointer, { required: true, max: 10 });
      elements?.forEach((element, i) => {
        const at = `${pointer}/elements/${i}`;
        if (isObject(element) && element.type === 'image') imageFields(walk, element, at);
        else if (isObject(element) && (element.type === 'plain_text' || element.type === 'mrkdwn'))
          textObject(walk, element, at, { max: 3000 });
        else if (isObject(element) && typeof element.type === 'string')
          fail(walk, `unsupported type: ${element.type}`, `${at}/type`);
        else fail(walk, 'must provide an object with a type', at);
      });
      return;
    }
    case 'header':
      checkText(walk, block, 'text', pointer, { required: true, max: 150, plainOnly: true });
      return;
    case 'input':
      checkText(walk, block, 'label', pointer, { required: true, max: 2000, plainOnly: true });
      checkText(walk, block, 'hint', pointer, { max: 2000, plainOnly: true });
      checkBoolean(walk, block, 'optional', pointer);
      checkBoolean(walk, block, 'dispatch_action', pointer);
      if (block.element === undefined) fail(walk, 'missing required field: element', pointer);
      else checkElement(walk, block.element, `${pointer}/element`, INPUT_ELEMENTS);
      return;
    case 'rich_text':
      checkArray(walk, block, 'elements', pointer, { required: true });
      return;
    case 'video':
      checkString(walk, block, 'alt_text', pointer, { required: true });
      checkText(walk, block, 'title', pointer, { required: true, max: 200, plainOnly: true });
      checkUrl(walk, block, 'thumbnail_url', pointer, true);
      checkUrl(walk, block, 'video_url', pointer, true);
      return;
    case 'file':
      checkString(walk, block, 'external_id', pointer, { required: true });
      checkString(walk, block, 'source', pointer, { required: true });
      return;
    case 'markdown':
      checkString(walk, block, 'text', pointer, { required: true, max: 12_000 });
      return;
  }
}

function walkBlocks(walk: Walk, blocks: unknown, pointer: string, max: number): void {
  if (!Array.isArray(blocks)) {
    fail(walk, 'must provide an array', pointer);
    return;
  }
  if (blocks.length > max) fail(walk, `no more than ${max} items allowed`, pointer);
  blocks.slice(0, max).forEach((block, i) => {
    checkBlock(walk, block, `${pointer}/${i}`);
  });
}

const newWalk = (surface: Surface): Walk => ({
  errors: [],
  surface,
  blockIds: new Set(),
  actionIds: new Set(),
});

/** A message's `blocks` (and each attachment's): Slack's messages, empty when valid. */
export function validateMessageBlocks(blocks: unknown, pointer = '/blocks'): string[] {
  const walk = newWalk('message');
  walkBlocks(walk, blocks, pointer, MAX_MESSAGE_BLOCKS);
  return walk.errors;
}

/** The blocks inside a message's attachments (each attachment is its own block_id scope). */
export function validateAttachmentBlocks(attachments: readonly unknown[]): string[] {
  return attachments.flatMap((attachment, i) =>
    isObject(attachment) && attachment.blocks !== undefined
      ? validateMessageBlocks(attachment.blocks, `/attachments/${i}/blocks`)
      : [],
  );
}

/** A `view` for views.open/push/update (modal) or views.publish (home). */
export function validateView(view: unknown, expected?: 'home' | 'modal'): string[] {
  const pointer = '/view';
  const errors: string[] = [];
  if (!isObject(view)) return [`[ERROR] must provide an object [json-pointer:${pointer}]`];
  if (view.type !== 'modal' && view.type !== 'home') {
    return [
      view.type === undefined
        ? `[ERROR] missing required field: type [json-pointer:${pointer}]`
        : `[ERROR] unsupported type: ${String(view.type)} [json-pointer:${pointer}/type]`,
    ];
  }
  if (expected && view.type !== expected) {
    return [`[ERROR] unsupported type: ${view.type} (expected ${expected}) [json-pointer:${pointer}/type]`];
  }
  const walk = newWalk(view.type);
  walk.errors = errors;
  if (view.type === 'modal') {
    checkText(walk, view, 'title', pointer, { required: true, max: 24, plainOnly: true });
    checkText(walk, view, 'submit', pointer, { max: 24, plainOnly: true });
    checkText(walk, view, 'close', pointer, { max: 24, plainOnly: true });
    checkBoolean(walk, view, 'clear_on_close', pointer);
    checkBoolean(walk, view, 'notify_on_close', pointer);
    checkBoolean(walk, view, 'submit_disabled', pointer);
    const hasInput =
      Array.isArray(view.blocks) && view.blocks.some((block) => isObject(block) && block.type === 'input');
    if (hasInput && view.submit === undefined) fail(walk, 'missing required field: submit', pointer);
  }
  checkString(walk, view, 'private_metadata', pointer, { max: 3000 });
  checkString(walk, view, 'callback_id', pointer, { max: 255 });
  checkString(walk, view, 'external_id', pointer, { max: 255 });
  if (view.blocks === undefined) fail(walk, 'missing required field: blocks', pointer);
  else walkBlocks(walk, view.blocks, `${pointer}/blocks`, MAX_VIEW_BLOCKS);
  return walk.errors;
}
