-- Card tokens, top-ups, tax ids (a customer's and the account's own, one store) and ephemeral keys (kept so a
-- delete can find them), each like 0002's tables.

CREATE TABLE tax_ids (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE tokens (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE topups (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE ephemeral_keys (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);

CREATE INDEX tax_ids_customer ON tax_ids ((data->>'customer'));
