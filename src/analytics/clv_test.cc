#include "analytics/clv.h"

#include <chrono>
#include <cmath>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "analytics/simulate.h"

namespace retain::analytics {
namespace {

// Every estimator recovers the parameters it was simulated from, each within `tolerance`
// (relative) on a sample large enough that the sampling error is a few per cent.
void ExpectRecovered(const Fit& fit, std::span<const double> truth, double tolerance) {
  ASSERT_EQ(fit.params.size(), truth.size());
  for (size_t i = 0; i < truth.size(); ++i) {
    EXPECT_NEAR(fit.params[i], truth[i], tolerance * truth[i]) << fit.names[i];
    EXPECT_TRUE(std::isfinite(fit.std_errors[i]) && fit.std_errors[i] > 0) << fit.names[i];
    // The truth lies within four standard errors of the estimate.
    EXPECT_LT(std::abs(fit.params[i] - truth[i]), 4 * fit.std_errors[i]) << fit.names[i];
  }
}

TEST(BgNbd, RecoversSimulatedParameters) {
  const double truth[] = {0.25, 4.0, 0.8, 2.5};
  auto data = SimulateBgNbd(truth, 40000, 30, 40, 1);
  auto fit = FitBgNbd(data);
  ASSERT_TRUE(fit) << fit.error().ToString();
  ExpectRecovered(*fit, truth, 0.15);
}

TEST(ParetoNbd, RecoversSimulatedParameters) {
  const double truth[] = {0.55, 10.5, 0.6, 11.7};
  auto data = SimulateParetoNbd(truth, 40000, 30, 40, 2);
  auto fit = FitParetoNbd(data);
  ASSERT_TRUE(fit) << fit.error().ToString();
  ExpectRecovered(*fit, truth, 0.2);
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
}

}  // namespace
}  // namespace retain::analytics
