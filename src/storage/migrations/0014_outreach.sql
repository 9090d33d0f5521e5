-- Outreach: message templates, campaigns, journeys, one delivery per customer, source,
-- occurrence and step (drawing an audience or reading an event twice sends nothing twice), and
-- the suppression list.
CREATE TABLE message_templates (
  template_key TEXT PRIMARY KEY,
  document TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE campaigns (
  id {{id}},
  campaign_key TEXT NOT NULL UNIQUE,
  document TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('draft', 'scheduled', 'sending', 'sent', 'cancelled')),
  send_at BIGINT,
  seed TEXT NOT NULL,
  audience_at BIGINT,
  audience BIGINT NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX campaigns_due ON campaigns (status, send_at);

CREATE TABLE journeys (
  journey_key TEXT PRIMARY KEY,
  document TEXT NOT NULL,
  active INTEGER NOT NULL,
  seed TEXT NOT NULL,
  since_event BIGINT NOT NULL,
  created_by TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE deliveries (
  id {{id}},
  source TEXT NOT NULL,
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  occurrence TEXT NOT NULL,
  step INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ('email', 'print', 'webhook')),
  template_key TEXT NOT NULL,
  variant TEXT NOT NULL,
  purpose TEXT NOT NULL CHECK (purpose IN ('marketing', 'transactional')),
  status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'held_out', 'skipped', 'failed', 'bounced')),
  reason TEXT NOT NULL,
  due_at BIGINT NOT NULL,
  sent_at BIGINT,
  attempts INTEGER NOT NULL,
  address TEXT NOT NULL,
  subject TEXT NOT NULL,
  content TEXT NOT NULL,
  UNIQUE (source, customer_id, occurrence, step)
);
CREATE INDEX deliveries_due ON deliveries (status, due_at);
CREATE INDEX deliveries_customer ON deliveries (customer_id, sent_at);

CREATE TABLE suppressions (
  channel TEXT NOT NULL,
  address TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (channel, address)
);
