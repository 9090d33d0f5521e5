// From purchase logs to the per-customer summaries the lifetime models and RFM read.
#ifndef RETAIN_ANALYTICS_SUMMARY_H_
#define RETAIN_ANALYTICS_SUMMARY_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "analytics/clv.h"

namespace retain::analytics {

// One purchase: the customer's index (0-based, dense), the day (days since 1970-01-01 in the
// business time zone) and the amount (in major units; 0 when none was given).
struct Purchase {
  uint32_t customer = 0;
  int32_t day = 0;
  double amount = 0;
};

struct SummaryOptions {
  int32_t calibration_end = 0;  // last day counted (inclusive); later purchases are ignored
  double unit_days = 1;         // 1: recency and T in days; 7: in weeks
  int period_days = 1;          // purchases in the same period count once (1: day; 7: ISO week)
};

// A customer's summary in the convention of shared/REFERENCES.md: frequency = repeat purchase
// periods, recency = first to last period, T = first period to the calibration end (both in
// units), monetary = mean spend per repeat period (0 without repeats). Also what RFM reads.
struct CustomerSummary {
  uint32_t customer = 0;
  double frequency = 0;
  double recency = 0;
  double T = 0;
  double monetary = 0;
  double total_spend = 0;       // all periods, the first included
  int32_t first_day = 0;
  int32_t last_day = 0;
  int periods = 0;              // distinct purchase periods, the first included
};

// Summarises `purchases` (any order) for every customer with a purchase on or before the
// calibration end, ordered by customer index. Pure; O(n log n).
std::vector<CustomerSummary> Summarise(std::span<const Purchase> purchases, const SummaryOptions& options);

// The summaries as model input.
std::vector<RepeatBuyer> RepeatBuyers(std::span<const CustomerSummary> summaries);
std::vector<Spender> Spenders(std::span<const CustomerSummary> summaries);

}  // namespace retain::analytics

#endif  // RETAIN_ANALYTICS_SUMMARY_H_
