#include "retention/recovery.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "retention/winback.h"

namespace retain::retention {
namespace {

using nlohmann::json;

BusinessZone Copenhagen() { return *BusinessZone::Load("Europe/Copenhagen"); }
Timestamp At(const char* text, const BusinessZone& zone) { return *ParseTimestamp(text, zone); }

TEST(RecoveryPolicy, DocumentErrorsNameTheField) {
  struct Case {
    json recovery;
    std::string field;
  };
  std::vector<Case> cases = {
      {{{"retry_days", {1, 3, 3}}}, "recovery.retry_days[2]"},
      {{{"retry_days", {0}}}, "recovery.retry_days[0]"},
      {{{"retry_days", "1,3"}}, "recovery.retry_days"},
      {{{"grace_days", -1}}, "recovery.grace_days"},
      {{{"final_action", "delete"}}, "recovery.final_action"},
      {{{"expiry_reminder_days", 1.5}}, "recovery.expiry_reminder_days"},
      {{{"retries", {1}}}, "recovery.retries"},
  };
  for (const auto& c : cases) {
    json doc = DefaultDeskDocument();
    doc["recovery"] = c.recovery;
    auto parsed = ParseDeskConfig(doc);
    ASSERT_FALSE(parsed.has_value()) << c.recovery.dump();
    EXPECT_EQ(parsed.error().field, c.field) << parsed.error().ToString();
  }
  json doc = DefaultDeskDocument();
  doc["winback"] = {{"after_days", 30}};
  auto parsed = ParseDeskConfig(doc);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().field, "winback.name");

  auto config = ParseDeskConfig(DefaultDeskDocument());
  ASSERT_TRUE(config.has_value()) << config.error().ToString();
  EXPECT_EQ(config->recovery.retry_days, (std::vector<int>{1, 3, 5, 7}));
  EXPECT_EQ(config->recovery.final_action, FinalAction::kCancel);
  EXPECT_EQ(config->winback.offer_name.at("da"), "30 % rabat i 3 måneder, hvis du kommer tilbage");
}

// Days are calendar days in the business's zone: a retry three days after 09:00 on the Friday
// before the clocks go forward is at 09:00 local on Monday, 71 hours later.
TEST(Recovery, RetryDaysKeepTheLocalTimeAcrossDaylightSaving) {
  BusinessZone zone = Copenhagen();
  RecoveryPolicy policy;
  Timestamp failed = At("2026-03-27T09:00:00", zone);
  EXPECT_EQ(FormatTimestamp(RetryAt(policy, failed, 1, zone)), "2026-03-30T07:00:00Z");
  EXPECT_EQ(RetryAt(policy, failed, 1, zone) - failed, std::chrono::hours(71));
  // Grace ends 7 days after the last retry (day 7): day 14, back on summer time's offset.
  EXPECT_EQ(FormatTimestamp(GraceEnd(policy, failed, zone)), "2026-04-10T07:00:00Z");
}

TEST(Recovery, PlanNextStepWalksTheSchedule) {
  BusinessZone zone = Copenhagen();
  RecoveryPolicy policy;  // retries on days 1, 3, 5, 7; grace 7 days; then cancel
  Timestamp opened = At("2026-05-04T10:00:00", zone);
  auto day = [&](double d) { return opened + std::chrono::seconds(static_cast<int64_t>(d * 86400)); };
  struct Case {
    int retries_done;
    RecoveryStatus status;
    double now_day;
    NextStep::Kind kind;
    int retry;
    int skipped;
    std::optional<double> next_day;
  };
  using K = NextStep::Kind;
  std::vector<Case> cases = {
      {0, RecoveryStatus::kRetrying, 0.5, K::kNothing, 0, 0, 1},     // before the first retry
      {0, RecoveryStatus::kRetrying, 1.0, K::kRetry, 1, 0, 3},       // the first retry's moment exactly
      {1, RecoveryStatus::kRetrying, 2.9, K::kNothing, 0, 0, 3},
      {1, RecoveryStatus::kRetrying, 3.5, K::kRetry, 2, 0, 5},
      {0, RecoveryStatus::kRetrying, 6.0, K::kRetry, 3, 2, 7},       // an outage: only the newest is asked for
      {3, RecoveryStatus::kRetrying, 7.0, K::kRetry, 4, 0, 14},      // the last retry; grace until day 14
      {4, RecoveryStatus::kGrace, 13.9, K::kNothing, 0, 0, 14},
      {4, RecoveryStatus::kGrace, 14.0, K::kFinalAction, 0, 0, std::nullopt},
      {1, RecoveryStatus::kRetrying, 20.0, K::kFinalAction, 0, 3, std::nullopt},  // grace over too: straight to the end
      {4, RecoveryStatus::kSuspended, 30.0, K::kNothing, 0, 0, std::nullopt},    // suspended waits for a payment
      {2, RecoveryStatus::kRecovered, 30.0, K::kNothing, 0, 0, std::nullopt},
  };
  for (const auto& c : cases) {
    Recovery r;
    r.opened_at = opened;
    r.retries_done = c.retries_done;
    r.status = c.status;
    NextStep step = PlanNextStep(policy, r, day(c.now_day), zone);
    std::string label = fmt::format("done {} at day {}", c.retries_done, c.now_day);
    EXPECT_EQ(step.kind, c.kind) << label;
    EXPECT_EQ(step.retry, c.retry) << label;
    EXPECT_EQ(step.skipped, c.skipped) << label;
    ASSERT_EQ(step.next_action_at.has_value(), c.next_day.has_value()) << label;
    if (c.next_day) {
      EXPECT_EQ(*step.next_action_at, day(*c.next_day)) << label;
    }
  }
}

TEST(Recovery, NoRetriesMeansGraceFromTheFailure) {
  BusinessZone zone = Copenhagen();
  RecoveryPolicy policy;
  policy.retry_days.clear();
  policy.grace_days = 5;
  Recovery r;
  r.opened_at = At("2026-05-04T10:00:00", zone);
  r.status = RecoveryStatus::kGrace;
  EXPECT_EQ(PlanNextStep(policy, r, r.opened_at + std::chrono::days(4), zone).kind, NextStep::Kind::kNothing);
  EXPECT_EQ(PlanNextStep(policy, r, r.opened_at + std::chrono::days(5), zone).kind, NextStep::Kind::kFinalAction);
}

TEST(Recovery, ReportCountsRatesRevenueStagesAndMonths) {
  BusinessZone zone = Copenhagen();
  Timestamp jan = At("2026-01-10T12:00:00", zone), feb = At("2026-02-10T12:00:00", zone);
  auto make = [&](Timestamp opened, RecoveryStatus status, std::string stage, double days, std::string reason) {
    Recovery r;
    r.opened_at = opened;
    r.status = status;
    r.amount_minor = 4000;
    r.currency = "EUR";
    r.failure_reason = std::move(reason);
    r.stage = std::move(stage);
    if (status == RecoveryStatus::kRecovered) {
      r.recovered_minor = 4000;
      r.closed_at = opened + std::chrono::seconds(static_cast<int64_t>(days * 86400));
    }
    return r;
  };
  std::vector<Recovery> rows = {
      make(jan, RecoveryStatus::kRecovered, "before_retry", 0.5, "insufficient_funds"),
      make(jan, RecoveryStatus::kRecovered, "retry_1", 1, "insufficient_funds"),
      make(jan, RecoveryStatus::kRecovered, "retry_1", 3, "card_declined"),
      make(feb, RecoveryStatus::kLost, "grace", 0, "expired_card"),
      make(feb, RecoveryStatus::kRetrying, "", 0, "card_declined"),
  };
  rows[4].manual_retries = 2;
  json report = RecoveryReport(rows, feb + std::chrono::days(1), zone);
  EXPECT_EQ(report["opened"], 5);
  EXPECT_EQ(report["recovered"], 3);
  EXPECT_EQ(report["lost"], 1);
  EXPECT_EQ(report["open"], 1);
  EXPECT_DOUBLE_EQ(report["recovery_rate"]["rate"].get<double>(), 0.75);  // 3 of the 4 decided
  EXPECT_EQ(report["at_risk_minor"], 20000);
  EXPECT_EQ(report["recovered_minor"], 12000);
  EXPECT_EQ(report["lost_minor"], 4000);
  EXPECT_EQ(report["manual_retries"], 2);
  EXPECT_DOUBLE_EQ(report["median_days_to_recover"].get<double>(), 1.0);
  EXPECT_EQ(report["recovered_by_stage"], json::parse(R"([{"stage":"before_retry","recovered":1},{"stage":"retry_1","recovered":2}])"));
  ASSERT_EQ(report["by_month"].size(), 2u);
  EXPECT_EQ(report["by_month"][0]["key"], "2026-01");
  EXPECT_EQ(report["by_month"][0]["recovered"], 3);
  EXPECT_EQ(report["by_month"][1]["lost"], 1);
  EXPECT_EQ(report["by_reason"][0]["key"], "card_declined");
  EXPECT_EQ(report["by_reason"][0]["opened"], 2);
}

// Simulated win-back: offered customers come back at 12 %, held-out ones at 5 %. Over 200
// simulated lists the report's intervals contain the true rates and the true lift about 95 % of
// the time, and the lift is always found above zero.
TEST(Winback, ReportMeasuresTheLiftAgainstTheHeldOutGroup) {
  BusinessZone zone = Copenhagen();
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  Timestamp entered = At("2026-03-01T08:00:00", zone);
  auto contains = [](const json& interval, double truth) {
    return interval["low"].get<double>() <= truth && truth <= interval["high"].get<double>();
  };
  int runs = 200, offered_in = 0, control_in = 0, lift_in = 0, lift_found = 0;
  json last;
  for (int run = 0; run < runs; ++run) {
    std::vector<WinbackEntry> rows;
    for (int i = 0; i < 3000; ++i) {
      WinbackEntry e;
      e.control = u(rng) < 0.3;
      e.entered_at = entered;
      e.cancel_cause = i % 3 == 0 ? "involuntary" : "voluntary";
      e.monthly_minor = 5000;
      bool back = u(rng) < (e.control ? 0.05 : 0.12);
      e.status = back ? WinbackStatus::kReactivated : WinbackStatus::kExpired;
      rows.push_back(e);
    }
    last = WinbackReport(rows, entered + std::chrono::days(100), zone);
    offered_in += contains(last["offered"]["reactivation_rate"], 0.12);
    control_in += contains(last["control"]["reactivation_rate"], 0.05);
    lift_in += contains(last["incremental_reactivation_rate"], 0.07);
    lift_found += last["incremental_reactivation_rate"]["low"].get<double>() > 0.0;
  }
  for (int in : {offered_in, control_in, lift_in}) {
    EXPECT_GE(in, 180) << "coverage " << in << " of " << runs;
    EXPECT_LE(in, 199) << "coverage " << in << " of " << runs;
  }
  EXPECT_EQ(lift_found, runs);
  EXPECT_EQ(last["revenue_reactivated_minor"], last["reactivated"].get<int64_t>() * 5000 * 12);
  EXPECT_EQ(last["offered"]["entered"].get<int64_t>() + last["control"]["entered"].get<int64_t>(), 3000);
  EXPECT_EQ(last["by_cause"].size(), 2u);
}

}  // namespace
}  // namespace retain::retention
