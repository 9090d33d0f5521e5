#include "analytics/survival.h"

#include <cmath>
#include <random>

#include <gtest/gtest.h>

namespace retain::analytics {
namespace {

TEST(KaplanMeier, MatchesTheEstimateWorkedByHand) {
  // Durations with events (e) and censorings (c): 1e 2c 3e 3e 4c 5e.
  const Observation data[] = {{1, true}, {2, false}, {3, true}, {3, true}, {4, false}, {5, true}};
  auto curve = KaplanMeier(data);
  ASSERT_EQ(curve.points.size(), 6u);  // t = 0 and the five distinct times
  EXPECT_EQ(curve.points[0].t, 0);
  EXPECT_EQ(curve.points[0].survival, 1);
  EXPECT_EQ(curve.points[1].at_risk, 6);
  EXPECT_NEAR(curve.points[1].survival, 5.0 / 6, 1e-12);
  // Exponential Greenwood band at t = 1, worked by hand: var = 1/30 / log(5/6)^2.
  EXPECT_NEAR(curve.points[1].ci_lower, 0.2731, 1e-4);
  EXPECT_NEAR(curve.points[1].ci_upper, 0.9747, 1e-4);
  EXPECT_EQ(curve.points[2].censored, 1);
  EXPECT_NEAR(curve.points[2].survival, 5.0 / 6, 1e-12);
  EXPECT_EQ(curve.points[3].at_risk, 4);
  EXPECT_EQ(curve.points[3].events, 2);
  EXPECT_NEAR(curve.points[3].survival, 5.0 / 12, 1e-12);
  EXPECT_EQ(curve.points[5].survival, 0);
  ASSERT_TRUE(curve.median);
  EXPECT_EQ(*curve.median, 3);
}

// Exponential lifetimes (rate 0.1 a month, median ln 2 / 0.1 = 6.93) censored uniformly within
// 24 months.
std::vector<Observation> Exponential(std::mt19937_64& rng, int n) {
  std::exponential_distribution<double> life(0.1);
  std::uniform_real_distribution<double> watch(0, 24);
  std::vector<Observation> data;
  for (int i = 0; i < n; ++i) {
    double t = life(rng), c = watch(rng);
    data.push_back({std::min(t, c), t <= c, 0});
  }
  return data;
}

double At(const SurvivalCurve& curve, double t, double SurvivalPoint::*field) {
  double v = 1;
  for (const auto& p : curve.points)
    if (p.t <= t) v = p.*field;
  return v;
}

TEST(KaplanMeier, RecoversASimulatedSurvivalCurve) {
  std::mt19937_64 rng(8);
  auto curve = KaplanMeier(Exponential(rng, 20000));
  for (double t : {1.0, 3.0, 6.0, 10.0, 15.0}) EXPECT_NEAR(At(curve, t, &SurvivalPoint::survival), std::exp(-0.1 * t), 0.015) << t;
  ASSERT_TRUE(curve.median);
  EXPECT_NEAR(*curve.median, std::log(2.0) / 0.1, 0.3);
}

TEST(KaplanMeier, BandsCoverTheTruthNineteenTimesInTwenty) {
  // Over 400 samples of 300 subscribers, the 95 % band at 5 and at 10 months holds the true
  // survival in about 95 % of them.
  std::mt19937_64 rng(10);
  int covered5 = 0, covered10 = 0;
  const int kSamples = 400;
  for (int i = 0; i < kSamples; ++i) {
    auto curve = KaplanMeier(Exponential(rng, 300));
    auto holds = [&](double t) {
      double truth = std::exp(-0.1 * t);
      return At(curve, t, &SurvivalPoint::ci_lower) <= truth && truth <= At(curve, t, &SurvivalPoint::ci_upper);
    };
    covered5 += holds(5);
    covered10 += holds(10);
  }
  EXPECT_NEAR(static_cast<double>(covered5) / kSamples, 0.95, 0.03);
  EXPECT_NEAR(static_cast<double>(covered10) / kSamples, 0.95, 0.03);
}

TEST(LogRank, RejectsEqualCurvesRarelyAndDifferentOnesAlways) {
  std::mt19937_64 rng(9);
  auto draw = [&](double rate0, double rate1) {
    std::vector<Observation> data;
    for (uint32_t g = 0; g < 2; ++g) {
      std::exponential_distribution<double> life(g == 0 ? rate0 : rate1);
      for (int i = 0; i < 300; ++i) {
        double t = life(rng);
        data.push_back({std::min(t, 12.0), t <= 12.0, g});
      }
    }
    return LogRankTest(data)->p_value;
  };
  int false_alarms = 0;
  for (int i = 0; i < 200; ++i) false_alarms += draw(0.1, 0.1) < 0.05;
  EXPECT_LT(false_alarms, 20);  // about 5 % expected
  for (int i = 0; i < 20; ++i) EXPECT_LT(draw(0.1, 0.2), 0.001);
}

TEST(KaplanMeier, HasNoMedianWhileMostSurvive) {
  const Observation data[] = {{1, true}, {2, false}, {3, false}};
  EXPECT_FALSE(KaplanMeier(data).median);
}

TEST(LogRank, MatchesTheStatisticWorkedByHand) {
  // Group 0 leaves at 1 and 2, group 1 at 3 and 4: chi-square 1.3611 / 0.4722 = 2.882.
  const Observation data[] = {{1, true, 0}, {2, true, 0}, {3, true, 1}, {4, true, 1}};
  auto test = LogRankTest(data);
  ASSERT_TRUE(test);
  EXPECT_NEAR(test->chi_square, 2.88235, 1e-4);
  EXPECT_EQ(test->degrees_of_freedom, 1);
  EXPECT_NEAR(test->p_value, 0.0896, 1e-3);
}

TEST(LogRank, FindsNoDifferenceBetweenIdenticalGroupsAndNeedsTwo) {
  const Observation same[] = {{1, true, 0}, {1, true, 1}, {2, false, 0}, {2, false, 1},
                              {3, true, 2}, {3, true, 0}, {3, true, 1}, {2, false, 2}, {1, true, 2}};
  auto test = LogRankTest(same);
  ASSERT_TRUE(test);
  EXPECT_EQ(test->degrees_of_freedom, 2);
  EXPECT_NEAR(test->chi_square, 0, 1e-9);
  const Observation one[] = {{1, true, 0}, {2, true, 0}};
  EXPECT_FALSE(LogRankTest(one));
}

}  // namespace
}  // namespace retain::analytics
