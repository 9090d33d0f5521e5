-- The retention desk: its document in versions, cancel requests with their outcomes, supervisors'
-- approvals, what was offered to whom, and the outcomes each offer has had per reason and value
-- band (what the acceptance model learns from).
CREATE TABLE retention_desk (
  version INTEGER PRIMARY KEY,
  document TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE cancel_requests (
  id {{id}},
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  subscription_id BIGINT NOT NULL REFERENCES subscriptions (id),
  channel TEXT NOT NULL,
  reason TEXT NOT NULL,
  note TEXT NOT NULL,
  opened_by TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'pending_approval', 'saved', 'withdrawn', 'cancelled')),
  control INTEGER NOT NULL,
  desk_version INTEGER NOT NULL,
  value_band TEXT NOT NULL,
  risk_band TEXT NOT NULL,
  monthly_minor BIGINT NOT NULL,
  currency TEXT NOT NULL,
  value_minor BIGINT NOT NULL,
  offers TEXT NOT NULL,
  offer TEXT NOT NULL,
  cost_minor BIGINT NOT NULL,
  presented TEXT NOT NULL,
  decided_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  decided_at BIGINT,
  cancel_effective_at BIGINT
);
CREATE INDEX cancel_requests_subscription ON cancel_requests (subscription_id, status);
CREATE INDEX cancel_requests_customer ON cancel_requests (customer_id, id);
CREATE INDEX cancel_requests_status ON cancel_requests (status, id);
CREATE INDEX cancel_requests_created ON cancel_requests (created_at);

CREATE TABLE retention_approvals (
  id {{id}},
  request_id BIGINT NOT NULL REFERENCES cancel_requests (id),
  offer TEXT NOT NULL,
  terms TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  requester_role TEXT NOT NULL,
  note TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'declined')),
  decided_by TEXT NOT NULL,
  decision_note TEXT NOT NULL,
  requested_at BIGINT NOT NULL,
  decided_at BIGINT
);
CREATE INDEX retention_approvals_status ON retention_approvals (status, id);
CREATE INDEX retention_approvals_request ON retention_approvals (request_id);

CREATE TABLE retention_offered (
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  offer TEXT NOT NULL,
  request_id BIGINT NOT NULL,
  offered_at BIGINT NOT NULL,
  PRIMARY KEY (customer_id, offer, request_id)
);

CREATE TABLE retention_tallies (
  offer TEXT NOT NULL,
  reason TEXT NOT NULL,
  value_band TEXT NOT NULL,
  accepted BIGINT NOT NULL,
  declined BIGINT NOT NULL,
  PRIMARY KEY (offer, reason, value_band)
);
