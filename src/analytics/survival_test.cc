#include "analytics/survival.h"

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
