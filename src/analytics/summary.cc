#include "analytics/summary.h"

#include <algorithm>

namespace retain::analytics {
namespace {

// The first day of the period holding `day`: itself, or the Monday of its ISO week (1970-01-01
// was a Thursday), or the start of a block of `period_days` days.
int32_t PeriodStart(int32_t day, int period_days) {
  if (period_days <= 1) return day;
  int32_t offset = period_days == 7 ? 3 : 0;
  int32_t shifted = day + offset;
  int32_t floor = shifted >= 0 ? shifted / period_days : -((-shifted + period_days - 1) / period_days);
  return floor * period_days - offset;
}

}  // namespace

std::vector<CustomerSummary> Summarise(std::span<const Purchase> purchases, const SummaryOptions& options) {
  std::vector<Purchase> sorted;
  sorted.reserve(purchases.size());
  for (const auto& p : purchases)
    if (p.day <= options.calibration_end) sorted.push_back(p);
  std::sort(sorted.begin(), sorted.end(), [](const Purchase& a, const Purchase& b) {
    return a.customer != b.customer ? a.customer < b.customer : a.day < b.day;
  });
  std::vector<CustomerSummary> out;
  size_t i = 0;
  while (i < sorted.size()) {
    CustomerSummary s;
    s.customer = sorted[i].customer;
    int32_t first = PeriodStart(sorted[i].day, options.period_days);
    int32_t current = first;
    double first_spend = 0, repeat_spend = 0;
    s.first_day = sorted[i].day;
    s.periods = 1;
    for (; i < sorted.size() && sorted[i].customer == s.customer; ++i) {
      int32_t period = PeriodStart(sorted[i].day, options.period_days);
      if (period != current) {
        ++s.periods;
        current = period;
      }
      (period == first ? first_spend : repeat_spend) += sorted[i].amount;
      s.last_day = sorted[i].day;
    }
    s.frequency = s.periods - 1;
    s.recency = (current - first) / options.unit_days;
    s.T = (PeriodStart(options.calibration_end, options.period_days) - first) / options.unit_days;
    s.monetary = s.frequency > 0 ? repeat_spend / s.frequency : 0;
    s.total_spend = first_spend + repeat_spend;
    out.push_back(s);
  }
  return out;
}

std::vector<RepeatBuyer> RepeatBuyers(std::span<const CustomerSummary> summaries) {
  std::vector<RepeatBuyer> out;
  out.reserve(summaries.size());
  for (const auto& s : summaries) out.push_back({s.frequency, s.recency, s.T, 1});
  return out;
}

std::vector<Spender> Spenders(std::span<const CustomerSummary> summaries) {
  std::vector<Spender> out;
  for (const auto& s : summaries)
    if (s.frequency > 0) out.push_back({s.frequency, s.monetary, 1});
  return out;
}

}  // namespace retain::analytics
