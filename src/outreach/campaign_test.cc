#include "outreach/campaign.h"

#include <gtest/gtest.h>

#include <map>

#include <fmt/format.h>

namespace retain::outreach {
namespace {

using nlohmann::json;

Campaign ParsedCampaign(const json& document) {
  auto c = ParseCampaign("spring", document, BusinessZone());
  EXPECT_TRUE(c) << c.error().field << ": " << c.error().message;
  return c ? *c : Campaign{};
}

TEST(Campaign, DocumentsAreCheckedFieldByField) {
  struct Case {
    json document;
    std::string field;
  };
  json variants = json::array({{{"template", "t"}}});
  const Case cases[] = {
      {{{"variants", variants}}, "segment"},
      {{{"segment", "tier = "}, {"variants", variants}}, "segment"},
      {{{"segment", "points > 1"}, {"variants", variants}, {"channel", "fax"}}, "channel"},
      {{{"segment", "points > 1"}}, "variants"},
      {{{"segment", "points > 1"}, {"variants", {{{"template", "a"}, {"share", 60}}, {{"template", "b"}, {"share", 30}}}}}, "variants"},
      {{{"segment", "points > 1"}, {"variants", {{{"template", "a"}}, {{"template", "b"}, {"share", 30}}}}}, "variants[0].share"},
      {{{"segment", "points > 1"}, {"variants", variants}, {"holdout_percent", 80}}, "holdout_percent"},
      {{{"segment", "points > 1"}, {"variants", variants}, {"send_at", "soon"}}, "send_at"},
  };
  for (const auto& c : cases) {
    auto parsed = ParseCampaign("k", c.document, BusinessZone());
    ASSERT_FALSE(parsed) << c.document.dump();
    EXPECT_EQ(parsed.error().field, c.field) << c.document.dump() << ": " << parsed.error().message;
  }
  auto bad_segment = ParseCampaign("k", {{"segment", "teir = \"gold\""}, {"variants", variants}}, BusinessZone());
  EXPECT_NE(bad_segment.error().message.find("line 1, column 1"), std::string::npos) << bad_segment.error().message;
}

TEST(Campaign, TheDrawIsReproducibleAndKeepsTheShares) {
  Campaign c = ParsedCampaign({{"segment", "points >= 0"},
                       {"variants", {{{"template", "a"}, {"share", 70}}, {{"template", "b"}, {"share", 30}}}},
                       {"holdout_percent", 20}});
  c.seed = "5eed";
  std::map<std::string, int> count;
  const int n = 20000;
  for (int i = 0; i < n; ++i) count[Assign(c, fmt::format("c{}", i))]++;
  EXPECT_NEAR(count["held_out"], n * 0.20, n * 0.02);
  EXPECT_NEAR(count["A"], n * 0.80 * 0.70, n * 0.02);
  EXPECT_NEAR(count["B"], n * 0.80 * 0.30, n * 0.02);
  EXPECT_EQ(Assign(c, "c17"), Assign(c, "c17"));
  Campaign other = c;
  other.seed = "another";
  int moved = 0;
  for (int i = 0; i < 1000; ++i) moved += Assign(c, fmt::format("c{}", i)) != Assign(other, fmt::format("c{}", i));
  EXPECT_GT(moved, 300) << "another seed draws other groups";
  c.holdout_percent = 0;
  for (int i = 0; i < 1000; ++i) EXPECT_NE(Assign(c, fmt::format("c{}", i)), "held_out");
}

TEST(Campaign, EachMessageIsCheckedWhenItWouldGo) {
  auto zone = *BusinessZone::Load("Europe/Lisbon");
  SendPolicy policy;
  // 2026-07-01 14:00 in Lisbon (UTC+1) and 22:30 there.
  Timestamp afternoon = FromUnixSeconds(1782910800);
  Timestamp night = afternoon + std::chrono::minutes(8 * 60 + 30);
  struct Case {
    SendContext ctx;
    Timestamp now;
    Gate gate;
    std::string reason;
  };
  SendContext ok{"marketing", "email", true, false, "", 0, ""};
  auto with = [&](auto change) {
    SendContext c = ok;
    change(c);
    return c;
  };
  const Case cases[] = {
      {ok, afternoon, Gate::kSend, ""},
      {with([](SendContext& c) { c.consent = false; }), afternoon, Gate::kSkip, "no consent for email"},
      {with([](SendContext& c) { c.suppressed = true; }), afternoon, Gate::kSkip, "the address is on the suppression list"},
      {with([](SendContext& c) { c.address_problem = "no e-mail address"; }), afternoon, Gate::kSkip, "no e-mail address"},
      {with([](SendContext& c) { c.sent_in_cap_window = 3; }), afternoon, Gate::kSkip, "frequency cap: 3 email messages in 7 days"},
      {ok, night, Gate::kWait, "quiet hours"},
      {with([](SendContext& c) { c.purpose = "transactional"; c.consent = false; c.sent_in_cap_window = 9; }), night, Gate::kSend, ""},
      {with([](SendContext& c) { c.purpose = "transactional"; c.suppressed = true; }), afternoon, Gate::kSkip,
       "the address is on the suppression list"},
      {with([](SendContext& c) { c.channel = "print"; }), night, Gate::kSend, ""},
      // Copenhagen is an hour ahead: 22:30 in Lisbon is 23:30 there, still quiet; 07:30 in Lisbon is 08:30 there.
      {with([](SendContext& c) { c.time_zone = "Europe/Copenhagen"; }), night + std::chrono::hours(9), Gate::kSend, ""},
      {ok, night + std::chrono::hours(9), Gate::kWait, "quiet hours"},
  };
  for (const auto& c : cases) {
    auto d = DecideSend(c.ctx, policy, c.now, zone);
    EXPECT_EQ(d.gate, c.gate) << c.reason;
    EXPECT_EQ(d.reason, c.reason);
  }
  auto wait = DecideSend(ok, policy, night, zone);
  EXPECT_EQ(FormatLocal(wait.not_before, zone).substr(0, 16), "2026-07-02 08:00");
}

TEST(Campaign, LiftIsSentAgainstHeldOutWithIntervals) {
  std::vector<CustomerOutcome> outcomes;
  // 1,000 sent of whom 300 bought (30 %), 1,000 held out of whom 200 bought (20 %).
  for (int i = 0; i < 1000; ++i) outcomes.push_back({"A", true, i < 300, i < 300 ? 2000 : 0, i < 50});
  for (int i = 0; i < 1000; ++i) outcomes.push_back({"held_out", false, i < 200, i < 200 ? 2000 : 0, i < 80});
  auto r = CompareGroups(outcomes, {{"A", "t", 100}});
  ASSERT_EQ(r.groups.size(), 2u);
  EXPECT_EQ(r.groups[0].group, "A");
  EXPECT_EQ(r.groups[1].group, "held_out");
  EXPECT_DOUBLE_EQ(r.groups[0].purchase_rate.rate, 0.3);
  ASSERT_EQ(r.lifts.size(), 1u);
  const auto& lift = r.lifts[0];
  EXPECT_NEAR(lift.purchase_rate->estimate, 0.10, 1e-9);
  EXPECT_GT(lift.purchase_rate->low, 0.05);
  EXPECT_LT(lift.purchase_rate->high, 0.15);
  EXPECT_NEAR(lift.revenue->estimate, 200.0, 1e-9);  // 600 - 400 minor units per customer
  EXPECT_GT(lift.revenue->low, 0);
  EXPECT_NEAR(lift.cancel_rate->estimate, -0.03, 1e-9);
  // No held-out group: no lift to claim.
  auto none = CompareGroups({{"A", true, true, 100, false}, {"A", true, false, 0, false}}, {{"A", "t", 100}});
  EXPECT_FALSE(none.lifts[0].purchase_rate);
}

}  // namespace
}  // namespace retain::outreach
