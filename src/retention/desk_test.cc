#include "retention/desk.h"

#include <gtest/gtest.h>

#include "retention/requests.h"

namespace retain::retention {
namespace {

using nlohmann::json;

Timestamp At(const char* text) { return *ParseTimestamp(text, BusinessZone()); }

CustomerView Subscriber() {
  CustomerView v;
  v.customer = "c1";
  v.plan = "premium";
  v.monthly_price_minor = 1000;
  v.currency = "EUR";
  v.tenure_days = 400;
  v.plan_prices = {{"premium", 1000}, {"basic", 600}, {"max", 1500}};
  v.addon_prices = {{"sports", 300}};
  return v;
}

DeskConfig Parse(const json& doc) {
  auto c = ParseDeskConfig(doc);
  EXPECT_TRUE(c.has_value()) << c.error().ToString();
  return c.value_or(DeskConfig{});
}

TEST(DeskConfig, DefaultDocumentParsesWithTalkTracksInEveryLanguage) {
  DeskConfig c = Parse(DefaultDeskDocument());
  EXPECT_GE(c.offers.size(), 5u);
  for (Reason r : kAllReasons) {
    for (const char* lang : {"en", "pt", "da"}) EXPECT_FALSE(c.TalkTrack(r, lang).empty()) << ReasonName(r) << " " << lang;
  }
  EXPECT_NE(c.TalkTrack(Reason::kMoving, "da"), c.TalkTrack(Reason::kMoving, "en"));
}

TEST(DeskConfig, ErrorsNameTheField) {
  struct Case {
    const char* document;
    const char* field;
  } cases[] = {
      {R"({"offers": 3})", "offers"},
      {R"({"offers": [], "control_share": 0.9})", "control_share"},
      {R"({"offers": [], "colour": 1})", "colour"},
      {R"({"offers": [{"id": "a", "kind": "discount", "name": "x", "months": 3}]})", "offers[0].percent"},
      {R"({"offers": [{"id": "a", "kind": "gift", "name": "x"}]})", "offers[0].kind"},
      {R"({"offers": [{"id": "a", "kind": "pause", "name": {"pt": "x"}, "months": 1}]})", "offers[0].name"},
      {R"({"offers": [{"id": "a", "kind": "credit", "name": "x", "amount_minor": 100},
                      {"id": "a", "kind": "credit", "name": "y", "amount_minor": 100}]})", "offers[1].id"},
      {R"({"offers": [{"id": "a", "kind": "downgrade", "name": "x"}]})", "offers[0].plan"},
      {R"({"offers": [{"id": "a", "kind": "credit", "name": "x", "amount_minor": 1,
                       "eligible": {"reasons": ["bored"]}}]})", "offers[0].eligible.reasons"},
      {R"({"offers": [{"id": "a", "kind": "credit", "name": "x", "amount_minor": 1,
                       "eligible": {"value_bands": ["gold"]}}]})", "offers[0].eligible.value_bands"},
      {R"({"offers": [], "talk_tracks": {"bored": "x"}})", "talk_tracks.bored"},
      {R"({"offers": [], "risk_bands": {"high": 0.2, "medium": 0.5}})", "risk_bands.medium"},
  };
  for (const auto& c : cases) {
    auto parsed = ParseDeskConfig(json::parse(c.document));
    ASSERT_FALSE(parsed.has_value()) << c.document;
    EXPECT_EQ(parsed.error().field, c.field) << c.document << ": " << parsed.error().ToString();
  }
}

TEST(OfferTerms, CostsByKind) {
  DeskConfig c = Parse(json::parse(R"({"offers": [
    {"id": "d", "kind": "discount", "name": "x", "percent": 20, "months": 3},
    {"id": "free", "kind": "discount", "name": "x", "percent": 100, "months": 2},
    {"id": "cr", "kind": "credit", "name": "x", "amount_minor": 750},
    {"id": "addon", "kind": "free_addon", "name": "x", "addon": "sports", "months": 4},
    {"id": "addon-cost", "kind": "free_addon", "name": "x", "addon": "sports", "months": 4, "addon_cost_per_month_minor": 50},
    {"id": "p", "kind": "pause", "name": "x", "months": 2},
    {"id": "down", "kind": "downgrade", "name": "x", "plan": "basic"},
    {"id": "o", "kind": "other", "name": "x", "cost_minor": 123}]})"));
  CustomerView v = Subscriber();
  struct Case {
    const char* offer;
    Terms terms;
  } cases[] = {
      {"d", {2000, 0, 600}},   {"free", {10000, 2, 2000}}, {"cr", {0, 0, 750}},  {"addon", {0, 4, 1200}},
      {"addon-cost", {0, 4, 200}}, {"p", {0, 0, 2000}},  {"down", {0, 0, 0}}, {"o", {0, 0, 123}},
  };
  for (const auto& k : cases) EXPECT_EQ(OfferTerms(*c.Find(k.offer), v), k.terms) << k.offer;
}

TEST(Authority, NamesEveryLimitExceeded) {
  staff::Authority agent = staff::DefaultAuthority(staff::Role::kAgent);  // 20 %, 1 month, 50.00
  EXPECT_TRUE(ExceededLimits({2000, 1, 5000}, agent).empty());
  EXPECT_EQ(ExceededLimits({2001, 0, 0}, agent), std::vector<std::string>{"max_discount_bp"});
  EXPECT_EQ(ExceededLimits({0, 2, 5001}, agent), (std::vector<std::string>{"max_free_months", "max_offer_cost_minor"}));
}

TEST(Eligibility, PoliciesDecideWhoGetsWhat) {
  DeskConfig c = Parse(json::parse(R"({"offers": [
    {"id": "price", "kind": "discount", "name": "x", "percent": 20, "months": 3,
     "eligible": {"reasons": ["too_expensive"], "min_tenure_days": 90, "repeat_after_months": 6}},
    {"id": "vip", "kind": "credit", "name": "x", "amount_minor": 100, "eligible": {"value_bands": ["high"]}},
    {"id": "new", "kind": "credit", "name": "x", "amount_minor": 100, "eligible": {"max_tenure_days": 30}},
    {"id": "students", "kind": "credit", "name": "x", "amount_minor": 100, "eligible": {"segments": ["student"]}},
    {"id": "basic", "kind": "downgrade", "name": "x", "plan": "basic"},
    {"id": "max", "kind": "downgrade", "name": "x", "plan": "max"}]})"));
  Timestamp now = At("2026-06-01");
  CustomerView v = Subscriber();  // value 12 x 10.00 = 120.00: low band (below 150.00)
  EXPECT_EQ(Ineligible(c, *c.Find("price"), v, Reason::kTooExpensive, now), "");
  EXPECT_NE(Ineligible(c, *c.Find("price"), v, Reason::kMoving, now), "");
  EXPECT_NE(Ineligible(c, *c.Find("vip"), v, Reason::kMoving, now), "");
  EXPECT_NE(Ineligible(c, *c.Find("new"), v, Reason::kMoving, now), "");
  EXPECT_NE(Ineligible(c, *c.Find("students"), v, Reason::kMoving, now), "");
  EXPECT_EQ(Ineligible(c, *c.Find("basic"), v, Reason::kMoving, now), "");
  EXPECT_NE(Ineligible(c, *c.Find("max"), v, Reason::kMoving, now), "") << "a dearer plan is no downgrade";
  CustomerView young = v;
  young.tenure_days = 20;
  EXPECT_NE(Ineligible(c, *c.Find("price"), young, Reason::kTooExpensive, now), "");
  EXPECT_EQ(Ineligible(c, *c.Find("new"), young, Reason::kMoving, now), "");
  CustomerView rich = v;
  rich.clv_minor = 80000;
  EXPECT_EQ(Ineligible(c, *c.Find("vip"), rich, Reason::kMoving, now), "");
  CustomerView student = v;
  student.segment = "student";
  EXPECT_EQ(Ineligible(c, *c.Find("students"), student, Reason::kMoving, now), "");
  // Not again within six months of being offered.
  CustomerView offered = v;
  offered.last_offered["price"] = At("2026-02-01");
  EXPECT_NE(Ineligible(c, *c.Find("price"), offered, Reason::kTooExpensive, now), "");
  offered.last_offered["price"] = At("2025-11-01");
  EXPECT_EQ(Ineligible(c, *c.Find("price"), offered, Reason::kTooExpensive, now), "");
}

TEST(Ranking, ExpectedNetValueOrdersOffersAndMarksThoseNeedingApproval) {
  DeskConfig c = Parse(json::parse(R"({"prior": {"accepted": 1, "declined": 1}, "offers": [
    {"id": "cheap", "kind": "credit", "name": "x", "amount_minor": 500},
    {"id": "rich", "kind": "discount", "name": "x", "percent": 50, "months": 6},
    {"id": "basic", "kind": "downgrade", "name": "x", "plan": "basic"}]})"));
  CustomerView v = Subscriber();  // worth 12,000 minor
  std::map<std::string, Tally> tallies = {{"cheap", {10, 90}}, {"rich", {60, 40}}, {"basic", {30, 70}}};
  auto lookup = [&](const std::string& id) { return tallies[id]; };
  auto ranked = RankOffers(c, v, Reason::kTooExpensive, At("2026-06-01"), staff::DefaultAuthority(staff::Role::kAgent),
                           lookup, nullptr);
  ASSERT_EQ(ranked.size(), 3u);
  // rich: 61/102 x (12000 - 3000) = 5382; basic: 31/102 x 7200 = 2188; cheap: 11/102 x 11500 = 1240.
  EXPECT_EQ(ranked[0].offer->id, "rich");
  EXPECT_EQ(ranked[1].offer->id, "basic");
  EXPECT_EQ(ranked[2].offer->id, "cheap");
  EXPECT_NEAR(ranked[0].expected_net_minor, 61.0 / 102 * 9000, 1e-6);
  EXPECT_EQ(ranked[1].value_minor, 7200);
  EXPECT_EQ(ranked[0].exceeded, (std::vector<std::string>{"max_discount_bp"}));
  EXPECT_TRUE(ranked[1].exceeded.empty());
}

// Synthetic cancel requests with known acceptance rates: the learner, sampling from its
// posteriors, comes to present the best offer; the control group's save rate and the
// incremental save rate bracket the truth.
TEST(Simulation, LearnerFindsTheBestOfferAndTheControlGroupMeasuresTheLift) {
  DeskConfig c = Parse(json::parse(R"({"thompson": true, "control_share": 0.2,
    "prior": {"accepted": 1, "declined": 1}, "offers": [
    {"id": "a", "kind": "credit", "name": "x", "amount_minor": 1000},
    {"id": "b", "kind": "credit", "name": "x", "amount_minor": 1000},
    {"id": "c", "kind": "credit", "name": "x", "amount_minor": 1000}]})"));
  const std::map<std::string, double> truth = {{"a", 0.15}, {"b", 0.30}, {"c", 0.45}};
  const double baseline = 0.10;  // who stays anyway, offer or not
  CustomerView v = Subscriber();
  std::mt19937_64 rng(20261123);
  std::bernoulli_distribution stays_anyway(baseline);
  std::map<std::string, Tally> tallies;
  auto lookup = [&](const std::string& id) { return tallies[id]; };
  std::vector<ReportRow> rows;
  int best_late = 0, late = 0;
  double true_offered_saves = 0;
  const int n = 4000;
  Timestamp now = At("2026-06-01");
  for (int i = 0; i < n; ++i) {
    ReportRow row;
    row.created_at = now;
    row.reason = "too_expensive";
    row.control = std::uniform_real_distribution<double>(0, 1)(rng) < c.control_share;
    bool saved = false;
    if (row.control) {
      saved = stays_anyway(rng);
    } else {
      auto ranked = RankOffers(c, v, Reason::kTooExpensive, now, staff::DefaultAuthority(staff::Role::kAdmin), lookup, &rng);
      const std::string& id = ranked.front().offer->id;
      double p = truth.at(id);
      bool accepted = std::bernoulli_distribution(p)(rng);
      (accepted ? tallies[id].accepted : tallies[id].declined)++;
      saved = accepted || stays_anyway(rng);
      true_offered_saves += p + (1 - p) * baseline;
      if (i >= n - 1000) {
        ++late;
        best_late += id == "c";
      }
      if (accepted) row.offer = id;
    }
    row.status = saved ? (row.offer.empty() ? "withdrawn" : "saved") : "cancelled";
    rows.push_back(row);
  }
  EXPECT_GT(static_cast<double>(best_late) / late, 0.8) << "the best offer is presented most once learnt";
  double a_mean = (1.0 + static_cast<double>(tallies["c"].accepted)) /
                  (2.0 + static_cast<double>(tallies["c"].accepted + tallies["c"].declined));
  EXPECT_NEAR(a_mean, 0.45, 0.04);

  json report = SaveReport(rows, now);
  const json& control = report["control"]["save_rate"];
  EXPECT_LE(control["low"].get<double>(), baseline);
  EXPECT_GE(control["high"].get<double>(), baseline);
  int64_t offered_n = report["offered"]["decided"];
  double true_lift = true_offered_saves / static_cast<double>(offered_n) - baseline;
  const json& lift = report["incremental_save_rate"];
  EXPECT_LE(lift["low"].get<double>(), true_lift);
  EXPECT_GE(lift["high"].get<double>(), true_lift);
  EXPECT_GT(lift["low"].get<double>(), 0.2) << "offering clearly beats not offering here";
}

// The intervals the report gives hold the truth about 95 % of the time.
TEST(Intervals, WilsonAndNewcombeCoverage) {
  std::mt19937_64 rng(7);
  int wilson_hits = 0, newcombe_hits = 0;
  const int reps = 600;
  for (int r = 0; r < reps; ++r) {
    std::binomial_distribution<int64_t> control(150, 0.12), offered(600, 0.4);
    Rate c = WilsonRate(control(rng), 150);
    Rate o = WilsonRate(offered(rng), 600);
    wilson_hits += c.low <= 0.12 && 0.12 <= c.high;
    auto d = RateDifference(o, c);
    ASSERT_TRUE(d.has_value());
    newcombe_hits += d->low <= 0.28 && 0.28 <= d->high;
  }
  EXPECT_NEAR(static_cast<double>(wilson_hits) / reps, 0.95, 0.03);
  EXPECT_NEAR(static_cast<double>(newcombe_hits) / reps, 0.95, 0.03);
  EXPECT_FALSE(RateDifference(WilsonRate(0, 0), WilsonRate(1, 2)).has_value());
}

TEST(SaveReport, CountsSavesKeptCustomersAndReturnOnIncentive) {
  Timestamp now = At("2026-06-01");
  auto row = [&](const char* status, const char* offer, int days_ago, std::optional<int> cancelled_days_after, bool control) {
    ReportRow r;
    r.reason = "too_expensive";
    r.channel = "phone";
    r.agent = "user:ana";
    r.status = status;
    r.offer = offer;
    r.control = control;
    r.cost_minor = *offer ? 600 : 0;
    r.monthly_minor = 1000;
    r.created_at = now - std::chrono::days(days_ago);
    if (cancelled_days_after) r.cancelled_at = r.created_at + std::chrono::days(*cancelled_days_after);
    return r;
  };
  std::vector<ReportRow> rows = {
      row("saved", "d", 100, std::nullopt, false),  // kept at 30 and 90
      row("saved", "d", 100, 45, false),            // kept at 30, not at 90
      row("cancelled", "", 100, 20, false),         // gone
      row("withdrawn", "", 10, std::nullopt, true), // too young to count at 30 days
      row("open", "", 1, std::nullopt, false),      // not decided
  };
  json r = SaveReport(rows, now);
  EXPECT_EQ(r["requests"], 5);
  EXPECT_EQ(r["decided"], 4);
  EXPECT_EQ(r["saved"], 3);
  EXPECT_DOUBLE_EQ(r["save_rate"]["rate"].get<double>(), 0.75);
  EXPECT_EQ(r["kept_30_days"]["n"], 3);
  EXPECT_DOUBLE_EQ(r["kept_30_days"]["rate"].get<double>(), 2.0 / 3);
  EXPECT_DOUBLE_EQ(r["kept_90_days"]["rate"].get<double>(), 1.0 / 3);
  EXPECT_EQ(r["revenue_saved_minor"], 3 * 1000 * 12);
  EXPECT_EQ(r["incentive_cost_minor"], 1200);
  EXPECT_DOUBLE_EQ(r["return_on_incentive"].get<double>(), 36000.0 / 1200);
  EXPECT_EQ(r["control"]["requests"], 1);
  ASSERT_EQ(r["by_offer"].size(), 3u);  // (control), (none accepted), d
  EXPECT_EQ(r["by_offer"][2]["key"], "d");
  EXPECT_EQ(r["by_offer"][2]["saved"], 2);
  // By month opened: 100 days before 1 June is 21 February; 10 days and 1 day before are in May.
  ASSERT_EQ(r["by_month"].size(), 2u) << r["by_month"].dump();
  EXPECT_EQ(r["by_month"][0]["key"], "2026-02");
  EXPECT_EQ(r["by_month"][0]["saved"], 2);
  EXPECT_EQ(r["by_month"][1]["key"], "2026-05");
  EXPECT_EQ(r["by_month"][1]["requests"], 2);
  // The month is the business's: 23:30 UTC on 31 May is 1 June in Copenhagen.
  std::vector<ReportRow> late = {row("saved", "d", 0, std::nullopt, false)};
  late[0].created_at = At("2026-05-31T23:30:00Z");
  EXPECT_EQ(SaveReport(late, now, *BusinessZone::Load("Europe/Copenhagen"))["by_month"][0]["key"], "2026-06");
  EXPECT_EQ(SaveReport(late, now)["by_month"][0]["key"], "2026-05");
}

TEST(Dates, MonthsAndPeriodsInTheBusinessZone) {
  auto zone = *BusinessZone::Load("Europe/Lisbon");
  EXPECT_EQ(FormatTimestamp(AddMonths(At("2026-01-31T10:00:00Z"), 1, zone)), "2026-02-28T10:00:00Z");
  // Across the change to summer time the local hour stays 10:00 (09:00 UTC after it).
  EXPECT_EQ(FormatTimestamp(AddMonths(At("2026-03-15T10:00:00Z"), 1, zone)), "2026-04-15T09:00:00Z");
  Timestamp started = At("2025-01-20T12:00:00Z");
  EXPECT_EQ(FormatTimestamp(PeriodEnd(started, false, At("2026-06-01T00:00:00Z"), zone)), "2026-06-20T11:00:00Z");
  EXPECT_EQ(FormatTimestamp(PeriodEnd(started, false, At("2026-06-25T00:00:00Z"), zone)), "2026-07-20T11:00:00Z");
  EXPECT_EQ(FormatTimestamp(PeriodEnd(started, true, At("2026-06-01T00:00:00Z"), zone)), "2027-01-20T12:00:00Z");
}

}  // namespace
}  // namespace retain::retention
