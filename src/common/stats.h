// Small interval estimates the reports share: a proportion with its Wilson interval, the
// difference of two proportions with Newcombe's, and a mean with its normal-approximation
// interval. 95 % throughout.
#ifndef RETAIN_COMMON_STATS_H_
#define RETAIN_COMMON_STATS_H_

#include <cstdint>
#include <optional>
#include <vector>

namespace retain {

// The standard normal's 97.5th percentile: the half-width multiplier of a 95 % interval.
inline constexpr double kZ975 = 1.959963984540054;

// A proportion with its 95 % Wilson interval.
struct Rate {
  int64_t n = 0;
  int64_t k = 0;
  double rate = 0;
  double low = 0;
  double high = 0;
};
Rate WilsonRate(int64_t k, int64_t n);

// The difference a - b with Newcombe's hybrid-score 95 % interval; nullopt when either is empty.
struct Difference {
  double estimate = 0;
  double low = 0;
  double high = 0;
};
std::optional<Difference> RateDifference(const Rate& a, const Rate& b);

// A sample mean with the 95 % interval mean +- z * s / sqrt(n); low = high = mean for n < 2.
struct Mean {
  int64_t n = 0;
  double mean = 0;
  double low = 0;
  double high = 0;
};
Mean MeanOf(const std::vector<double>& values);

}  // namespace retain

#endif  // RETAIN_COMMON_STATS_H_
