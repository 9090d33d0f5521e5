-- Loyalty programs (versioned documents), members' accounts, the points ledger with its earn lots,
-- punch cards and coupons.

CREATE TABLE loyalty_programs (
  id {{id}},
  external_id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('punch_card', 'points', 'frequent_shopper')),
  current_version INTEGER NOT NULL,
  created_at BIGINT NOT NULL
);

-- Every version of a program's document; a version takes effect at effective_at and is kept
-- after a newer one replaces it, so what a member earned can always be explained.
CREATE TABLE loyalty_program_versions (
  program_id BIGINT NOT NULL REFERENCES loyalty_programs (id),
  version INTEGER NOT NULL,
  document TEXT NOT NULL,
  effective_at BIGINT NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (program_id, version)
);

-- A customer's standing in one program. balance is the sum of the ledger; debt is what returns
-- took back after the points were spent (balance = unexpired lots' remaining points - debt).
CREATE TABLE loyalty_accounts (
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  program_id BIGINT NOT NULL REFERENCES loyalty_programs (id),
  balance BIGINT NOT NULL,
  debt BIGINT NOT NULL,
  punches INTEGER NOT NULL,
  cards_completed INTEGER NOT NULL,
  last_punch_day INTEGER NOT NULL,
  joined_at BIGINT NOT NULL,
  version BIGINT NOT NULL,
  PRIMARY KEY (customer_id, program_id)
);

-- Append-only. source is unique per member and program: a purchase, a return, a redemption or
-- an adjustment can only ever be booked once, however often it arrives. (Every uniqueness
-- constraint includes customer_id, so the table distributes by customer.)
CREATE TABLE loyalty_ledger (
  id {{id}},
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  program_id BIGINT NOT NULL REFERENCES loyalty_programs (id),
  kind TEXT NOT NULL CHECK (kind IN ('earn', 'reverse', 'spend', 'expire', 'adjust', 'punch', 'unpunch', 'card')),
  points BIGINT NOT NULL,
  source TEXT NOT NULL,
  ref TEXT NOT NULL,
  reason TEXT NOT NULL,
  actor TEXT NOT NULL,
  program_version INTEGER NOT NULL,
  occurred_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (customer_id, program_id, source)
);
-- A member's entries by time (listings, sums, caps per day/week/month).
CREATE INDEX loyalty_ledger_member ON loyalty_ledger (customer_id, program_id, occurred_at);
-- What returns took back from a sale; earnings are found by their source.
CREATE INDEX loyalty_ledger_reversals ON loyalty_ledger (customer_id, program_id, ref)
  WHERE kind IN ('reverse', 'unpunch');

-- The points of one earning entry, spent soonest-expiring first and expired when their time comes.
CREATE TABLE loyalty_lots (
  id {{id}},
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  program_id BIGINT NOT NULL REFERENCES loyalty_programs (id),
  ledger_id BIGINT NOT NULL REFERENCES loyalty_ledger (id),
  points BIGINT NOT NULL,
  remaining BIGINT NOT NULL CHECK (remaining >= 0),
  earned_at BIGINT NOT NULL,
  available_at BIGINT NOT NULL,
  expires_at BIGINT
);
-- Only lots with points left are indexed: spent and expired ones drop out.
CREATE INDEX loyalty_lots_open ON loyalty_lots (customer_id, program_id, expires_at) WHERE remaining > 0;
CREATE INDEX loyalty_lots_expiry ON loyalty_lots (expires_at) WHERE remaining > 0;

CREATE TABLE coupons (
  id {{id}},
  code TEXT NOT NULL,
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  program_id BIGINT NOT NULL REFERENCES loyalty_programs (id),
  reward TEXT NOT NULL,
  reward_json TEXT NOT NULL,
  source TEXT NOT NULL,
  issued_at BIGINT NOT NULL,
  expires_at BIGINT,
  redeemed_at BIGINT,
  redeemed_ref TEXT NOT NULL,
  UNIQUE (customer_id, source)
);
-- Codes are looked up alone at the till. On one node they are unique here; distributed by
-- customer (Citus) this index is per shard, and the 60 random bits of a code (checked before
-- use) keep them apart.
CREATE UNIQUE INDEX coupons_code ON coupons (code);
