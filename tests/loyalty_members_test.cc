// Loyalty against both databases, the member side: tiers with their downgrade policies and a
// floor set by hand, members-only promotions with limits and budgets, program budgets, and
// referrals with their refusals.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "loyalty_fixture.h"

namespace retain::testing {
namespace {

using nlohmann::json;

class LoyaltyMembersTest : public LoyaltyTest {
 protected:
  void SetUp() override {
    LoyaltyTest::SetUp();
    engine_.set_outbox(store_.get());
  }

  const loyalty::Program& Latest(const std::string& id) {
    programs_ = *loyalty().Programs();
    return programs_->Versions(id).back()->program;
  }

  loyalty::TierStatus Tier(const std::string& program, const std::string& customer, const std::string& at) {
    auto st = engine_.Tier(loyalty(), Latest(program), Account(program, customer), At(at));
    EXPECT_TRUE(st) << st.error().ToString();
    return st ? *st : loyalty::TierStatus{};
  }

  int64_t Review(const std::string& at) {
    EXPECT_TRUE(store_->Begin());
    auto n = engine_.ReviewTiers(loyalty(), At(at));
    EXPECT_TRUE(n) << n.error().ToString();
    EXPECT_TRUE(store_->Commit());
    return n ? *n : -1;
  }

  // The tier.changed events in the outbox, as "customer:from->to".
  std::vector<std::string> TierEvents() {
    std::vector<std::string> out;
    auto events = store_->OutboxAfter(0, 1000);
    EXPECT_TRUE(events);
    for (const auto& e : *events) {
      if (e.type != "tier.changed") continue;
      auto d = json::parse(e.payload_json)["data"];
      out.push_back(fmt::format("{}:{}->{}", d["customer"].get<std::string>(), d["from"].is_null() ? "" : d["from"].get<std::string>(),
                                d["to"].is_null() ? "" : d["to"].get<std::string>()));
    }
    return out;
  }

  void SetCustomer(const std::string& id, const std::string& email, const std::string& phone,
                   const std::string& attributes = "{}") {
    core::Customer c;
    c.external_id = id;
    c.name = "Customer " + id;
    c.email = email;
    c.phone = phone;
    c.attributes_json = attributes;
    ASSERT_TRUE(store_->PutCustomer(c));
  }

  std::shared_ptr<const loyalty::ProgramSet> programs_;
};

constexpr const char* kTieredPoints =
    R"({"id": "points", "kind": "points", "currency": "EUR", "earn": {"per_unit": 1},
        "tiers": {"measure": "points", "window_days": 30, "downgrade": {"after_days_below": 10},
                  "levels": [{"id": "silver", "threshold": 100, "multiplier": 1.5, "benefits": ["Free drink refills"]},
                             {"id": "gold", "threshold": 300, "multiplier": 2, "discount_percent": 10}]}})";

TEST_P(LoyaltyMembersTest, TiersFollowPointsInTheWindowMultiplyEarningAndDropAfterDaysBelow) {
  Define(kTieredPoints);
  Record(Sale("T1", "C1", "2026-03-01T12:00:00Z", 10));  // 65.00: 65 points
  EXPECT_EQ(Tier("points", "C1", "2026-03-01T13:00:00Z").tier, "");
  EXPECT_EQ(Tier("points", "C1", "2026-03-01T13:00:00Z").next, "silver");
  EXPECT_EQ(Tier("points", "C1", "2026-03-01T13:00:00Z").to_next, 35) << "35 more points reach Silver";
  Record(Sale("T2", "C1", "2026-03-02T12:00:00Z", 6));  // 39.00: 104 points in the window
  auto st = Tier("points", "C1", "2026-03-02T13:00:00Z");
  EXPECT_EQ(st.tier, "silver");
  EXPECT_EQ(st.next, "gold");
  EXPECT_EQ(st.to_next, 300 - 104);
  Record(Sale("T3", "C1", "2026-03-03T12:00:00Z", 10));  // 65 points at Silver's 1.5: 97
  EXPECT_EQ(Account("points", "C1").balance, 65 + 39 + 97);
  ExpectConsistent("points", "C1");

  // Nothing bought for a month: the window empties, the member is below Silver from the first
  // review, and drops ten days later, not before.
  EXPECT_EQ(Review("2026-04-05T00:00:00Z"), 0);
  st = Tier("points", "C1", "2026-04-05T00:00:00Z");
  EXPECT_EQ(st.tier, "silver");
  ASSERT_TRUE(st.downgrade_at);
  EXPECT_EQ(FormatTimestamp(*st.downgrade_at), "2026-04-15T00:00:00Z");
  EXPECT_EQ(Review("2026-04-14T23:00:00Z"), 0);
  EXPECT_EQ(Review("2026-04-15T00:00:00Z"), 1);
  EXPECT_EQ(Tier("points", "C1", "2026-04-15T01:00:00Z").tier, "");
  EXPECT_EQ(TierEvents(), (std::vector<std::string>{"C1:->silver", "C1:silver->"}));
  auto history = loyalty().TierChanges("points", "C1", 10);
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].reason, "fell below");
  EXPECT_EQ((*history)[1].reason, "reached");

  // A purchase straight to Gold's threshold skips Silver.
  Record(Sale("T4", "C1", "2026-05-01T12:00:00Z", 50));  // 325 points
  EXPECT_EQ(Tier("points", "C1", "2026-05-01T13:00:00Z").tier, "gold");
  EXPECT_EQ(Tier("points", "C1", "2026-05-01T13:00:00Z").next, "");
}

TEST_P(LoyaltyMembersTest, SpendTiersKeepATierToThePeriodsEndAndAManualTierIsAFloor) {
  Define(R"({"id": "points", "kind": "points", "currency": "EUR", "earn": {"per_unit": 1},
             "tiers": {"measure": "spend", "window_days": 365, "downgrade": "period_end", "period": "year",
                       "levels": [{"id": "gold", "threshold": "100.00", "discount_percent": 5}]}})");
  Record(Sale("S1", "C1", "2026-02-01T12:00:00Z", 10));  // 65.00
  auto st = Tier("points", "C1", "2026-02-01T13:00:00Z");
  EXPECT_EQ(st.measure, "spend");
  EXPECT_EQ(st.to_next, 3500) << "spend 35.00 more to reach Gold";
  Record(Sale("S2", "C1", "2026-03-01T12:00:00Z", 6));  // 104.00
  EXPECT_EQ(Tier("points", "C1", "2026-03-01T13:00:00Z").tier, "gold");
  Record(Return("S2R", "S2", "C1", "2026-03-05T12:00:00Z", 3900));  // 65.00 spent now
  st = Tier("points", "C1", "2026-03-05T13:00:00Z");
  EXPECT_EQ(st.tier, "gold") << "kept to the end of the year";
  ASSERT_TRUE(st.downgrade_at);
  EXPECT_EQ(FormatTimestamp(*st.downgrade_at), "2027-01-01T00:00:00Z");
  EXPECT_EQ(Review("2026-12-31T23:00:00Z"), 0);
  EXPECT_EQ(Review("2027-01-01T00:00:00Z"), 1);
  EXPECT_EQ(Tier("points", "C1", "2027-01-01T01:00:00Z").tier, "");

  // Staff give C1 Gold by hand: it holds whatever the spend says, and it is audited.
  ASSERT_TRUE(store_->Begin());
  auto bad = engine_.SetManualTier(loyalty(), *store_, "points", "C1", "platinum", "a loyal customer", "user:ana",
                                   At("2027-01-02T00:00:00Z"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "tier");
  auto no_reason = engine_.SetManualTier(loyalty(), *store_, "points", "C1", "gold", "", "user:ana", At("2027-01-02T00:00:00Z"));
  ASSERT_FALSE(no_reason);
  auto set = engine_.SetManualTier(loyalty(), *store_, "points", "C1", "gold", "compensation for case 17", "user:ana",
                                   At("2027-01-02T00:00:00Z"));
  ASSERT_TRUE(set) << set.error().ToString();
  ASSERT_TRUE(store_->Commit());
  EXPECT_EQ(set->tier, "gold");
  EXPECT_EQ(set->manual, "gold");
  EXPECT_EQ(set->reached, "");
  EXPECT_EQ(Review("2028-06-01T00:00:00Z"), 0);
  EXPECT_EQ(Tier("points", "C1", "2028-06-01T00:00:00Z").tier, "gold");
  auto audit = store_->ListAudit({});
  ASSERT_TRUE(audit);
  int audited = 0;
  for (const auto& e : audit->items) {
    if (e.action != "loyalty_tier.set") continue;
    ++audited;
    EXPECT_EQ(e.actor, "user:ana");
    EXPECT_NE(e.after_json.find("compensation for case 17"), std::string::npos);
  }
  EXPECT_EQ(audited, 1) << "the refused attempts changed nothing and are not audited";
  EXPECT_EQ(TierEvents(), (std::vector<std::string>{"C1:->gold", "C1:gold->", "C1:->gold"}));

  auto never = loyalty::ParseProgram(R"({"id": "x", "kind": "points", "currency": "EUR", "earn": {"per_unit": 1},
      "tiers": {"levels": [{"id": "a", "threshold": 10}, {"id": "b", "threshold": 5}]}})");
  ASSERT_FALSE(never);
  EXPECT_EQ(never.error().field, "tiers.levels[1].threshold");
}

TEST_P(LoyaltyMembersTest, PromotionsReachOnlyTheirTiersAndStopAtTheirLimits) {
  Define(R"({"id": "points", "kind": "points", "currency": "EUR", "earn": {"per_unit": 1},
             "tiers": {"levels": [{"id": "gold", "threshold": 100}]},
             "rewards": [{"id": "cookie", "kind": "free_item", "product": "COOKIE"},
                         {"id": "fiver", "kind": "amount_off", "amount": "5.00"}],
             "promotions": [
               {"id": "gold-double", "kind": "multiplier", "factor": 2, "tiers": ["gold"], "per_member": 2,
                "starts": "2026-03-01", "ends": "2026-04-01"},
               {"id": "students", "kind": "bonus", "points": 20, "segments": ["student"], "budget_points": 30},
               {"id": "cookie-drop", "kind": "reward", "reward": "cookie", "total": 1},
               {"id": "fiver-gold", "kind": "reward", "reward": "fiver", "tiers": ["gold"], "budget": "5.00"}]})");
  SetCustomer("C2", "c2@example.com", "", R"({"segment": ["student"]})");
  Record(Sale("P0", "C1", "2026-02-20T12:00:00Z", 20));  // 130 points: Gold, before the window
  EXPECT_EQ(Account("points", "C1").balance, 130);
  Record(Sale("P1", "C1", "2026-03-02T12:00:00Z", 2));   // 13 points, doubled: 26
  Record(Sale("P2", "C1", "2026-03-03T12:00:00Z", 2));   // 26
  Record(Sale("P3", "C1", "2026-03-04T12:00:00Z", 2));   // per_member 2 used: 13
  EXPECT_EQ(Account("points", "C1").balance, 130 + 26 + 26 + 13);
  Record(Sale("P4", "C2", "2026-03-05T12:00:00Z", 2));   // not Gold: 13; a student: +20
  Record(Sale("P5", "C2", "2026-03-06T12:00:00Z", 2));   // 13; the budget has 10 left: +10
  Record(Sale("P6", "C2", "2026-03-07T12:00:00Z", 2));   // 13; the budget is spent
  EXPECT_EQ(Account("points", "C2").balance, 13 * 3 + 20 + 10);
  ExpectConsistent("points", "C1");
  ExpectConsistent("points", "C2");
  // A return takes back its share of the promotion too.
  Record(Return("P1R", "P1", "C1", "2026-03-08T12:00:00Z", 1300));
  EXPECT_EQ(Account("points", "C1").balance, 130 + 26 + 13);
  ExpectConsistent("points", "C1");

  auto claim = [&](const std::string& promotion, const std::string& customer, const std::string& key) {
    EXPECT_TRUE(store_->Begin());
    auto r = engine_.ClaimPromotion(loyalty(), *store_, "points", promotion, customer, key, "test", At("2026-03-10T12:00:00Z"));
    EXPECT_TRUE(store_->Commit());
    return r;
  };
  auto first = claim("cookie-drop", "C2", "k1");
  ASSERT_TRUE(first) << first.error().ToString();
  auto again = claim("cookie-drop", "C2", "k1");
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->coupon.code, first->coupon.code);
  auto second = claim("cookie-drop", "C1", "k2");
  ASSERT_FALSE(second) << "one cookie in all";
  EXPECT_EQ(second.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(second.error().message.find("claimed 1 of 1"), std::string::npos) << second.error().message;
  auto not_gold = claim("fiver-gold", "C2", "k3");
  ASSERT_FALSE(not_gold);
  EXPECT_NE(not_gold.error().message.find("tier gold"), std::string::npos) << not_gold.error().message;
  ASSERT_TRUE(claim("fiver-gold", "C1", "k4"));
  auto over_budget = claim("fiver-gold", "C1", "k5");
  ASSERT_FALSE(over_budget);
  EXPECT_NE(over_budget.error().message.find("budget"), std::string::npos);
  auto stranger = claim("cookie-drop", "C3", "k6");
  ASSERT_FALSE(stranger);
  EXPECT_NE(stranger.error().message.find("not a member"), std::string::npos);
  auto counter = loyalty().GetCounter("points", "promo:fiver-gold");
  ASSERT_TRUE(counter);
  EXPECT_EQ(counter->uses, 1);
  EXPECT_EQ(counter->cost_minor, 500);
}

TEST_P(LoyaltyMembersTest, RacingClaimsNeverExceedAPromotionsTotal) {
  Define(R"({"id": "points", "kind": "points", "currency": "EUR", "earn": {"per_unit": 1},
             "rewards": [{"id": "cookie", "kind": "free_item", "product": "COOKIE"}],
             "promotions": [{"id": "drop", "kind": "reward", "reward": "cookie", "total": 5}]})");
  for (int i = 0; i < 12; ++i) {
    SetCustomer(fmt::format("M{}", i), "", "");
    Record(Sale(fmt::format("J{}", i), fmt::format("M{}", i), "2026-03-01T12:00:00Z", 1));
  }
  loyalty::Engine engine{BusinessZone()};
  // Three tills, twelve members, four each: five cookies to give.
  auto race = Race(3, 4, [&](storage::SqlStore& store, int who, int i) -> Status {
    int member = who + 3 * i;
    return engine.ClaimPromotion(store.loyalty(), store, "points", "drop", fmt::format("M{}", member),
                                 fmt::format("key-{}", member), "test", At("2026-03-02T12:00:00Z")).map([](auto&&) {});
  });
  EXPECT_EQ(race.granted, 5);
  EXPECT_EQ(race.refused, 7);
  EXPECT_EQ(race.failed, 0);
  EXPECT_EQ(loyalty().GetCounter("points", "promo:drop")->uses, 5);
}

TEST_P(LoyaltyMembersTest, AProgramBudgetStopsEarningForThePeriod) {
  Define(R"({"id": "points", "kind": "points", "currency": "EUR", "earn": {"per_unit": 1},
             "budget": {"points": 100, "period": "month"}})");
  Record(Sale("B1", "C1", "2026-03-01T12:00:00Z", 10));  // 65
  Record(Sale("B2", "C2", "2026-03-02T12:00:00Z", 10));  // 35 left of the month's 100
  Record(Sale("B3", "C3", "2026-03-03T12:00:00Z", 10));  // nothing left
  Record(Sale("B4", "C3", "2026-04-01T12:00:00Z", 10));  // a new month
  EXPECT_EQ(Account("points", "C1").balance, 65);
  EXPECT_EQ(Account("points", "C2").balance, 35);
  EXPECT_EQ(Account("points", "C3").balance, 65);
  EXPECT_EQ(loyalty().GetCounter("points", "budget:2026-03")->points, 100);
  ExpectConsistent("points", "C2");
}

TEST_P(LoyaltyMembersTest, ReferralsRewardBothSidesOnceAndRefuseSelfReferralsAndRings) {
  Define(R"({"id": "points", "kind": "points", "currency": "EUR", "earn": {"per_unit": 1},
             "referral": {"referrer_points": 500, "referee_points": 200, "min_spend": "10.00"}})");
  SetCustomer("C1", "ana@example.com", "+45 11 22 33 44", R"({"payment_fingerprint": "fp_1"})");
  SetCustomer("C2", "bo@example.com", "+45 55 66 77 88");
  SetCustomer("C3", "ANA@example.com", "");
  SetCustomer("C4", "dina@example.com", "", R"({"payment_fingerprint": "fp_1"})");
  SetCustomer("C5", "eli@example.com", "+4511223344");
  ASSERT_TRUE(store_->Begin());
  auto invite = engine_.Invite(loyalty(), *store_, "C1", "bo@example.com", At("2026-03-01T10:00:00Z"));
  ASSERT_TRUE(invite) << invite.error().ToString();
  EXPECT_EQ(invite->status, loyalty::ReferralStatus::kInvited);
  auto code = loyalty().ReferralCode("C1", false);
  ASSERT_TRUE(code && *code);
  auto reg = engine_.Register(loyalty(), *store_, **code, "C2", At("2026-03-01T11:00:00Z"));
  ASSERT_TRUE(reg) << reg.error().ToString();
  EXPECT_EQ(reg->referral.status, loyalty::ReferralStatus::kRegistered);
  EXPECT_EQ(reg->referral.id, invite->id) << "the invitation became the referral";
  auto replay = engine_.Register(loyalty(), *store_, **code, "C2", At("2026-03-01T11:05:00Z"));
  ASSERT_TRUE(replay);
  EXPECT_TRUE(replay->replayed);
  auto refused = [&](const std::string& code_text, const std::string& referee) {
    auto r = engine_.Register(loyalty(), *store_, code_text, referee, At("2026-03-01T12:00:00Z"));
    EXPECT_TRUE(r) << (r ? "" : r.error().ToString());
    EXPECT_EQ(r ? r->referral.status : loyalty::ReferralStatus::kInvited, loyalty::ReferralStatus::kRefused);
    return r ? r->referral.reason : "";
  };
  EXPECT_NE(refused(**code, "C1").find("self-referral"), std::string::npos);
  EXPECT_NE(refused(**code, "C3").find("e-mail"), std::string::npos);
  EXPECT_NE(refused(**code, "C4").find("card"), std::string::npos);
  EXPECT_NE(refused(**code, "C5").find("phone"), std::string::npos);
  auto c2_code = loyalty().ReferralCode("C2", true);
  ASSERT_TRUE(c2_code && *c2_code);
  // C1 referred C2; C2 cannot refer C1 back.
  EXPECT_NE(refused(**c2_code, "C1").find("ring"), std::string::npos);
  ASSERT_TRUE(store_->Commit());

  Record(Sale("R0", "C2", "2026-03-02T12:00:00Z", 1));  // 6.50: under the minimum, does not qualify
  EXPECT_EQ(loyalty().ReferralOf("C2")->value().status, loyalty::ReferralStatus::kRegistered);
  Record(Sale("R1", "C2", "2026-03-03T12:00:00Z", 2));  // 13.00 qualifies
  Record(Sale("R2", "C2", "2026-03-04T12:00:00Z", 2));
  EXPECT_EQ(loyalty().ReferralOf("C2")->value().status, loyalty::ReferralStatus::kQualified);
  EXPECT_EQ(Account("points", "C1").balance, 500);
  EXPECT_EQ(Account("points", "C2").balance, 6 + 13 + 13 + 200);
  auto made = loyalty().ReferralsBy("C1");
  ASSERT_TRUE(made);
  int qualified = 0, refusals = 0;
  for (const auto& r : *made) {
    qualified += r.status == loyalty::ReferralStatus::kQualified;
    refusals += r.status == loyalty::ReferralStatus::kRefused;
  }
  EXPECT_EQ(qualified, 1);
  EXPECT_EQ(refusals, 4) << "refusals are kept with their reasons";

  // Someone who bought before signing up is not a new customer.
  SetCustomer("C6", "fay@example.com", "");
  Record(Sale("OLD", "C6", "2026-01-01T12:00:00Z", 1));
  ASSERT_TRUE(store_->Begin());
  EXPECT_NE(refused(**code, "C6").find("customer before"), std::string::npos);
  ASSERT_TRUE(store_->Commit());
}

TEST_P(LoyaltyMembersTest, MembersAreWarnedOnceAMonthBeforeTheirPointsExpire) {
  Define(R"({"id": "points", "kind": "points", "currency": "EUR", "earn": {"per_unit": 1},
             "expiry": "end_of_month", "expiry_warning_days": 7})");
  Record(Sale("W1", "C1", "2026-03-03T12:00:00Z", 10));  // 65 points, gone on 1 April
  Record(Sale("W2", "C1", "2026-03-04T12:00:00Z", 2));   // 13 more
  Record(Sale("W3", "C2", "2026-04-04T12:00:00Z", 2));   // next month's
  auto warn = [&](const std::string& at) {
    EXPECT_TRUE(store_->Begin());
    auto n = engine_.WarnExpiring(loyalty(), At(at));
    EXPECT_TRUE(n) << n.error().ToString();
    EXPECT_TRUE(store_->Commit());
    return n ? *n : -1;
  };
  EXPECT_EQ(warn("2026-03-20T00:00:00Z"), 0) << "12 days ahead: too early";
  EXPECT_EQ(warn("2026-03-25T00:00:00Z"), 1);
  EXPECT_EQ(warn("2026-03-26T00:00:00Z"), 0) << "once a month";
  EXPECT_EQ(warn("2026-04-24T00:00:00Z"), 1) << "C2's April points";
  auto events = store_->OutboxAfter(0, 1000);
  ASSERT_TRUE(events);
  std::vector<json> warnings;
  for (const auto& e : *events) {
    if (e.type == "points.expiring") warnings.push_back(json::parse(e.payload_json)["data"]);
  }
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(warnings[0]["customer"], "C1");
  EXPECT_EQ(warnings[0]["points"], 78);
  EXPECT_EQ(warnings[0]["month"], "2026-03");
  EXPECT_EQ(warnings[0]["first_expiry"], "2026-04-01T00:00:00Z");
  EXPECT_EQ(warnings[1]["customer"], "C2");
  auto never = loyalty::ParseProgram(R"({"id": "x", "kind": "points", "currency": "EUR", "earn": {"per_unit": 1},
                                         "expiry_warning_days": 7})");
  ASSERT_FALSE(never);
  EXPECT_EQ(never.error().field, "expiry_warning_days");
}

TEST_P(LoyaltyMembersTest, TheReportComparesMembersWithNonMembersOfTheSameFrequency) {
  Define(R"({"id": "points", "kind": "points", "currency": "EUR", "earn": {"per_unit": 1}, "enrollment": "sign_up"})");
  // Members M0-M19 signed up and bought once in the base window; 15 came back. Non-members
  // N0-N9 bought once (2 came back) and N10-N19 four times (3 came back).
  auto customer = [&](const std::string& id) { SetCustomer(id, "", ""); };
  int n = 0;
  auto buy = [&](const std::string& who, const std::string& at) { Record(Sale(fmt::format("X{}", n++), who, at, 1)); };
  for (int i = 0; i < 20; ++i) {
    std::string m = fmt::format("M{}", i), x = fmt::format("N{}", i);
    customer(m);
    customer(x);
    ASSERT_TRUE(store_->Begin());
    core::Event joined{m + "-join", m, "loyalty.joined", At("2026-01-01T09:00:00Z"), "{}"};
    ASSERT_TRUE(engine_.OnEvent(loyalty(), joined, *store_->PutEvent(joined), "test"));
    ASSERT_TRUE(store_->Commit());
    buy(m, "2026-02-10T12:00:00Z");
    if (i < 15) buy(m, "2026-05-10T12:00:00Z");
    if (i < 10) {
      buy(x, "2026-02-10T12:00:00Z");
      if (i < 2) buy(x, "2026-05-10T12:00:00Z");
    } else {
      for (int k = 0; k < 4; ++k) buy(x, fmt::format("2026-02-1{}T12:00:00Z", k));
      if (i < 13) buy(x, "2026-05-10T12:00:00Z");
    }
  }
  EXPECT_FALSE(loyalty().GetAccount("points", "N0")->has_value()) << "non-members earn nothing in a sign-up program";
  auto r = loyalty::Report(loyalty(), "points", At("2026-01-01T00:00:00Z"), At("2026-07-01T00:00:00Z"), BusinessZone(),
                           At("2026-07-01T00:00:00Z"));
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->retention.members.customers, 20);
  EXPECT_EQ(r->retention.members.retained, 15);
  EXPECT_EQ(r->retention.non_members.customers, 20);
  EXPECT_EQ(r->retention.non_members.retained, 5);
  ASSERT_TRUE(r->retention.non_members_matched);
  EXPECT_DOUBLE_EQ(*r->retention.non_members_matched, 0.2) << "members all bought once: compare with N0-N9";
  ASSERT_EQ(r->months.size(), 6u);
  EXPECT_EQ(r->months[0].active_members, 0) << "January: joined, bought nothing";
  EXPECT_EQ(r->months[1].active_members, 20);
  EXPECT_EQ(r->months[4].active_members, 15);
  EXPECT_EQ(r->members, 20);
}

TEST_P(LoyaltyMembersTest, RetainRaisesBirthdaysAndAnniversariesOnceAYear) {
  Define(R"({"id": "points", "kind": "points", "currency": "EUR", "earn": {"per_unit": 1},
             "bonuses": {"birthday": 100, "anniversary": 50}})");
  SetCustomer("C1", "", "", R"({"birthday": "1990-03-15"})");
  SetCustomer("C2", "", "", R"({"birthday": "02-29"})");
  SetCustomer("C3", "", "", R"({"birthday": "sometime"})");
  Record(Sale("J1", "C1", "2025-03-10T12:00:00Z", 2));  // joins on 10 March 2025
  Record(Sale("J2", "C2", "2025-06-01T12:00:00Z", 2));
  Record(Sale("J3", "C3", "2025-06-01T12:00:00Z", 2));
  auto celebrate = [&](const std::string& at) {
    EXPECT_TRUE(store_->Begin());
    auto n = engine_.Celebrate(loyalty(), At(at));
    EXPECT_TRUE(n) << n.error().ToString();
    EXPECT_TRUE(store_->Commit());
    return n ? *n : -1;
  };
  EXPECT_EQ(celebrate("2025-03-15T10:00:00Z"), 1) << "a birthday in the first year";
  EXPECT_EQ(celebrate("2025-03-15T11:00:00Z"), 0) << "once";
  EXPECT_EQ(celebrate("2026-02-28T10:00:00Z"), 1) << "29 February falls on the 28th in 2026";
  EXPECT_EQ(celebrate("2026-03-10T10:00:00Z"), 1) << "a year a member";
  EXPECT_EQ(celebrate("2026-03-15T10:00:00Z"), 1) << "the next birthday";
  EXPECT_EQ(Account("points", "C1").balance, 13 + 100 + 50 + 100);
  EXPECT_EQ(Account("points", "C2").balance, 13 + 100);
  EXPECT_EQ(Account("points", "C3").balance, 13) << "a birthday that is not a date is not guessed";
  ExpectConsistent("points", "C1");
  auto events = store_->OutboxAfter(0, 1000);
  ASSERT_TRUE(events);
  int birthdays = 0, anniversaries = 0;
  for (const auto& e : *events) {
    birthdays += e.type == "member.birthday";
    anniversaries += e.type == "member.anniversary";
  }
  EXPECT_EQ(birthdays, 3);
  EXPECT_EQ(anniversaries, 1);
}

INSTANTIATE_TEST_SUITE_P(BothDatabases, LoyaltyMembersTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& param_info) { return BackendName(param_info.param); });

}  // namespace
}  // namespace retain::testing
