#include "feedback/report.h"

#include <cmath>

#include <gtest/gtest.h>

namespace retain::feedback {
namespace {

using nlohmann::json;

TEST(Nps, CountedByHandWithItsInterval) {
  // 4 promoters, 2 passives, 4 detractors: NPS 0. Variance (0.4 + 0.4 - 0) / 10 = 0.08.
  Nps n = NpsOf({10, 10, 9, 8, 7, 6, 0, 5, 10, 3});
  EXPECT_EQ(n.n, 10);
  EXPECT_EQ(n.promoters, 4);
  EXPECT_EQ(n.passives, 2);
  EXPECT_EQ(n.detractors, 4);
  EXPECT_DOUBLE_EQ(n.score, 0);
  EXPECT_NEAR(n.high, 100 * 1.959963984540054 * std::sqrt(0.08), 1e-9);
  EXPECT_NEAR(n.low, -n.high, 1e-9);
  // All promoters: +100 with no spread; the interval cannot leave -100..100.
  Nps all = NpsOf({9, 10, 10});
  EXPECT_DOUBLE_EQ(all.score, 100);
  EXPECT_DOUBLE_EQ(all.high, 100);
  // 3 promoters, 1 detractor of 4: 50, variance (0.75 + 0.25 - 0.25) / 4.
  Nps some = NpsOf({9, 9, 10, 2});
  EXPECT_DOUBLE_EQ(some.score, 50);
  EXPECT_NEAR(some.low, 50 - 100 * 1.959963984540054 * std::sqrt(0.75 / 4), 1e-9);
}

StoredResponse Responded(const char* at, std::string kind, int score, std::string agent, json answers) {
  StoredResponse r;
  r.answered_at = *ParseTimestamp(at, BusinessZone());
  r.kind = std::move(kind);
  r.score = score;
  r.band = score <= 6 ? "detractor" : score <= 8 ? "passive" : "promoter";
  if (r.kind == "csat") r.band = score >= 4 ? "satisfied" : score == 3 ? "neutral" : "dissatisfied";
  r.agent = std::move(agent);
  r.answers = answers.dump();
  return r;
}

json Rated(int nps, int billing, int support) {
  return json::array({{{"question", "recommend"}, {"type", "nps"}, {"area", "overall"}, {"score", nps}},
                      {{"question", "billing"}, {"type", "rating"}, {"area", "billing"}, {"score", billing}},
                      {{"question", "support"}, {"type", "rating"}, {"area", "support"}, {"score", support}}});
}

TEST(FeedbackReport, TrendsDriversAndAgentsByHand) {
  // November: two detractors who rate billing 1 and support 4, one passive, one promoter.
  // December: two promoters. Support is rated 4 by everybody; billing separates the detractors.
  std::vector<StoredResponse> rows = {
      Responded("2026-11-03T10:00:00Z", "nps", 2, "ana", Rated(2, 1, 4)),
      Responded("2026-11-04T10:00:00Z", "nps", 5, "ana", Rated(5, 1, 4)),
      Responded("2026-11-05T10:00:00Z", "nps", 8, "bo", Rated(8, 4, 4)),
      Responded("2026-11-06T10:00:00Z", "nps", 10, "bo", Rated(10, 5, 4)),
      Responded("2026-12-01T10:00:00Z", "nps", 9, "", Rated(9, 5, 4)),
      Responded("2026-12-02T10:00:00Z", "nps", 10, "bo", Rated(10, 4, 4)),
      Responded("2026-12-02T11:00:00Z", "csat", 2, "ana", json::array()),
  };
  json r = FeedbackReport(rows, BusinessZone(), "month");
  EXPECT_EQ(r["responses"], 7);
  EXPECT_EQ(r["nps"]["responses"], 6);
  EXPECT_NEAR(r["nps"]["score"].get<double>(), 100.0 * (3 - 2) / 6, 1e-9);
  EXPECT_EQ(r["csat"]["responses"], 1);
  EXPECT_EQ(r["csat"]["share"], 0);
  EXPECT_EQ(r["negative"], 3);  // two NPS detractors and one dissatisfied CSAT
  ASSERT_EQ(r["by_period"].size(), 2u);
  EXPECT_EQ(r["by_period"][0]["period"], "2026-11");
  EXPECT_DOUBLE_EQ(r["by_period"][0]["nps"]["score"].get<double>(), -25);  // 1 promoter, 2 detractors of 4
  EXPECT_EQ(r["by_period"][1]["period"], "2026-12");
  EXPECT_DOUBLE_EQ(r["by_period"][1]["nps"]["score"].get<double>(), 100);

  // Billing comes first: every poor answer rated it low (2 of 3 negatives; the CSAT rated
  // nothing), no other answer did. Support was rated 4 by all: no gap, no correlation.
  ASSERT_EQ(r["drivers"].size(), 2u);
  const json& billing = r["drivers"][0];
  EXPECT_EQ(billing["area"], "billing");
  EXPECT_EQ(billing["rated"], 6);
  EXPECT_NEAR(billing["low_share_negative"].get<double>(), 2.0 / 3, 1e-9);
  EXPECT_DOUBLE_EQ(billing["low_share_other"].get<double>(), 0);
  EXPECT_DOUBLE_EQ(billing["mean_negative"].get<double>(), 0);  // 1 of 1-5 is 0 of 100
  EXPECT_NEAR(billing["mean_other"].get<double>(), (75 + 100 + 100 + 75) / 4.0, 1e-9);
  EXPECT_GT(billing["correlation"].get<double>(), 0.9);
  EXPECT_NEAR(billing["gap"]["estimate"].get<double>(), 2.0 / 3, 1e-9);
  EXPECT_LT(billing["gap"]["low"].get<double>(), 2.0 / 3);  // seven answers: a wide interval
  EXPECT_GT(billing["gap"]["high"].get<double>(), 2.0 / 3);
  const json& support = r["drivers"][1];
  EXPECT_EQ(support["area"], "support");
  EXPECT_TRUE(support["correlation"].is_null());
  EXPECT_DOUBLE_EQ(support["gap"]["estimate"].get<double>(), 0);

  // Agents, most answers first: bo (3 promoters... 8, 10, 10: NPS 67), ana (2 detractors, a CSAT 2).
  ASSERT_EQ(r["agents"].size(), 2u);
  EXPECT_EQ(r["agents"][0]["agent"], "ana");
  EXPECT_EQ(r["agents"][0]["responses"], 3);
  EXPECT_DOUBLE_EQ(r["agents"][0]["nps"]["score"].get<double>(), -100);
  EXPECT_EQ(r["agents"][1]["agent"], "bo");
  EXPECT_NEAR(r["agents"][1]["nps"]["score"].get<double>(), 100.0 * 2 / 3, 1e-9);
}

TEST(FeedbackReport, WeeksAreLabelledByTheirMondayInTheBusinessZone) {
  BusinessZone zone = *BusinessZone::Load("Europe/Copenhagen");
  // Sunday 23:30 UTC is Monday 00:30 in Copenhagen.
  std::vector<StoredResponse> rows = {Responded("2026-11-29T23:30:00Z", "nps", 9, "", json::array()),
                                      Responded("2026-11-29T12:00:00Z", "nps", 9, "", json::array())};
  json r = FeedbackReport(rows, zone, "week");
  ASSERT_EQ(r["by_period"].size(), 2u);
  EXPECT_EQ(r["by_period"][0]["period"], "2026-11-23");
  EXPECT_EQ(r["by_period"][1]["period"], "2026-11-30");
  EXPECT_EQ(FeedbackReport(rows, zone, "quarter")["by_period"][0]["period"], "2026-Q4");
}

}  // namespace
}  // namespace retain::feedback
