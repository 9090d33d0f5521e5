#include "analytics/survival.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>

namespace retain::analytics {

SurvivalCurve KaplanMeier(std::span<const Observation> observations, double alpha) {
  std::vector<std::pair<double, bool>> rows;
  rows.reserve(observations.size());
  for (const auto& o : observations) rows.emplace_back(o.duration, o.event);
  std::sort(rows.begin(), rows.end());
  double z = boost::math::quantile(boost::math::complement(boost::math::normal(), alpha / 2));

  SurvivalCurve curve;
  auto n = static_cast<int64_t>(rows.size());
  curve.points.push_back({0, n, 0, 0, 1, 1, 1});
  double s = 1, greenwood = 0;
  size_t i = 0;
  // Events and censorings at time 0 belong to the first point.
  while (i < rows.size()) {
    double t = rows[i].first;
    int64_t events = 0, censored = 0;
    for (; i < rows.size() && rows[i].first == t; ++i) (rows[i].second ? events : censored) += 1;
    SurvivalPoint p{t, n, events, censored, s, 1, 1};
    if (events > 0) {
      s *= 1 - static_cast<double>(events) / static_cast<double>(n);
      if (n > events) greenwood += static_cast<double>(events) / (static_cast<double>(n) * static_cast<double>(n - events));
    }
    p.survival = s;
    if (s <= 0) {
      p.ci_lower = p.ci_upper = 0;
    } else if (greenwood == 0 || s >= 1) {
      p.ci_lower = p.ci_upper = s;
    } else {
      double log_s = std::log(s);
      double spread = z * std::sqrt(greenwood / (log_s * log_s));
      double c = std::log(-log_s);
      p.ci_lower = std::exp(-std::exp(c + spread));
      p.ci_upper = std::exp(-std::exp(c - spread));
    }
    if (t == 0) {
      curve.points[0] = p;
    } else {
      curve.points.push_back(p);
    }
    if (!curve.median && s <= 0.5) curve.median = t;
    n -= events + censored;
  }
  return curve;
}

std::optional<LogRank> LogRankTest(std::span<const Observation> observations) {
  std::map<uint32_t, size_t> index;
  for (const auto& o : observations) index.emplace(o.group, 0);
  size_t k = index.size();
  if (k < 2) return std::nullopt;
  size_t next = 0;
  for (auto& [group, i] : index) i = next++;

  std::vector<const Observation*> rows;
  rows.reserve(observations.size());
  for (const auto& o : observations) rows.push_back(&o);
  std::sort(rows.begin(), rows.end(), [](auto* a, auto* b) { return a->duration < b->duration; });

  std::vector<double> at_risk(k, 0), observed_minus_expected(k, 0), cov((k - 1) * (k - 1), 0);
  for (const auto* o : rows) at_risk[index[o->group]] += 1;
  std::vector<double> deaths(k), leaving(k);
  size_t i = 0;
  while (i < rows.size()) {
    double t = rows[i]->duration;
    std::fill(deaths.begin(), deaths.end(), 0);
    std::fill(leaving.begin(), leaving.end(), 0);
    for (; i < rows.size() && rows[i]->duration == t; ++i) {
      size_t g = index[rows[i]->group];
      leaving[g] += 1;
      if (rows[i]->event) deaths[g] += 1;
    }
    double n = 0, d = 0;
    for (size_t g = 0; g < k; ++g) {
      n += at_risk[g];
      d += deaths[g];
    }
    if (d > 0 && n > 1) {
      double factor = d * (n - d) / (n * n * (n - 1));
      for (size_t g = 0; g + 1 < k; ++g) {
        observed_minus_expected[g] += deaths[g] - d * at_risk[g] / n;
        for (size_t h = 0; h + 1 < k; ++h)
          cov[g * (k - 1) + h] += factor * at_risk[g] * ((g == h ? n : 0) - at_risk[h]);
      }
    } else if (d > 0) {
      for (size_t g = 0; g + 1 < k; ++g) observed_minus_expected[g] += deaths[g] - d * at_risk[g] / n;
    }
    for (size_t g = 0; g < k; ++g) at_risk[g] -= leaving[g];
  }
  // chi^2 = u' V^-1 u over the first k - 1 groups, solved by Gaussian elimination.
  size_t m = k - 1;
  std::vector<double> a = cov, b(observed_minus_expected.begin(), observed_minus_expected.begin() + static_cast<long>(m));
  std::vector<double> u = b;
  for (size_t c = 0; c < m; ++c) {
    size_t pivot = c;
    for (size_t r = c + 1; r < m; ++r)
      if (std::abs(a[r * m + c]) > std::abs(a[pivot * m + c])) pivot = r;
    if (std::abs(a[pivot * m + c]) < 1e-300) return LogRank{0, static_cast<int>(m), 1};
    for (size_t j = 0; j < m; ++j) std::swap(a[c * m + j], a[pivot * m + j]);
    std::swap(b[c], b[pivot]);
    for (size_t r = c + 1; r < m; ++r) {
      double f = a[r * m + c] / a[c * m + c];
      for (size_t j = c; j < m; ++j) a[r * m + j] -= f * a[c * m + j];
      b[r] -= f * b[c];
    }
  }
  std::vector<double> x(m);
  for (size_t c = m; c-- > 0;) {
    double v = b[c];
    for (size_t j = c + 1; j < m; ++j) v -= a[c * m + j] * x[j];
    x[c] = v / a[c * m + c];
  }
  LogRank result;
  for (size_t c = 0; c < m; ++c) result.chi_square += u[c] * x[c];
  result.degrees_of_freedom = static_cast<int>(m);
  result.p_value = boost::math::cdf(boost::math::complement(
      boost::math::chi_squared(static_cast<double>(m)), std::max(0.0, result.chi_square)));
  return result;
}

}  // namespace retain::analytics
