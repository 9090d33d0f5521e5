// Survey definitions and answers: what a survey asks (NPS, CSAT, CES and custom questions, each
// tagged with the area of the business it is about), in which languages, when it is sent and how
// often a customer may be asked; and an answer checked against it. Pure functions, no storage.
//
// Scales (shared/REFERENCES.md): NPS 0-10 (promoters 9-10, passives 7-8, detractors 0-6; NPS =
// %promoters - %detractors); CSAT 1-5 (satisfied: 4 and 5); CES 1-7 agreement with "made it easy"
// (easy: 5 to 7); rating 1-5 for an area; a choice; free text.
#ifndef RETAIN_FEEDBACK_SURVEY_H_
#define RETAIN_FEEDBACK_SURVEY_H_

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace retain::feedback {

inline constexpr std::array<std::string_view, 3> kLocales = {"en", "pt", "da"};
inline constexpr std::array<std::string_view, 4> kKinds = {"nps", "csat", "ces", "custom"};
inline constexpr std::array<std::string_view, 6> kQuestionTypes = {"nps", "csat", "ces", "rating", "choice", "text"};
// When a survey is sent: by hand to a list, after a complaint case is closed, or after a
// conversation with an agent (a call, a chat, a visit).
inline constexpr std::array<std::string_view, 3> kTriggers = {"manual", "case_closed", "conversation"};

// A text in each language; "en" is required and stands in for a missing one.
using LocalText = std::map<std::string, std::string, std::less<>>;
std::string Localized(const LocalText& text, std::string_view locale);

struct Choice {
  std::string id;
  std::string area;  // may be empty
  LocalText text;
};

struct Question {
  std::string id;
  std::string type;   // one of kQuestionTypes
  std::string area;   // billing, support, product, delivery, staff, ... ("" for none)
  LocalText text;
  std::vector<Choice> options;  // a choice's
  bool optional = false;
};

struct Survey {
  std::string key;
  std::string kind = "nps";      // one of kKinds; its question is the survey's headline score
  std::string trigger = "manual";
  bool active = true;
  LocalText title;
  LocalText intro;
  LocalText thanks;
  int throttle_days = 30;        // nobody is asked again (by any survey) within this many days
  std::vector<int> reminder_days = {3};  // days after the invitation, while unanswered
  int expires_days = 14;
  bool follow_up = true;         // a detractor or low score opens a follow-up case
  std::vector<Question> questions;
};

// Parses and checks a survey document; `key` comes from its address. InvalidArgument naming the
// field ("questions[2].text.en").
Result<Survey> ParseSurvey(std::string_view key, const nlohmann::json& document);
// The document again, in canonical form.
nlohmann::json SurveyDocument(const Survey& survey);
// Languages in which some text of the survey is missing (it falls back to English there).
std::vector<std::string> MissingTranslations(const Survey& survey);
// What the public page shows, every text in `locale`.
nlohmann::json SurveyForPage(const Survey& survey, std::string_view locale);
// A survey to start from: NPS with a rating for billing, support and product, a reason and a comment.
nlohmann::json ExampleSurveyDocument();

// The headline question: the first of the survey kind's type (for "custom", the first rating);
// nullptr when there is none.
const Question* Headline(const Survey& survey);

// The lowest and highest answer of a scored question type; {0, 0} for choice and text.
std::pair<int, int> ScaleOf(std::string_view type);

// One question's answer.
struct Answer {
  std::string question;
  std::string type;
  std::string area;       // the question's, or the chosen option's
  std::optional<int> score;
  std::string choice;
  std::string text;
};

// Checks {"question id": value, ...} against the survey: scores on their scale, choices among the
// options, texts up to 2,000 characters, required questions present, no unknown questions.
// InvalidArgument naming the field ("answers.recommend").
Result<std::vector<Answer>> ParseAnswers(const Survey& survey, const nlohmann::json& answers);
nlohmann::json AnswersJson(const std::vector<Answer>& answers);
std::vector<Answer> AnswersFromJson(const nlohmann::json& stored);

// Where a headline score falls: "promoter", "passive" or "detractor" for NPS; "satisfied",
// "neutral" or "dissatisfied" for CSAT (4-5, 3, 1-2) and rating; "easy", "neutral" or "hard" for
// CES (5-7, 4, 1-3).
std::string BandOf(std::string_view type, int score);
// Whether the score calls for a follow-up: a detractor, a dissatisfied customer, a hard experience.
bool Negative(std::string_view type, int score);

}  // namespace retain::feedback

#endif  // RETAIN_FEEDBACK_SURVEY_H_
