// Acquisition cohorts: customers grouped by the period of their first purchase, and how many of
// them buy again (and spend) in each period since.
#ifndef RETAIN_ANALYTICS_COHORTS_H_
#define RETAIN_ANALYTICS_COHORTS_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/summary.h"
#include "common/status.h"

namespace retain::analytics {

enum class CohortPeriod { kWeek, kMonth, kQuarter, kYear };

// Parses "week", "month", "quarter" or "year"; fails with InvalidArgument naming the choices.
Result<CohortPeriod> ParseCohortPeriod(std::string_view text);

// The index of the period holding `day` (days since 1970-01-01) and its label: "2010-12-06"
// (the Monday) for weeks, "2010-12", "2010-Q4", "2010".
int32_t PeriodIndex(int32_t day, CohortPeriod period);
std::string PeriodLabel(int32_t index, CohortPeriod period);

struct Cohort {
  std::string label;
  int64_t size = 0;
  std::vector<int64_t> active;   // active[k]: customers of the cohort buying in period k since
  std::vector<double> revenue;   // revenue[k]: what they spent in period k since
  std::vector<double> retention; // active[k] / size
};

// Cohorts of every customer in `purchases` (any order), oldest first; each cohort's vectors run
// up to the last period in the data. Pure; O(n) after one pass per customer.
std::vector<Cohort> BuildCohorts(std::span<const Purchase> purchases, uint32_t customers, CohortPeriod period);

}  // namespace retain::analytics

#endif  // RETAIN_ANALYTICS_COHORTS_H_
