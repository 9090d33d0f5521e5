// The analytics over Retain's own database: KPIs, cohorts, survival by plan, CLV, RFM and the
// churn-risk model, computed in one pass from AnalyticsInput and kept by AnalyticsStore.
#ifndef RETAIN_ANALYTICS_REFRESH_H_
#define RETAIN_ANALYTICS_REFRESH_H_

#include <vector>

#include <nlohmann/json.hpp>

#include "analytics/analytics_store.h"
#include "common/status.h"
#include "common/time.h"

namespace retain::analytics {

struct Refreshed {
  nlohmann::json dashboard;          // the shape docs/ANALYTICS.md describes
  std::vector<StoredScore> scores;   // one per customer with a purchase or a subscription
  std::string churn_model;           // the trained model (ChurnModel::Save); empty without one
};

// Computes everything as of `now`, with months and days in `zone`. A part that cannot be
// computed (too little history for a model) carries {"error": "..."} in its place; the rest is
// still there. Pure; takes seconds for a million customers.
Refreshed ComputeAnalytics(const AnalyticsInput& input, Timestamp now, const BusinessZone& zone);

}  // namespace retain::analytics

#endif  // RETAIN_ANALYTICS_REFRESH_H_
