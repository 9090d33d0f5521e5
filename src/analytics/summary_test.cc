#include "analytics/summary.h"

#include <gtest/gtest.h>

namespace retain::analytics {
namespace {

constexpr int32_t kJanuaryFirst = 20089;  // 2025-01-01

TEST(Summarise, FollowsTheRepeatPurchaseConvention) {
  const Purchase log[] = {
      {0, kJanuaryFirst, 10},       // first purchase
      {0, kJanuaryFirst, 5},        // same day: the same period, counted once
      {0, kJanuaryFirst + 7, 20},   // repeat 1
      {0, kJanuaryFirst + 14, 40},  // repeat 2
      {0, kJanuaryFirst + 60, 99},  // after the calibration end: left out
      {1, kJanuaryFirst + 3, 8},    // one purchase only
      {2, kJanuaryFirst + 50, 1},   // first purchase after the end: not a customer yet
  };
  auto s = Summarise(log, {kJanuaryFirst + 27, 7, 1});
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].frequency, 2);
  EXPECT_DOUBLE_EQ(s[0].recency, 2.0);  // 14 days in weeks
  EXPECT_DOUBLE_EQ(s[0].T, 27.0 / 7);
  EXPECT_DOUBLE_EQ(s[0].monetary, 30);  // mean of the repeat periods (20, 40)
  EXPECT_DOUBLE_EQ(s[0].total_spend, 75);
  EXPECT_EQ(s[1].frequency, 0);
  EXPECT_EQ(s[1].recency, 0);
  EXPECT_DOUBLE_EQ(s[1].T, 24.0 / 7);
  EXPECT_EQ(s[1].monetary, 0);
}

TEST(Summarise, CountsAWeekOnceWithWeeklyPeriods) {
  // 2025-01-01 is a Wednesday: the 1st and the 5th share an ISO week; the 6th starts the next.
  const Purchase log[] = {{0, kJanuaryFirst, 1}, {0, kJanuaryFirst + 4, 2}, {0, kJanuaryFirst + 5, 4}};
  auto s = Summarise(log, {kJanuaryFirst + 30, 7, 7});
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].frequency, 1);
  EXPECT_DOUBLE_EQ(s[0].recency, 1.0);
  EXPECT_DOUBLE_EQ(s[0].monetary, 4);
}

}  // namespace
}  // namespace retain::analytics
