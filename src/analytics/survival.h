// Kaplan-Meier survival curves with exponential-Greenwood confidence bands, median survival and
// the log-rank test across groups.
#ifndef RETAIN_ANALYTICS_SURVIVAL_H_
#define RETAIN_ANALYTICS_SURVIVAL_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace retain::analytics {

// One subject: observed for `duration`, ending in the event (churn) or censored (still there).
struct Observation {
  double duration = 0;
  bool event = false;
  uint32_t group = 0;  // index into the caller's group names
};

// One step of a Kaplan-Meier curve: at time t, `at_risk` subjects, `events` of whom had the
// event, `censored` left unobserved; S(t) with a (1 - alpha) band. The first point is t = 0.
struct SurvivalPoint {
  double t = 0;
  int64_t at_risk = 0;
  int64_t events = 0;
  int64_t censored = 0;
  double survival = 1;
  double ci_lower = 1;
  double ci_upper = 1;
};

struct SurvivalCurve {
  std::vector<SurvivalPoint> points;
  std::optional<double> median;  // first t where S(t) <= 0.5; none while the curve stays above
};

// The Kaplan-Meier estimate of `observations` (all groups together), with bands by the
// exponential Greenwood formula (as lifelines computes them) at confidence 1 - alpha. Pure;
// O(n log n). Negative or non-finite durations are the caller's to reject.
SurvivalCurve KaplanMeier(std::span<const Observation> observations, double alpha = 0.05);

// The log-rank test of equal survival across the groups present in `observations`.
struct LogRank {
  double chi_square = 0;
  int degrees_of_freedom = 0;
  double p_value = 1;
};
// Fails (nullopt) with fewer than two groups.
std::optional<LogRank> LogRankTest(std::span<const Observation> observations);

}  // namespace retain::analytics

#endif  // RETAIN_ANALYTICS_SURVIVAL_H_
