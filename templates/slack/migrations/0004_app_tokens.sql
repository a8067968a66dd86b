-- App-level tokens (xapp-, scope connections:write) open Socket Mode connections.
ALTER TABLE asym.tokens DROP CONSTRAINT tokens_kind_check;
ALTER TABLE asym.tokens ADD CONSTRAINT tokens_kind_check CHECK (kind IN ('bot', 'user', 'app'));
