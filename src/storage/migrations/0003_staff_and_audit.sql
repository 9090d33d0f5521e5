-- Staff accounts, browser sessions, API keys, role authority, and the audit trail.
CREATE TABLE staff_users (
  id {{id}},
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('agent', 'supervisor', 'marketing', 'analyst', 'admin')),
  locale TEXT NOT NULL,
  active INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE staff_sessions (
  token_hash TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES staff_users (id),
  csrf_token TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);

CREATE TABLE api_keys (
  prefix TEXT PRIMARY KEY,
  secret_hash TEXT NOT NULL,
  name TEXT NOT NULL,
  scopes TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT
);

CREATE TABLE role_authority (
  role TEXT PRIMARY KEY,
  max_discount_bp INTEGER NOT NULL,
  max_free_months INTEGER NOT NULL,
  max_offer_cost_minor BIGINT NOT NULL,
  max_compensation_minor BIGINT NOT NULL
);

-- Append-only: the application never updates or deletes a row.
CREATE TABLE audit_log (
  id {{id}},
  at BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  record_type TEXT NOT NULL,
  record_id TEXT NOT NULL,
  before_json TEXT NOT NULL,
  after_json TEXT NOT NULL
);
CREATE INDEX audit_log_record ON audit_log (record_type, record_id);
CREATE INDEX audit_log_actor ON audit_log (actor);
