#include "outreach/template.h"

#include <gtest/gtest.h>

#include <random>

#include "outreach/locale_format.h"

namespace retain::outreach {
namespace {

using nlohmann::json;

MessageTemplate ParsedTemplate(const json& document) {
  auto t = ParseTemplate("t", document);
  EXPECT_TRUE(t) << t.error().field << ": " << t.error().message;
  return t ? *t : MessageTemplate{};
}

TEST(LocaleFormat, NumbersMoneyAndDatesAsEachLanguageWritesThem) {
  EXPECT_EQ(FormatNumber(1234.5, "en"), "1,234.5");
  EXPECT_EQ(FormatNumber(1234.5, "pt"), "1\u00a0234,5");  // a no-break space groups thousands in Portugal
  EXPECT_EQ(FormatNumber(1234.5, "da"), "1.234,5");
  EXPECT_EQ(*FormatMoney(1250, "EUR", "en"), "€12.50");
  EXPECT_EQ(*FormatMoney(1250, "EUR", "pt"), "12,50\u00a0€");
  EXPECT_EQ(*FormatMoney(123456, "DKK", "da"), "1.234,56\u00a0kr.");
  EXPECT_EQ(*FormatMoney(500, "JPY", "en"), "JP¥500");
  EXPECT_FALSE(FormatMoney(1, "euro", "en"));
  auto day = date::year_month_day{date::year{2026}, date::month{12}, date::day{2}};
  EXPECT_EQ(FormatDate(day, "en"), "2 December 2026");
  EXPECT_EQ(FormatDate(day, "pt"), "2 de dezembro de 2026");
  EXPECT_EQ(FormatDate(day, "da"), "2. december 2026");
}

TEST(LocaleFormat, PluralsFollowTheLanguage) {
  const std::string pattern = "{n, plural, one {# point} other {# points}}";
  EXPECT_EQ(*FormatPattern(pattern, {{"n", 1.0}}, "en"), "1 point");
  EXPECT_EQ(*FormatPattern(pattern, {{"n", 1500.0}}, "en"), "1,500 points");
  EXPECT_EQ(*FormatPattern("{n, plural, one {# ponto} other {# pontos}}", {{"n", 0.0}}, "pt"), "0 pontos");
  auto missing = FormatPattern("{m, plural, other {#}}", {{"n", 1.0}}, "en");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("'m'"), std::string::npos) << missing.error().message;
  EXPECT_FALSE(FormatPattern("{n, plural, one {# point}", {{"n", 1.0}}, "en"));
}

TEST(Template, RendersEachLanguageWithItsOwnFormats) {
  auto t = ParsedTemplate(ExampleTemplateDocument());
  json values = {{"first_name", "Åse"}, {"points", 1500}, {"tier", "gold"}, {"business_name", "Subs & Co"}};
  auto en = Render(t, "en", values);
  ASSERT_TRUE(en) << en.error().message;
  EXPECT_EQ(en->subject, "Åse, your points are waiting");
  EXPECT_NE(en->text.find("You have 1,500 points to spend. As a gold member"), std::string::npos) << en->text;
  EXPECT_NE(en->text.find("Subs & Co"), std::string::npos) << "plain text is not HTML-escaped";
  EXPECT_NE(en->html.find("Subs &amp; Co"), std::string::npos) << en->html;
  auto da = Render(t, "da", values);
  EXPECT_NE(da->text.find("Du har 1.500 point at bruge."), std::string::npos) << da->text;
  values["points"] = 1;
  values["tier"] = nullptr;
  auto pt = Render(t, "pt", values);
  EXPECT_NE(pt->text.find("Tem 1 ponto para gastar.\n"), std::string::npos) << pt->text;
  EXPECT_EQ(pt->text.find("membro"), std::string::npos) << "no tier, no tier sentence";
  EXPECT_EQ(Render(t, "fr", values)->locale, "en");
}

TEST(Template, MoneyAndDaysInValuesAreWrittenForTheReader) {
  auto t = ParsedTemplate({{"subject", {{"en", "Payment of {{amount}}"}, {"da", "Betaling på {{amount}}"}}},
                   {"text", {{"en", "Due {{expires_on}}"}, {"da", "Forfalder {{expires_on}}"}}}});
  json values = {{"amount", {{"minor", 9900}, {"currency", "DKK"}}}, {"expires_on", {{"date", "2027-01-31"}}}};
  auto da = Render(t, "da", values);
  ASSERT_TRUE(da);
  EXPECT_EQ(da->subject, "Betaling på 99,00\u00a0kr.");
  EXPECT_EQ(da->text, "Forfalder 31. januar 2027");
  EXPECT_EQ(Render(t, "en", values)->text, "Due 31 January 2027");
}

TEST(Template, HtmlEscapesCustomerValues) {
  auto t = ParsedTemplate({{"subject", {{"en", "Hi {{name}}"}}}, {"text", {{"en", "x"}}}, {"html", {{"en", "<p>Hi {{name}}</p>"}}}});
  auto r = Render(t, "en", {{"name", "<script>x</script>"}});
  EXPECT_EQ(r->html, "<p>Hi &lt;script&gt;x&lt;/script&gt;</p>");
  EXPECT_EQ(r->subject, "Hi <script>x</script>");
  auto crlf = Render(t, "en", {{"name", "a\r\nBcc: x@y.z"}});
  EXPECT_EQ(crlf->subject.find('\n'), std::string::npos);
}

TEST(Template, MistakesNameTheTextAndWhereInIt) {
  struct Case {
    const char* document;
    std::string field;
    std::string message_part;
  };
  const Case cases[] = {
      {R"({"text": {"en": "x"}})", "subject", "is required"},
      {R"({"subject": {"pt": "x"}, "text": {"en": "x"}})", "subject.en", "English"},
      {R"({"subject": {"en": "x"}, "text": {"en": "ok", "pt": "linha\n  {{#tier}}sem fim"}})", "text.pt", "line 2, column 3"},
      {R"({"subject": {"en": "x"}, "text": {"en": "{{name"}})", "text.en", "unclosed tag at line 1, column 1"},
      {R"({"subject": {"en": "x"}, "text": {"fr": "x", "en": "y"}})", "text.fr", "en, pt or da"},
      {R"({"subject": {"en": "x"}, "text": {"en": "y"}, "purpose": "spam"})", "purpose", "transactional"},
  };
  for (const auto& c : cases) {
    auto t = ParseTemplate("k", json::parse(c.document));
    ASSERT_FALSE(t) << c.document;
    EXPECT_EQ(t.error().field, c.field) << c.document;
    EXPECT_NE(t.error().message.find(c.message_part), std::string::npos) << t.error().message;
  }
  auto bad_plural = ParsedTemplate({{"subject", {{"en", "x"}}}, {"text", {{"en", "{{#icu}}{points, plural, one {#}{{/icu}}"}}}});
  auto r = Render(bad_plural, "en", {{"points", 2}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "text.en");
}

TEST(Template, MissingTranslationsAndMisspeltNamesAreFound) {
  auto t = ParsedTemplate({{"subject", {{"en", "Hi {{frist_name}}"}, {"pt", "Olá"}}},
                   {"text", {{"en", "{{#tier}}{{tier}}{{/tier}} {{{coupon_code}}} {{order_total}}"}, {"pt", "x"}}}});
  EXPECT_EQ(MissingTranslations(t), std::vector<std::string>{"da"});
  EXPECT_EQ(UnknownVariables(t), (std::vector<std::string>{"frist_name", "order_total"}));
  EXPECT_EQ(UnknownVariables(t, {"order_total"}), std::vector<std::string>{"frist_name"});
}

}  // namespace
}  // namespace retain::outreach

namespace retain::outreach {
namespace {

// Random token soups never crash the template parser or the renderer: a text either parses and
// renders, or is refused with its text and a line and column.
TEST(Template, RandomSoupsAreRefusedWithAPositionOrRender) {
  const std::vector<std::string> tokens = {"{{", "}}", "{{{", "}}}", "{{#", "{{/", "{{^", "{{&", "{{!", "{{=", "=}}", "tier",
                                           "points", "icu", "first_name", "{", "}", " ", "\n", "æ", "ã", "plural,", "one",
                                           "other", "#", "{points, plural, one {# p} other {# ps}}", "x", "."};
  std::mt19937 rng(7);
  int parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    int n = 1 + static_cast<int>(rng() % 12);
    for (int k = 0; k < n; ++k) text += tokens[rng() % tokens.size()];
    json doc = {{"subject", {{"en", "s"}}}, {"text", {{"en", text}}}};
    auto t = ParseTemplate("soup", doc);
    if (!t) {
      EXPECT_EQ(t.error().field, "text.en") << text;
      continue;
    }
    ++parsed;
    auto r = Render(*t, "pt", {{"first_name", "Ana"}, {"points", 3}, {"tier", "gold"}});
    if (!r) {
      EXPECT_EQ(r.error().field, "text.en") << text;
    }
  }
  EXPECT_GT(parsed, 1000) << "the soup should hold texts that parse too";
}

}  // namespace
}  // namespace retain::outreach
