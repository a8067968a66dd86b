-- The vendor's objects live in schema public (reset and seed restore it from the snapshot).
CREATE TABLE notes (
  id bigserial PRIMARY KEY,
  title text NOT NULL,
  body text NOT NULL DEFAULT '',
  created bigint NOT NULL
);

-- Issued credentials live in schema asym: only hashes (template.ts lists the table).
CREATE TABLE asym.api_keys (
  key_sha256 text PRIMARY KEY,
  revoked_at timestamptz
);
