#include "loyalty/program.h"

#include <gtest/gtest.h>

#include "loyalty/engine.h"

namespace retain::loyalty {
namespace {

core::Purchase Sale(std::vector<core::PurchaseLine> lines, std::string currency = "EUR") {
  core::Purchase p;
  p.external_id = "P1";
  p.customer = "C1";
  p.currency = std::move(currency);
  for (auto& l : lines) {
    if (l.amount_minor == 0) l.amount_minor = l.quantity * l.unit_price_minor;
    p.total_minor += l.amount_minor;
  }
  p.lines = std::move(lines);
  return p;
}

core::PurchaseLine Line(std::string product, int64_t qty, int64_t unit_minor) {
  core::PurchaseLine l;
  l.product = std::move(product);
  l.quantity = qty;
  l.unit_price_minor = unit_minor;
  return l;
}

TEST(ProgramTest, TheSandwichCardIsOneLine) {
  auto p = ParseProgram(R"({"id": "subs", "kind": "punch_card", "punches": 9, "reward": {"kind": "free_item", "product": "SUB"}})");
  ASSERT_TRUE(p) << p.error().ToString();
  EXPECT_EQ(p->kind, ProgramKind::kPunchCard);
  EXPECT_EQ(p->card.punches, 9);
  ASSERT_NE(p->FindReward(p->card.reward), nullptr);
  EXPECT_EQ(p->FindReward(p->card.reward)->product, "SUB");
  EXPECT_EQ(p->name.at("en"), "subs");
}

TEST(ProgramTest, ErrorsNameTheField) {
  struct Case {
    const char* doc;
    const char* field;
  } cases[] = {
      {R"({"kind": "points"})", "id"},
      {R"({"id": "Bad Id", "kind": "points"})", "id"},
      {R"({"id": "x", "kind": "stamps"})", "kind"},
      {R"({"id": "x", "kind": "punch_card", "reward": {"kind": "free_item", "product": "S"}})", "punches"},
      {R"({"id": "x", "kind": "punch_card", "punches": 0, "reward": "r"})", "punches"},
      {R"({"id": "x", "kind": "punch_card", "punches": 9, "reward": "nope"})", "reward"},
      {R"({"id": "x", "kind": "punch_card", "punches": 9, "reward": {"kind": "free_item"}})", "reward.product"},
      {R"({"id": "x", "kind": "punch_card", "punches": 9, "punchs": 3, "reward": {"kind": "gift", "description": "mug"}})", "punchs"},
      {R"({"id": "x", "kind": "points", "currency": "EUR"})", "earn"},
      {R"({"id": "x", "kind": "points", "currency": "EUR", "earn": {"per_unit": -1}})", "earn.per_unit"},
      {R"({"id": "x", "kind": "points", "earn": {"per_unit": 1}})", "currency"},
      {R"({"id": "x", "kind": "points", "currency": "EUR", "earn": {"per_unit": 1}, "expiry": "sometimes"})", "expiry"},
      {R"({"id": "x", "kind": "points", "currency": "EUR", "earn": {"per_unit": 1}, "caps": {"day": 0}})", "caps.day"},
      {R"({"id": "x", "kind": "points", "currency": "EUR", "earn": {"per_unit": 1, "multipliers": [{"factor": 2}]}})", "earn.multipliers[0]"},
      {R"({"id": "x", "kind": "points", "currency": "EUR", "earn": {"per_unit": 1}, "rewards": [{"id": "a", "kind": "percent_off"}]})", "rewards[0].percent"},
      {R"({"id": "x", "kind": "points", "currency": "EUR", "earn": {"per_unit": 1}, "qualifying": {"min_spend": "1.234"}})", "qualifying.min_spend"},
  };
  for (const auto& c : cases) {
    auto p = ParseProgram(c.doc);
    ASSERT_FALSE(p) << c.doc;
    EXPECT_EQ(p.error().field, c.field) << c.doc << " -> " << p.error().ToString();
  }
  EXPECT_FALSE(ParseProgram("{not json"));
}

TEST(ProgramTest, PointsEarnPerUnitWithMultipliersAndRoundDownOnce) {
  auto p = ParseProgram(R"({"id": "pts", "kind": "points", "currency": "EUR",
      "earn": {"per_unit": 1, "multipliers": [{"category": "subs", "factor": 2}, {"product": "COLA", "factor": 1.5}]}})");
  ASSERT_TRUE(p) << p.error().ToString();
  Categories cats = {{"SUB", "subs"}, {"COLA", "drinks"}, {"CHIPS", "snacks"}};
  // 2 x 6.50 subs at double = 26 points; 1.99 cola at 1.5 = 2.985; 1.25 chips = 1.25: 30.235 -> 30.
  auto b = Evaluate(*p, Sale({Line("SUB", 2, 650), Line("COLA", 1, 199), Line("CHIPS", 1, 125)}), cats);
  EXPECT_EQ(b.points, 30);
  EXPECT_EQ(b.items, 4);
  EXPECT_EQ(b.qualifying_minor, 1300 + 199 + 125);
  // Another currency earns nothing.
  EXPECT_EQ(Evaluate(*p, Sale({Line("SUB", 2, 650)}, "DKK"), cats).points, 0);
}

TEST(ProgramTest, FractionsOfLinesAddUpBeforeRounding) {
  auto p = ParseProgram(R"({"id": "pts", "kind": "points", "currency": "EUR", "earn": {"per_unit": 1.5}})");
  ASSERT_TRUE(p);
  // Three lines of 0.99 at 1.5 points per euro: 4.455 points, 4 (rounding each line would give 3).
  auto b = Evaluate(*p, Sale({Line("A", 1, 99), Line("B", 1, 99), Line("C", 1, 99)}), {});
  EXPECT_EQ(b.points, 4);
}

TEST(ProgramTest, QualifyingLinesAndMinimumSpend) {
  auto p = ParseProgram(R"({"id": "subs", "kind": "punch_card", "currency": "EUR", "punches": 9,
      "qualifying": {"categories": ["subs"], "min_spend": "6.00"}, "per_item": true,
      "reward": {"kind": "free_item", "product": "SUB"}})");
  ASSERT_TRUE(p) << p.error().ToString();
  Categories cats = {{"SUB", "subs"}, {"COLA", "drinks"}};
  EXPECT_EQ(Evaluate(*p, Sale({Line("SUB", 3, 650), Line("COLA", 2, 199)}), cats).punches, 3);
  EXPECT_EQ(Evaluate(*p, Sale({Line("COLA", 5, 199)}), cats).punches, 0);
  auto cheap = ParseProgram(R"({"id": "s", "kind": "punch_card", "currency": "EUR", "punches": 9,
      "qualifying": {"min_spend": "10.00"}, "reward": {"kind": "free_item", "product": "SUB"}})");
  ASSERT_TRUE(cheap);
  EXPECT_EQ(Evaluate(*cheap, Sale({Line("SUB", 1, 650)}), cats).punches, 0);
  EXPECT_EQ(Evaluate(*cheap, Sale({Line("SUB", 2, 650)}), cats).punches, 1);
}

TEST(ProgramTest, ExpiryBoundariesFollowTheBusinessZone) {
  auto zone = BusinessZone::Load("Europe/Copenhagen");
  ASSERT_TRUE(zone);
  // 31 Jan 23:30 UTC is already 1 Feb in Copenhagen: end of month is 1 Mar 00:00 local.
  auto earned = ParseTimestamp("2026-01-31T23:30:00Z", *zone);
  ASSERT_TRUE(earned);
  auto eom = ExpiresAt({ExpiryRule::kEndOfMonth, 0}, *earned, *zone);
  ASSERT_TRUE(eom);
  EXPECT_EQ(FormatTimestamp(*eom), "2026-02-28T23:00:00Z");
  auto eoy = ExpiresAt({ExpiryRule::kEndOfYear, 0}, *earned, *zone);
  EXPECT_EQ(FormatTimestamp(*eoy), "2026-12-31T23:00:00Z");
  EXPECT_EQ(FormatTimestamp(*ExpiresAt({ExpiryRule::kAfterDays, 30}, *earned, *zone)), "2026-03-02T23:30:00Z");
  EXPECT_FALSE(ExpiresAt({}, *earned, *zone));
}

TEST(ProgramTest, CouponCodesAreReadableAndDiffer) {
  auto a = NewCouponCode();
  auto b = NewCouponCode();
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  EXPECT_EQ(a->size(), 14u);
  EXPECT_EQ(a->find_first_of("IO01"), std::string::npos);
  EXPECT_EQ((*a)[4], '-');
}

TEST(ProgramTest, TomlDocumentsMeanWhatTheJsonOnesDo) {
  auto toml = ProgramDocumentFromText(R"(
id = "points"
kind = "points"
currency = "EUR"
name = { en = "Sandwich points", da = "Sandwichpoint" }
expiry = { after_days = 365 }

[earn]
per_unit = 1.5
multipliers = [ { category = "drinks", factor = 2 } ]

[tiers]
measure = "spend"
downgrade = { after_days_below = 30 }
levels = [ { id = "gold", threshold = "250.00", discount_percent = 5 } ]

[[promotions]]
id = "december"
kind = "multiplier"
factor = 2
starts = 2026-12-01
ends = 2027-01-01T00:00:00+01:00
)");
  ASSERT_TRUE(toml) << toml.error().ToString();
  auto program = ParseProgramDocument(*toml);
  ASSERT_TRUE(program) << program.error().ToString();
  EXPECT_EQ(program->points.per_unit_milli, 1500);
  EXPECT_EQ(program->name.at("da"), "Sandwichpoint");
  EXPECT_EQ(program->tiers.levels.at(0).threshold, 25000);
  EXPECT_EQ(program->tiers.days_below, 30);
  ASSERT_EQ(program->promotions.size(), 1u);
  EXPECT_EQ(program->promotions[0].starts, "2026-12-01");
  EXPECT_EQ(program->promotions[0].ends, "2027-01-01T00:00:00+01:00");
  auto json_doc = ProgramDocumentFromText(R"({"id": "subs", "kind": "punch_card", "punches": 9,
                                              "reward": {"kind": "free_item", "product": "SUB"}})");
  auto toml_doc = ProgramDocumentFromText("id = \"subs\"\nkind = \"punch_card\"\npunches = 9\n"
                                          "reward = { kind = \"free_item\", product = \"SUB\" }\n");
  ASSERT_TRUE(json_doc && toml_doc);
  EXPECT_EQ(*json_doc, *toml_doc);

  auto broken = ProgramDocumentFromText("id = \"x\"\nkind = = \"points\"\n");
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message.find("line 2, column"), std::string::npos) << broken.error().message;
  auto bad_json = ProgramDocumentFromText("{\"id\": \"x\",\n \"kind\": }");
  ASSERT_FALSE(bad_json);
  EXPECT_NE(bad_json.error().message.find("line 2"), std::string::npos) << bad_json.error().message;
  // A misspelt key in TOML is refused by name, as in JSON.
  auto typo = ParseProgramDocument(*ProgramDocumentFromText("id = \"x\"\nkind = \"points\"\ncurrency = \"EUR\"\n"
                                                             "earn = { per_unit = 1 }\nexpirey = \"never\"\n"));
  ASSERT_FALSE(typo);
  EXPECT_EQ(typo.error().field, "expirey");
}

}  // namespace
}  // namespace retain::loyalty
