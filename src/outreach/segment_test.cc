#include "outreach/segment.h"

#include "outreach/facts_store.h"

#include <random>

#include <gtest/gtest.h>

namespace retain::outreach {
namespace {

Facts Customer(std::string tier, double risk, std::optional<double> days, std::string locale, bool email = true) {
  Facts f;
  f.values[*FieldIndex("tier")] = tier.empty() ? Value() : Value(std::move(tier));
  f.values[*FieldIndex("churn_risk")] = risk;
  f.values[*FieldIndex("days_since_last_purchase")] = days ? Value(*days) : Value();
  f.values[*FieldIndex("locale")] = std::move(locale);
  f.values[*FieldIndex("email_consent")] = email;
  return f;
}

TEST(Segment, TheIssuesExampleParsesAndMatches) {
  auto s = ParseSegment(
      "tier = \"gold\" and churn_risk > 0.6 and days_since_last_purchase between 30 and 90\n"
      "  and locale in (\"pt\", \"da\")");
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(s->fields.size(), 4u);
  EXPECT_TRUE(Matches(*s->root, Customer("gold", 0.7, 45, "pt")));
  EXPECT_TRUE(Matches(*s->root, Customer("gold", 0.61, 30, "da")));   // between includes its ends
  EXPECT_TRUE(Matches(*s->root, Customer("gold", 0.61, 90, "da")));
  EXPECT_FALSE(Matches(*s->root, Customer("gold", 0.6, 45, "pt")));   // > is strict
  EXPECT_FALSE(Matches(*s->root, Customer("silver", 0.9, 45, "pt")));
  EXPECT_FALSE(Matches(*s->root, Customer("gold", 0.9, 91, "pt")));
  EXPECT_FALSE(Matches(*s->root, Customer("gold", 0.9, std::nullopt, "pt")));  // no purchase: null
  EXPECT_FALSE(Matches(*s->root, Customer("gold", 0.9, 45, "en")));
}

// Only the customers checked can change: one who entered, one who left, and the members not in
// this batch stay as they were.
TEST(Segment, DiffMembersNamesWhoEnteredAndWhoLeft) {
  auto s = ParseSegment("churn_risk > 0.6");
  ASSERT_TRUE(s);
  std::vector<CustomerFacts> checked = {{"A", Customer("", 0.9, 1, "en")},
                                        {"B", Customer("", 0.1, 1, "en")},
                                        {"C", Customer("", 0.7, 1, "en")}};
  auto changes = DiffMembers(*s, checked, {"B", "C", "Z"});
  EXPECT_EQ(changes.entered, std::vector<std::string>{"A"});
  EXPECT_EQ(changes.left, std::vector<std::string>{"B"});
  EXPECT_TRUE(DiffMembers(*s, {}, {"B"}).left.empty());
}

TEST(Segment, PrecedenceNotAndOrParentheses) {
  // and binds tighter than or; not tighter than and.
  auto s = ParseSegment("locale = \"en\" or locale = \"pt\" and not email_consent = true");
  ASSERT_TRUE(s);
  EXPECT_TRUE(Matches(*s->root, Customer("", 0, 1, "en", true)));
  EXPECT_FALSE(Matches(*s->root, Customer("", 0, 1, "pt", true)));
  EXPECT_TRUE(Matches(*s->root, Customer("", 0, 1, "pt", false)));
  auto p = ParseSegment("(locale = \"en\" or locale = \"pt\") and not email_consent = true");
  ASSERT_TRUE(p);
  EXPECT_FALSE(Matches(*p->root, Customer("", 0, 1, "en", true)));
  // Nulls: a comparison with null is false, so its negation is true; is null sees it.
  auto none = ParseSegment("not tier = \"gold\" and tier is null");
  ASSERT_TRUE(none);
  EXPECT_TRUE(Matches(*none->root, Customer("", 0, 1, "en")));
  EXPECT_FALSE(Matches(*none->root, Customer("gold", 0, 1, "en")));
  auto notin = ParseSegment("LOCALE NOT IN (\"pt\") AND tier IS NOT NULL");
  EXPECT_FALSE(notin) << "field names are case-sensitive";
  auto keywords = ParseSegment("locale NOT IN (\"pt\") AND tier IS NOT NULL");
  ASSERT_TRUE(keywords) << keywords.error().ToString();
  EXPECT_TRUE(Matches(*keywords->root, Customer("silver", 0, 1, "da")));
  EXPECT_FALSE(Matches(*keywords->root, Customer("silver", 0, 1, "pt")));
}

TEST(Segment, ErrorsSayWhereAndWhat) {
  struct Case {
    const char* text;
    const char* where;
    const char* says;
  };
  for (auto [text, where, says] : {
           Case{"teir = \"gold\"", "line 1, column 1", "did you mean 'tier'?"},
           Case{"tier = gold", "line 1, column 8", "in double quotes: \"gold\""},
           Case{"churn_risk > \"high\"", "line 1, column 14", "churn_risk is a number"},
           Case{"tier > \"gold\"", "line 1, column 6", "compare it with = or !="},
           Case{"tier = \"gold\" and", "line 1, column 18", "expected a field name"},
           Case{"tier = \"gold\"\n  and (churn_risk > 0.5", "line 2, column 24", "expected ')'"},
           Case{"locale in (\"pt\" \"da\")", "line 1, column 17", "expected ',' or ')'"},
           Case{"days_since_last_purchase between 90 and 30", "line 1, column 37", "put the smaller first"},
           Case{"days_since_last_purchase between 30 or 90", "line 1, column 37", "expected 'and'"},
           Case{"tier = \"gold", "line 1, column 8", "no closing"},
           Case{"tier = null", "line 1, column 8", "tier is null"},
           Case{"tier ~ \"gold\"", "line 1, column 6", "'~' is not allowed"},
           Case{"tier = \"gold\" locale = \"pt\"", "line 1, column 15", "expected and, or or the end"},
           Case{"", "line 1, column 1", "empty"},
           Case{"email_consent = 1", "line 1, column 17", "true or false"},
           Case{"tier is \"gold\"", "line 1, column 9", "expected 'null'"},
           Case{"tier æ \"gold\"", "line 1, column 6", "'æ' is not allowed"},
       }) {
    auto s = ParseSegment(text);
    ASSERT_FALSE(s) << text;
    EXPECT_EQ(s.error().field, where) << text << ": " << s.error().message;
    EXPECT_NE(s.error().message.find(says), std::string::npos) << text << ": " << s.error().message;
  }
  std::string deep(70, '(');
  EXPECT_NE(ParseSegment(deep + "tier = \"x\"" + std::string(70, ')')).error().message.find("64 levels"), std::string::npos);
  EXPECT_EQ(ParseSegment(std::string(10001, ' ')).error().field, "segment");
}

TEST(Segment, CanonicalFormParsesToTheSameTree) {
  for (const char* text : {"tier = \"gold\" and churn_risk > 0.6", "not (locale = \"pt\" or locale = \"da\")",
                           "(tier = \"a\" or tier = \"b\") and not tier is null", "points >= 100.5 or purchases_90 < 2",
                           "name = \"Ana \\\"A\\\" \\\\ Silva\"", "clv between -5 and 10 and sms_consent != false",
                           "not not email_consent = true", "city not in (\"Lisboa\", \"Porto\")",
                           // numbers the shortest form would write with an exponent, which the language has not
                           "points >= 1008888888888888888888888888888888888888888888888888888888888888888",
                           "clv < 0.0000000000000000001 and clv > -0.00000000000000000000000000000000000000000000000000015"}) {
    auto s = ParseSegment(text);
    ASSERT_TRUE(s) << text << ": " << s.error().ToString();
    std::string once = Canonical(*s->root);
    auto again = ParseSegment(once);
    ASSERT_TRUE(again) << once << ": " << again.error().ToString();
    EXPECT_EQ(Canonical(*again->root), once) << text;
  }
  EXPECT_EQ(Canonical(*ParseSegment("tier  =  \"gold\"   AND(points>1)")->root), "tier = \"gold\" and points > 1");
  EXPECT_EQ(Canonical(*ParseSegment("points >= 1000000000000000000000000")->root), "points >= 1000000000000000000000000");
  EXPECT_EQ(Canonical(*ParseSegment("clv < 0.0000001")->root), "clv < 0.0000001");
  EXPECT_EQ(Canonical(*ParseSegment("clv > -12345678901234567890.5")->root), "clv > -12345678901234567000");
}

// Random bytes and random token soups never crash the parser, and what parses round-trips.
TEST(Segment, RandomInputIsRefusedOrRoundTrips) {
  std::mt19937_64 rng(42);
  const std::vector<std::string> words = {"tier", "churn_risk", "and", "or", "not", "(", ")", "=", "!=", "<", ">=",
                                          "between", "in", "is", "null", "\"gold\"", "0.5", "-3", ",", "true", "teir", "\""};
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    int n = static_cast<int>(rng() % 12);
    for (int k = 0; k < n; ++k) {
      if (rng() % 10 == 0) {
        text += static_cast<char>(rng() % 256);
      } else {
        text += words[rng() % words.size()] + " ";
      }
    }
    auto s = ParseSegment(text);
    if (!s) {
      EXPECT_FALSE(s.error().field.empty()) << text;
      continue;
    }
    auto again = ParseSegment(Canonical(*s->root));
    ASSERT_TRUE(again) << text;
    EXPECT_EQ(Canonical(*again->root), Canonical(*s->root));
  }
}

}  // namespace
}  // namespace retain::outreach
