-- The Slack workspace: one team, its users and app, conversations, messages, reactions.
-- Times are Unix seconds (bigint) like Slack's `created`; message ts are stored as
-- integer microseconds so ordering and cursors are exact (the API shows "1700000000.000100").

CREATE TABLE teams (
  id text PRIMARY KEY,
  name text NOT NULL,
  domain text NOT NULL,
  email_domain text NOT NULL DEFAULT '',
  created bigint NOT NULL,
  -- The member a user token (xoxp) acts as.
  primary_user_id text
);

CREATE TABLE users (
  id text PRIMARY KEY,
  team_id text NOT NULL REFERENCES teams (id),
  name text NOT NULL,
  real_name text NOT NULL DEFAULT '',
  display_name text NOT NULL DEFAULT '',
  first_name text NOT NULL DEFAULT '',
  last_name text NOT NULL DEFAULT '',
  email text,
  title text NOT NULL DEFAULT '',
  phone text NOT NULL DEFAULT '',
  tz text NOT NULL DEFAULT 'America/Los_Angeles',
  tz_label text NOT NULL DEFAULT 'Pacific Standard Time',
  tz_offset integer NOT NULL DEFAULT -28800,
  color text NOT NULL DEFAULT '9f69e7',
  status_text text NOT NULL DEFAULT '',
  status_emoji text NOT NULL DEFAULT '',
  avatar_hash text NOT NULL DEFAULT '',
  is_admin boolean NOT NULL DEFAULT false,
  is_owner boolean NOT NULL DEFAULT false,
  is_primary_owner boolean NOT NULL DEFAULT false,
  is_restricted boolean NOT NULL DEFAULT false,
  is_ultra_restricted boolean NOT NULL DEFAULT false,
  is_bot boolean NOT NULL DEFAULT false,
  is_app_user boolean NOT NULL DEFAULT false,
  deleted boolean NOT NULL DEFAULT false,
  bot_id text,
  app_id text,
  -- scrypt hash for the web client's login (format: scrypt$N$r$p$salt$hash, base64).
  password_hash text,
  updated bigint NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (lower(email)) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX users_name ON users (team_id, name);

ALTER TABLE teams ADD FOREIGN KEY (primary_user_id) REFERENCES users (id) DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE apps (
  id text PRIMARY KEY,
  team_id text NOT NULL REFERENCES teams (id),
  name text NOT NULL,
  bot_id text NOT NULL UNIQUE,
  bot_user_id text NOT NULL REFERENCES users (id),
  created bigint NOT NULL
);

CREATE TABLE conversations (
  id text PRIMARY KEY,
  team_id text NOT NULL REFERENCES teams (id),
  kind text NOT NULL CHECK (kind IN ('channel', 'private', 'mpim', 'im')),
  -- NULL for an im (it is named by its other member).
  name text,
  creator text REFERENCES users (id),
  created bigint NOT NULL,
  is_archived boolean NOT NULL DEFAULT false,
  is_general boolean NOT NULL DEFAULT false,
  topic text NOT NULL DEFAULT '',
  topic_creator text NOT NULL DEFAULT '',
  topic_last_set bigint NOT NULL DEFAULT 0,
  purpose text NOT NULL DEFAULT '',
  purpose_creator text NOT NULL DEFAULT '',
  purpose_last_set bigint NOT NULL DEFAULT 0,
  -- Milliseconds, like Slack's `updated`.
  updated bigint NOT NULL,
  -- The newest ts handed out here: the next one is max(now, last + 1 µs), so ts stay unique
  -- and increasing per conversation even within one microsecond.
  last_ts_us bigint NOT NULL DEFAULT 0,
  CHECK ((kind = 'im') = (name IS NULL))
);
CREATE UNIQUE INDEX conversations_name ON conversations (team_id, name) WHERE kind IN ('channel', 'private');
CREATE INDEX conversations_order ON conversations (created, id);

CREATE TABLE conversation_members (
  conversation_id text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  user_id text NOT NULL REFERENCES users (id),
  joined bigint NOT NULL,
  PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX conversation_members_user ON conversation_members (user_id);

CREATE TABLE messages (
  conversation_id text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  ts_us bigint NOT NULL,
  user_id text REFERENCES users (id),
  bot_id text,
  app_id text,
  subtype text,
  text text NOT NULL DEFAULT '',
  blocks jsonb,
  attachments jsonb,
  -- Set on replies only: the parent's ts.
  thread_ts_us bigint,
  reply_broadcast boolean NOT NULL DEFAULT false,
  PRIMARY KEY (conversation_id, ts_us)
);
CREATE INDEX messages_thread ON messages (conversation_id, thread_ts_us) WHERE thread_ts_us IS NOT NULL;

CREATE TABLE reactions (
  id bigserial PRIMARY KEY,
  conversation_id text NOT NULL,
  message_ts_us bigint NOT NULL,
  name text NOT NULL,
  user_id text NOT NULL REFERENCES users (id),
  FOREIGN KEY (conversation_id, message_ts_us) REFERENCES messages (conversation_id, ts_us) ON DELETE CASCADE,
  UNIQUE (conversation_id, message_ts_us, name, user_id)
);

-- Credentials live outside `public`: reset and seed never touch them.
CREATE TABLE asym.tokens (
  token_sha256 text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('bot', 'user')),
  scopes text[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

-- Kept in plain text: verifying a request signature needs the secret itself.
CREATE TABLE asym.app_secrets (
  name text PRIMARY KEY,
  value text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
