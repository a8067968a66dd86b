-- Quotes, subscription schedules, billing meters and their events, and Connect basics
-- (connected accounts, transfers, payouts, application fees), each like 0002's tables.
-- A meter event has no id of its own: the row's id is its `identifier`, unique as Stripe's.
-- Connected accounts' balance transactions live apart from the platform's, so the
-- platform's balance and lists stay what they were.

CREATE TABLE quotes (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE subscription_schedules (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE billing_meters (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE billing_meter_events (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE accounts (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE transfers (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE payouts (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE application_fees (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);
CREATE TABLE connected_balance_transactions (
  seq bigserial NOT NULL UNIQUE, id text PRIMARY KEY, created bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false, data jsonb NOT NULL
);

CREATE INDEX billing_meter_events_name ON billing_meter_events ((data->>'event_name'), created);
CREATE INDEX quotes_customer ON quotes ((data->>'customer'));
CREATE INDEX subscription_schedules_customer ON subscription_schedules ((data->>'customer'));
CREATE INDEX connected_balance_transactions_account ON connected_balance_transactions ((data->>'_account'));
