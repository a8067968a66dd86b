import type { Queryable } from '../../_shared/db.js';
import type { DiffSource, Row } from '../../_shared/diff.js';
import { renderView, type ViewRow } from './interactivity/view-store.js';
import { formatTs } from './slack-ts.js';
import type { ConversationRow } from './store/conversations.js';
import type { UserRow } from './store/users.js';
import { conversationView } from './views/conversation.js';
import { userView } from './views/user.js';

/**
 * Slack's objects for `diff`: each table of the clone as the Web API shows its rows. A
 * message is `<channel>/<ts>`; a reaction `<channel>/<ts>/:<name>:/<user>`; membership
 * `<channel>/<user>`. Counters that move on every post (a channel's `updated`) and file
 * bytes are not compared.
 */
const ts = (value: unknown) => (typeof value === 'number' && value > 0 ? formatTs(value) : undefined);
const str = (value: unknown) => String(value);

/** Drops undefined fields, so an absent optional field is absent, as in Slack's JSON. */
const defined = (object: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined && value !== null));

export async function slackDiffSources(db: Queryable): Promise<DiffSource[]> {
  const team = (await db.query<{ id: string }>('SELECT id FROM teams ORDER BY id LIMIT 1')).rows[0]?.id ?? '';
  return [
    // Modals an app opened and Home tabs it published, as views.* return them.
    {
      table: 'views',
      type: 'view',
      id: (r) => str(r.id),
      render: (r) => renderView(r as unknown as ViewRow),
    },
    {
      table: 'messages',
      type: 'message',
      id: (r) => `${r.conversation_id}/${formatTs(r.ts_us as number)}`,
      render: (r) =>
        defined({
          type: 'message',
          channel: r.conversation_id,
          ts: formatTs(r.ts_us as number),
          user: r.user_id,
          bot_id: r.bot_id,
          app_id: r.app_id,
          subtype: r.subtype,
          text: r.text,
          team,
          blocks: r.blocks,
          attachments: r.attachments,
          thread_ts: ts(r.thread_ts_us),
          reply_broadcast: r.reply_broadcast === true ? true : undefined,
          files: (r.file_ids as string[] | null)?.map((id) => ({ id })),
          edited:
            r.edited_ts_us === null || r.edited_ts_us === undefined
              ? undefined
              : { user: r.edited_by, ts: ts(r.edited_ts_us) },
          metadata: r.metadata,
        }),
    },
    {
      table: 'conversations',
      type: 'channel',
      ignore: ['updated', 'last_ts_us'],
      id: (r) => str(r.id),
      render: (r) => {
        const view = conversationView({
          ...(r as unknown as ConversationRow),
          is_member: false,
          num_members: 0,
        });
        // Membership is its own change (channel_member); the asking user's view of it is not the channel's.
        delete view.is_member;
        delete view.num_members;
        delete view.updated;
        return view;
      },
    },
    {
      table: 'conversation_members',
      type: 'channel_member',
      ignore: ['joined'],
      id: (r) => `${r.conversation_id}/${r.user_id}`,
      render: (r) => ({ channel: r.conversation_id, user: r.user_id }),
    },
    {
      table: 'reactions',
      type: 'reaction',
      key: ['conversation_id', 'message_ts_us', 'name', 'user_id'],
      ignore: ['id'],
      id: (r) => `${r.conversation_id}/${formatTs(r.message_ts_us as number)}/:${r.name}:/${r.user_id}`,
      render: (r) => ({
        channel: r.conversation_id,
        ts: formatTs(r.message_ts_us as number),
        name: r.name,
        user: r.user_id,
      }),
    },
    {
      table: 'pins',
      type: 'pin',
      id: (r) => `${r.conversation_id}/${formatTs(r.message_ts_us as number)}`,
      render: (r) => ({
        channel: r.conversation_id,
        ts: formatTs(r.message_ts_us as number),
        created_by: r.pinned_by,
        created: r.pinned_at,
      }),
    },
    {
      table: 'bookmarks',
      type: 'bookmark',
      id: (r) => str(r.id),
      render: (r) =>
        defined({
          id: r.id,
          channel_id: r.conversation_id,
          title: r.title,
          link: r.link,
          emoji: r.emoji,
          type: r.type,
          entity_id: r.entity_id,
          date_created: r.date_created,
          date_updated: r.date_updated,
          rank: r.rank,
          last_updated_by_user_id: r.updated_by,
          app_id: r.app_id,
        }),
    },
    {
      table: 'files',
      type: 'file',
      ignore: ['content'],
      id: (r) => str(r.id),
      render: (r) =>
        defined({
          id: r.id,
          created: r.created,
          name: r.name,
          title: r.title,
          mimetype: r.mimetype,
          filetype: r.filetype,
          user: r.user_id,
          size: r.size,
          alt_txt: r.alt_txt,
        }),
    },
    {
      table: 'users',
      type: 'user',
      ignore: ['updated', 'password_hash'],
      id: (r) => str(r.id),
      render: (r) => {
        const view = userView(r as unknown as UserRow, { includeEmail: true });
        delete view.updated;
        return view;
      },
    },
    {
      table: 'usergroups',
      type: 'usergroup',
      ignore: ['date_update', 'updated_by'],
      id: (r) => str(r.id),
      render: (r) => ({
        id: r.id,
        team_id: r.team_id,
        name: r.name,
        handle: r.handle,
        description: r.description,
        users: r.users,
        prefs: { channels: r.channels },
        date_delete: r.date_delete,
      }),
    },
    {
      table: 'reminders',
      type: 'reminder',
      id: (r) => str(r.id),
      render: (r) =>
        defined({
          id: r.id,
          creator: r.creator,
          user: r.user_id,
          text: r.text,
          time: r.time,
          complete_ts: r.complete_ts,
          recurring: r.recurrence !== undefined && r.recurrence !== null,
        }),
    },
    {
      table: 'scheduled_messages',
      type: 'scheduled_message',
      id: (r) => str(r.id),
      render: (r: Row) =>
        defined({
          id: r.id,
          channel_id: r.conversation_id,
          post_at: r.post_at,
          date_created: r.date_created,
          text: r.text,
          thread_ts: ts(r.thread_ts_us),
        }),
    },
    {
      table: 'canvases',
      type: 'canvas',
      ignore: ['updated'],
      id: (r) => str(r.id),
      render: (r) =>
        defined({
          id: r.id,
          title: r.title,
          owner: r.owner,
          channel_id: r.conversation_id,
          markdown: (r.sections as Array<{ markdown: string }>)
            .map((section) => section.markdown)
            .join('\n\n'),
          access: r.access,
        }),
    },
    {
      table: 'stars',
      type: 'saved_item',
      id: (r) =>
        `${r.user_id}/${r.item_type}/${r.file_id ?? r.conversation_id}${r.message_ts_us ? `/${ts(r.message_ts_us)}` : ''}`,
      render: (r) =>
        defined({
          user: r.user_id,
          type: r.item_type,
          channel: r.conversation_id,
          ts: ts(r.message_ts_us),
          file: r.file_id,
          date_create: r.created,
        }),
    },
    {
      table: 'remote_files',
      type: 'remote_file',
      ignore: ['updated'],
      id: (r) => str(r.id),
      render: (r) => ({
        id: r.id,
        external_id: r.external_id,
        external_url: r.external_url,
        title: r.title,
        filetype: r.filetype,
        channels: r.channels,
      }),
    },
    {
      table: 'calls',
      type: 'call',
      id: (r) => str(r.id),
      render: (r) =>
        defined({
          id: r.id,
          external_unique_id: r.external_unique_id,
          join_url: r.join_url,
          title: r.title,
          users: r.participants,
          date_start: r.date_start,
          date_end: r.date_end,
        }),
    },
    {
      table: 'assistant_threads',
      type: 'assistant_thread',
      ignore: ['status_set_us'],
      id: (r) => `${r.conversation_id}/${formatTs(r.thread_ts_us as number)}`,
      render: (r) =>
        defined({
          channel_id: r.conversation_id,
          thread_ts: formatTs(r.thread_ts_us as number),
          user_id: r.user_id,
          context: r.context,
          status: r.status,
          title: r.title,
          suggested_prompts: r.prompts,
        }),
    },
  ];
}
