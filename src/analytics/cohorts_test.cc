#include "analytics/cohorts.h"

#include <gtest/gtest.h>

namespace retain::analytics {
namespace {

constexpr int32_t kJan1 = 20089;  // 2025-01-01

TEST(Cohorts, CountEachCustomerOncePerPeriodSinceTheirFirst) {
  const Purchase log[] = {
      {0, kJan1 + 4, 10}, {0, kJan1 + 19, 5}, {0, kJan1 + 60, 7},  // A: Jan, Jan, Mar
      {1, kJan1 + 40, 3},                                          // B: Feb
      {2, kJan1 + 30, 2}, {2, kJan1 + 31, 4},                      // C: Jan 31, Feb 1
  };
  auto cohorts = BuildCohorts(log, 3, CohortPeriod::kMonth);
  ASSERT_EQ(cohorts.size(), 2u);
  EXPECT_EQ(cohorts[0].label, "2025-01");
  EXPECT_EQ(cohorts[0].size, 2);
  EXPECT_EQ(cohorts[0].active, (std::vector<int64_t>{2, 1, 1}));
  EXPECT_EQ(cohorts[0].revenue, (std::vector<double>{17, 4, 7}));
  EXPECT_EQ(cohorts[0].retention, (std::vector<double>{1, 0.5, 0.5}));
  EXPECT_EQ(cohorts[1].label, "2025-02");
  EXPECT_EQ(cohorts[1].size, 1);
  EXPECT_EQ(cohorts[1].active, (std::vector<int64_t>{1, 0}));
}

TEST(Cohorts, LabelWeeksQuartersAndYears) {
  EXPECT_EQ(PeriodLabel(PeriodIndex(kJan1, CohortPeriod::kWeek), CohortPeriod::kWeek), "2024-12-30");
  EXPECT_EQ(PeriodLabel(PeriodIndex(kJan1 + 100, CohortPeriod::kQuarter), CohortPeriod::kQuarter), "2025-Q2");
  EXPECT_EQ(PeriodLabel(PeriodIndex(kJan1 - 1, CohortPeriod::kYear), CohortPeriod::kYear), "2024");
  EXPECT_FALSE(ParseCohortPeriod("fortnight"));
}

}  // namespace
}  // namespace retain::analytics
