#include "analytics/cohorts.h"

#include <algorithm>
#include <limits>

#include <date/date.h>
#include <fmt/format.h>

namespace retain::analytics {

Result<CohortPeriod> ParseCohortPeriod(std::string_view text) {
  if (text == "week") return CohortPeriod::kWeek;
  if (text == "month") return CohortPeriod::kMonth;
  if (text == "quarter") return CohortPeriod::kQuarter;
  if (text == "year") return CohortPeriod::kYear;
  return InvalidArgument(fmt::format("unknown period \"{}\": use week, month, quarter or year", text), "period");
}

int32_t PeriodIndex(int32_t day, CohortPeriod period) {
  if (period == CohortPeriod::kWeek) {
    int32_t shifted = day + 3;  // 1970-01-01 was a Thursday; weeks start on Monday
    return shifted >= 0 ? shifted / 7 : -((-shifted + 6) / 7);
  }
  date::year_month_day ymd{date::sys_days{date::days{day}}};
  int32_t month = static_cast<int32_t>(ymd.year()) * 12 + static_cast<int32_t>(static_cast<unsigned>(ymd.month())) - 1;
  if (period == CohortPeriod::kMonth) return month;
  if (period == CohortPeriod::kQuarter) return month / 3;
  return month / 12;
}

std::string PeriodLabel(int32_t index, CohortPeriod period) {
  switch (period) {
    case CohortPeriod::kWeek: {
      date::year_month_day ymd{date::sys_days{date::days{index * 7 - 3}}};
      return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                         static_cast<unsigned>(ymd.day()));
    }
    case CohortPeriod::kMonth: return fmt::format("{:04}-{:02}", index / 12, index % 12 + 1);
    case CohortPeriod::kQuarter: return fmt::format("{:04}-Q{}", index / 4, index % 4 + 1);
    case CohortPeriod::kYear: return fmt::format("{:04}", index);
  }
  return {};
}

std::vector<Cohort> BuildCohorts(std::span<const Purchase> purchases, uint32_t customers, CohortPeriod period) {
  if (purchases.empty()) return {};
  // Pass 1: each customer's first period, and the range of periods.
  constexpr int32_t kNone = std::numeric_limits<int32_t>::max();
  std::vector<int32_t> first(customers, kNone);
  std::vector<int32_t> index(purchases.size());
  int32_t lo = kNone, hi = std::numeric_limits<int32_t>::min();
  int32_t last_day = std::numeric_limits<int32_t>::min(), last_index = 0;
  for (size_t i = 0; i < purchases.size(); ++i) {
    const auto& p = purchases[i];
    // Purchases arrive mostly in date order: reuse the previous day's period.
    int32_t k = p.day == last_day ? last_index : PeriodIndex(p.day, period);
    last_day = p.day;
    last_index = k;
    index[i] = k;
    first[p.customer] = std::min(first[p.customer], k);
    lo = std::min(lo, k);
    hi = std::max(hi, k);
  }
  auto width = static_cast<size_t>(hi - lo + 1);
  std::vector<Cohort> cohorts(width);
  for (size_t c = 0; c < width; ++c) {
    cohorts[c].active.assign(width - c, 0);
    cohorts[c].revenue.assign(width - c, 0);
  }
  for (uint32_t c = 0; c < customers; ++c)
    if (first[c] != kNone) cohorts[static_cast<size_t>(first[c] - lo)].size += 1;
  // Pass 2: a bitmap of customers per calendar period counts each customer once per period,
  // in any input order and without sorting (one bit per customer and period).
  std::vector<std::vector<uint64_t>> bought(width);
  for (size_t i = 0; i < purchases.size(); ++i) {
    const auto& p = purchases[i];
    auto cohort = static_cast<size_t>(first[p.customer] - lo);
    auto since = static_cast<size_t>(index[i] - first[p.customer]);
    cohorts[cohort].revenue[since] += p.amount;
    auto& bits = bought[static_cast<size_t>(index[i] - lo)];
    if (bits.empty()) bits.assign((customers + 63) / 64, 0);
    uint64_t mask = uint64_t{1} << (p.customer % 64);
    if (!(bits[p.customer / 64] & mask)) {
      bits[p.customer / 64] |= mask;
      cohorts[cohort].active[since] += 1;
    }
  }
  std::vector<Cohort> out;
  for (size_t c = 0; c < width; ++c) {
    if (cohorts[c].size == 0) continue;
    cohorts[c].label = PeriodLabel(lo + static_cast<int32_t>(c), period);
    for (auto a : cohorts[c].active)
      cohorts[c].retention.push_back(static_cast<double>(a) / static_cast<double>(cohorts[c].size));
    out.push_back(std::move(cohorts[c]));
  }
  return out;
}

}  // namespace retain::analytics
