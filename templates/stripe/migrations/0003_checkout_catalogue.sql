-- Checkout and the catalogue around it (#14): hosted checkout sessions and the payment
-- links that open them, the customer portal, promotion codes, tax rates and shipping
-- rates. Same shape as 0002's tables. Plans have no table: a plan is a price (Stripe's
-- own model since prices), kept in `prices`.

CREATE TABLE checkout_sessions (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE payment_links (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE billing_portal_sessions (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE billing_portal_configurations (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE promotion_codes (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE tax_rates (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE shipping_rates (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);

CREATE INDEX checkout_sessions_payment_intent ON checkout_sessions ((data->>'payment_intent'));
CREATE INDEX promotion_codes_code ON promotion_codes ((data->>'code'));
