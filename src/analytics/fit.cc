#include "analytics/fit.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <nlopt.h>

namespace retain::analytics {
namespace {

struct Objective {
  const LogLikelihood* ll;
  std::vector<double> p;
  std::vector<double> grad;
  int evaluations = 0;
};

// NLopt minimises f(theta) = -ll(exp(theta)); d f / d theta_i = -grad_i * p_i.
double Minus(unsigned n, const double* theta, double* gradient, void* data) {
  auto* o = static_cast<Objective*>(data);
  for (unsigned i = 0; i < n; ++i) o->p[i] = std::exp(theta[i]);
  ++o->evaluations;
  double v = (*o->ll)(o->p, o->grad);
  bool finite = std::isfinite(v);
  for (unsigned i = 0; i < n && finite; ++i) finite = std::isfinite(o->grad[i]);
  if (!finite) {
    // Outside the region where the model is defined: a large value with a gradient that points
    // back towards the start makes L-BFGS shorten its step.
    if (gradient) for (unsigned i = 0; i < n; ++i) gradient[i] = theta[i];
    return 1e300;
  }
  if (gradient) for (unsigned i = 0; i < n; ++i) gradient[i] = -o->grad[i] * o->p[i];
  return -v;
}

// Inverts a small symmetric positive-definite matrix by Gauss-Jordan elimination with partial
// pivoting. Returns false when it is singular.
bool Invert(std::vector<double>& m, size_t n) {
  std::vector<double> inv(n * n, 0.0);
  for (size_t i = 0; i < n; ++i) inv[i * n + i] = 1;
  for (size_t c = 0; c < n; ++c) {
    size_t pivot = c;
    for (size_t r = c + 1; r < n; ++r)
      if (std::abs(m[r * n + c]) > std::abs(m[pivot * n + c])) pivot = r;
    if (!(std::abs(m[pivot * n + c]) > 1e-300)) return false;
    for (size_t k = 0; k < n; ++k) {
      std::swap(m[c * n + k], m[pivot * n + k]);
      std::swap(inv[c * n + k], inv[pivot * n + k]);
    }
    double d = m[c * n + c];
    for (size_t k = 0; k < n; ++k) {
      m[c * n + k] /= d;
      inv[c * n + k] /= d;
    }
    for (size_t r = 0; r < n; ++r) {
      if (r == c) continue;
      double f = m[r * n + c];
      if (f == 0) continue;
      for (size_t k = 0; k < n; ++k) {
        m[r * n + k] -= f * m[c * n + k];
        inv[r * n + k] -= f * inv[c * n + k];
      }
    }
  }
  m = std::move(inv);
  return true;
}

std::vector<double> StandardErrors(const LogLikelihood& ll, const std::vector<double>& p) {
  // Forward differences of the exact gradient: n + 1 evaluations; the step's O(h) error
  // (h = 1e-6 relative) is far below what a standard error needs.
  size_t n = p.size();
  std::vector<double> info(n * n), at(n), up(n), q = p;
  ll(p, at);
  for (size_t j = 0; j < n; ++j) {
    double h = 1e-6 * std::max(std::abs(p[j]), 1e-8);
    q[j] = p[j] + h;
    ll(q, up);
    q[j] = p[j];
    for (size_t i = 0; i < n; ++i) info[i * n + j] = -(up[i] - at[i]) / h;
  }
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < i; ++j) info[i * n + j] = info[j * n + i] = (info[i * n + j] + info[j * n + i]) / 2;
  std::vector<double> se(n, std::numeric_limits<double>::quiet_NaN());
  if (!Invert(info, n)) return se;
  for (size_t i = 0; i < n; ++i)
    if (info[i * n + i] > 0) se[i] = std::sqrt(info[i * n + i]);
  return se;
}

}  // namespace

Result<Fit> MaximiseLikelihood(std::vector<std::string> names, const LogLikelihood& ll,
                               std::vector<double> initial) {
  size_t n = initial.size();
  Objective objective{&ll, std::vector<double>(n), std::vector<double>(n)};
  std::vector<double> theta(n);
  for (size_t i = 0; i < n; ++i) theta[i] = std::log(initial[i]);
  std::vector<double> g(n);
  if (!std::isfinite(ll(initial, g)))
    return InvalidArgument("the likelihood is not finite at the starting values; is there any data?");

  double best = 0;
  nlopt_opt opt = nlopt_create(NLOPT_LD_LBFGS, static_cast<unsigned>(n));
  nlopt_set_min_objective(opt, Minus, &objective);
  std::vector<double> lower(n, -30.0), upper(n, 30.0);
  nlopt_set_lower_bounds(opt, lower.data());
  nlopt_set_upper_bounds(opt, upper.data());
  nlopt_set_ftol_rel(opt, 1e-13);
  nlopt_set_xtol_rel(opt, 1e-10);
  nlopt_set_maxeval(opt, 5000);
  nlopt_result status = nlopt_optimize(opt, theta.data(), &best);
  nlopt_destroy(opt);
  if (status < 0 && status != NLOPT_ROUNDOFF_LIMITED) {
    // L-BFGS gave up (a line search that found no descent); a derivative-free polish from where
    // it stopped finishes the job.
    opt = nlopt_create(NLOPT_LN_SBPLX, static_cast<unsigned>(n));
    nlopt_set_min_objective(opt, Minus, &objective);
    nlopt_set_lower_bounds(opt, lower.data());
    nlopt_set_upper_bounds(opt, upper.data());
    nlopt_set_ftol_rel(opt, 1e-13);
    nlopt_set_maxeval(opt, 20000);
    status = nlopt_optimize(opt, theta.data(), &best);
    nlopt_destroy(opt);
  }
  if (!std::isfinite(best) || best >= 1e299)
    return InvalidArgument(fmt::format("the fit did not converge (NLopt status {})", static_cast<int>(status)));

  Fit fit;
  fit.names = std::move(names);
  fit.params.resize(n);
  for (size_t i = 0; i < n; ++i) fit.params[i] = std::exp(theta[i]);
  fit.log_likelihood = -best;
  fit.evaluations = objective.evaluations;
  fit.std_errors = StandardErrors(ll, fit.params);
  return fit;
}

}  // namespace retain::analytics
