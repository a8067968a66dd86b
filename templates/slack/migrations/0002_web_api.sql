-- The wider Web API: edits, pins, read marks, presence, scheduled messages, bookmarks,
-- user groups, reminders, files, custom emoji, and the Events API subscription.

ALTER TABLE messages
  ADD COLUMN edited_ts_us bigint,
  ADD COLUMN edited_by text,
  -- Files shared with the message, in order (files.completeUploadExternal).
  ADD COLUMN file_ids text[],
  -- Message metadata ({ event_type, event_payload }), shown with include_all_metadata.
  ADD COLUMN metadata jsonb;
CREATE INDEX messages_user ON messages (user_id);

ALTER TABLE conversations ADD COLUMN previous_names text[] NOT NULL DEFAULT '{}';

ALTER TABLE conversation_members
  -- conversations.mark: the newest ts this member has read.
  ADD COLUMN last_read_us bigint NOT NULL DEFAULT 0,
  -- conversations.open/close for ims and mpims.
  ADD COLUMN is_open boolean NOT NULL DEFAULT true;

ALTER TABLE users
  ADD COLUMN manual_away boolean NOT NULL DEFAULT false,
  ADD COLUMN status_expiration bigint NOT NULL DEFAULT 0,
  ADD COLUMN pronouns text NOT NULL DEFAULT '';

CREATE TABLE pins (
  conversation_id text NOT NULL,
  message_ts_us bigint NOT NULL,
  pinned_by text NOT NULL REFERENCES users (id),
  pinned_at bigint NOT NULL,
  PRIMARY KEY (conversation_id, message_ts_us),
  FOREIGN KEY (conversation_id, message_ts_us) REFERENCES messages (conversation_id, ts_us) ON DELETE CASCADE
);

CREATE TABLE scheduled_messages (
  id text PRIMARY KEY,
  conversation_id text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  user_id text NOT NULL REFERENCES users (id),
  bot_id text,
  app_id text,
  post_at bigint NOT NULL,
  date_created bigint NOT NULL,
  text text NOT NULL DEFAULT '',
  blocks jsonb,
  attachments jsonb,
  thread_ts_us bigint,
  reply_broadcast boolean NOT NULL DEFAULT false
);
CREATE INDEX scheduled_messages_due ON scheduled_messages (post_at);

CREATE TABLE bookmarks (
  id text PRIMARY KEY,
  conversation_id text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  title text NOT NULL,
  type text NOT NULL,
  link text NOT NULL DEFAULT '',
  emoji text,
  entity_id text,
  parent_id text,
  created_by text NOT NULL REFERENCES users (id),
  updated_by text NOT NULL REFERENCES users (id),
  app_id text,
  date_created bigint NOT NULL,
  date_updated bigint NOT NULL,
  rank text NOT NULL
);

CREATE TABLE usergroups (
  id text PRIMARY KEY,
  team_id text NOT NULL REFERENCES teams (id),
  name text NOT NULL,
  handle text NOT NULL,
  description text NOT NULL DEFAULT '',
  users text[] NOT NULL DEFAULT '{}',
  channels text[] NOT NULL DEFAULT '{}',
  created_by text NOT NULL,
  updated_by text NOT NULL,
  deleted_by text,
  date_create bigint NOT NULL,
  date_update bigint NOT NULL,
  -- 0 while enabled, like Slack's date_delete.
  date_delete bigint NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX usergroups_handle ON usergroups (team_id, handle) WHERE date_delete = 0;
CREATE UNIQUE INDEX usergroups_name ON usergroups (team_id, name) WHERE date_delete = 0;

CREATE TABLE reminders (
  id text PRIMARY KEY,
  creator text NOT NULL REFERENCES users (id),
  user_id text NOT NULL REFERENCES users (id),
  text text NOT NULL,
  time bigint NOT NULL,
  complete_ts bigint NOT NULL DEFAULT 0,
  created bigint NOT NULL,
  -- Set once Slackbot has delivered it (the scheduler's timer).
  fired boolean NOT NULL DEFAULT false
);
CREATE INDEX reminders_due ON reminders (time) WHERE NOT fired;

CREATE TABLE files (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id),
  created bigint NOT NULL,
  name text NOT NULL,
  title text NOT NULL,
  mimetype text NOT NULL DEFAULT 'application/octet-stream',
  filetype text NOT NULL DEFAULT 'binary',
  -- Declared by getUploadURLExternal; the uploaded bytes must match it.
  size integer NOT NULL,
  content bytea,
  alt_txt text,
  -- Set by completeUploadExternal; until then the file is invisible.
  completed boolean NOT NULL DEFAULT false
);

CREATE TABLE file_shares (
  file_id text NOT NULL REFERENCES files (id) ON DELETE CASCADE,
  conversation_id text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  ts_us bigint NOT NULL,
  PRIMARY KEY (file_id, conversation_id, ts_us)
);

CREATE TABLE custom_emoji (
  name text PRIMARY KEY,
  url text,
  alias_for text,
  user_id text,
  created bigint NOT NULL,
  CHECK ((url IS NULL) <> (alias_for IS NULL))
);

-- The Events API Request URL is configuration, like tokens: reset and seed keep it.
CREATE TABLE asym.event_subscription (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  url text NOT NULL,
  -- Subscription names: message.channels, app_mention, reaction_added ...
  events text[] NOT NULL,
  verified boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now()
);
