// What the answers say: the headline scores over time with the promoter/passive/detractor split
// and 95 % intervals, which areas drive poor answers, and each agent's score. Pure functions over
// stored responses.
#ifndef RETAIN_FEEDBACK_REPORT_H_
#define RETAIN_FEEDBACK_REPORT_H_

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/time.h"
#include "feedback/feedback_store.h"

namespace retain::feedback {

// NPS in points (-100..100) with the split and a 95 % interval from the variance of the
// difference of two shares of one multinomial: (p + d - (p - d)^2) / n.
struct Nps {
  int64_t n = 0;
  int64_t promoters = 0;
  int64_t passives = 0;
  int64_t detractors = 0;
  double score = 0;
  double low = 0;
  double high = 0;
};
Nps NpsOf(const std::vector<int>& scores);

// Responses over time ("month", "week" (labelled by its Monday) or "quarter" in the business zone),
// areas and agents:
// {"responses", "nps": {...}|null, "csat": {...}|null, "ces": {...}|null,
//  "by_period": [{"period", "responses", "nps", "csat", "ces"}],
//  "drivers": [{"area", "rated", "mean", "mean_negative", "mean_other", "low_share_negative",
//               "low_share_other", "gap": {estimate, low, high}, "correlation"}],
//  "agents": [{"agent", "responses", "nps", "csat", "ces", "follow_ups"}]}
// CSAT: share of 4s and 5s (Wilson interval) and the mean; CES: share of 5-7 and the mean. An
// area's ratings are put on 0-100 so scales can be compared; "low" is the bottom two of five (or
// 1-3 of seven), or the area chosen as a reason. Drivers come in order of how much more often
// poor answers rate the area low than the others do.
nlohmann::json FeedbackReport(const std::vector<StoredResponse>& responses, const BusinessZone& zone,
                              std::string_view period);

}  // namespace retain::feedback

#endif  // RETAIN_FEEDBACK_REPORT_H_
