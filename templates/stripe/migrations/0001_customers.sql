-- The Stripe account (one per clone) and its customers. Times are Unix seconds like
-- Stripe's `created`; `seq` breaks ties between objects created in the same second so
-- list order (newest first) and cursors stay stable.

CREATE TABLE account (
  id text PRIMARY KEY,
  business_name text NOT NULL,
  created bigint NOT NULL
);

CREATE TABLE customers (
  seq bigserial NOT NULL UNIQUE,
  id text PRIMARY KEY,
  created bigint NOT NULL,
  email text,
  name text,
  description text,
  phone text,
  balance bigint NOT NULL DEFAULT 0,
  currency text,
  delinquent boolean NOT NULL DEFAULT false,
  invoice_prefix text NOT NULL,
  next_invoice_sequence integer NOT NULL DEFAULT 1,
  address jsonb,
  shipping jsonb,
  invoice_settings jsonb NOT NULL,
  metadata jsonb NOT NULL DEFAULT '{}',
  preferred_locales jsonb NOT NULL DEFAULT '[]',
  tax_exempt text NOT NULL DEFAULT 'none' CHECK (tax_exempt IN ('none', 'exempt', 'reverse')),
  -- Deleted customers stay retrievable as `{ id, object, deleted: true }`, like Stripe's.
  deleted boolean NOT NULL DEFAULT false
);
CREATE INDEX customers_order ON customers (created DESC, seq DESC);
CREATE INDEX customers_email ON customers (email);

-- Keys live outside `public`: reset and seed never touch them. Only hashes are kept.
CREATE TABLE asym.api_keys (
  key_sha256 text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('secret', 'publishable')),
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

-- Plain text: signing a webhook needs the secret itself.
CREATE TABLE asym.webhook_secrets (
  secret text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
