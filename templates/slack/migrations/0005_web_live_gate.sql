-- Change notifications only while a web client watches. A NOTIFY takes a database-wide
-- lock at commit, so notifying on every write with nobody listening (api mode, agents on
-- the Web API) cost about a fifth of chat.postMessage throughput. The live feed sets
-- `watching` while its LISTEN connection is open; the backend clears it when it starts.
CREATE TABLE asym.web_live_state (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  watching boolean NOT NULL DEFAULT false
);
INSERT INTO asym.web_live_state DEFAULT VALUES;

CREATE FUNCTION asym.web_live_watched() RETURNS boolean LANGUAGE sql STABLE
  AS $$ SELECT watching FROM asym.web_live_state $$;

DROP TRIGGER web_live ON messages;
DROP TRIGGER web_live ON reactions;
DROP TRIGGER web_live ON pins;
DROP TRIGGER web_live ON conversation_members;
DROP TRIGGER web_live_insert ON conversations;
DROP TRIGGER web_live_update ON conversations;
DROP TRIGGER web_live ON users;

CREATE TRIGGER web_live AFTER INSERT OR UPDATE OR DELETE ON messages
  FOR EACH ROW WHEN (asym.web_live_watched()) EXECUTE FUNCTION asym.web_live_notify();
CREATE TRIGGER web_live AFTER INSERT OR DELETE ON reactions
  FOR EACH ROW WHEN (asym.web_live_watched()) EXECUTE FUNCTION asym.web_live_notify();
CREATE TRIGGER web_live AFTER INSERT OR DELETE ON pins
  FOR EACH ROW WHEN (asym.web_live_watched()) EXECUTE FUNCTION asym.web_live_notify();
CREATE TRIGGER web_live AFTER INSERT OR DELETE ON conversation_members
  FOR EACH ROW WHEN (asym.web_live_watched()) EXECUTE FUNCTION asym.web_live_notify();
CREATE TRIGGER web_live_insert AFTER INSERT ON conversations
  FOR EACH ROW WHEN (asym.web_live_watched()) EXECUTE FUNCTION asym.web_live_notify();
-- Every post bumps conversations.last_ts_us and updated; only what the sidebar shows counts.
CREATE TRIGGER web_live_update AFTER UPDATE ON conversations
  FOR EACH ROW
  WHEN (asym.web_live_watched() AND (OLD.name IS DISTINCT FROM NEW.name
        OR OLD.is_archived IS DISTINCT FROM NEW.is_archived
        OR OLD.topic IS DISTINCT FROM NEW.topic OR OLD.purpose IS DISTINCT FROM NEW.purpose))
  EXECUTE FUNCTION asym.web_live_notify();
CREATE TRIGGER web_live AFTER UPDATE ON users
  FOR EACH ROW WHEN (asym.web_live_watched()) EXECUTE FUNCTION asym.web_live_notify();
