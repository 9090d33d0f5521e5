-- Retain's first schema: settings, customers, products and plans, subscriptions, payments,
-- purchases with lines, and events.
--
-- Conventions: {{id}} is the dialect's auto-numbered 64-bit primary key. Instants are BIGINT
-- Unix seconds (UTC); money is BIGINT minor units beside a three-letter currency. Every table
-- about one customer carries customer_id (the distribution column on Citus; ARCHITECTURE.md).
-- content_hash is a digest of the record's fields so a re-import can tell "unchanged" cheaply.

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE customers (
  id {{id}},
  external_id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  email TEXT NOT NULL,
  phone TEXT NOT NULL,
  address_line1 TEXT NOT NULL,
  address_line2 TEXT NOT NULL,
  postal_code TEXT NOT NULL,
  city TEXT NOT NULL,
  region TEXT NOT NULL,
  country TEXT NOT NULL,
  locale TEXT NOT NULL,
  consent_email INTEGER NOT NULL,
  consent_sms INTEGER NOT NULL,
  consent_post INTEGER NOT NULL,
  consent_phone INTEGER NOT NULL,
  first_contact_at BIGINT,
  attributes TEXT NOT NULL,
  content_hash BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE products (
  id {{id}},
  external_id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('item', 'plan', 'addon')),
  price_minor BIGINT NOT NULL,
  currency TEXT NOT NULL,
  billing TEXT NOT NULL CHECK (billing IN ('one_off', 'monthly', 'yearly')),
  category TEXT NOT NULL,
  active INTEGER NOT NULL,
  content_hash BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE subscriptions (
  id {{id}},
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  external_id TEXT NOT NULL,
  plan_id BIGINT NOT NULL REFERENCES products (id),
  status TEXT NOT NULL CHECK (status IN ('active', 'paused', 'cancel_requested', 'cancelled')),
  started_at BIGINT NOT NULL,
  paused_at BIGINT,
  resume_at BIGINT,
  cancel_requested_at BIGINT,
  cancelled_at BIGINT,
  cancel_cause TEXT NOT NULL CHECK (cancel_cause IN ('', 'voluntary', 'involuntary')),
  cancel_reason TEXT NOT NULL,
  content_hash BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (customer_id, external_id)
);
CREATE INDEX subscriptions_external_id ON subscriptions (external_id);

CREATE TABLE subscription_addons (
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  subscription_id BIGINT NOT NULL,
  product_id BIGINT NOT NULL REFERENCES products (id),
  PRIMARY KEY (customer_id, subscription_id, product_id)
);

CREATE TABLE subscription_discounts (
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  subscription_id BIGINT NOT NULL,
  position INTEGER NOT NULL,
  percent_bp INTEGER NOT NULL,
  amount_minor BIGINT NOT NULL,
  starts_at BIGINT NOT NULL,
  ends_at BIGINT,
  reason TEXT NOT NULL,
  PRIMARY KEY (customer_id, subscription_id, position)
);

CREATE TABLE payments (
  id {{id}},
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  external_id TEXT NOT NULL,
  subscription_id BIGINT,
  amount_minor BIGINT NOT NULL,
  currency TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('succeeded', 'failed', 'refunded')),
  failure_reason TEXT NOT NULL,
  occurred_at BIGINT NOT NULL,
  content_hash BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (customer_id, external_id)
);
CREATE INDEX payments_external_id ON payments (external_id);
CREATE INDEX payments_customer_time ON payments (customer_id, occurred_at);

CREATE TABLE purchases (
  id {{id}},
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  external_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('sale', 'return')),
  original_id BIGINT,
  occurred_at BIGINT NOT NULL,
  store TEXT NOT NULL,
  total_minor BIGINT NOT NULL,
  currency TEXT NOT NULL,
  line_count INTEGER NOT NULL,
  content_hash BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (customer_id, external_id)
);
CREATE INDEX purchases_external_id ON purchases (external_id);
CREATE INDEX purchases_customer_time ON purchases (customer_id, occurred_at);

CREATE TABLE purchase_lines (
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  purchase_id BIGINT NOT NULL,
  line_no INTEGER NOT NULL,
  product_id BIGINT REFERENCES products (id),
  description TEXT NOT NULL,
  quantity BIGINT NOT NULL,
  unit_price_minor BIGINT NOT NULL,
  amount_minor BIGINT NOT NULL,
  PRIMARY KEY (customer_id, purchase_id, line_no)
);

CREATE TABLE events (
  id {{id}},
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  external_id TEXT NOT NULL,
  type TEXT NOT NULL,
  occurred_at BIGINT NOT NULL,
  payload TEXT NOT NULL,
  content_hash BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (customer_id, external_id)
);
CREATE INDEX events_external_id ON events (external_id);
CREATE INDEX events_customer_time ON events (customer_id, occurred_at);
CREATE INDEX events_type_time ON events (type, occurred_at);
