-- Surveys: their definitions in versions, the invitations (a token's SHA-256, never the token),
-- and the responses, one per invitation.
CREATE TABLE surveys (
  survey_key TEXT NOT NULL,
  version INTEGER NOT NULL,
  document TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (survey_key, version)
);

CREATE TABLE survey_invitations (
  id {{id}},
  token_hash TEXT NOT NULL UNIQUE,
  survey_key TEXT NOT NULL,
  survey_version INTEGER NOT NULL,
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  locale TEXT NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ('email', 'print', 'link')),
  source TEXT NOT NULL,
  case_id BIGINT NOT NULL,
  agent TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  reminders INTEGER NOT NULL,
  answered_at BIGINT
);
CREATE INDEX survey_invitations_customer ON survey_invitations (customer_id, created_at);
CREATE INDEX survey_invitations_survey ON survey_invitations (survey_key, id);
CREATE INDEX survey_invitations_waiting ON survey_invitations (expires_at) WHERE answered_at IS NULL;

CREATE TABLE survey_responses (
  id {{id}},
  invitation_id BIGINT NOT NULL UNIQUE REFERENCES survey_invitations (id),
  survey_key TEXT NOT NULL,
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  kind TEXT NOT NULL,
  score INTEGER,
  band TEXT NOT NULL,
  agent TEXT NOT NULL,
  case_id BIGINT NOT NULL,
  locale TEXT NOT NULL,
  answers TEXT NOT NULL,
  follow_up_case BIGINT NOT NULL,
  answered_at BIGINT NOT NULL
);
CREATE INDEX survey_responses_answered ON survey_responses (answered_at);
CREATE INDEX survey_responses_customer ON survey_responses (customer_id, id);
