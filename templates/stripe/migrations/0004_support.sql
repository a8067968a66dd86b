-- The support surface (#14): disputes, credit notes, customer balance transactions, files
-- and their links, reviews. Same shape as 0002: the stored document plus what lists order
-- and filter by.

CREATE TABLE disputes (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE credit_notes (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE customer_balance_transactions (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE files (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE file_links (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE reviews (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);

-- An uploaded file's bytes, apart from its object so lists never read them. (A file link's
-- public token, the end of its `url`, is its hidden `_token`.)
CREATE TABLE file_contents (
  id text PRIMARY KEY, content_type text NOT NULL, contents bytea NOT NULL
);

CREATE INDEX disputes_charge ON disputes ((data->>'charge'));
CREATE INDEX credit_notes_invoice ON credit_notes ((data->>'invoice'));
CREATE INDEX customer_balance_transactions_customer ON customer_balance_transactions ((data->>'customer'));
CREATE INDEX file_links_token ON file_links ((data->>'_token'));
