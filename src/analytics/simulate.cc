#include "analytics/simulate.h"

#include <cmath>
#include <random>
#include <string>

namespace retain::analytics {
namespace {

double Beta(std::mt19937_64& rng, double a, double b) {
  double x = std::gamma_distribution<double>(a, 1.0)(rng);
  double y = std::gamma_distribution<double>(b, 1.0)(rng);
  return x / (x + y);
}

}  // namespace

SimulatedBuyers SimulateBgNbd(std::span<const double> p, size_t n, double min_T, double max_T,
                              uint64_t seed, double holdout) {
  std::mt19937_64 rng(seed);
  std::gamma_distribution<double> rate(p[0], 1 / p[1]);
  std::uniform_real_distribution<double> age(min_T, max_T), unit(0.0, 1.0);
  SimulatedBuyers out;
  out.buyers.resize(n);
  out.alive.assign(n, 1);
  out.future.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    auto& c = out.buyers[i];
    double lambda = rate(rng), dropout = Beta(rng, p[2], p[3]);
    c.T = age(rng);
    std::exponential_distribution<double> gap(lambda);
    double t = 0;
    while (true) {
      t += gap(rng);
      if (t > c.T + holdout) break;
      if (t > c.T) {
        out.future[i] += 1;
      } else {
        c.x += 1;
        c.t_x = t;
      }
      if (unit(rng) < dropout) {  // leaves right after this purchase
        if (t <= c.T) out.alive[i] = 0;
        break;
      }
    }
  }
  return out;
}

SimulatedBuyers SimulateParetoNbd(std::span<const double> p, size_t n, double min_T, double max_T,
                                  uint64_t seed, double holdout) {
  std::mt19937_64 rng(seed);
  std::gamma_distribution<double> rate(p[0], 1 / p[1]), death(p[2], 1 / p[3]);
  std::uniform_real_distribution<double> age(min_T, max_T);
  SimulatedBuyers out;
  out.buyers.resize(n);
  out.alive.assign(n, 1);
  out.future.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    auto& c = out.buyers[i];
    double lambda = rate(rng), mu = death(rng);
    c.T = age(rng);
    double lifetime = std::exponential_distribution<double>(mu)(rng);
    out.alive[i] = lifetime > c.T;
    double end = std::min(lifetime, c.T + holdout);
    std::exponential_distribution<double> gap(lambda);
    for (double t = gap(rng); t <= end; t += gap(rng)) {
      if (t > c.T) {
        out.future[i] += 1;
      } else {
        c.x += 1;
        c.t_x = t;
      }
    }
  }
  return out;
}

std::vector<Spender> SimulateGammaGamma(std::span<const double> p, size_t n, int max_x, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::gamma_distribution<double> scale_rate(p[1], 1 / p[2]);
  std::uniform_int_distribution<int> count(1, max_x);
  std::vector<Spender> out(n);
  for (auto& c : out) {
    double nu = scale_rate(rng);
    std::gamma_distribution<double> spend(p[0], 1 / nu);
    c.x = count(rng);
    double sum = 0;
    for (int i = 0; i < c.x; ++i) sum += spend(rng);
    c.m = sum / c.x;
  }
  return out;
}

std::vector<OpportunityBuyer> SimulateBgBb(std::span<const double> p, size_t n, int periods, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<OpportunityBuyer> out(n);
  for (auto& c : out) {
    double buy = Beta(rng, p[0], p[1]), die = Beta(rng, p[2], p[3]);
    c.n = periods;
    for (int i = 1; i <= periods; ++i) {
      if (unit(rng) < die) break;  // gone before this opportunity
      if (unit(rng) < buy) {
        c.x += 1;
        c.t_x = i;
      }
    }
  }
  return out;
}

std::vector<Subscriber> SimulateSbg(std::span<const double> p, size_t n, int periods, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<Subscriber> out(n);
  for (auto& c : out) {
    double churn = Beta(rng, p[0], p[1]);
    c.periods = periods;
    for (int t = 1; t <= periods; ++t) {
      if (unit(rng) < churn) {
        c.periods = t;
        c.churned = true;
        break;
      }
    }
  }
  return out;
}

ChurnData SimulateChurn(size_t n, uint64_t seed, bool blanks) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0, 1);
  ChurnData d;
  FeatureColumn tenure{"tenure", false, {}, {}}, charges{"charges", false, {}, {}}, failures{"failures", false, {}, {}};
  FeatureColumn contract{"contract", true, {}, {}};
  const char* contracts[] = {"monthly", "one_year", "two_year"};
  for (size_t i = 0; i < n; ++i) {
    double t = std::floor(unit(rng) * 72), c = 20 + 100 * unit(rng), fails = std::floor(-std::log(unit(rng)) * 0.7);
    int k = static_cast<int>(unit(rng) * 3);
    double z = -1.5 - 0.03 * t + 1.2 * (k == 0) - 0.8 * (k == 2) + 0.5 * fails + 3.0 * (t < 12 && c > 80) +
               6.0 * ((c - 70) / 50) * ((c - 70) / 50);
    d.churned.push_back(unit(rng) < 1 / (1 + std::exp(-z)) ? 1 : 0);
    d.ids.push_back("C" + std::to_string(i));
    tenure.numbers.push_back(t);
    charges.numbers.push_back(blanks && unit(rng) < 0.05 ? NAN : c);
    failures.numbers.push_back(fails);
    contract.labels.push_back(blanks && unit(rng) < 0.03 ? "" : contracts[k]);
  }
  d.columns = {tenure, charges, failures, contract};
  return d;
}

}  // namespace retain::analytics
