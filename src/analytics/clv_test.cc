#include "analytics/clv.h"

#include <cmath>
#include <numeric>

#include <gtest/gtest.h>

#include "analytics/simulate.h"

namespace retain::analytics {
namespace {

// Every estimator recovers the parameters it was simulated from: each within `tolerance`
// (relative), and within four of its standard errors, on samples large enough that the
// sampling error is a few per cent.
void ExpectRecovered(const Fit& fit, std::span<const double> truth, double tolerance) {
  ASSERT_EQ(fit.params.size(), truth.size());
  for (size_t i = 0; i < truth.size(); ++i) {
    EXPECT_NEAR(fit.params[i], truth[i], tolerance * truth[i]) << fit.names[i];
    EXPECT_TRUE(std::isfinite(fit.std_errors[i]) && fit.std_errors[i] > 0) << fit.names[i];
    EXPECT_LT(std::abs(fit.params[i] - truth[i]), 4 * fit.std_errors[i]) << fit.names[i];
  }
}

TEST(BgNbd, RecoversSimulatedParameters) {
  const double truth[] = {0.25, 4.0, 0.8, 2.5};
  auto data = SimulateBgNbd(truth, 40000, 30, 40, 1);
  auto fit = FitBgNbd(data.buyers);
  ASSERT_TRUE(fit) << fit.error().ToString();
  EXPECT_EQ(fit->names, (std::vector<std::string>{"r", "alpha", "a", "b"}));
  ExpectRecovered(*fit, truth, 0.15);
}

TEST(ParetoNbd, RecoversSimulatedParameters) {
  const double truth[] = {0.55, 10.5, 0.6, 11.7};
  auto data = SimulateParetoNbd(truth, 40000, 30, 40, 2);
  auto fit = FitParetoNbd(data.buyers);
  ASSERT_TRUE(fit) << fit.error().ToString();
  EXPECT_EQ(fit->names, (std::vector<std::string>{"r", "alpha", "s", "beta"}));
  ExpectRecovered(*fit, truth, 0.25);
}

TEST(GammaGamma, RecoversSimulatedParameters) {
  const double truth[] = {6.25, 3.74, 15.44};
  auto data = SimulateGammaGamma(truth, 20000, 8, 3);
  auto fit = FitGammaGamma(data);
  ASSERT_TRUE(fit) << fit.error().ToString();
  ExpectRecovered(*fit, truth, 0.1);
}

TEST(BgBb, RecoversSimulatedParameters) {
  const double truth[] = {1.2, 0.75, 0.66, 2.78};
  auto data = SimulateBgBb(truth, 40000, 6, 4);
  auto fit = FitBgBb(data);
  ASSERT_TRUE(fit) << fit.error().ToString();
  ExpectRecovered(*fit, truth, 0.15);
}

TEST(ShiftedBetaGeometric, RecoversSimulatedParameters) {
  const double truth[] = {0.704, 1.182};
  auto data = SimulateSbg(truth, 20000, 7, 5);
  auto fit = FitShiftedBetaGeometric(data);
  ASSERT_TRUE(fit) << fit.error().ToString();
  ExpectRecovered(*fit, truth, 0.1);
  // The projection follows the truth: S(t) within 1.5 points for the next five periods.
  for (int t = 1; t <= 12; ++t) EXPECT_NEAR(SbgSurvival(fit->params, t), SbgSurvival(truth, t), 0.015) << t;
}

// Predictions from the fitted model match what the simulated customers then did: purchases in
// the 26 weeks after calibration (in total, and for light and heavy buyers) and the share still
// active at the end of calibration.
template <typename Expected, typename Alive>
void ExpectPredictionsMatch(const SimulatedBuyers& data, Expected expected, Alive alive) {
  double predicted[3] = {0, 0, 0}, actual[3] = {0, 0, 0}, alive_predicted = 0, alive_actual = 0;
  for (size_t i = 0; i < data.buyers.size(); ++i) {
    const auto& c = data.buyers[i];
    int band = c.x == 0 ? 0 : c.x < 5 ? 1 : 2;
    predicted[band] += expected(c, 26.0);
    actual[band] += data.future[i];
    alive_predicted += alive(c);
    alive_actual += data.alive[i];
  }
  for (int band = 0; band < 3; ++band) EXPECT_NEAR(predicted[band] / actual[band], 1.0, 0.08) << "band " << band;
  EXPECT_NEAR(alive_predicted / alive_actual, 1.0, 0.05);
}

TEST(BgNbd, PredictsTheHoldoutPeriod) {
  const double truth[] = {0.25, 4.0, 0.8, 2.5};
  auto data = SimulateBgNbd(truth, 40000, 30, 40, 11, 26);
  auto fit = FitBgNbd(data.buyers);
  ASSERT_TRUE(fit);
  ExpectPredictionsMatch(
      data, [&](const RepeatBuyer& c, double t) { return BgNbdExpectedPurchases(fit->params, c, t); },
      [&](const RepeatBuyer& c) { return BgNbdProbabilityAlive(fit->params, c); });
}

TEST(ParetoNbd, PredictsTheHoldoutPeriod) {
  const double truth[] = {0.55, 10.5, 0.6, 11.7};
  auto data = SimulateParetoNbd(truth, 40000, 30, 40, 12, 26);
  auto fit = FitParetoNbd(data.buyers);
  ASSERT_TRUE(fit);
  ExpectPredictionsMatch(
      data, [&](const RepeatBuyer& c, double t) { return ParetoNbdExpectedPurchases(fit->params, c, t); },
      [&](const RepeatBuyer& c) { return ParetoNbdProbabilityAlive(fit->params, c); });
}

// A likelihood's gradient (from `with_gradient`) equals its central differences at each point
// of `points`, to `tolerance` relative; and the value beside it is the likelihood's.
template <typename Value, typename WithGradient>
void ExpectGradientMatches(Value value_of, WithGradient with_gradient, const std::vector<std::vector<double>>& points,
                           double tolerance) {
  for (const auto& at : points) {
    double grad[4];
    double value = with_gradient(at, grad);
    EXPECT_NEAR(value, value_of(at), 1e-9 * std::abs(value));
    for (size_t i = 0; i < 4; ++i) {
      auto up = at, down = at;
      double h = 1e-6 * at[i];
      up[i] += h;
      down[i] -= h;
      double numeric = (value_of(up) - value_of(down)) / (2 * h);
      EXPECT_NEAR(grad[i], numeric, tolerance * std::max(1.0, std::abs(numeric))) << i << " at alpha " << at[1];
    }
  }
}

TEST(BgNbd, HandWrittenGradientMatchesTheLikelihood) {
  const double truth[] = {0.25, 4.0, 0.8, 2.5};
  auto data = SimulateBgNbd(truth, 2000, 30, 40, 21).buyers;
  ExpectGradientMatches([&](const std::vector<double>& p) { return BgNbdLogLikelihood(p, data); },
                        [&](const std::vector<double>& p, double* g) { return BgNbdLogLikelihoodGradient(p, data, {g, 4}); },
                        {{0.3, 5.0, 0.7, 2.0}, {1.5, 0.4, 3.0, 0.6}}, 1e-5);
}

TEST(ParetoNbd, GradientMatchesTheLikelihood) {
  // Both series branches (alpha above and below beta) and the quadrature (beta far below alpha).
  const double truth[] = {0.55, 10.5, 0.6, 11.7};
  auto data = SimulateParetoNbd(truth, 2000, 30, 40, 22).buyers;
  ExpectGradientMatches([&](const std::vector<double>& p) { return ParetoNbdLogLikelihood(p, data); },
                        [&](const std::vector<double>& p, double* g) { return ParetoNbdLogLikelihoodGradient(p, data, {g, 4}); },
                        {{0.5, 10.0, 0.7, 12.0}, {0.8, 12.0, 0.5, 6.0}, {0.8, 30.0, 0.5, 0.5}}, 1e-4);
}

TEST(LifetimeModels, HeavyBuyersGiveFiniteLikelihoods) {
  // 200 repeat purchases: the naive BG/NBD and Pareto/NBD formulas overflow here.
  const RepeatBuyer heavy[] = {{200, 38.5, 39, 1}, {0, 0, 39, 1}, {3, 20, 39, 1}};
  const double bgnbd[] = {0.243, 4.414, 0.793, 2.426};
  const double pnbd[] = {0.553, 10.58, 0.606, 11.67};
  EXPECT_TRUE(std::isfinite(BgNbdLogLikelihood(bgnbd, heavy)));
  EXPECT_TRUE(std::isfinite(ParetoNbdLogLikelihood(pnbd, heavy)));
  EXPECT_TRUE(std::isfinite(BgNbdProbabilityAlive(bgnbd, heavy[0])));
  EXPECT_TRUE(std::isfinite(ParetoNbdProbabilityAlive(pnbd, heavy[0])));
  // And fits that include them converge to finite values.
  const double truth[] = {0.25, 4.0, 0.8, 2.5};
  auto data = SimulateBgNbd(truth, 5000, 30, 40, 3).buyers;
  data.push_back(heavy[0]);
  auto fit = FitBgNbd(data);
  ASSERT_TRUE(fit);
  EXPECT_TRUE(std::isfinite(fit->log_likelihood));
  auto pfit = FitParetoNbd(data);
  ASSERT_TRUE(pfit);
  EXPECT_TRUE(std::isfinite(pfit->log_likelihood));
}

TEST(ParetoNbd, SeriesAndQuadratureAgreeWhereTheyMeet) {
  // The 2F1 series serves arguments up to 0.9 and quadrature beyond; a customer with t_x = 0 has
  // argument 1 - beta / alpha, so beta = alpha / 10 sits on the seam. The two sides agree.
  const RepeatBuyer customers[] = {{0, 0, 39, 1}, {2, 10, 39, 1}, {30, 35, 39, 1}};
  const double below[] = {0.55, 10.0, 0.6, 1.0 + 1e-9};
  const double above[] = {0.55, 10.0, 0.6, 1.0 - 1e-9};
  double a = ParetoNbdLogLikelihood(below, std::span(customers).first(1));
  double b = ParetoNbdLogLikelihood(above, std::span(customers).first(1));
  EXPECT_NEAR(a, b, 1e-7 * std::abs(a));
  // And the likelihood of the others is continuous in beta across it too.
  EXPECT_NEAR(ParetoNbdLogLikelihood(below, customers), ParetoNbdLogLikelihood(above, customers), 1e-6);
}

TEST(ParetoNbd, BothBranchesOfTheLikelihoodAgreeWhenAlphaEqualsBeta) {
  const RepeatBuyer customers[] = {{0, 0, 39, 1}, {2, 10, 39, 1}, {7, 30, 39, 1}};
  const double just_below[] = {0.55, 10.0, 0.6, 10.0 - 1e-9};
  const double just_above[] = {0.55, 10.0, 0.6, 10.0 + 1e-9};
  EXPECT_NEAR(ParetoNbdLogLikelihood(just_below, customers), ParetoNbdLogLikelihood(just_above, customers), 1e-6);
}

TEST(LifetimeModels, RejectImpossibleSummaries) {
  const RepeatBuyer bad[] = {{1, 0, 10, 1}};   // a repeat purchase at time 0
  const RepeatBuyer later[] = {{1, 12, 10, 1}};  // recency after T
  EXPECT_FALSE(FitBgNbd(bad));
  EXPECT_NE(FitParetoNbd(later).error().message.find("row 1"), std::string::npos);
  EXPECT_FALSE(FitBgNbd(std::span<const RepeatBuyer>()));
  const OpportunityBuyer opp[] = {{3, 2, 6, 1}};  // more purchases than the last opportunity
  EXPECT_FALSE(FitBgBb(opp));
  const Subscriber none_left[] = {{5, false, 1}};
  EXPECT_NE(FitShiftedBetaGeometric(none_left).error().message.find("no subscriber churned"), std::string::npos);
}

TEST(GammaGamma, ExpectedSpendShrinksTowardsThePopulation) {
  const double params[] = {6.25, 3.74, 15.44};
  double population = GammaGammaExpectedSpend(params, 0, 0);
  EXPECT_NEAR(population, 6.25 * 15.44 / 2.74, 1e-9);
  // One purchase of 100 is pulled towards the mean more than ten purchases of 100.
  double one = GammaGammaExpectedSpend(params, 1, 100), ten = GammaGammaExpectedSpend(params, 10, 100);
  EXPECT_LT(std::abs(ten - 100), std::abs(one - 100));
}

TEST(LifetimeValue, DiscountsEachUnitsPurchases) {
  // Two purchases per unit at a spend of 10 over 3 units at 10 % per unit.
  double value = LifetimeValue([](double t) { return 2 * t; }, 10, 3, 0.1);
  EXPECT_NEAR(value, 20 / 1.1 + 20 / 1.21 + 20 / 1.331, 1e-9);
}

}  // namespace
}  // namespace retain::analytics
