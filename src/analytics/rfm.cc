#include "analytics/rfm.h"

#include <algorithm>

namespace retain::analytics {
namespace {

constexpr std::string_view kSegments[] = {"champions",   "loyal",          "potential_loyalists",
                                          "new",         "promising",      "need_attention",
                                          "about_to_sleep", "at_risk",     "cant_lose",
                                          "hibernating", "lost"};

// Quintile scores: 1 + 5 * (values strictly below) / n, so ties share a score. With
// `higher_is_better` false the order is reversed (recency: fewer days is better).
std::vector<int> Quintiles(const std::vector<double>& values, bool higher_is_better) {
  size_t n = values.size();
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int> out(n);
  for (size_t i = 0; i < n; ++i) {
    size_t better_than = higher_is_better
                             ? static_cast<size_t>(std::lower_bound(sorted.begin(), sorted.end(), values[i]) - sorted.begin())
                             : static_cast<size_t>(sorted.end() - std::upper_bound(sorted.begin(), sorted.end(), values[i]));
    out[i] = 1 + static_cast<int>(5 * better_than / n);
  }
  return out;
}

}  // namespace

std::string_view RfmSegment(int r, int f) {
  if (r == 5 && f >= 4) return "champions";
  if (r >= 3 && f >= 4) return "loyal";
  if (r >= 4 && f >= 2) return "potential_loyalists";
  if (r == 5) return "new";
  if (r == 4) return "promising";
  if (r == 3 && f == 3) return "need_attention";
  if (r == 3) return "about_to_sleep";
  if (f == 5) return "cant_lose";
  if (f >= 3) return "at_risk";
  if (r == 1 && f == 1) return "lost";
  return "hibernating";
}

std::span<const std::string_view> RfmSegments() { return kSegments; }

std::vector<RfmScore> ScoreRfm(std::span<const CustomerSummary> summaries, int32_t calibration_end,
                               double unit_days) {
  std::vector<double> r, f, m;
  for (const auto& s : summaries) {
    r.push_back((calibration_end - s.last_day) / unit_days);
    f.push_back(s.periods);
    m.push_back(s.total_spend);
  }
  auto rs = Quintiles(r, false), fs = Quintiles(f, true), ms = Quintiles(m, true);
  std::vector<RfmScore> out(summaries.size());
  for (size_t i = 0; i < summaries.size(); ++i) {
    out[i] = {summaries[i].customer, r[i], f[i], m[i], rs[i], fs[i], ms[i], RfmSegment(rs[i], fs[i])};
  }
  return out;
}

}  // namespace retain::analytics
