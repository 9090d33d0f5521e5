// Draws customers from the lifetime models with known parameters: the ground truth the
// estimators are tested and benchmarked against. Deterministic for a given seed.
#ifndef RETAIN_ANALYTICS_SIMULATE_H_
#define RETAIN_ANALYTICS_SIMULATE_H_

#include <cstdint>
#include <span>
#include <vector>

#include "analytics/churn.h"
#include "analytics/clv.h"

namespace retain::analytics {

// Simulated repeat buyers with what the models predict: whether each was still active at the
// end of calibration (T) and how many purchases they made in the `holdout` units after it.
struct SimulatedBuyers {
  std::vector<RepeatBuyer> buyers;
  std::vector<char> alive;
  std::vector<int> future;
};

// `n` customers of a BG/NBD world (r, alpha, a, b), each observed for T units after the first
// purchase, T drawn uniformly from [min_T, max_T], then for `holdout` more.
SimulatedBuyers SimulateBgNbd(std::span<const double> params, size_t n, double min_T, double max_T,
                              uint64_t seed, double holdout = 0);
// The same for a Pareto/NBD world (r, alpha, s, beta).
SimulatedBuyers SimulateParetoNbd(std::span<const double> params, size_t n, double min_T,
                                  double max_T, uint64_t seed, double holdout = 0);
// Mean spend of repeat buyers in a Gamma-Gamma world (p, q, gamma); x from 1 to max_x.
std::vector<Spender> SimulateGammaGamma(std::span<const double> params, size_t n, int max_x,
                                        uint64_t seed);
// BG/BB (alpha, beta, gamma, delta) customers over `periods` opportunities.
std::vector<OpportunityBuyer> SimulateBgBb(std::span<const double> params, size_t n, int periods,
                                           uint64_t seed);
// sBG (alpha, beta) subscribers watched for `periods` periods.
std::vector<Subscriber> SimulateSbg(std::span<const double> params, size_t n, int periods,
                                    uint64_t seed);

// `n` subscribers whose churn depends on tenure, contract (text), failed payments and two
// effects a linear model cannot see (short tenure with high charges; charges far from the
// middle); with `blanks`, about 5 % of charges and 3 % of contracts are missing.
ChurnData SimulateChurn(size_t n, uint64_t seed, bool blanks = true);

}  // namespace retain::analytics

#endif  // RETAIN_ANALYTICS_SIMULATE_H_
