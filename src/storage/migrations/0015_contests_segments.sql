-- Contests with a committed seed and one entry per customer (each with its own random code, the
-- one the public draw names), and saved segments whose members are kept as events arrive.
CREATE TABLE contests (
  id {{id}},
  contest_key TEXT NOT NULL UNIQUE,
  document TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'drawn', 'cancelled')),
  opens_at BIGINT NOT NULL,
  closes_at BIGINT NOT NULL,
  seed TEXT NOT NULL,
  commitment TEXT NOT NULL,
  drawn_at BIGINT,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX contests_due ON contests (status, closes_at);

CREATE TABLE contest_entries (
  contest_id BIGINT NOT NULL REFERENCES contests (id),
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  entry_code TEXT NOT NULL,
  entered_at BIGINT NOT NULL,
  via TEXT NOT NULL,
  winner_rank INTEGER,
  PRIMARY KEY (contest_id, customer_id),
  UNIQUE (contest_id, entry_code)
);

CREATE TABLE saved_segments (
  segment_key TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  expression TEXT NOT NULL,
  members BIGINT NOT NULL,
  refreshed_at BIGINT,
  created_by TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE segment_members (
  segment_key TEXT NOT NULL REFERENCES saved_segments (segment_key) ON DELETE CASCADE,
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  since BIGINT NOT NULL,
  PRIMARY KEY (segment_key, customer_id)
);
