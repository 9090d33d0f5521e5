-- The analytics' stored results: each refresh's dashboard (one JSON document) and the churn
-- model it trained (versioned by the run's id), and every customer's scores from the newest
-- refresh, with the columns screens rank by.
CREATE TABLE analytics_runs (
  id {{id}},
  computed_at BIGINT NOT NULL,
  dashboard TEXT NOT NULL,
  churn_model TEXT NOT NULL
);

CREATE TABLE customer_scores (
  customer_id BIGINT PRIMARY KEY REFERENCES customers (id),
  run_id BIGINT NOT NULL,
  clv_minor BIGINT NOT NULL,
  risk_ppm BIGINT NOT NULL,
  segment TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX customer_scores_risk ON customer_scores (risk_ppm);
CREATE INDEX customer_scores_clv ON customer_scores (clv_minor);
