// Whether putting a complaint right kept the customer: complainants still subscribed 30, 90 and
// 180 days after their case opened, next to comparable customers who did not complain (the same
// plan and tenure band on the same day), and the complainants with compensation next to those
// without. A pure function over the cases and every subscription's span.
#ifndef RETAIN_CARE_OUTCOMES_H_
#define RETAIN_CARE_OUTCOMES_H_

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "care/care_store.h"
#include "common/time.h"

namespace retain::care {

// "0-6 months", "6-12 months", "1-2 years", "2+ years": how long the subscription had run.
std::string TenureBand(Timestamp started, Timestamp at);

// {"horizons": [{"days", "complainants": {rate, low, high, n, k}, "comparable": {...},
//   "difference": {estimate, low, high} | null, "compensated": {...}, "not_compensated": {...}}],
//  "not_subscribers", "cases_considered"}
// Each complainant counts once, from their first case in `cases`, and only at horizons that have
// passed by `now`. They are matched on the subscription the case names, else the one active when
// it opened; customers with no active subscription then are counted in not_subscribers. Staying
// means any subscription active at the horizon (a customer who moved to another plan stayed).
// The comparable customers of a case are every subscriber of the same plan and tenure band on
// that day who never complained, pooled over the cases.
nlohmann::json RecoveryOutcomes(const std::vector<CaseRecord>& cases, const std::vector<Compensation>& compensations,
                                const std::vector<SubscriptionSpan>& subscriptions, Timestamp now);

}  // namespace retain::care

#endif  // RETAIN_CARE_OUTCOMES_H_
