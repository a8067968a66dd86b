import type { CloneTemplate, Timeline } from '../../_shared/template.js';
import { ACME_ANCHOR, acmeCorp } from '../fixtures/acme-corp.js';
import { slackDiffSources } from './diff-sources.js';
import { minimalWorkspace } from './seed/minimal-workspace.js';
import { mintSlackTokens, type SlackIdentity, type SlackTokens, slackIdentity } from './tokens.js';

/**
 * Every time in the Slack schema: Unix seconds (0 = unset), `conversations.updated` in
 * milliseconds, and every message `ts` (an id that moves with the timeline) in microseconds,
 * wherever one is referenced (threads, reactions, pins, read marks, file shares).
 */
export const SLACK_TIMELINE: Timeline = {
  anchors: { 'acme-corp': ACME_ANCHOR, '': 1_700_006_400 },
  columns: {
    teams: { created: 's' },
    users: { updated: 's', status_expiration: 's' },
    apps: { created: 's' },
    conversations: {
      created: 's',
      topic_last_set: 's',
      purpose_last_set: 's',
      updated: 'ms',
      last_ts_us: 'us',
    },
    conversation_members: { joined: 's', last_read_us: 'us' },
    messages: { ts_us: 'us', thread_ts_us: 'us', edited_ts_us: 'us' },
    reactions: { message_ts_us: 'us' },
    pins: { message_ts_us: 'us', pinned_at: 's' },
    scheduled_messages: { post_at: 's', date_created: 's', thread_ts_us: 'us' },
    bookmarks: { date_created: 's', date_updated: 's' },
    usergroups: { date_create: 's', date_update: 's', date_delete: 's' },
    reminders: { time: 's', complete_ts: 's', created: 's', anchor: 's' },
    files: { created: 's' },
    file_shares: { ts_us: 'us' },
    custom_emoji: { created: 's' },
  },
};

/** The Slack template as the shared runtime sees it. Fixture names match manifest.yaml. */
export const slackTemplate: CloneTemplate<SlackIdentity, SlackTokens> = {
  name: 'slack',
  fixtures: { 'acme-corp': acmeCorp },
  emptyFixture: minimalWorkspace,
  timeline: SLACK_TIMELINE,
  identity: slackIdentity,
  credentialTables: ['tokens', 'app_secrets'],
  mintTokens: mintSlackTokens,
  diffSources: (db) => slackDiffSources(db),
};
