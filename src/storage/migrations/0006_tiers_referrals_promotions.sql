-- Tiers, referrals, members-only promotions and budgets.

-- A member's tier: the level reached (tier), since when, since when the member has been below
-- it (0 = not below; the downgrade policy counts from there), and a tier set by hand that acts
-- as a floor.
ALTER TABLE loyalty_accounts ADD COLUMN tier TEXT NOT NULL DEFAULT '';
ALTER TABLE loyalty_accounts ADD COLUMN tier_since BIGINT NOT NULL DEFAULT 0;
ALTER TABLE loyalty_accounts ADD COLUMN below_since BIGINT NOT NULL DEFAULT 0;
ALTER TABLE loyalty_accounts ADD COLUMN manual_tier TEXT NOT NULL DEFAULT '';
-- Accounts with a tier are reviewed for downgrades; the rest are not looked at.
CREATE INDEX loyalty_accounts_tiered ON loyalty_accounts (program_id, customer_id) WHERE tier <> '';

-- Every change of a member's tier, append-only.
CREATE TABLE loyalty_tier_changes (
  id {{id}},
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  program_id BIGINT NOT NULL REFERENCES loyalty_programs (id),
  from_tier TEXT NOT NULL,
  to_tier TEXT NOT NULL,
  reason TEXT NOT NULL,
  actor TEXT NOT NULL,
  occurred_at BIGINT NOT NULL
);
CREATE INDEX loyalty_tier_changes_member ON loyalty_tier_changes (customer_id, program_id, id);

-- Counters that limits and budgets are checked against: a promotion's uses and what it gave
-- ("promo:<id>"), a program's points per budget period ("budget:2026-11"). The row is locked
-- while a transaction checks and raises it.
CREATE TABLE loyalty_counters (
  program_id BIGINT NOT NULL REFERENCES loyalty_programs (id),
  name TEXT NOT NULL,
  uses BIGINT NOT NULL,
  points BIGINT NOT NULL,
  cost_minor BIGINT NOT NULL,
  PRIMARY KEY (program_id, name)
);

-- One row per use of a promotion by a member; source makes each use happen once.
CREATE TABLE loyalty_promotion_uses (
  id {{id}},
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  program_id BIGINT NOT NULL REFERENCES loyalty_programs (id),
  promotion TEXT NOT NULL,
  source TEXT NOT NULL,
  points BIGINT NOT NULL,
  cost_minor BIGINT NOT NULL,
  coupon TEXT NOT NULL,
  occurred_at BIGINT NOT NULL,
  UNIQUE (customer_id, program_id, promotion, source)
);

-- Each customer's referral code, made when first asked for.
CREATE TABLE referral_codes (
  customer_id BIGINT PRIMARY KEY REFERENCES customers (id),
  code TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL
);

-- invited (an address the referrer sent the code to) -> registered (the referee signed up with
-- the code) -> qualified (the referee's first qualifying purchase; both sides rewarded), or
-- refused with the reason (self-referral, a shared e-mail, phone or payment fingerprint, a ring).
CREATE TABLE referrals (
  id {{id}},
  referrer_id BIGINT NOT NULL REFERENCES customers (id),
  referee_id BIGINT REFERENCES customers (id),
  email TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('invited', 'registered', 'qualified', 'refused')),
  reason TEXT NOT NULL,
  program TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  registered_at BIGINT,
  qualified_at BIGINT
);
-- A customer is referred once.
CREATE UNIQUE INDEX referrals_referee ON referrals (referee_id) WHERE status IN ('registered', 'qualified');
CREATE INDEX referrals_referrer ON referrals (referrer_id, id);
CREATE INDEX referrals_by_referee ON referrals (referee_id);
