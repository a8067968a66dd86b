import { formatTs } from '../slack-ts.js';
import type { ConversationRow } from '../store/conversations.js';

/**
 * A channel's header tabs, which Slack lists under `properties` (the built-in ones with
 * empty labels), as its conversations.info example shows for #general.
 */
const DEFAULT_TABS = [
  { id: 'workflows', label: '', type: 'workflows' },
  { id: 'files', label: '', type: 'files' },
  { id: 'bookmarks', label: '', type: 'bookmarks' },
];

// Slack writes a read mark that was never set as ten zeros, not as ts 0.
const lastRead = (row: ConversationRow) =>
  row.last_read_us === null
    ? {}
    : { last_read: row.last_read_us === 0 ? '0000000000.000000' : formatTs(row.last_read_us) };

/** A conversation object as conversations.* methods return it (shapes from Slack's examples). */
export function conversationView(row: ConversationRow): Record<string, unknown> {
  if (row.kind === 'im') {
    return {
      id: row.id,
      created: row.created,
      is_archived: row.is_archived,
      is_im: true,
      is_org_shared: false,
      context_team_id: row.team_id,
      updated: row.updated,
      user: row.im_user,
      is_user_deleted: row.im_user_deleted ?? false,
      priority: 0,
      ...(row.is_open === null ? {} : { is_open: row.is_open }),
      ...lastRead(row),
    };
  }
  const name = row.name ?? '';
  return {
    id: row.id,
    name,
    is_channel: row.kind === 'channel' || row.kind === 'private',
    is_group: row.kind === 'mpim',
    is_im: false,
    is_mpim: row.kind === 'mpim',
    is_private: row.kind !== 'channel',
    created: row.created,
    is_archived: row.is_archived,
    is_general: row.is_general,
    unlinked: 0,
    name_normalized: name,
    is_shared: false,
    is_frozen: false,
    is_read_only: false,
    is_org_shared: false,
    is_ext_shared: false,
    is_pending_ext_shared: false,
    pending_shared: [],
    context_team_id: row.team_id,
    updated: row.updated,
    parent_conversation: null,
    creator: row.creator ?? '',
    shared_team_ids: [row.team_id],
    pending_connected_team_ids: [],
    is_member: row.is_member,
    ...(row.kind === 'mpim' ? { is_open: row.is_open ?? false, priority: 0 } : {}),
    ...lastRead(row),
    topic: { value: row.topic, creator: row.topic_creator, last_set: row.topic_last_set },
    purpose: { value: row.purpose, creator: row.purpose_creator, last_set: row.purpose_last_set },
    ...(row.kind === 'mpim' ? {} : { properties: { tabs: DEFAULT_TABS.map((tab) => ({ ...tab })) } }),
    previous_names: row.previous_names,
    num_members: row.num_members,
  };
}
