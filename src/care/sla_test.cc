#include "care/sla.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace retain::care {
namespace {

using nlohmann::json;

BusinessZone Zone(const char* name) { return *BusinessZone::Load(name); }
Timestamp At(const char* text, const BusinessZone& zone) {
  auto t = ParseTimestamp(text, zone);
  EXPECT_TRUE(t.has_value()) << text;
  return t.value_or(Timestamp{});
}

Calendar OfficeWithChristmas() {
  auto c = ParseCalendar(json::parse(R"({"hours": {"mon": ["09:00-17:00"], "tue": ["09:00-17:00"],
      "wed": ["09:00-17:00"], "thu": ["09:00-17:00"], "fri": ["09:00-12:00", "13:00-17:00"]},
      "holidays": ["2026-12-25"]})"));
  EXPECT_TRUE(c.has_value()) << c.error().ToString();
  return c.value_or(Calendar{});
}

// Business time between two local times, and the instant a target is reached, across weekends,
// a lunch break, holidays, time zones and daylight-saving changes.
TEST(BusinessTime, TableOfCalendarsZonesAndChanges) {
  struct Case {
    const char* what;
    Calendar calendar;
    const char* zone;
    const char* from;  // local time in the zone
    const char* to;
    int64_t seconds;   // business seconds between them
  };
  Calendar office = OfficeWithChristmas();
  std::vector<Case> cases = {
      {"within a day", office, "Europe/Copenhagen", "2026-06-02T10:00:00", "2026-06-02T11:30:00", 5400},
      {"before opening counts from nine", office, "Europe/Copenhagen", "2026-06-02T07:00:00", "2026-06-02T10:00:00", 3600},
      {"overnight", office, "Europe/Copenhagen", "2026-06-02T16:00:00", "2026-06-03T10:00:00", 7200},
      {"over the weekend", office, "Europe/Copenhagen", "2026-06-05T16:00:00", "2026-06-08T10:00:00", 7200},
      {"the lunch break on Friday", office, "Europe/Copenhagen", "2026-06-05T11:00:00", "2026-06-05T14:00:00", 7200},
      {"all weekend", office, "Europe/Copenhagen", "2026-06-06T08:00:00", "2026-06-07T20:00:00", 0},
      {"Christmas Day is closed", office, "Europe/Copenhagen", "2026-12-24T16:00:00", "2026-12-28T10:00:00", 7200},
      {"spring forward: a day of 23 hours", Calendar::Always(), "Europe/Copenhagen", "2026-03-28T12:00:00",
       "2026-03-30T12:00:00", 47 * 3600},
      {"fall back: a day of 25 hours", Calendar::Always(), "Europe/Copenhagen", "2026-10-24T12:00:00",
       "2026-10-26T12:00:00", 49 * 3600},
      {"office hours do not move at the change", office, "Europe/Copenhagen", "2026-03-27T16:00:00",
       "2026-03-30T10:00:00", 7200},
      {"the end before the start", office, "Europe/Copenhagen", "2026-06-02T11:00:00", "2026-06-02T10:00:00", 0},
  };
  for (const auto& c : cases) {
    BusinessZone zone = Zone(c.zone);
    Timestamp from = At(c.from, zone), to = At(c.to, zone);
    EXPECT_EQ(BusinessSeconds(c.calendar, zone, from, to), c.seconds) << c.what;
    if (c.seconds > 0 && to > from) {
      // Adding the business time back lands on `to` or, when `to` is outside hours, the close before it.
      Timestamp reached = AddBusinessSeconds(c.calendar, zone, from, c.seconds);
      EXPECT_LE(reached, to) << c.what;
      EXPECT_EQ(BusinessSeconds(c.calendar, zone, from, reached), c.seconds) << c.what;
    }
  }
}

TEST(BusinessTime, TheSameInstantsInTwoZones) {
  Calendar office = Calendar::Weekdays(9 * 60, 17 * 60);
  BusinessZone utc;
  Timestamp from = At("2026-06-01T07:30:00Z", utc), to = At("2026-06-01T08:30:00Z", utc);
  EXPECT_EQ(BusinessSeconds(office, Zone("Europe/Copenhagen"), from, to), 3600);  // 09:30-10:30 local
  EXPECT_EQ(BusinessSeconds(office, Zone("Europe/Lisbon"), from, to), 1800);      // 08:30-09:30 local
}

TEST(BusinessTime, TargetsLandInTheNextOpenHours) {
  BusinessZone cph = Zone("Europe/Copenhagen");
  Calendar office = OfficeWithChristmas();
  EXPECT_EQ(AddBusinessSeconds(office, cph, At("2026-06-05T16:00:00", cph), 2 * 3600), At("2026-06-08T10:00:00", cph));
  EXPECT_EQ(AddBusinessSeconds(office, cph, At("2026-06-06T12:00:00", cph), 3600), At("2026-06-08T10:00:00", cph));
  EXPECT_EQ(AddBusinessSeconds(office, cph, At("2026-12-24T16:30:00", cph), 3600), At("2026-12-28T09:30:00", cph));
  EXPECT_EQ(AddBusinessSeconds(office, cph, At("2026-06-05T11:30:00", cph), 3600), At("2026-06-05T13:30:00", cph))
      << "lunch on Friday";
  // Eight business hours from Friday 16:00 before the clocks go forward: one on Friday, seven on
  // Monday, whatever the weekend's length.
  EXPECT_EQ(AddBusinessSeconds(office, cph, At("2026-03-27T16:00:00", cph), 8 * 3600), At("2026-03-30T16:00:00", cph));
}

// The clock stops while the case waits on the customer, and a case resolved exactly at its
// target is on time; a second later it is breached.
TEST(SlaClock, PausesAndTheEdgeOfTheTarget) {
  BusinessZone cph = Zone("Europe/Copenhagen");
  Calendar office = Calendar::Weekdays(9 * 60, 17 * 60);
  Clock clock{At("2026-06-01T09:00:00", cph), {{At("2026-06-01T10:00:00", cph), At("2026-06-02T10:00:00", cph)}}};
  EXPECT_EQ(Elapsed(office, cph, clock, At("2026-06-02T11:00:00", cph)), 2 * 3600);
  EXPECT_EQ(Elapsed(office, cph, clock, At("2026-06-01T15:00:00", cph)), 3600) << "paused since ten";
  EXPECT_EQ(DueAt(office, cph, clock, 3 * 3600), At("2026-06-02T12:00:00", cph));
  EXPECT_EQ(DueAt(office, cph, clock, 1800), At("2026-06-01T09:30:00", cph)) << "due before the pause";

  Clock waiting{At("2026-06-01T09:00:00", cph), {{At("2026-06-01T10:00:00", cph), std::nullopt}}};
  EXPECT_FALSE(DueAt(office, cph, waiting, 2 * 3600).has_value()) << "no due time while waiting";
  EXPECT_EQ(Elapsed(office, cph, waiting, At("2026-06-03T12:00:00", cph)), 3600);

  SlaPolicy policy;
  policy.resolution_minutes = 8 * 60;
  policy.escalate_after_minutes = 60;
  Clock plain{At("2026-06-01T09:00:00", cph), {}};
  Timestamp due = *DueAt(office, cph, plain, policy.resolution_minutes * 60);
  EXPECT_EQ(due, At("2026-06-01T17:00:00", cph));
  struct Edge {
    Timestamp at;
    Escalation expected;
  };
  for (auto [at, expected] : {Edge{At("2026-06-01T14:59:59", cph), Escalation::kOnTime},
                              Edge{At("2026-06-01T15:00:00", cph), Escalation::kWarned},  // 75 % of 8 hours
                              Edge{due, Escalation::kWarned},  // resolved at the edge: within the target
                              Edge{due + std::chrono::seconds(1), Escalation::kWarned},  // closed: nothing accrues
                              Edge{At("2026-06-02T09:00:01", cph), Escalation::kBreached},
                              Edge{At("2026-06-02T09:59:59", cph), Escalation::kBreached},
                              Edge{At("2026-06-02T10:00:00", cph), Escalation::kEscalated}}) {
    EXPECT_EQ(EscalationOf(policy, policy.resolution_minutes, Elapsed(office, cph, plain, at)), expected)
        << FormatTimestamp(at);
  }
}

TEST(SlaPolicy, FirstMatchingPolicyWins) {
  std::vector<SlaPolicy> policies = {
      {"survey", {}, {}, {}, {"survey"}, 240, 1440},
      {"vip-billing", {"billing"}, {}, {"high"}, {}, 30, 240},
      {"urgent", {}, {"high"}, {}, {}, 60, 480},
      {"default", {}, {}, {}, {}, 480, 2400},
  };
  EXPECT_EQ(MatchPolicy(policies, {"billing", "low", "high", "phone"})->id, "vip-billing");
  EXPECT_EQ(MatchPolicy(policies, {"billing", "high", "low", "email"})->id, "urgent");
  EXPECT_EQ(MatchPolicy(policies, {"delivery", "low", "low", "letter"})->id, "default");
  EXPECT_EQ(MatchPolicy(policies, {"billing", "high", "high", "survey"})->id, "survey");  // by its channel first
  EXPECT_EQ(MatchPolicy({policies[1]}, {"delivery", "low", "low", "web"}), nullptr);
}

TEST(Calendar, ErrorsNameTheField) {
  struct Case {
    const char* doc;
    const char* field;
  };
  for (auto [doc, field] : {Case{R"({"hours": {"mon": ["9-17"]}})", "hours.mon[0]"},
                            Case{R"({"hours": {"mon": ["17:00-09:00"]}})", "hours.mon[0]"},
                            Case{R"({"hours": {"mon": ["09:00-12:00", "11:00-13:00"]}})", "hours.mon[1]"},
                            Case{R"({"hours": {"monday": ["09:00-17:00"]}})", "hours.monday"},
                            Case{R"({"hours": {}})", "hours"},
                            Case{R"({"hours": {"mon": ["09:00-17:00"]}, "holidays": ["2026-02-30"]})", "holidays[0]"},
                            Case{R"({"hours": {"mon": ["09:00-17:00"]}, "timezone": "UTC"})", "timezone"}}) {
    auto c = ParseCalendar(json::parse(doc));
    ASSERT_FALSE(c.has_value()) << doc;
    EXPECT_EQ(c.error().field, field) << doc << ": " << c.error().ToString();
  }
  auto late = ParseCalendar(json::parse(R"({"hours": {"sat": ["18:00-24:00"]}})"));
  ASSERT_TRUE(late.has_value()) << late.error().ToString();
  BusinessZone cph = Zone("Europe/Copenhagen");
  EXPECT_EQ(BusinessSeconds(*late, cph, At("2026-06-06T23:00:00", cph), At("2026-06-07T02:00:00", cph)), 3600)
      << "open until midnight";
}

}  // namespace
}  // namespace retain::care
