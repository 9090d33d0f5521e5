-- The transactional outbox and webhook subscriptions, deliveries and every attempt.
CREATE TABLE outbox (
  id {{id}},
  type TEXT NOT NULL,
  record_id TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE webhooks (
  id {{id}},
  url TEXT NOT NULL,
  event_types TEXT NOT NULL,
  secret TEXT NOT NULL,
  active INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE webhook_deliveries (
  id {{id}},
  webhook_id BIGINT NOT NULL REFERENCES webhooks (id),
  outbox_id BIGINT NOT NULL REFERENCES outbox (id),
  attempts INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'gave_up')),
  next_attempt_at BIGINT NOT NULL,
  last_response INTEGER NOT NULL,
  last_error TEXT NOT NULL,
  UNIQUE (webhook_id, outbox_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);

CREATE TABLE webhook_attempts (
  id {{id}},
  delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries (id),
  attempt INTEGER NOT NULL,
  at BIGINT NOT NULL,
  response INTEGER NOT NULL,
  error TEXT NOT NULL,
  duration_ms BIGINT NOT NULL
);
