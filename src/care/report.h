// The complaints quality dashboard as a pure function over the cases opened in a window: how
// many per 1,000 customers by category and month, how fast they were answered and resolved
// (business minutes, median and 90th percentile), how often each target was met, how often
// cases were reopened (resolved "completely"?), what compensation cost, and the problems that
// come back most. Thread-safe.
#ifndef RETAIN_CARE_REPORT_H_
#define RETAIN_CARE_REPORT_H_

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "care/care_store.h"
#include "care/cases.h"
#include "common/time.h"

namespace retain::care {

// `customers`: how many customers the business has (the base of the per-1,000 rates).
// `compensations`: the granted compensations of those cases.
nlohmann::json QualityReport(const std::vector<CaseRecord>& cases, const std::vector<Compensation>& compensations,
                             int64_t customers, const CareConfig& config, const BusinessZone& zone, Timestamp now);

}  // namespace retain::care

#endif  // RETAIN_CARE_REPORT_H_
