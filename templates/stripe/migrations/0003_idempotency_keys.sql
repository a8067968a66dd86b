-- Stripe's idempotency keys and the answers they replay, kept with the clone's data (not
-- in the shared Redis): a full or restarted Redis can neither lose a key nor break a POST,
-- and a key's answer commits to the same disk as the objects it created. In `public`, so
-- reset and seed bring the table back to the seeded state (empty): a key used in one trial
-- never replays into the next, as a fresh Stripe account would behave.
CREATE TABLE idempotency_keys (
  key_sha256 text PRIMARY KEY,
  -- Digest of method, path and parameters the key was first used with.
  fingerprint text NOT NULL,
  -- Milliseconds since the epoch (the app's clock): keys expire 24 h after first use.
  created_at bigint NOT NULL,
  -- NULL while the first request is in flight; then its answer.
  status integer,
  body text,
  request_id text
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
