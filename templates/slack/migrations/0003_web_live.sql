-- The web client (`full` mode): login sessions, and change notifications that make the
-- browser live whichever path wrote the row (the Web API, the web client, a fixture).
-- Runs after 0002_web_api.sql, whose pins table it watches.

-- Outside `public`, like tokens: reset and seed never log people out. No foreign key to
-- users: reset truncates `public` with CASCADE, which would empty this table too.
CREATE TABLE asym.web_sessions (
  token_sha256 text PRIMARY KEY,
  user_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

-- One NOTIFY per changed row on channel `asym_web_live`, a small JSON document naming what
-- changed (never its content: the web server re-reads through the Web API as the viewer).
-- Reset and snapshot restores run with session_replication_role = replica, so they stay quiet.
CREATE FUNCTION asym.web_live_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  item record;
  payload jsonb;
BEGIN
  IF TG_OP = 'DELETE' THEN item := OLD; ELSE item := NEW; END IF;
  IF TG_TABLE_NAME = 'messages' THEN
    payload := jsonb_build_object('kind', 'message', 'op', lower(TG_OP), 'channel', item.conversation_id,
      'ts_us', item.ts_us, 'thread_ts_us', item.thread_ts_us);
  ELSIF TG_TABLE_NAME = 'reactions' THEN
    payload := jsonb_build_object('kind', 'reaction', 'op', lower(TG_OP), 'channel', item.conversation_id,
      'ts_us', item.message_ts_us,
      'thread_ts_us', (SELECT m.thread_ts_us FROM public.messages m
                       WHERE m.conversation_id = item.conversation_id AND m.ts_us = item.message_ts_us));
  ELSIF TG_TABLE_NAME = 'pins' THEN
    -- A pin changes how its message shows: tell viewers the message changed.
    payload := jsonb_build_object('kind', 'message', 'op', 'update', 'channel', item.conversation_id,
      'ts_us', item.message_ts_us,
      'thread_ts_us', (SELECT m.thread_ts_us FROM public.messages m
                       WHERE m.conversation_id = item.conversation_id AND m.ts_us = item.message_ts_us));
  ELSIF TG_TABLE_NAME = 'conversation_members' THEN
    payload := jsonb_build_object('kind', 'member', 'op', lower(TG_OP), 'channel', item.conversation_id,
      'user', item.user_id);
  ELSIF TG_TABLE_NAME = 'conversations' THEN
    payload := jsonb_build_object('kind', 'conversation', 'op', lower(TG_OP), 'channel', item.id);
  ELSE
    payload := jsonb_build_object('kind', 'user', 'op', lower(TG_OP), 'user', item.id);
  END IF;
  PERFORM pg_notify('asym_web_live', payload::text);
  RETURN NULL;
END;
$$;

CREATE TRIGGER web_live AFTER INSERT OR UPDATE OR DELETE ON messages
  FOR EACH ROW EXECUTE FUNCTION asym.web_live_notify();
CREATE TRIGGER web_live AFTER INSERT OR DELETE ON reactions
  FOR EACH ROW EXECUTE FUNCTION asym.web_live_notify();
CREATE TRIGGER web_live AFTER INSERT OR DELETE ON pins
  FOR EACH ROW EXECUTE FUNCTION asym.web_live_notify();
CREATE TRIGGER web_live AFTER INSERT OR DELETE ON conversation_members
  FOR EACH ROW EXECUTE FUNCTION asym.web_live_notify();
CREATE TRIGGER web_live_insert AFTER INSERT ON conversations
  FOR EACH ROW EXECUTE FUNCTION asym.web_live_notify();
-- Every post bumps conversations.last_ts_us and updated; only what the sidebar shows counts.
CREATE TRIGGER web_live_update AFTER UPDATE ON conversations
  FOR EACH ROW
  WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.is_archived IS DISTINCT FROM NEW.is_archived
        OR OLD.topic IS DISTINCT FROM NEW.topic OR OLD.purpose IS DISTINCT FROM NEW.purpose)
  EXECUTE FUNCTION asym.web_live_notify();
CREATE TRIGGER web_live AFTER UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION asym.web_live_notify();
