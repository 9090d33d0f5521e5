#include "analytics/clv.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <boost/math/special_functions/digamma.hpp>

#include "analytics/dual.h"

namespace retain::analytics {
namespace {

using std::exp;
using std::lgamma;
using std::log;

// Customers sorted by x, identical rows merged, with the distinct x values: the terms that
// depend on x alone (gamma functions) are computed once per distinct x.
struct Grouped {
  std::vector<RepeatBuyer> rows;
  std::vector<double> xs;           // distinct x values, ascending
  std::vector<size_t> x_begin;      // rows of xs[i] are [x_begin[i], x_begin[i + 1])
  std::vector<double> x_weight;     // customers with xs[i]
  // Distinct T and t_x values and each row's index into them: logarithms of alpha + T and
  // alpha + t_x are computed once per distinct value (a daily log has a few hundred).
  std::vector<double> Ts, txs;
  std::vector<uint32_t> T_index, tx_index;
};

// Sorted distinct values of `field` over `rows`, and each row's index into them.
template <typename Field>
void Index(const std::vector<RepeatBuyer>& rows, Field field, std::vector<double>* values,
           std::vector<uint32_t>* index) {
  for (const auto& r : rows) values->push_back(field(r));
  std::sort(values->begin(), values->end());
  values->erase(std::unique(values->begin(), values->end()), values->end());
  for (const auto& r : rows)
    index->push_back(static_cast<uint32_t>(std::lower_bound(values->begin(), values->end(), field(r)) - values->begin()));
}

Grouped Group(std::span<const RepeatBuyer> customers) {
  Grouped g;
  g.rows.assign(customers.begin(), customers.end());
  std::sort(g.rows.begin(), g.rows.end(), [](const RepeatBuyer& a, const RepeatBuyer& b) {
    return std::tie(a.x, a.t_x, a.T) < std::tie(b.x, b.t_x, b.T);
  });
  size_t out = 0;
  for (size_t i = 0; i < g.rows.size(); ++i) {
    if (out > 0 && g.rows[out - 1].x == g.rows[i].x && g.rows[out - 1].t_x == g.rows[i].t_x &&
        g.rows[out - 1].T == g.rows[i].T) {
      g.rows[out - 1].weight += g.rows[i].weight;
    } else {
      g.rows[out++] = g.rows[i];
    }
  }
  g.rows.resize(out);
  for (size_t i = 0; i < g.rows.size(); ++i) {
    if (i == 0 || g.rows[i].x != g.rows[i - 1].x) {
      g.xs.push_back(g.rows[i].x);
      g.x_begin.push_back(i);
      g.x_weight.push_back(0);
    }
    g.x_weight.back() += g.rows[i].weight;
  }
  g.x_begin.push_back(g.rows.size());
  Index(g.rows, [](const RepeatBuyer& r) { return r.T; }, &g.Ts, &g.T_index);
  Index(g.rows, [](const RepeatBuyer& r) { return r.t_x; }, &g.txs, &g.tx_index);
  return g;
}

// log(c + v) for every distinct v.
template <typename S>
std::vector<S> LogsOf(const S& c, const std::vector<double>& values) {
  std::vector<S> out;
  out.reserve(values.size());
  for (double v : values) out.push_back(log(c + v));
  return out;
}

Status CheckRepeatBuyers(std::span<const RepeatBuyer> customers) {
  if (customers.empty()) return InvalidArgument("no customers to fit");
  for (size_t i = 0; i < customers.size(); ++i) {
    const auto& c = customers[i];
    bool ok = std::isfinite(c.x) && std::isfinite(c.t_x) && std::isfinite(c.T) && c.x >= 0 &&
              c.t_x >= 0 && c.t_x <= c.T && ((c.x > 0) == (c.t_x > 0)) && c.weight > 0;
    if (!ok)
      return InvalidArgument(fmt::format(
          "row {}: frequency {}, recency {}, T {} break 0 <= recency <= T (recency > 0 exactly "
          "when frequency > 0)", i + 1, c.x, c.t_x, c.T));
  }
  return {};
}

// Sorts rows by `key` and merges equal ones, summing their weights: a likelihood over the
// merged rows is the same and costs the distinct rows only.
template <typename Row, typename Key>
std::vector<Row> Merged(std::span<const Row> rows, Key key) {
  std::vector<Row> out(rows.begin(), rows.end());
  std::sort(out.begin(), out.end(), [&](const Row& a, const Row& b) { return key(a) < key(b); });
  size_t n = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    if (n > 0 && key(out[n - 1]) == key(out[i])) {
      out[n - 1].weight += out[i].weight;
    } else {
      out[n++] = out[i];
    }
  }
  out.resize(n);
  return out;
}

// ---- BG/NBD ----

template <typename S>
S BgNbd(const S& r, const S& alpha, const S& a, const S& b, const Grouped& g) {
  S total(0.0);
  S log_alpha = log(alpha);
  S log_a = log(a);
  S base = lgamma(a + b) - lgamma(b) - lgamma(r) + r * log_alpha;
  std::vector<S> log_T = LogsOf(alpha, g.Ts), log_tx = LogsOf(alpha, g.txs);
  for (size_t k = 0; k < g.xs.size(); ++k) {
    double x = g.xs[k];
    S rx = r + x;
    S per_x = base + lgamma(rx) + lgamma(b + x) - lgamma(a + b + x);
    S dropout = x > 0 ? log_a - log(b + (x - 1)) : S(0.0);
    S sum(0.0);
    for (size_t i = g.x_begin[k]; i < g.x_begin[k + 1]; ++i) {
      const auto& c = g.rows[i];
      S alive = -(rx * log_T[g.T_index[i]]);
      S ll = x > 0 ? LogAddExp(alive, dropout - rx * log_tx[g.tx_index[i]]) : alive;
      sum += ll * c.weight;
    }
    total += sum + per_x * g.x_weight[k];
  }
  return total;
}

// The BG/NBD log-likelihood and its gradient written out by hand: per customer one exp and one
// log1p on doubles, where the dual-number version carries four derivatives through every
// operation. The fit's hot loop; tested against the template above.
double BgNbdWithGradient(std::span<const double> p, const Grouped& g, std::span<double> grad) {
  using boost::math::digamma;
  double r = p[0], alpha = p[1], a = p[2], b = p[3];
  size_t nt = g.Ts.size(), ntx = g.txs.size();
  std::vector<double> log_T(nt), inv_T(nt), log_tx(ntx), inv_tx(ntx);
  for (size_t i = 0; i < nt; ++i) {
    log_T[i] = std::log(alpha + g.Ts[i]);
    inv_T[i] = 1 / (alpha + g.Ts[i]);
  }
  for (size_t i = 0; i < ntx; ++i) {
    log_tx[i] = std::log(alpha + g.txs[i]);
    inv_tx[i] = 1 / (alpha + g.txs[i]);
  }
  double log_alpha = std::log(alpha);
  double base = std::lgamma(a + b) - std::lgamma(b) - std::lgamma(r) + r * log_alpha;
  double psi_r = digamma(r), psi_b = digamma(b), psi_ab = digamma(a + b);
  double total = 0, dr = 0, dalpha = 0, da = 0, db = 0;
  for (size_t k = 0; k < g.xs.size(); ++k) {
    double x = g.xs[k], rx = r + x, w = g.x_weight[k];
    double psi_abx = digamma(a + b + x);
    total += w * (base + std::lgamma(rx) + std::lgamma(b + x) - std::lgamma(a + b + x));
    dr += w * (digamma(rx) - psi_r + log_alpha);
    dalpha += w * r / alpha;
    da += w * (psi_ab - psi_abx);
    db += w * (psi_ab - psi_b + digamma(b + x) - psi_abx);
    double dropout = x > 0 ? std::log(a) - std::log(b + x - 1) : 0;
    double ll = 0, d_r = 0, d_alpha = 0, gone = 0;
    for (size_t i = g.x_begin[k]; i < g.x_begin[k + 1]; ++i) {
      double wi = g.rows[i].weight;
      uint32_t ti = g.T_index[i];
      double u = -rx * log_T[ti];
      if (x == 0) {
        ll += wi * u;
        d_r -= wi * log_T[ti];
        d_alpha -= wi * rx * inv_T[ti];
        continue;
      }
      uint32_t txi = g.tx_index[i];
      double v = dropout - rx * log_tx[txi];
      double e = std::exp(-std::abs(u - v));
      double pv = v > u ? 1 / (1 + e) : e / (1 + e);  // the share of the "left after t_x" term
      ll += wi * (std::max(u, v) + std::log1p(e));
      d_r -= wi * ((1 - pv) * log_T[ti] + pv * log_tx[txi]);
      d_alpha -= wi * rx * ((1 - pv) * inv_T[ti] + pv * inv_tx[txi]);
      gone += wi * pv;
    }
    total += ll;
    dr += d_r;
    dalpha += d_alpha;
    if (x > 0) {
      da += gone / a;
      db -= gone / (b + x - 1);
    }
  }
  grad[0] = dr;
  grad[1] = dalpha;
  grad[2] = da;
  grad[3] = db;
  return total;
}

// ---- Pareto/NBD ----

// log 2F1(a, b; a + 1; z) for 0 <= z < 1 by its Gauss series, rescaled as it grows so that heavy
// buyers (large a) do not overflow.
template <typename S>
S LogHyp2F1PlusOne(const S& a, const S& b, const S& z) {
  S term(1.0), sum(1.0);
  double log_scale = 0;
  for (int k = 0; k < 200000; ++k) {
    S ratio = (a + k) * (b + k) * z / ((a + (k + 1)) * (k + 1.0));
    term *= ratio;
    sum += term;
    if (Value(sum) > 1e200) {
      sum = sum * 1e-200;
      term = term * 1e-200;
      log_scale += 460.51701859880916;
    }
    double rv = Value(ratio);
    if (rv < 1 && Value(term) <= 1e-17 * Value(sum) * (1 - rv)) break;
  }
  return log(sum) + log_scale;
}

// The same on dual numbers, with the partial derivatives in a, b and z summed beside the series
// in doubles (d log t_k / d a = 1/a - 1/(a + k), d / d b = sum of 1/(b + j) for j < k,
// d / d z = k / z) rather than carried through every term as dual numbers.
template <size_t N>
Dual<N> LogHyp2F1PlusOne(const Dual<N>& a, const Dual<N>& b, const Dual<N>& z) {
  double av = a.v, bv = b.v, zv = z.v;
  double term = 1, sum = 1, sum_a = 0, sum_b = 0, sum_k = 0, g_b = 0;
  double log_scale = 0;
  for (int k = 0; k < 200000; ++k) {
    double ratio = (av + k) * (bv + k) * zv / ((av + (k + 1)) * (k + 1.0));
    g_b += 1 / (bv + k);
    term *= ratio;
    sum += term;
    sum_a += term * (1 / av - 1 / (av + (k + 1)));
    sum_b += term * g_b;
    sum_k += term * (k + 1);
    if (sum > 1e200) {
      term *= 1e-200;
      sum *= 1e-200;
      sum_a *= 1e-200;
      sum_b *= 1e-200;
      sum_k *= 1e-200;
      log_scale += 460.51701859880916;
    }
    if (ratio < 1 && term <= 1e-17 * sum * (1 - ratio)) break;
  }
  double d_z = zv > 0 ? sum_k / zv : av * bv / (av + 1);
  Dual<N> out(std::log(sum) + log_scale);
  for (size_t i = 0; i < N; ++i) out.d[i] = (sum_a * a.d[i] + sum_b * b.d[i] + d_z * z.d[i]) / sum;
  return out;
}

// log(s * integral from t_x to T of (alpha + y)^-(r + x) (beta + y)^-(s + 1) dy) by composite
// Gauss-Legendre in u = log((m + y) / (m + t_x)), m = min(alpha, beta), where the integrand
// is smooth; panels are finer near t_x where it falls fastest. Used where the series below
// converges too slowly (argument near 1).
template <typename S>
S ParetoNbdLogGoneByQuadrature(const S& r, const S& alpha, const S& s, const S& beta, double x,
                               double t_x, double T) {
  static constexpr double kNodes[] = {-0.9602898564975363, -0.7966664774136267, -0.5255324099163290,
                                      -0.1834346424956498, 0.1834346424956498,  0.5255324099163290,
                                      0.7966664774136267,  0.9602898564975363};
  static constexpr double kWeights[] = {0.1012285362903763, 0.2223810344533745, 0.3137066458778873,
                                        0.3626837833783620, 0.3626837833783620, 0.3137066458778873,
                                        0.2223810344533745, 0.1012285362903763};
  constexpr int kPanels = 16;
  S m = Value(alpha) < Value(beta) ? alpha : beta;
  S start = m + t_x;
  S U = log((m + T) / start);
  S rx = r + x;
  std::vector<S> terms;
  terms.reserve(kPanels * 8);
  double best = -INFINITY;
  for (int j = 0; j < kPanels; ++j) {
    double lo = static_cast<double>(j * j) / (kPanels * kPanels);
    double hi = static_cast<double>((j + 1) * (j + 1)) / (kPanels * kPanels);
    for (int k = 0; k < 8; ++k) {
      double frac = lo + (hi - lo) * (kNodes[k] + 1) / 2;
      S u = U * frac;
      S my = start * exp(u);  // m + y
      S y = my - m;
      S g = -(rx * log(alpha + y)) - (s + 1.0) * log(beta + y) + log(my) +
            std::log(kWeights[k] * (hi - lo) / 2);
      best = std::max(best, Value(g));
      terms.push_back(g);
    }
  }
  S sum(0.0);
  for (const auto& g : terms) sum += exp(g - best);
  return log(s) + log(U) + log(sum) + best;
}

// log((s / (r + s + x)) * A0) of the Pareto/NBD likelihood: the chance-weighted term of a
// customer who left between t_x and T. By the 2F1 series (Fader & Hardie's note on the
// Pareto/NBD), or by quadrature where the series argument is close to 1.
template <typename S>
S ParetoNbdLogGone(const S& r, const S& alpha, const S& s, const S& beta, double x, double t_x,
                   double T) {
  if (t_x >= T) return S(-INFINITY);
  S rsx = r + s + x;
  bool alpha_larger = Value(alpha) >= Value(beta);
  double z_max = alpha_larger ? (Value(alpha) - Value(beta)) / (Value(alpha) + t_x)
                              : (Value(beta) - Value(alpha)) / (Value(beta) + t_x);
  if (z_max > 0.9) return ParetoNbdLogGoneByQuadrature(r, alpha, s, beta, x, t_x, T);
  auto log_f = [&](double y) {
    if (alpha_larger)
      return LogHyp2F1PlusOne(rsx, s + 1.0, (alpha - beta) / (alpha + y)) - rsx * log(alpha + y);
    return LogHyp2F1PlusOne(rsx, r + x, (beta - alpha) / (beta + y)) - rsx * log(beta + y);
  };
  return log(s) - log(rsx) + LogSubExp(log_f(t_x), log_f(T));
}

template <typename S>
S ParetoNbd(const S& r, const S& alpha, const S& s, const S& beta, const Grouped& g) {
  S total(0.0);
  S base = r * log(alpha) + s * log(beta) - lgamma(r);
  S log_s = log(s);
  bool alpha_larger = Value(alpha) >= Value(beta);
  S big = alpha_larger ? alpha : beta;
  S diff = alpha_larger ? alpha - beta : beta - alpha;
  std::vector<S> log_alpha_T = LogsOf(alpha, g.Ts), log_beta_T = LogsOf(beta, g.Ts);
  const std::vector<S>& log_big_T = alpha_larger ? log_alpha_T : log_beta_T;
  std::vector<S> log_big_tx = LogsOf(big, g.txs);
  // log F(y) of the series form depends on x and y only: cached per distinct y within an x.
  constexpr auto kUnset = static_cast<size_t>(-1);
  std::vector<S> f_T(g.Ts.size()), f_tx(g.txs.size());
  std::vector<size_t> f_T_of(g.Ts.size(), kUnset), f_tx_of(g.txs.size(), kUnset);
  for (size_t k = 0; k < g.xs.size(); ++k) {
    double x = g.xs[k];
    S rx = r + x;
    S rsx = r + s + x;
    S second = alpha_larger ? s + 1.0 : r + x;
    S log_s_rsx = log_s - log(rsx);
    S sum(0.0);
    for (size_t i = g.x_begin[k]; i < g.x_begin[k + 1]; ++i) {
      const auto& c = g.rows[i];
      uint32_t ti = g.T_index[i], txi = g.tx_index[i];
      S alive = -(rx * log_alpha_T[ti]) - s * log_beta_T[ti];
      S gone(-INFINITY);
      if (c.t_x < c.T) {
        if (Value(diff) / (Value(big) + c.t_x) > 0.9) {
          gone = ParetoNbdLogGoneByQuadrature(r, alpha, s, beta, x, c.t_x, c.T);
        } else {
          if (f_tx_of[txi] != k) {
            f_tx[txi] = LogHyp2F1PlusOne(rsx, second, diff / (big + c.t_x)) - rsx * log_big_tx[txi];
            f_tx_of[txi] = k;
          }
          if (f_T_of[ti] != k) {
            f_T[ti] = LogHyp2F1PlusOne(rsx, second, diff / (big + c.T)) - rsx * log_big_T[ti];
            f_T_of[ti] = k;
          }
          gone = log_s_rsx + LogSubExp(f_tx[txi], f_T[ti]);
        }
      }
      sum += LogAddExp(alive, gone) * c.weight;
    }
    total += sum + (base + lgamma(rx)) * g.x_weight[k];
  }
  return total;
}

// ---- Gamma-Gamma ----

template <typename S>
S GammaGamma(const S& p, const S& q, const S& gamma, std::span<const Spender> rows) {
  S total(0.0);
  S base = q * log(gamma) - lgamma(q);
  for (const auto& c : rows) {
    S px = p * c.x;
    S ll = lgamma(px + q) - lgamma(px) + base + (px - 1.0) * std::log(c.m) + px * std::log(c.x) -
           (px + q) * log(gamma + c.m * c.x);
    total += ll * c.weight;
  }
  return total;
}

// ---- BG/BB ----

template <typename S>
S BgBbOne(const S& al, const S& be, const S& ga, const S& de, const OpportunityBuyer& c) {
  S lb_ab = LogBeta(al, be), lb_gd = LogBeta(ga, de);
  S ll = LogBeta(al + c.x, be + (c.n - c.x)) - lb_ab + LogBeta(ga, de + c.n) - lb_gd;
  for (int i = 0; i <= c.n - c.t_x - 1; ++i) {
    ll = LogAddExp(ll, LogBeta(al + c.x, be + (c.t_x - c.x + i)) - lb_ab +
                           LogBeta(ga + 1.0, de + (c.t_x + i)) - lb_gd);
  }
  return ll;
}

template <typename S>
S BgBb(const S& al, const S& be, const S& ga, const S& de, std::span<const OpportunityBuyer> rows) {
  S total(0.0);
  for (const auto& c : rows) total += BgBbOne(al, be, ga, de, c) * c.weight;
  return total;
}

// ---- shifted-beta-geometric ----

template <typename S>
S Sbg(const S& al, const S& be, std::span<const Subscriber> rows) {
  S total(0.0);
  S lb = LogBeta(al, be);
  for (const auto& c : rows) {
    S ll = c.churned ? LogBeta(al + 1.0, be + (c.periods - 1)) - lb : LogBeta(al, be + c.periods) - lb;
    total += ll * c.weight;
  }
  return total;
}

// Wraps a 4- or 2-parameter template likelihood as a LogLikelihood with its exact gradient.
template <size_t N, typename F>
LogLikelihood WithGradient(F f) {
  return [f](std::span<const double> p, std::span<double> grad) {
    std::array<Dual<N>, N> v;
    for (size_t i = 0; i < N; ++i) v[i] = Dual<N>::Variable(p[i], i);
    Dual<N> ll = std::apply(f, v);
    for (size_t i = 0; i < N; ++i) grad[i] = ll.d[i];
    return ll.v;
  };
}

}  // namespace

Result<Fit> FitBgNbd(std::span<const RepeatBuyer> customers) {
  RETAIN_RETURN_IF_ERROR(CheckRepeatBuyers(customers));
  Grouped g = Group(customers);
  LogLikelihood ll = [&g](std::span<const double> p, std::span<double> grad) { return BgNbdWithGradient(p, g, grad); };
  return MaximiseLikelihood({"r", "alpha", "a", "b"}, ll, {1, 1, 1, 1});
}

double BgNbdLogLikelihood(std::span<const double> p, std::span<const RepeatBuyer> customers) {
  return BgNbd(p[0], p[1], p[2], p[3], Group(customers));
}

double BgNbdLogLikelihoodGradient(std::span<const double> params, std::span<const RepeatBuyer> customers,
                                  std::span<double> grad) {
  return BgNbdWithGradient(params, Group(customers), grad);
}

double BgNbdProbabilityAlive(std::span<const double> p, const RepeatBuyer& c) {
  if (c.x == 0) return 1;
  double r = p[0], alpha = p[1], a = p[2], b = p[3];
  double log_odds = std::log(a) - std::log(b + c.x - 1) + (r + c.x) * std::log((alpha + c.T) / (alpha + c.t_x));
  return 1 / (1 + std::exp(log_odds));
}

namespace {
// 2F1(a, b; c; z) for 0 <= z < 1 by the Gauss series.
double Hyp2F1(double a, double b, double c, double z) {
  double term = 1, sum = 1;
  for (int k = 0; k < 200000; ++k) {
    double ratio = (a + k) * (b + k) / ((c + k) * (k + 1)) * z;
    term *= ratio;
    sum += term;
    if (std::abs(ratio) < 1 && std::abs(term) <= 1e-16 * std::abs(sum) * (1 - std::abs(ratio))) break;
  }
  return sum;
}
}  // namespace

double BgNbdExpectedPurchases(std::span<const double> p, const RepeatBuyer& c, double t) {
  double r = p[0], alpha = p[1], a = p[2], b = p[3], x = c.x;
  double z = t / (alpha + c.T + t);
  double bracket =
      1 - std::exp((r + x) * std::log((alpha + c.T) / (alpha + c.T + t))) * Hyp2F1(r + x, b + x, a + b + x - 1, z);
  double numerator = (a + b + x - 1) / (a - 1) * bracket;
  double denominator = 1;
  if (x > 0) denominator += a / (b + x - 1) * std::exp((r + x) * std::log((alpha + c.T) / (alpha + c.t_x)));
  return numerator / denominator;
}

Result<Fit> FitParetoNbd(std::span<const RepeatBuyer> customers) {
  RETAIN_RETURN_IF_ERROR(CheckRepeatBuyers(customers));
  Grouped g = Group(customers);
  auto ll = WithGradient<4>([&g](auto r, auto alpha, auto s, auto beta) { return ParetoNbd(r, alpha, s, beta, g); });
  return MaximiseLikelihood({"r", "alpha", "s", "beta"}, ll, {1, 1, 1, 1});
}

double ParetoNbdLogLikelihood(std::span<const double> p, std::span<const RepeatBuyer> customers) {
  return ParetoNbd(p[0], p[1], p[2], p[3], Group(customers));
}

double ParetoNbdLogLikelihoodGradient(std::span<const double> params, std::span<const RepeatBuyer> customers,
                                      std::span<double> grad) {
  Grouped g = Group(customers);
  return WithGradient<4>([&g](auto r, auto alpha, auto s, auto beta) { return ParetoNbd(r, alpha, s, beta, g); })(
      params, grad);
}

double ParetoNbdProbabilityAlive(std::span<const double> p, const RepeatBuyer& c) {
  double r = p[0], alpha = p[1], s = p[2], beta = p[3];
  double log_odds = ParetoNbdLogGone(r, alpha, s, beta, c.x, c.t_x, c.T) +
                    (r + c.x) * std::log(alpha + c.T) + s * std::log(beta + c.T);
  return 1 / (1 + std::exp(log_odds));
}

double ParetoNbdExpectedPurchases(std::span<const double> p, const RepeatBuyer& c, double t) {
  double r = p[0], alpha = p[1], s = p[2], beta = p[3];
  double span = std::log((beta + c.T + t) / (beta + c.T));
  // [1 - ((beta+T)/(beta+T+t))^(s-1)] / (s-1), which tends to `span` as s -> 1.
  double factor = std::abs(s - 1) < 1e-9 ? span : -std::expm1(-(s - 1) * span) / (s - 1);
  return (r + c.x) * (beta + c.T) / (alpha + c.T) * factor * ParetoNbdProbabilityAlive(p, c);
}

Result<Fit> FitGammaGamma(std::span<const Spender> customers) {
  std::vector<Spender> rows;
  for (const auto& c : customers)
    if (c.x > 0 && c.m > 0 && std::isfinite(c.m)) rows.push_back(c);
  if (rows.empty()) return InvalidArgument("no customer with repeat purchases and a positive spend to fit");
  auto ll = WithGradient<3>([&rows](auto p, auto q, auto gamma) { return GammaGamma(p, q, gamma, rows); });
  return MaximiseLikelihood({"p", "q", "gamma"}, ll, {1, 1, 1});
}

double GammaGammaLogLikelihood(std::span<const double> p, std::span<const Spender> customers) {
  return GammaGamma(p[0], p[1], p[2], customers);
}

double GammaGammaExpectedSpend(std::span<const double> params, double x, double m) {
  double p = params[0], q = params[1], gamma = params[2];
  return p * (gamma + x * m) / (p * x + q - 1);
}

Result<Fit> FitBgBb(std::span<const OpportunityBuyer> customers) {
  if (customers.empty()) return InvalidArgument("no customers to fit");
  for (size_t i = 0; i < customers.size(); ++i) {
    const auto& c = customers[i];
    if (c.x < 0 || c.x > c.t_x || c.t_x > c.n || (c.x == 0) != (c.t_x == 0) || !(c.weight > 0))
      return InvalidArgument(fmt::format(
          "row {}: frequency {}, recency {}, periods {} break 0 <= frequency <= recency <= periods "
          "(recency 0 exactly when frequency is 0)", i + 1, c.x, c.t_x, c.n));
  }
  auto rows = Merged(customers, [](const OpportunityBuyer& c) { return std::tuple(c.x, c.t_x, c.n); });
  auto ll = WithGradient<4>([&rows](auto al, auto be, auto ga, auto de) {
    return BgBb(al, be, ga, de, std::span<const OpportunityBuyer>(rows));
  });
  return MaximiseLikelihood({"alpha", "beta", "gamma", "delta"}, ll, {1, 1, 1, 1});
}

double BgBbLogLikelihood(std::span<const double> p, std::span<const OpportunityBuyer> customers) {
  return BgBb(p[0], p[1], p[2], p[3], customers);
}

double BgBbProbabilityAlive(std::span<const double> p, const OpportunityBuyer& c) {
  double al = p[0], be = p[1], ga = p[2], de = p[3];
  double alive = LogBeta(al + c.x, be + (c.n - c.x)) - LogBeta(al, be) + LogBeta(ga, de + c.n + 1) -
                 LogBeta(ga, de);
  return std::exp(alive - BgBbOne(al, be, ga, de, c));
}

double BgBbExpectedPurchases(std::span<const double> p, const OpportunityBuyer& c, int future) {
  double al = p[0], be = p[1], ga = p[2], de = p[3];
  double n = c.n;
  // Fader, Hardie & Shang (2010), eq. 13.
  double log_lead = LogBeta(al + c.x + 1, be + n - c.x) - LogBeta(al, be) - BgBbOne(al, be, ga, de, c) +
                    std::log(de / (ga - 1)) + std::lgamma(ga + de) - std::lgamma(1 + de);
  double tail = std::exp(std::lgamma(1 + de + n) - std::lgamma(ga + de + n)) -
                std::exp(std::lgamma(1 + de + n + future) - std::lgamma(ga + de + n + future));
  return std::exp(log_lead) * tail;
}

Result<Fit> FitShiftedBetaGeometric(std::span<const Subscriber> subscribers) {
  if (subscribers.empty()) return InvalidArgument("no subscribers to fit");
  bool any_churn = false;
  for (size_t i = 0; i < subscribers.size(); ++i) {
    const auto& c = subscribers[i];
    if (c.periods < (c.churned ? 1 : 0) || !(c.weight > 0))
      return InvalidArgument(fmt::format("row {}: a duration of {} periods is not possible{}", i + 1,
                                         c.periods, c.churned ? " for a churned subscriber (at least 1)" : ""));
    any_churn = any_churn || c.churned;
  }
  if (!any_churn) return InvalidArgument("no subscriber churned: the churn rate cannot be estimated");
  auto rows = Merged(subscribers, [](const Subscriber& c) { return std::pair(c.periods, c.churned); });
  auto ll = WithGradient<2>([&rows](auto al, auto be) { return Sbg(al, be, std::span<const Subscriber>(rows)); });
  return MaximiseLikelihood({"alpha", "beta"}, ll, {1, 1});
}

double ShiftedBetaGeometricLogLikelihood(std::span<const double> p, std::span<const Subscriber> subscribers) {
  return Sbg(p[0], p[1], subscribers);
}

double SbgSurvival(std::span<const double> p, int t) {
  return std::exp(LogBeta(p[0], p[1] + t) - LogBeta(p[0], p[1]));
}

double SbgRetentionRate(std::span<const double> p, int t) {
  return (p[1] + t - 1) / (p[0] + p[1] + t - 1);
}

}  // namespace retain::analytics
