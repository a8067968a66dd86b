import { formatTs } from '../slack-ts.js';
import type { MessageRow } from '../store/messages.js';
import { fileView } from './file.js';

/** A message object as history and chat.postMessage return it. */
export function messageView(
  row: MessageRow,
  teamId: string,
  baseUrl = '',
  options: { metadata?: boolean } = {},
): Record<string, unknown> {
  const ts = formatTs(row.ts_us);
  const view: Record<string, unknown> = {};
  if (row.user_id) view.user = row.user_id;
  if (row.bot_id) view.bot_id = row.bot_id;
  if (row.app_id) view.app_id = row.app_id;
  view.type = 'message';
  if (row.subtype) view.subtype = row.subtype;
  view.ts = ts;
  view.text = row.text;
  view.team = teamId;
  if (row.bot_id) {
    view.bot_profile = {
      id: row.bot_id,
      app_id: row.app_id,
      user_id: row.bot_user_id,
      name: row.bot_name ?? '',
      icons: {},
      deleted: false,
      team_id: teamId,
    };
  }
  // A customised bot message shows the name and icon it was posted with, beside bot_profile.
  if (row.username) view.username = row.username;
  if (row.icons) view.icons = row.icons;
  if (row.blocks) view.blocks = row.blocks;
  if (row.attachments) view.attachments = row.attachments;
  if (row.files && row.files.length > 0) {
    view.files = row.files.map((file) => fileView(file, teamId, baseUrl));
    view.upload = false;
    view.display_as_bot = false;
  }
  if (row.edited_ts_us !== null && row.edited_by !== null) {
    view.edited = { user: row.edited_by, ts: formatTs(row.edited_ts_us) };
  }
  if (row.pinned) view.pinned_to = [row.conversation_id];
  if (options.metadata && row.metadata) view.metadata = row.metadata;

  if (row.thread_ts_us !== null) {
    view.thread_ts = formatTs(row.thread_ts_us);
  } else if (row.reply_count > 0) {
    const users = row.reply_users ?? [];
    view.thread_ts = ts;
    view.reply_count = row.reply_count;
    view.reply_users_count = users.length;
    view.latest_reply = row.latest_reply_us === null ? ts : formatTs(row.latest_reply_us);
    view.reply_users = users.slice(0, 5);
    view.is_locked = false;
    view.subscribed = false;
  }
  if (row.reactions && row.reactions.length > 0) view.reactions = row.reactions;
  return view;
}
