// Customer-lifetime models: BG/NBD, Pareto/NBD and BG/BB for customers who may leave unnoticed,
// Gamma-Gamma for what they spend, and the shifted-beta-geometric for subscribers whose
// cancellations are seen. Fitted by maximum likelihood (fit.h); parameter names as in the papers
// (docs/ANALYTICS.md lists them with their references).
//
// Every function here is pure and thread-safe.
#ifndef RETAIN_ANALYTICS_CLV_H_
#define RETAIN_ANALYTICS_CLV_H_

#include <span>
#include <vector>

#include "analytics/fit.h"
#include "common/status.h"

namespace retain::analytics {

// One customer (or `weight` identical customers) in the repeat-purchase convention: x repeat
// purchase periods, the last at t_x, observed for T since the first purchase (summary.h).
struct RepeatBuyer {
  double x = 0;
  double t_x = 0;
  double T = 0;
  double weight = 1;
};

// BG/NBD (Fader, Hardie & Lee 2005): params r, alpha, a, b. Fails with InvalidArgument, naming
// the row (0-based), when there are no customers or a row breaks 0 <= t_x <= T, x >= 0, or
// x > 0 <=> t_x > 0.
Result<Fit> FitBgNbd(std::span<const RepeatBuyer> customers);
// Its log-likelihood at `params`, summed over the customers (finite for heavy buyers).
double BgNbdLogLikelihood(std::span<const double> params, std::span<const RepeatBuyer> customers);
// The same and its gradient in the parameters (written to `grad`, four values).
double BgNbdLogLikelihoodGradient(std::span<const double> params, std::span<const RepeatBuyer> customers,
                                  std::span<double> grad);
// Probability the customer is still active at T.
double BgNbdProbabilityAlive(std::span<const double> params, const RepeatBuyer& c);
// Expected purchases in the next `t` units.
double BgNbdExpectedPurchases(std::span<const double> params, const RepeatBuyer& c, double t);

// Pareto/NBD (Schmittlein, Morrison & Colombo 1987): params r, alpha, s, beta.
Result<Fit> FitParetoNbd(std::span<const RepeatBuyer> customers);
double ParetoNbdLogLikelihood(std::span<const double> params, std::span<const RepeatBuyer> customers);
double ParetoNbdLogLikelihoodGradient(std::span<const double> params, std::span<const RepeatBuyer> customers,
                                      std::span<double> grad);
double ParetoNbdProbabilityAlive(std::span<const double> params, const RepeatBuyer& c);
double ParetoNbdExpectedPurchases(std::span<const double> params, const RepeatBuyer& c, double t);

// A repeat buyer's spend: x repeat purchases (x > 0) of mean value m.
struct Spender {
  double x = 0;
  double m = 0;
  double weight = 1;
};
// Gamma-Gamma (Fader, Hardie & Lee 2005; Hardie's note 025): params p, q, gamma. Fails with
// InvalidArgument when no customer has x > 0 and m > 0 (the others carry no spend information
// and are left out by the caller).
Result<Fit> FitGammaGamma(std::span<const Spender> customers);
double GammaGammaLogLikelihood(std::span<const double> params, std::span<const Spender> customers);
// Expected mean spend per purchase of a customer with x repeat purchases of mean m (x = 0: the
// population mean).
double GammaGammaExpectedSpend(std::span<const double> params, double x, double m);

// Discounted value over `horizon` units: the sum over k = 1..horizon of the purchases expected in
// unit k (BG/NBD or Pareto/NBD, by `expected`), times `spend`, divided by (1 + rate)^k.
template <typename Expected>
double LifetimeValue(Expected expected, double spend, int horizon, double rate) {
  double value = 0, previous = 0, discount = 1;
  for (int k = 1; k <= horizon; ++k) {
    double now = expected(static_cast<double>(k));
    discount /= 1 + rate;
    value += (now - previous) * spend * discount;
    previous = now;
  }
  return value;
}

// Discrete opportunities: x purchases in n opportunities, the last at opportunity t_x.
struct OpportunityBuyer {
  int x = 0;
  int t_x = 0;
  int n = 0;
  double weight = 1;
};
// BG/BB (Fader, Hardie & Shang 2010): params alpha, beta, gamma, delta. Fails with
// InvalidArgument naming the first row where x > t_x, t_x > n, or x = 0 with t_x > 0.
Result<Fit> FitBgBb(std::span<const OpportunityBuyer> customers);
double BgBbLogLikelihood(std::span<const double> params, std::span<const OpportunityBuyer> customers);
double BgBbProbabilityAlive(std::span<const double> params, const OpportunityBuyer& c);
// Expected purchases in the next `future` opportunities.
double BgBbExpectedPurchases(std::span<const double> params, const OpportunityBuyer& c, int future);

// A subscriber observed for `periods` periods: churned in period `periods` (>= 1), or still
// subscribed after it.
struct Subscriber {
  int periods = 0;
  bool churned = false;
  double weight = 1;
};
// Shifted-beta-geometric (Fader & Hardie 2007): params alpha, beta.
Result<Fit> FitShiftedBetaGeometric(std::span<const Subscriber> subscribers);
double ShiftedBetaGeometricLogLikelihood(std::span<const double> params,
                                         std::span<const Subscriber> subscribers);
// Share of a new cohort still subscribed after t periods, S(t).
double SbgSurvival(std::span<const double> params, int t);
// Retention rate in period t: S(t) / S(t-1) = (beta + t - 1) / (alpha + beta + t - 1).
double SbgRetentionRate(std::span<const double> params, int t);

}  // namespace retain::analytics

#endif  // RETAIN_ANALYTICS_CLV_H_
