-- When a customer's personal data was erased at their request (NULL: never). An erased customer's
-- row keeps its id, so the business's records of them still add up; a new record for that id is
-- refused.
ALTER TABLE customers ADD COLUMN erased_at BIGINT;
