// Maximum-likelihood fitting of models with positive parameters, with standard errors.
#ifndef RETAIN_ANALYTICS_FIT_H_
#define RETAIN_ANALYTICS_FIT_H_

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"

namespace retain::analytics {

// A log-likelihood: returns its value at the positive parameters `p` and writes the gradient in
// `p` to `grad` (same length). May return -inf or NaN where the model is undefined; the
// optimiser then steps back.
using LogLikelihood = std::function<double(std::span<const double> p, std::span<double> grad)>;

// What a fit found: the parameters in the order of `names`, the maximised log-likelihood and the
// standard errors from the inverse of the observed information (the negative Hessian of the
// log-likelihood, by forward differences of the exact gradient). A standard error is NaN when the
// information matrix is not positive definite there (a parameter at a boundary).
struct Fit {
  std::vector<std::string> names;
  std::vector<double> params;
  std::vector<double> std_errors;
  double log_likelihood = 0;
  int evaluations = 0;
};

// Maximises `ll` over positive parameters, starting from `initial`, with L-BFGS (NLopt) on the
// logarithms of the parameters. Fails with InvalidArgument when the likelihood is not finite at
// the start or the optimiser cannot find a finite maximum (for example, no data). Thread-safe;
// `ll` is called from the calling thread only.
Result<Fit> MaximiseLikelihood(std::vector<std::string> names, const LogLikelihood& ll,
                               std::vector<double> initial);

}  // namespace retain::analytics

#endif  // RETAIN_ANALYTICS_FIT_H_
