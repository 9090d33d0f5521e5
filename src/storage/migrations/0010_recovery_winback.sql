-- Failed-payment recovery (one row per failed subscription payment that opened a recovery),
-- customers' payment methods with their expiry, and the win-back list.
CREATE TABLE payment_recoveries (
  id {{id}},
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  subscription_id BIGINT NOT NULL REFERENCES subscriptions (id),
  failed_payment TEXT NOT NULL,
  last_failed_payment TEXT NOT NULL,
  amount_minor BIGINT NOT NULL,
  currency TEXT NOT NULL,
  failure_reason TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('retrying', 'grace', 'suspended', 'recovered', 'lost')),
  retries_done INTEGER NOT NULL,
  manual_retries INTEGER NOT NULL,
  failed_attempts INTEGER NOT NULL,
  opened_at BIGINT NOT NULL,
  next_action_at BIGINT,
  closed_at BIGINT,
  closed_by TEXT NOT NULL,
  stage TEXT NOT NULL,
  recovered_payment TEXT NOT NULL,
  recovered_minor BIGINT NOT NULL,
  UNIQUE (customer_id, failed_payment)
);
CREATE INDEX payment_recoveries_subscription ON payment_recoveries (subscription_id, status);
CREATE INDEX payment_recoveries_due ON payment_recoveries (next_action_at);
CREATE INDEX payment_recoveries_opened ON payment_recoveries (opened_at);
CREATE INDEX payment_recoveries_status ON payment_recoveries (status, id);

CREATE TABLE payment_methods (
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  method TEXT NOT NULL,
  label TEXT NOT NULL,
  expires TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  reminded_for TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (customer_id, method)
);
CREATE INDEX payment_methods_expires ON payment_methods (expires_at);

CREATE TABLE winback_entries (
  id {{id}},
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  subscription_id BIGINT NOT NULL REFERENCES subscriptions (id),
  offer TEXT NOT NULL,
  control INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'reactivated', 'expired')),
  cancel_cause TEXT NOT NULL,
  locale TEXT NOT NULL,
  entered_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  reactivated_at BIGINT,
  reactivated_subscription TEXT NOT NULL,
  monthly_minor BIGINT NOT NULL,
  currency TEXT NOT NULL,
  UNIQUE (customer_id, subscription_id)
);
CREATE INDEX winback_entries_status ON winback_entries (status, customer_id);
CREATE INDEX winback_entries_entered ON winback_entries (entered_at);

-- Cancelled subscriptions by when they ended, for the win-back list.
CREATE INDEX subscriptions_cancelled ON subscriptions (cancelled_at);
