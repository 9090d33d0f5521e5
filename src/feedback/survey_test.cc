#include "feedback/survey.h"

#include <gtest/gtest.h>

namespace retain::feedback {
namespace {

using nlohmann::json;

TEST(ParseSurvey, TheExampleParsesAndSpeaksEveryLanguage) {
  auto s = ParseSurvey("pulse", ExampleSurveyDocument());
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(s->kind, "nps");
  ASSERT_NE(Headline(*s), nullptr);
  EXPECT_EQ(Headline(*s)->id, "recommend");
  EXPECT_TRUE(MissingTranslations(*s).empty());
  // The canonical document parses to the same survey.
  auto again = ParseSurvey("pulse", SurveyDocument(*s));
  ASSERT_TRUE(again);
  EXPECT_EQ(SurveyDocument(*again), SurveyDocument(*s));
}

TEST(ParseSurvey, ErrorsNameTheField) {
  struct Case {
    const char* change;  // fields that replace the example's
    const char* field;
  };
  for (auto [change, field] : {
           Case{R"({"kind": "stars"})", "kind"},
           Case{R"({"trigger": "weekly"})", "trigger"},
           Case{R"({"title": {"pt": "Olá"}})", "title.en"},
           Case{R"({"title": {"en": "Hi", "de": "Hallo"}})", "title.de"},
           Case{R"({"throttle_days": 400})", "throttle_days"},
           Case{R"({"reminder_days": [3, 2]})", "reminder_days[1]"},
           Case{R"({"reminder_days": [20]})", "reminder_days[0]"},
           Case{R"({"colour": "red"})", "colour"},
           Case{R"({"questions": []})", "questions"},
           Case{R"({"kind": "csat"})", "questions"},  // a CSAT survey without a CSAT question
           Case{R"({"active": "yes"})", "active"},
       }) {
    json doc = ExampleSurveyDocument();
    json replace = json::parse(change);
    for (const auto& [k, v] : replace.items()) doc[k] = v;
    auto s = ParseSurvey("pulse", doc);
    ASSERT_FALSE(s) << change;
    EXPECT_EQ(s.error().field, field) << change << ": " << s.error().message;
  }
  json doc = ExampleSurveyDocument();
  doc["questions"][1]["text"] = {{"da", "Regninger"}};
  EXPECT_EQ(ParseSurvey("pulse", doc).error().field, "questions[1].text.en");
  doc = ExampleSurveyDocument();
  doc["questions"][2]["id"] = "billing";
  EXPECT_EQ(ParseSurvey("pulse", doc).error().field, "questions[2].id");
  doc = ExampleSurveyDocument();
  doc["questions"][1]["options"] = json::array();
  EXPECT_EQ(ParseSurvey("pulse", doc).error().field, "questions[1].options");
  doc = ExampleSurveyDocument();
  doc["questions"].push_back({{"id", "again"}, {"type", "nps"}, {"text", {{"en", "Again?"}}}});
  EXPECT_EQ(ParseSurvey("pulse", doc).error().field, "questions");
  EXPECT_EQ(ParseSurvey("Bad Key", ExampleSurveyDocument()).error().field, "key");
}

TEST(Survey, ThePageSpeaksTheCustomersLanguageAndFallsBackToEnglish) {
  json doc = ExampleSurveyDocument();
  doc["questions"][1]["text"].erase("da");
  auto s = ParseSurvey("pulse", doc);
  ASSERT_TRUE(s);
  json page = SurveyForPage(*s, "da");
  EXPECT_EQ(page["title"], "Hvordan klarer vi os?");
  EXPECT_EQ(page["questions"][0]["text"], "Hvor sandsynligt er det, at du vil anbefale os til en ven eller kollega?");
  EXPECT_EQ(page["questions"][0]["min"], 0);
  EXPECT_EQ(page["questions"][0]["max"], 10);
  EXPECT_EQ(page["questions"][1]["text"], "How satisfied are you with your bills?");
  EXPECT_EQ(MissingTranslations(*s), std::vector<std::string>{"da"});
}

TEST(ParseAnswers, ChecksEveryAnswerAgainstItsQuestion) {
  json doc = ExampleSurveyDocument();
  doc["questions"].push_back({{"id", "reason"}, {"type", "choice"}, {"optional", true}, {"text", {{"en", "Why?"}}},
                              {"options", {{{"id", "price"}, {"area", "billing"}, {"text", {{"en", "Price"}}}},
                                           {{"id", "speed"}, {"area", "product"}, {"text", {{"en", "Speed"}}}}}}});
  auto s = ParseSurvey("pulse", doc);
  ASSERT_TRUE(s) << s.error().ToString();
  auto ok = ParseAnswers(*s, {{"recommend", 4}, {"billing", 1}, {"reason", "price"}, {"comment", "Too dear"}});
  ASSERT_TRUE(ok) << ok.error().ToString();
  ASSERT_EQ(ok->size(), 4u);
  EXPECT_EQ((*ok)[0].score, 4);
  EXPECT_EQ((*ok)[1].area, "billing");
  EXPECT_EQ((*ok)[2].text, "Too dear");  // in the survey's order
  EXPECT_EQ((*ok)[3].choice, "price");
  EXPECT_EQ((*ok)[3].area, "billing");  // the chosen option's area
  // Stored and read back unchanged.
  auto back = AnswersFromJson(AnswersJson(*ok));
  ASSERT_EQ(back.size(), 4u);
  EXPECT_EQ(back[1].score, 1);
  EXPECT_EQ(back[3].choice, "price");

  struct Case {
    json answers;
    const char* field;
  };
  for (const auto& [answers, field] : {
           Case{json{{"billing", 3}}, "answers.recommend"},            // the headline is required
           Case{json{{"recommend", 11}}, "answers.recommend"},         // off the 0-10 scale
           Case{json{{"recommend", 7.5}}, "answers.recommend"},
           Case{json{{"recommend", "9"}}, "answers.recommend"},
           Case{json{{"recommend", 9}, {"billing", 0}}, "answers.billing"},  // ratings are 1-5
           Case{json{{"recommend", 9}, {"reason", "weather"}}, "answers.reason"},
           Case{json{{"recommend", 9}, {"mood", 3}}, "answers.mood"},
           Case{json{{"recommend", 9}, {"comment", std::string(2001, 'x')}}, "answers.comment"},
           Case{json::array(), "answers"},
       }) {
    auto r = ParseAnswers(*s, answers);
    ASSERT_FALSE(r) << answers.dump();
    EXPECT_EQ(r.error().field, field) << answers.dump();
  }
}

TEST(Bands, FollowTheScalesDefinitions) {
  for (int s = 0; s <= 10; ++s) {
    EXPECT_EQ(BandOf("nps", s), s <= 6 ? "detractor" : s <= 8 ? "passive" : "promoter") << s;
    EXPECT_EQ(Negative("nps", s), s <= 6) << s;
  }
  EXPECT_EQ(BandOf("csat", 5), "satisfied");
  EXPECT_EQ(BandOf("csat", 4), "satisfied");
  EXPECT_EQ(BandOf("csat", 3), "neutral");
  EXPECT_TRUE(Negative("csat", 2));
  EXPECT_FALSE(Negative("csat", 3));
  EXPECT_EQ(BandOf("ces", 5), "easy");
  EXPECT_EQ(BandOf("ces", 4), "neutral");
  EXPECT_EQ(BandOf("ces", 3), "hard");
  EXPECT_TRUE(Negative("ces", 1));
}

}  // namespace
}  // namespace retain::feedback
