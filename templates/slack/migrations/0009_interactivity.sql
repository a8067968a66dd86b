-- Views apps open (modals, a stack per root of at most 3) and publish (App Home, one per
-- person). In schema public: reset and seed put them back with the workspace.
CREATE TABLE views (
  id text PRIMARY KEY,
  team_id text NOT NULL,
  user_id text NOT NULL,
  app_id text NOT NULL,
  bot_id text,
  type text NOT NULL CHECK (type IN ('modal', 'home')),
  root_view_id text NOT NULL,
  previous_view_id text,
  external_id text,
  hash text NOT NULL,
  -- The view as the app gave it (title, blocks, callback_id ...), block_ids filled in.
  definition jsonb NOT NULL,
  -- state.values: what the person entered, by block_id then action_id.
  state jsonb NOT NULL DEFAULT '{}',
  -- Order within a modal stack (1 = the root).
  depth int NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX views_external_id ON views (app_id, external_id) WHERE external_id IS NOT NULL;
CREATE UNIQUE INDEX views_home ON views (app_id, user_id) WHERE type = 'home';
CREATE INDEX views_user ON views (user_id);

-- The app's Interactivity Request URL (block actions, view submissions, shortcuts, slash
-- commands), configuration like the Events API's: reset and seed keep it.
CREATE TABLE asym.interactivity (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  url text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- The web client shows the modals an app opens for the signed-in person: a change to one
-- of their views is named to their open pages (the live feed, as 0003/0005 do for messages).
CREATE FUNCTION asym.web_live_notify_view() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  item record;
BEGIN
  IF TG_OP = 'DELETE' THEN item := OLD; ELSE item := NEW; END IF;
  PERFORM pg_notify('asym_web_live', jsonb_build_object('kind', 'view', 'op', lower(TG_OP),
    'user', item.user_id, 'view_type', item.type)::text);
  RETURN NULL;
END;
$$;
CREATE TRIGGER web_live AFTER INSERT OR UPDATE OR DELETE ON views
  FOR EACH ROW WHEN (asym.web_live_watched()) EXECUTE FUNCTION asym.web_live_notify_view();
