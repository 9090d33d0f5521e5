#include "care/report.h"

#include <gtest/gtest.h>

namespace retain::care {
namespace {

using nlohmann::json;

// Five cases counted by hand on an office calendar (weekdays 09:00-17:00, Copenhagen).
TEST(QualityReport, CountsByHand) {
  BusinessZone zone = *BusinessZone::Load("Europe/Copenhagen");
  auto at = [&](const char* text) { return *ParseTimestamp(text, zone); };
  CareConfig config{Calendar::Weekdays(9 * 60, 17 * 60), {}};
  auto make = [&](const char* opened, const char* category, const char* severity, std::optional<const char*> replied,
                  std::optional<const char*> resolved, int reopened) {
    CaseRecord c;
    c.opened_at = at(opened);
    c.category = category;
    c.severity = severity;
    c.first_response_minutes = 60;
    c.resolution_minutes = 480;
    if (replied) c.first_response_at = at(*replied);
    if (resolved) c.resolved_at = at(*resolved);
    c.status = resolved ? CaseStatus::kResolved : CaseStatus::kOpen;
    c.reopened = reopened;
    return c;
  };
  std::vector<CaseRecord> cases = {
      // Answered in 30 min, resolved in 4 h: both met.
      make("2026-06-01T09:00:00", "billing", "high", "2026-06-01T09:30:00", "2026-06-01T13:00:00", 0),
      // Answered in 90 min (missed), resolved after 10 business hours (missed), reopened once.
      make("2026-06-01T10:00:00", "billing", "high", "2026-06-01T11:30:00", "2026-06-02T12:00:00", 1),
      // Friday 16:30 to Monday 09:15: 45 business minutes (met); resolved Monday 12:00 (3.5 h, met).
      make("2026-06-05T16:30:00", "delivery", "low", "2026-06-08T09:15:00", "2026-06-08T12:00:00", 0),
      // July, still open, answered after 2 h.
      make("2026-07-01T09:00:00", "billing", "medium", "2026-07-01T11:00:00", std::nullopt, 0),
      // July, not answered yet.
      make("2026-07-02T09:00:00", "technical", "low", std::nullopt, std::nullopt, 0),
  };
  Compensation granted, asked;
  granted.status = "granted";
  granted.kind = CompensationKind::kCoupon;
  granted.value_minor = 650;
  granted.currency = "EUR";
  asked = granted;
  asked.status = "pending_approval";
  asked.value_minor = 9000;
  json r = QualityReport(cases, {granted, asked}, 2000, config, zone, at("2026-07-10T12:00:00"));
  EXPECT_EQ(r["cases"], 5);
  EXPECT_EQ(r["open"], 2);
  EXPECT_DOUBLE_EQ(r["per_1000_customers"].get<double>(), 2.5);
  // First responses: 30, 90, 45, 120 minutes.
  EXPECT_DOUBLE_EQ(r["first_response_minutes"]["median"].get<double>(), 45);
  EXPECT_DOUBLE_EQ(r["first_response_minutes"]["p90"].get<double>(), 120);
  EXPECT_EQ(r["first_response_met"], json({{"rate", 0.5}, {"k", 2}, {"n", 4}}));
  // Resolutions: 240, 600 (Mon 10:00-17:00 + Tue 09:00-12:00), 210 minutes.
  EXPECT_DOUBLE_EQ(r["resolution_minutes"]["median"].get<double>(), 240);
  EXPECT_DOUBLE_EQ(r["resolution_minutes"]["p90"].get<double>(), 600);
  EXPECT_DOUBLE_EQ(r["resolution_met"]["rate"].get<double>(), 2.0 / 3);
  EXPECT_DOUBLE_EQ(r["reopen_rate"]["rate"].get<double>(), 1.0 / 3);
  EXPECT_EQ(r["compensation_cost_minor"], 650) << "only what was granted";
  ASSERT_EQ(r["by_month"].size(), 2u);
  EXPECT_EQ(r["by_month"][0]["month"], "2026-06");
  EXPECT_EQ(r["by_month"][0]["by_category"], json({{"billing", 2}, {"delivery", 1}}));
  EXPECT_DOUBLE_EQ(r["by_month"][1]["per_1000_customers"].get<double>(), 1.0);
  EXPECT_EQ(r["top_problems"][0], json({{"problem", "billing / high"}, {"cases", 2}}));
}

}  // namespace
}  // namespace retain::care
