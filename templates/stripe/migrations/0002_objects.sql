-- Every Stripe object beyond customers, one table per resource. `data` holds the object
-- exactly as the API returns it (unexpanded), so a view is the stored document; the
-- columns beside it are what lists order and filter by. `seq` breaks ties within one
-- second, as in 0001.

CREATE TABLE products (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE prices (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE payment_methods (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE setup_intents (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE payment_intents (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE charges (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE balance_transactions (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE refunds (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE events (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
-- `data.secret` is kept here (webhook signing needs it) and stripped from every answer
-- but the one to create.
CREATE TABLE webhook_endpoints (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE coupons (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE invoiceitems (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE invoices (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE subscriptions (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE test_clocks (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);

CREATE INDEX charges_payment_intent ON charges ((data->>'payment_intent'));
CREATE INDEX payment_methods_customer ON payment_methods ((data->>'customer'));
CREATE INDEX payment_intents_customer ON payment_intents ((data->>'customer'));
CREATE INDEX invoices_customer ON invoices ((data->>'customer'));
CREATE INDEX subscriptions_customer ON subscriptions ((data->>'customer'));
CREATE INDEX events_order ON events (created DESC, seq DESC);

-- Customers gain what billing attaches to them.
ALTER TABLE customers ADD COLUMN test_clock text;
ALTER TABLE customers ADD COLUMN discount jsonb;
