#include "common/stats.h"

#include <algorithm>
#include <cmath>

namespace retain {

Rate WilsonRate(int64_t k, int64_t n) {
  Rate r{n, k, 0, 0, 0};
  if (n <= 0) return r;
  double z = kZ975;
  double nn = static_cast<double>(n);
  double p = static_cast<double>(k) / nn;
  double denom = 1 + z * z / nn;
  double centre = (p + z * z / (2 * nn)) / denom;
  double half = z * std::sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn)) / denom;
  r.rate = p;
  r.low = std::max(0.0, centre - half);
  r.high = std::min(1.0, centre + half);
  return r;
}

std::optional<Difference> RateDifference(const Rate& a, const Rate& b) {
  if (a.n <= 0 || b.n <= 0) return std::nullopt;
  double d = a.rate - b.rate;
  // Newcombe (1998), method 10: the Wilson intervals of each rate combined.
  double lo = d - std::sqrt((a.rate - a.low) * (a.rate - a.low) + (b.high - b.rate) * (b.high - b.rate));
  double hi = d + std::sqrt((a.high - a.rate) * (a.high - a.rate) + (b.rate - b.low) * (b.rate - b.low));
  return Difference{d, lo, hi};
}

Mean MeanOf(const std::vector<double>& values) {
  Mean m;
  m.n = static_cast<int64_t>(values.size());
  if (values.empty()) return m;
  double sum = 0;
  for (double v : values) sum += v;
  m.mean = sum / static_cast<double>(values.size());
  m.low = m.high = m.mean;
  if (values.size() < 2) return m;
  double ss = 0;
  for (double v : values) ss += (v - m.mean) * (v - m.mean);
  double se = std::sqrt(ss / static_cast<double>(values.size() - 1) / static_cast<double>(values.size()));
  m.low = m.mean - kZ975 * se;
  m.high = m.mean + kZ975 * se;
  return m;
}

}  // namespace retain
