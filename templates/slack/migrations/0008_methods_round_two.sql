-- The Web API's second round (#15): customised bot messages, streamed messages, assistant
-- threads, Do Not Disturb, saved items, canvases, remote files, public file links and app
-- manifests. Everything lives in `public`, so snapshots and resets carry it.

-- chat.postMessage's username / icon_emoji / icon_url (bots with chat:write.customize), as
-- Slack renders them on the message; `streaming` while chat.startStream's message grows.
ALTER TABLE messages ADD COLUMN username text;
ALTER TABLE messages ADD COLUMN icons jsonb;
ALTER TABLE messages ADD COLUMN streaming boolean NOT NULL DEFAULT false;

-- users.setPhoto: the image's digest stands for the photo in the profile's image URLs.
ALTER TABLE users ADD COLUMN photo_hash text;

-- files.sharedPublicURL / revokePublicURL.
ALTER TABLE files ADD COLUMN public_url_shared boolean NOT NULL DEFAULT false;

-- An assistant thread: the DM thread a person opened with the app, what it was opened from,
-- and what the app set on it (status, title, suggested prompts).
CREATE TABLE assistant_threads (
  conversation_id text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  thread_ts_us bigint NOT NULL,
  user_id text NOT NULL REFERENCES users (id),
  context jsonb NOT NULL DEFAULT '{}',
  status text NOT NULL DEFAULT '',
  loading_messages jsonb,
  status_set_us bigint NOT NULL DEFAULT 0,
  title text NOT NULL DEFAULT '',
  prompts jsonb,
  prompts_title text,
  created bigint NOT NULL,
  PRIMARY KEY (conversation_id, thread_ts_us)
);

-- A person's Do Not Disturb state beyond the default schedule (22:00 to 08:00, their zone).
CREATE TABLE dnd (
  user_id text PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  -- Unix seconds a snooze ends at; 0 when not snoozing.
  snooze_endtime bigint NOT NULL DEFAULT 0,
  -- dnd.endDnd: the end of the scheduled session it ended (that session is over early).
  ended_session_end bigint NOT NULL DEFAULT 0
);

-- Saved items (stars.*): a message, a file or a conversation, per person.
CREATE TABLE stars (
  id bigserial PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  item_type text NOT NULL CHECK (item_type IN ('message', 'file', 'channel', 'im', 'group')),
  conversation_id text REFERENCES conversations (id) ON DELETE CASCADE,
  message_ts_us bigint,
  file_id text REFERENCES files (id) ON DELETE CASCADE,
  created bigint NOT NULL
);
CREATE UNIQUE INDEX stars_item ON stars (user_id, item_type, coalesce(conversation_id, ''),
  coalesce(message_ts_us, 0), coalesce(file_id, ''));

-- Canvases: markdown documents kept as sections (each with the id canvases.edit names),
-- standalone or a channel's canvas, with who may read or write them.
CREATE TABLE canvases (
  id text PRIMARY KEY,
  team_id text NOT NULL REFERENCES teams (id),
  owner text NOT NULL REFERENCES users (id),
  title text NOT NULL DEFAULT '',
  sections jsonb NOT NULL DEFAULT '[]',
  -- { "<user or channel id>": "read" | "write" | "owner" }
  access jsonb NOT NULL DEFAULT '{}',
  conversation_id text UNIQUE REFERENCES conversations (id) ON DELETE CASCADE,
  created bigint NOT NULL,
  updated bigint NOT NULL
);

-- Remote files (files.remote.*): documents an app keeps elsewhere and makes searchable here.
CREATE TABLE remote_files (
  id text PRIMARY KEY,
  app_id text NOT NULL,
  user_id text NOT NULL REFERENCES users (id),
  external_id text NOT NULL,
  external_url text NOT NULL,
  title text NOT NULL,
  filetype text NOT NULL DEFAULT '',
  indexable_contents text,
  has_preview boolean NOT NULL DEFAULT false,
  channels text[] NOT NULL DEFAULT '{}',
  created bigint NOT NULL,
  updated bigint NOT NULL,
  UNIQUE (app_id, external_id)
);

-- App manifests (apps.manifest.*): the seeded app's, once exported or updated, and apps
-- created from one.
CREATE TABLE app_manifests (
  app_id text PRIMARY KEY,
  manifest jsonb NOT NULL,
  created bigint NOT NULL,
  updated bigint NOT NULL
);

-- Calls (calls.*): calls an app registered, their participants and whether they ended.
CREATE TABLE calls (
  id text PRIMARY KEY,
  app_id text,
  external_unique_id text NOT NULL,
  external_display_id text,
  join_url text NOT NULL,
  desktop_app_join_url text,
  title text,
  created_by text NOT NULL REFERENCES users (id),
  date_start bigint NOT NULL,
  date_end bigint,
  duration integer,
  participants jsonb NOT NULL DEFAULT '[]'
);
