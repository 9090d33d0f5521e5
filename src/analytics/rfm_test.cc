#include "analytics/rfm.h"

#include <gtest/gtest.h>

namespace retain::analytics {
namespace {

TEST(Rfm, NamesSegmentsFromRecencyAndFrequency) {
  struct Case {
    int r, f;
    std::string_view segment;
  } cases[] = {{5, 5, "champions"},   {5, 4, "champions"},       {4, 5, "loyal"},        {3, 4, "loyal"},
               {5, 2, "potential_loyalists"}, {5, 1, "new"},      {4, 1, "promising"},    {3, 3, "need_attention"},
               {3, 1, "about_to_sleep"},      {2, 5, "cant_lose"}, {1, 3, "at_risk"},     {2, 2, "hibernating"},
               {1, 1, "lost"}};
  for (const auto& c : cases) EXPECT_EQ(RfmSegment(c.r, c.f), c.segment) << c.r << c.f;
}

TEST(Rfm, ScoresByQuintileWithTiesSharingAScore) {
  // Ten customers; the last purchase i days before the end, i + 1 purchase periods, spend 10 i,
  // except two who tie on everything.
  std::vector<CustomerSummary> s;
  for (uint32_t i = 0; i < 10; ++i) {
    CustomerSummary c;
    c.customer = i;
    c.last_day = 100 - static_cast<int32_t>(i);
    c.periods = static_cast<int>(i) + 1;
    c.total_spend = 10.0 * i;
    s.push_back(c);
  }
  s[9].last_day = s[8].last_day;
  s[9].periods = s[8].periods;
  s[9].total_spend = s[8].total_spend;
  auto scores = ScoreRfm(s, 100, 1);
  EXPECT_EQ(scores[0].r, 5);  // bought on the last day
  EXPECT_EQ(scores[0].f, 1);
  EXPECT_EQ(scores[0].segment, "new");
  EXPECT_EQ(scores[7].r, 2);  // two customers bought less recently
  EXPECT_EQ(scores[8].r, 1);
  EXPECT_EQ(scores[8].r, scores[9].r);
  EXPECT_EQ(scores[8].f, scores[9].f);
  EXPECT_EQ(scores[8].m, 5);
  EXPECT_EQ(scores[9].m, 5);
  EXPECT_EQ(scores[3].recency, 3);
}

}  // namespace
}  // namespace retain::analytics
