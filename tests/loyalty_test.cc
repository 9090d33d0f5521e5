// Loyalty against both databases: punch cards, points with pending and expiring lots, returns,
// coupons, idempotent re-imports, racing redemptions and the ledger's invariants under long
// random sequences.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "loyalty_fixture.h"

namespace retain::testing {
namespace {

using loyalty::LedgerKind;

TEST_P(LoyaltyTest, NineSubsEarnTheTenthFreeAndAReimportEarnsNothingMore) {
  Define(kSubsCard);
  std::string csv = "id,customer,occurred_at,currency,product,quantity,unit_price\n";
  for (int i = 1; i <= 10; ++i) csv += fmt::format("S{},C1,2026-03-{:02}T12:00:00Z,EUR,SUB,1,6.50\n", i, i);
  core::ImportOptions options;
  options.kind = core::RecordKind::kPurchase;
  options.path = dir_.Write("subs.csv", csv);
  options.batch_size = 3;
  options.after_purchase = [&](const core::Purchase& p, core::WriteOutcome o) {
    return engine_.OnPurchase(loyalty(), *store_, p, o, "import");
  };
  Quiet quiet;
  for (int run = 0; run < 2; ++run) {
    auto report = core::ImportFile(*store_, options, &quiet);
    ASSERT_TRUE(report) << report.error().ToString();
    EXPECT_EQ(report->rejected, 0);
    auto a = Account("subs", "C1");
    EXPECT_EQ(a.cards_completed, 1) << "run " << run;
    EXPECT_EQ(a.punches, 1) << "the tenth purchase starts the next card";
    auto coupons = loyalty().CouponsOf("C1");
    ASSERT_TRUE(coupons);
    ASSERT_EQ(coupons->size(), 1u) << "run " << run;
    EXPECT_EQ((*coupons)[0].reward, "card");
    EXPECT_EQ(FormatTimestamp(*(*coupons)[0].expires_at), "2026-06-07T12:00:00Z");  // 90 days after the 9th
    ExpectConsistent("subs", "C1");
  }
  auto code = (*loyalty().CouponsOf("C1"))[0].code;
  auto used = engine_.UseCoupon(loyalty(), code, "S11", At("2026-03-20T12:00:00Z"));
  ASSERT_TRUE(used) << used.error().ToString();
  EXPECT_TRUE(engine_.UseCoupon(loyalty(), code, "S11", At("2026-03-20T12:00:00Z")))
      << "asking again for the same use answers the same";
  auto twice = engine_.UseCoupon(loyalty(), code, "S12", At("2026-03-21T12:00:00Z"));
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(twice.error().message.find("was used"), std::string::npos);
  EXPECT_EQ(engine_.UseCoupon(loyalty(), "NOPE-NOPE-NOPE", "S12", At("2026-03-21T12:00:00Z")).error().code,
            ErrorCode::kNotFound);
}

TEST_P(LoyaltyTest, OnePunchADayAndAnExpiredCouponIsRefused) {
  Define(R"({"id": "subs", "kind": "punch_card", "punches": 2, "one_per_day": true,
             "reward": {"kind": "free_item", "product": "SUB", "valid_days": 10}})");
  Record(Sale("A", "C2", "2026-03-01T09:00:00Z", 1));
  Record(Sale("B", "C2", "2026-03-01T18:00:00Z", 3));
  EXPECT_EQ(Account("subs", "C2").punches, 1);
  Record(Sale("C", "C2", "2026-03-02T09:00:00Z", 1));
  auto a = Account("subs", "C2");
  EXPECT_EQ(a.cards_completed, 1);
  auto coupons = *loyalty().CouponsOf("C2");
  ASSERT_EQ(coupons.size(), 1u);
  auto late = engine_.UseCoupon(loyalty(), coupons[0].code, "X", At("2026-03-13T09:00:00Z"));
  ASSERT_FALSE(late);
  EXPECT_NE(late.error().message.find("expired"), std::string::npos) << late.error().message;
}

TEST_P(LoyaltyTest, PointsArePendingThenSpendableAndReturnsTakeTheirShareBack) {
  Define(kPoints);
  Record(Sale("P1", "C1", "2026-01-10T12:00:00Z", 20));  // 130.00 EUR: 130 points
  auto a = Account("points", "C1");
  EXPECT_EQ(a.balance, 130);
  // Pending for 14 days: not spendable yet.
  auto early = engine_.Redeem(loyalty(), "points", "C1", "coffee", "r1", "test", At("2026-01-20T12:00:00Z"));
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(early.error().message.find("0 available, 100 needed"), std::string::npos) << early.error().message;
  auto spent = engine_.Redeem(loyalty(), "points", "C1", "coffee", "r1", "test", At("2026-01-25T12:00:00Z"));
  ASSERT_TRUE(spent) << spent.error().ToString();
  EXPECT_FALSE(spent->replayed);
  auto again = engine_.Redeem(loyalty(), "points", "C1", "coffee", "r1", "test", At("2026-01-25T12:00:01Z"));
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->coupon.code, spent->coupon.code);
  EXPECT_EQ(Account("points", "C1").balance, 30);
  // Returning three quarters of the sale takes back 98 of its 130 points: the balance goes
  // negative and says so.
  Record(Return("P1R", "P1", "C1", "2026-01-26T12:00:00Z", 9750));
  a = Account("points", "C1");
  EXPECT_EQ(a.balance, 30 - 98);
  EXPECT_EQ(a.debt, 68);
  ExpectConsistent("points", "C1");
  // The same return again changes nothing; the rest of the sale returned takes the last 32.
  Record(Return("P1R", "P1", "C1", "2026-01-26T12:00:00Z", 9750));
  Record(Return("P1R2", "P1", "C1", "2026-01-27T12:00:00Z", 3250));
  EXPECT_EQ(Account("points", "C1").balance, -100);
  auto reversed = loyalty().SumByRef("points", "C1", "P1", LedgerKind::kReverse);
  EXPECT_EQ(*reversed, -130) << "never more than the sale earned";
  // New points pay the debt first.
  Record(Sale("P2", "C1", "2026-02-01T12:00:00Z", 20));
  a = Account("points", "C1");
  EXPECT_EQ(a.balance, 30);
  EXPECT_EQ(a.debt, 0);
  ExpectConsistent("points", "C1");
}

TEST_P(LoyaltyTest, SpendsDrawTheSoonestExpiringLotAndExpiryTakesWhatIsLeft) {
  Define(R"({"id": "points", "kind": "points", "currency": "EUR", "earn": {"per_unit": 1}, "expiry": {"after_days": 60},
             "rewards": [{"id": "coffee", "kind": "free_item", "product": "COFFEE", "points": 100}]})");
  Record(Sale("J", "C3", "2026-01-10T12:00:00Z", 20));  // 130 points, expiring 11 Mar
  Record(Sale("F", "C3", "2026-02-10T12:00:00Z", 20));  // 130 points, expiring 11 Apr
  auto spent = engine_.Redeem(loyalty(), "points", "C3", "coffee", "k", "test", At("2026-02-15T12:00:00Z"));
  ASSERT_TRUE(spent) << spent.error().ToString();
  auto lots = *loyalty().OpenLots("points", "C3");
  ASSERT_EQ(lots.size(), 2u);
  EXPECT_EQ(lots[0].remaining, 30) << "January's lot paid";
  EXPECT_EQ(lots[1].remaining, 130);
  auto expired = engine_.ExpireDue(loyalty(), At("2026-03-12T00:00:00Z"));
  ASSERT_TRUE(expired) << expired.error().ToString();
  EXPECT_EQ(*expired, 30);
  EXPECT_EQ(*engine_.ExpireDue(loyalty(), At("2026-03-12T00:00:00Z")), 0) << "expiring twice expires nothing";
  EXPECT_EQ(Account("points", "C3").balance, 130);
  auto page = loyalty().Ledger("points", "C3", "", 10);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->items.size(), 4u);
  EXPECT_EQ(page->items[0].kind, LedgerKind::kExpire);
  EXPECT_EQ(page->items[0].points, -30);
  ExpectConsistent("points", "C3");
}

TEST_P(LoyaltyTest, ACorrectedSaleEarnsTheDifference) {
  Define(kPoints);
  Record(Sale("P", "C2", "2026-01-10T12:00:00Z", 10));  // 65
  Record(Sale("P", "C2", "2026-01-10T12:00:00Z", 4));   // corrected to 26
  EXPECT_EQ(Account("points", "C2").balance, 26);
  Record(Sale("P", "C2", "2026-01-10T12:00:00Z", 6));   // 39
  EXPECT_EQ(Account("points", "C2").balance, 39);
  EXPECT_EQ(*loyalty().SumByRef("points", "C2", "P", LedgerKind::kEarn), 39);
  ExpectConsistent("points", "C2");
}

TEST_P(LoyaltyTest, ACorrectedSalePunchesTheDifference) {
  Define(R"({"id": "subs", "kind": "punch_card", "punches": 9, "per_item": true,
             "reward": {"kind": "free_item", "product": "SUB"}})");
  Record(Sale("Q", "C2", "2026-01-10T12:00:00Z", 3));
  EXPECT_EQ(Account("subs", "C2").punches, 3);
  Record(Sale("Q", "C2", "2026-01-10T12:00:00Z", 1));  // corrected: one sub
  EXPECT_EQ(Account("subs", "C2").punches, 1);
  Record(Sale("Q", "C2", "2026-01-10T12:00:00Z", 2));  // and again: two
  EXPECT_EQ(Account("subs", "C2").punches, 2);
  Record(Sale("Q", "C2", "2026-01-10T12:00:00Z", 2));  // the same again: nothing
  EXPECT_EQ(Account("subs", "C2").punches, 2);
  Record(Sale("Q", "C2", "2026-01-10T12:00:00Z", 10));  // ten: a card completes, one punch over
  EXPECT_EQ(Account("subs", "C2").punches, 1);
  EXPECT_EQ(Account("subs", "C2").cards_completed, 1);
  EXPECT_EQ(loyalty().CouponsOf("C2")->size(), 1u);
  ExpectConsistent("subs", "C2");
}

TEST_P(LoyaltyTest, CapsBoundWhatPurchasesEarnNotBonuses) {
  Define(R"({"id": "points", "kind": "points", "currency": "EUR", "earn": {"per_unit": 1}, "caps": {"day": 50},
             "bonuses": {"first_purchase": 100}})");
  Record(Sale("K1", "C1", "2026-01-10T09:00:00Z", 4));   // 26 and the 100 bonus
  Record(Sale("K2", "C1", "2026-01-10T10:00:00Z", 10));  // 65, capped to the 24 left of the day's 50
  EXPECT_EQ(Account("points", "C1").balance, 26 + 100 + 24);
  ExpectConsistent("points", "C1");
}

TEST_P(LoyaltyTest, RacingRedemptionsNeverOverspend) {
  Define(kPoints);
  Record(Sale("BIG", "C1", "2026-01-01T12:00:00Z", 100, 1000));  // 1000.00 EUR: 1000 points
  loyalty::Engine engine{BusinessZone()};
  auto race = Race(3, 8, [&](storage::SqlStore& store, int who, int i) -> Status {
    return engine.Redeem(store.loyalty(), "points", "C1", "coffee", fmt::format("w{}-{}", who, i), "test",
                         At("2026-02-01T12:00:00Z")).map([](auto&&) {});
  });
  EXPECT_EQ(race.granted, 10) << "1000 points buy ten 100-point rewards, no more";
  EXPECT_EQ(race.refused, 14);
  EXPECT_EQ(race.failed, 0);
  auto a = Account("points", "C1");
  EXPECT_EQ(a.balance, 0);
  EXPECT_EQ(loyalty().CouponsOf("C1")->size(), 10u);
  ExpectConsistent("points", "C1");
}

TEST_P(LoyaltyTest, LongRandomSequencesKeepTheLedgerWhole) {
  Define(R"({"id": "points", "kind": "points", "currency": "EUR", "earn": {"per_unit": 1}, "pending_days": 3,
             "expiry": {"after_days": 20}, "rewards": [{"id": "coffee", "kind": "free_item", "product": "COFFEE", "points": 40}]})");
  std::mt19937 rng(20261123);
  Timestamp now = At("2026-01-01T00:00:00Z");
  std::vector<std::pair<std::string, std::string>> sales;  // (id, customer)
  const char* customers[] = {"C1", "C2", "C3"};
  int steps = GetParam() == Backend::kSqlite ? 400 : 150;
  int redeemed = 0;
  int64_t expired = 0;
  for (int step = 0; step < steps; ++step) {
    now += std::chrono::hours(1 + rng() % 30);
    std::string customer = customers[rng() % 3];
    int action = static_cast<int>(rng() % 10);
    if (action < 5 || sales.empty()) {
      std::string id = fmt::format("S{}", step);
      Record(Sale(id, customer, FormatTimestamp(now), 1 + static_cast<int64_t>(rng() % 6),
                  100 + static_cast<int64_t>(rng() % 900)));
      sales.emplace_back(id, customer);
    } else if (action < 7) {
      auto [sale, who] = sales[rng() % sales.size()];
      auto original = store_->GetPurchase(sale);
      ASSERT_TRUE(original && *original);
      Record(Return(fmt::format("R{}", step), sale, who, FormatTimestamp(now), 1 + static_cast<int64_t>(rng() % static_cast<uint64_t>((*original)->total_minor))));
    } else if (action < 9) {
      ASSERT_TRUE(store_->Begin());
      auto r = engine_.Redeem(loyalty(), "points", customer, "coffee", fmt::format("k{}", step), "test", now);
      if (r) {
        ++redeemed;
      } else {
        EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition) << r.error().ToString();
      }
      ASSERT_TRUE(store_->Commit());
    } else {
      ASSERT_TRUE(store_->Begin());
      auto n = engine_.ExpireDue(loyalty(), now);
      ASSERT_TRUE(n) << n.error().ToString();
      expired += *n;
      ASSERT_TRUE(store_->Commit());
    }
    for (const char* c : customers) {
      auto a = loyalty().GetAccount("points", c);
      ASSERT_TRUE(a);
      if (*a) ExpectConsistent("points", c);
    }
    if (::testing::Test::HasFailure()) FAIL() << "at step " << step;
  }
  // The sequence did exercise every path.
  EXPECT_GT(redeemed, 5);
  EXPECT_GT(expired, 0);
  int64_t debt = 0;
  for (const char* c : customers) debt += Account("points", c).debt;
  RecordProperty("debt", static_cast<int>(debt));
}

TEST_P(LoyaltyTest, BonusesForAFirstPurchaseAndForEventsAreBookedOnce) {
  Define(R"({"id": "points", "kind": "points", "currency": "EUR", "earn": {"per_unit": 1},
             "bonuses": {"first_purchase": 100, "survey.answered": 25}})");
  Record(Sale("P1", "C1", "2026-01-10T12:00:00Z", 2));  // 13 + 100
  Record(Sale("P2", "C1", "2026-01-11T12:00:00Z", 2));  // 13, no second welcome
  EXPECT_EQ(Account("points", "C1").balance, 126);
  core::Event survey{"E1", "C2", "survey.answered", At("2026-01-12T12:00:00Z"), R"({"score": 9})"};
  core::Event other{"E2", "C2", "complaint.opened", At("2026-01-12T13:00:00Z"), "{}"};
  for (int run = 0; run < 2; ++run) {
    for (const auto& e : {survey, other}) {
      ASSERT_TRUE(store_->Begin());
      auto outcome = store_->PutEvent(e);
      ASSERT_TRUE(outcome);
      ASSERT_TRUE(engine_.OnEvent(loyalty(), e, *outcome, "test"));
      ASSERT_TRUE(store_->Commit());
    }
  }
  EXPECT_EQ(Account("points", "C2").balance, 25) << "one survey, booked once; complaints earn nothing";
  ExpectConsistent("points", "C1");
  ExpectConsistent("points", "C2");
  EXPECT_FALSE(loyalty::ParseProgram(R"({"id": "x", "kind": "points", "currency": "EUR", "earn": {"per_unit": 1},
                                        "bonuses": {"survey.answered": -5}})"));
}

TEST_P(LoyaltyTest, AFrequentShopperDiscountHoldsWhileEnoughPurchasesFallInTheWindow) {
  Define(R"({"id": "regulars", "kind": "frequent_shopper", "purchases": 3, "window_days": 30, "percent": 10,
             "qualifying": {"min_spend": "5.00"}, "currency": "EUR"})");
  auto status = [&](const std::string& at) {
    auto programs = *loyalty().Programs();
    auto st = loyalty::FrequentShopper(loyalty(), programs->Versions("regulars").back()->program, "C1", At(at));
    EXPECT_TRUE(st);
    return st ? *st : loyalty::FrequentShopperStatus{};
  };
  Record(Sale("F1", "C1", "2026-03-01T12:00:00Z", 1));
  Record(Sale("F2", "C1", "2026-03-10T12:00:00Z", 1));
  Record(Sale("SMALL", "C1", "2026-03-11T12:00:00Z", 1, 300));  // under the minimum spend: does not count
  EXPECT_EQ(status("2026-03-12T12:00:00Z").purchases, 2);
  EXPECT_EQ(status("2026-03-12T12:00:00Z").discount_percent, 0);
  Record(Sale("F3", "C1", "2026-03-20T12:00:00Z", 1));
  EXPECT_EQ(status("2026-03-20T13:00:00Z").discount_percent, 10);
  EXPECT_EQ(status("2026-03-30T12:00:00Z").discount_percent, 10);
  EXPECT_EQ(status("2026-04-01T12:00:00Z").discount_percent, 0) << "the 1 March purchase left the window";
  Record(Sale("F4", "C1", "2026-04-02T12:00:00Z", 1));
  EXPECT_EQ(status("2026-04-02T13:00:00Z").discount_percent, 10);
  Record(Return("F4R", "F4", "C1", "2026-04-03T12:00:00Z", 650));
  EXPECT_EQ(status("2026-04-03T13:00:00Z").purchases, 2) << "a returned purchase does not count";
  EXPECT_EQ(status("2026-04-03T13:00:00Z").discount_percent, 0);
  auto bad = loyalty::ParseProgram(R"({"id": "x", "kind": "frequent_shopper", "purchases": 3, "percent": 10})");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "window_days");
}

TEST_P(LoyaltyTest, TheMonthlyReportCountsInTheBusinessZone) {
  Define(R"({"id": "points", "kind": "points", "currency": "EUR", "earn": {"per_unit": 1}, "point_value_minor": 0.5,
             "expiry": {"after_days": 40}, "rewards": [{"id": "coffee", "kind": "free_item", "product": "COFFEE", "points": 50}]})");
  Define(kSubsCard);
  auto zone = *BusinessZone::Load("Europe/Copenhagen");
  loyalty::Engine engine(zone);
  auto record = [&](const core::Purchase& p) {
    ASSERT_TRUE(store_->Begin());
    auto outcome = store_->PutPurchase(p);
    ASSERT_TRUE(outcome);
    ASSERT_TRUE(engine.OnPurchase(loyalty(), *store_, p, *outcome, "test"));
    ASSERT_TRUE(store_->Commit());
  };
  // 31 Jan 23:30 UTC is 1 Feb in Copenhagen: February's.
  record(Sale("A", "C1", "2026-01-31T23:30:00Z", 10));  // 65 points, a punch
  record(Sale("B", "C2", "2026-01-15T12:00:00Z", 4));   // 26 points, a punch
  ASSERT_TRUE(store_->Begin());
  ASSERT_TRUE(engine.Redeem(loyalty(), "points", "C1", "coffee", "k1", "test", At("2026-02-10T12:00:00Z")));
  ASSERT_TRUE(engine.ExpireDue(loyalty(), At("2026-03-15T00:00:00Z")));
  ASSERT_TRUE(store_->Commit());
  auto r = loyalty::Report(loyalty(), "points", At("2025-12-31T23:00:00Z"), At("2026-03-31T22:00:00Z"), zone,
                           At("2026-04-01T00:00:00Z"));
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_EQ(r->months.size(), 3u);
  EXPECT_EQ(r->months[0].month, "2026-01");
  EXPECT_EQ(r->months[0].points_earned, 26);
  EXPECT_EQ(r->months[1].points_earned, 65);
  EXPECT_EQ(r->months[1].points_spent, 50);
  EXPECT_EQ(r->months[1].coupons_issued, 1);
  EXPECT_EQ(r->months[1].points_expired, 26) << "January's points expired on 24 February";
  EXPECT_EQ(r->months[2].points_expired, 15) << "what was left of February's 65, on 12 March";
  EXPECT_EQ(r->months[2].coupons_expired, 0) << "a coupon without an end never expires";
  EXPECT_EQ(r->outstanding_points, 0);
  EXPECT_EQ(r->members, 2);
  ASSERT_TRUE(r->liability_minor);
  EXPECT_EQ(*r->liability_minor, 0);
  auto card = loyalty::Report(loyalty(), "subs", At("2025-12-31T23:00:00Z"), At("2026-03-31T22:00:00Z"), zone,
                              At("2026-04-01T00:00:00Z"));
  ASSERT_TRUE(card);
  EXPECT_EQ(card->months[0].punches, 1) << "a punch per purchase";
  EXPECT_EQ(card->months[1].punches, 1);
  EXPECT_EQ(card->months[1].cards_completed, 0);
  EXPECT_EQ(card->members, 2);
}

INSTANTIATE_TEST_SUITE_P(BothDatabases, LoyaltyTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& param_info) { return BackendName(param_info.param); });

}  // namespace
}  // namespace retain::testing
