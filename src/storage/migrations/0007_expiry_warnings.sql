-- Members are warned once per month in which points expire (in the business's time zone), a
-- set number of days before the first of them does; this row says the warning went out.
CREATE TABLE loyalty_expiry_warnings (
  customer_id BIGINT NOT NULL REFERENCES customers (id),
  program_id BIGINT NOT NULL REFERENCES loyalty_programs (id),
  month TEXT NOT NULL,
  points BIGINT NOT NULL,
  first_expiry BIGINT NOT NULL,
  warned_at BIGINT NOT NULL,
  PRIMARY KEY (customer_id, program_id, month)
);
