-- A compensation coupon is used once at the till, like a loyalty coupon.
ALTER TABLE care_compensations ADD COLUMN redeemed_at BIGINT;
ALTER TABLE care_compensations ADD COLUMN redeemed_ref TEXT NOT NULL DEFAULT '';
CREATE INDEX care_compensations_code ON care_compensations (code);
