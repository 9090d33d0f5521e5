-- Complaint cases: the care document (business calendar and SLA policies) in versions, the
-- cases with their SLA clocks, and each case's history.
CREATE TABLE care_documents (
  version INTEGER PRIMARY KEY,
  document TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE care_cases (
  id {{id}},
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  channel TEXT NOT NULL,
  category TEXT NOT NULL,
  severity TEXT NOT NULL,
  body TEXT NOT NULL,
  purchase TEXT NOT NULL,
  subscription TEXT NOT NULL,
  assignee TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('new', 'open', 'waiting', 'resolved', 'closed')),
  priority INTEGER NOT NULL,
  policy TEXT NOT NULL,
  first_response_minutes BIGINT NOT NULL,
  resolution_minutes BIGINT NOT NULL,
  value_band TEXT NOT NULL,
  opened_at BIGINT NOT NULL,
  first_response_at BIGINT,
  resolved_at BIGINT,
  closed_at BIGINT,
  reopened INTEGER NOT NULL,
  pauses TEXT NOT NULL,
  escalation INTEGER NOT NULL,
  version BIGINT NOT NULL
);
CREATE INDEX care_cases_status ON care_cases (status, id);
CREATE INDEX care_cases_customer ON care_cases (customer_id, id);
CREATE INDEX care_cases_assignee ON care_cases (assignee, status);
CREATE INDEX care_cases_opened ON care_cases (opened_at);

CREATE TABLE care_case_events (
  id {{id}},
  case_id BIGINT NOT NULL REFERENCES care_cases (id),
  at BIGINT NOT NULL,
  actor TEXT NOT NULL,
  kind TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX care_case_events_case ON care_case_events (case_id, id);

-- What a case gave the customer, what it cost, and who approved it.
CREATE TABLE care_compensations (
  id {{id}},
  case_id BIGINT NOT NULL REFERENCES care_cases (id),
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  kind TEXT NOT NULL CHECK (kind IN ('coupon', 'refund', 'credit', 'free_months', 'apology')),
  value_minor BIGINT NOT NULL,
  currency TEXT NOT NULL,
  product TEXT NOT NULL,
  months INTEGER NOT NULL,
  subscription TEXT NOT NULL,
  note TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('granted', 'pending_approval', 'declined')),
  requested_by TEXT NOT NULL,
  requester_role TEXT NOT NULL,
  decided_by TEXT NOT NULL,
  code TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  decided_at BIGINT
);
CREATE INDEX care_compensations_case ON care_compensations (case_id, id);
CREATE INDEX care_compensations_status ON care_compensations (status, id);
