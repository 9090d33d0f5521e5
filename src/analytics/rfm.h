// RFM: recency, frequency and monetary scores from 1 to 5 and the named segments built on them.
#ifndef RETAIN_ANALYTICS_RFM_H_
#define RETAIN_ANALYTICS_RFM_H_

#include <span>
#include <string_view>
#include <vector>

#include "analytics/summary.h"

namespace retain::analytics {

struct RfmScore {
  uint32_t customer = 0;
  double recency = 0;    // units from the last purchase to the calibration end
  double frequency = 0;  // purchase periods, the first included
  double monetary = 0;   // total spend
  int r = 0, f = 0, m = 0;
  std::string_view segment;
};

// Scores every summarised customer by quintile of the population: 5 is the most recent, the
// most frequent, the biggest spender; equal values get equal scores. The segment comes from R
// and F (docs/ANALYTICS.md has the grid): champions, loyal, potential_loyalists, new, promising,
// need_attention, about_to_sleep, at_risk, cant_lose, hibernating, lost. Pure.
std::vector<RfmScore> ScoreRfm(std::span<const CustomerSummary> summaries, int32_t calibration_end,
                               double unit_days);

// The segment for scores r and f (1-5).
std::string_view RfmSegment(int r, int f);

// Every segment name, best first.
std::span<const std::string_view> RfmSegments();

}  // namespace retain::analytics

#endif  // RETAIN_ANALYTICS_RFM_H_
