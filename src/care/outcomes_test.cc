#include "care/outcomes.h"

#include <gtest/gtest.h>

namespace retain::care {
namespace {

using nlohmann::json;

Timestamp At(const char* text) { return *ParseTimestamp(text, BusinessZone()); }

SubscriptionSpan Sub(const char* customer, const char* plan, const char* started, std::optional<const char*> ended = std::nullopt) {
  SubscriptionSpan s{std::string(customer) + "-" + plan, customer, plan, At(started), std::nullopt};
  if (ended) s.ended_at = At(*ended);
  return s;
}

CaseRecord Opened(int64_t id, const char* customer, const char* at) {
  CaseRecord c;
  c.id = id;
  c.customer = customer;
  c.opened_at = At(at);
  return c;
}

TEST(TenureBand, Bands) {
  EXPECT_EQ(TenureBand(At("2026-01-01"), At("2026-03-01")), "0-6 months");
  EXPECT_EQ(TenureBand(At("2025-06-01"), At("2026-01-10")), "6-12 months");
  EXPECT_EQ(TenureBand(At("2024-12-01"), At("2026-01-10")), "1-2 years");
  EXPECT_EQ(TenureBand(At("2023-01-01"), At("2026-01-10")), "2+ years");
}

// Counted by hand: A (1-2 years on TV) stays; B (6-12 months on TV, compensated) leaves after
// 41 days; C has no subscription; H complained too recently to count. The comparable customers
// are D (TV, 1-2 years, leaves in March) for A and E (TV, 6-12 months, stays) for B; F is on
// another plan and G is in another band.
TEST(RecoveryOutcomes, ComplainantsNextToComparableCustomers) {
  std::vector<SubscriptionSpan> subs = {
      Sub("A", "TV", "2024-12-01"),
      Sub("B", "TV", "2025-06-01", "2026-02-20"),
      Sub("D", "TV", "2024-11-01", "2026-03-01"),
      Sub("E", "TV", "2025-06-15"),
      Sub("F", "PHONE", "2025-06-15", "2026-01-20"),
      Sub("G", "TV", "2025-12-01", "2026-01-20"),
      Sub("H", "TV", "2025-01-01"),
  };
  std::vector<CaseRecord> cases = {Opened(1, "A", "2026-01-10"), Opened(2, "B", "2026-01-10"),
                                   Opened(3, "C", "2026-01-12"), Opened(4, "H", "2026-11-20"),
                                   Opened(5, "A", "2026-03-01")};  // A's second case does not count again
  Compensation paid;
  paid.case_id = 2;
  paid.status = "granted";
  Compensation asked;
  asked.case_id = 1;
  asked.status = "declined";
  json r = RecoveryOutcomes(cases, {paid, asked}, subs, At("2026-12-01"));
  EXPECT_EQ(r["complainants"], 4);
  EXPECT_EQ(r["not_subscribers"], 1);
  ASSERT_EQ(r["horizons"].size(), 3u);
  const json& d30 = r["horizons"][0];
  EXPECT_EQ(d30["days"], 30);
  EXPECT_EQ(d30["complainants"]["n"], 2);
  EXPECT_EQ(d30["complainants"]["k"], 2);
  EXPECT_EQ(d30["comparable"]["n"], 2);
  EXPECT_EQ(d30["comparable"]["k"], 2);
  const json& d90 = r["horizons"][1];
  EXPECT_EQ(d90["complainants"]["k"], 1);  // B left on 20 February
  EXPECT_EQ(d90["comparable"]["n"], 2);
  EXPECT_EQ(d90["comparable"]["k"], 1);    // D left on 1 March
  EXPECT_DOUBLE_EQ(d90["difference"]["estimate"].get<double>(), 0);
  EXPECT_EQ(d90["compensated"]["n"], 1);   // only B's compensation was granted
  EXPECT_EQ(d90["compensated"]["k"], 0);
  EXPECT_EQ(d90["not_compensated"]["k"], 1);
  const json& d180 = r["horizons"][2];
  EXPECT_EQ(d180["complainants"]["n"], 2);
  EXPECT_DOUBLE_EQ(d180["complainants"]["rate"].get<double>(), 0.5);
}

TEST(RecoveryOutcomes, NothingToCountIsNull) {
  json r = RecoveryOutcomes({}, {}, {}, At("2026-12-01"));
  EXPECT_EQ(r["complainants"], 0);
  EXPECT_TRUE(r["horizons"][0]["complainants"].is_null());
  EXPECT_TRUE(r["horizons"][0]["difference"].is_null());
}

}  // namespace
}  // namespace retain::care
