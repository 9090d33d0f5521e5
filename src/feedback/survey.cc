#include "feedback/survey.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

namespace retain::feedback {
namespace {

using nlohmann::json;

template <size_t N>
bool In(std::string_view v, const std::array<std::string_view, N>& list) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

bool Identifier(const std::string& s) {
  if (s.empty() || s.size() > 40) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'; });
}

// A text in each language: {"en": "...", "pt": "...", "da": "..."}.
Result<LocalText> Local(const json& parent, const char* key, const std::string& base, bool required,
                        size_t max_chars = 500) {
  std::string field = base.empty() ? key : base + "." + key;
  LocalText out;
  if (!parent.contains(key)) {
    if (required) return InvalidArgument("is required: a text per language, {\"en\": ..., \"pt\": ..., \"da\": ...}", field);
    return out;
  }
  const json& j = parent[key];
  if (!j.is_object()) return InvalidArgument("must be a text per language, {\"en\": ..., \"pt\": ..., \"da\": ...}", field);
  for (const auto& [locale, v] : j.items()) {
    if (!In(locale, kLocales)) return InvalidArgument("is not a language Retain speaks; use en, pt or da", field + "." + locale);
    if (!v.is_string()) return InvalidArgument("must be a text", field + "." + locale);
    auto text = v.get<std::string>();
    if (text.size() > max_chars) return InvalidArgument(fmt::format("is longer than {} characters", max_chars), field + "." + locale);
    if (!text.empty()) out[locale] = text;
  }
  if (!out.contains("en")) return InvalidArgument("is required: the English text, which stands in for a missing language", field + ".en");
  return out;
}

json LocalJson(const LocalText& t) {
  json j = json::object();
  for (const auto& [k, v] : t) j[k] = v;
  return j;
}

Result<int> WholeNumber(const json& j, const char* key, int fallback, int lo, int hi) {
  if (!j.contains(key)) return fallback;
  if (!j[key].is_number_integer() || j[key].get<int64_t>() < lo || j[key].get<int64_t>() > hi) {
    return InvalidArgument(fmt::format("must be a whole number from {} to {}", lo, hi), key);
  }
  return j[key].get<int>();
}

}  // namespace

std::string Localized(const LocalText& text, std::string_view locale) {
  if (auto it = text.find(locale); it != text.end()) return it->second;
  if (auto it = text.find("en"); it != text.end()) return it->second;
  return "";
}

std::pair<int, int> ScaleOf(std::string_view type) {
  if (type == "nps") return {0, 10};
  if (type == "csat" || type == "rating") return {1, 5};
  if (type == "ces") return {1, 7};
  return {0, 0};
}

Result<Survey> ParseSurvey(std::string_view key, const json& j) {
  Survey s;
  s.key = std::string(key);
  if (!Identifier(s.key)) return InvalidArgument("must be 1 to 40 of a-z, 0-9, - and _", "key");
  if (!j.is_object()) return InvalidArgument("the survey must be a JSON object", "");
  static const std::set<std::string> kFields = {"kind", "trigger", "active", "title", "intro", "thanks", "throttle_days",
                                                "reminder_days", "expires_days", "follow_up", "questions", "key"};
  for (const auto& [k, v] : j.items()) {
    if (!kFields.contains(k)) {
      return InvalidArgument("is not a field of a survey; use kind, trigger, active, title, intro, thanks, throttle_days, "
                             "reminder_days, expires_days, follow_up, questions", k);
    }
  }
  if (j.contains("kind")) {
    if (!j["kind"].is_string() || !In(j["kind"].get<std::string>(), kKinds)) return InvalidArgument("must be nps, csat, ces or custom", "kind");
    s.kind = j["kind"].get<std::string>();
  }
  if (j.contains("trigger")) {
    if (!j["trigger"].is_string() || !In(j["trigger"].get<std::string>(), kTriggers)) {
      return InvalidArgument("must be manual, case_closed or conversation", "trigger");
    }
    s.trigger = j["trigger"].get<std::string>();
  }
  for (const char* flag : {"active", "follow_up"}) {
    if (!j.contains(flag)) continue;
    if (!j[flag].is_boolean()) return InvalidArgument("must be true or false", flag);
    (std::string_view(flag) == "active" ? s.active : s.follow_up) = j[flag].get<bool>();
  }
  RETAIN_ASSIGN_OR_RETURN(s.title, Local(j, "title", "", true, 200));
  RETAIN_ASSIGN_OR_RETURN(s.intro, Local(j, "intro", "", false, 1000));
  RETAIN_ASSIGN_OR_RETURN(s.thanks, Local(j, "thanks", "", false, 1000));
  RETAIN_ASSIGN_OR_RETURN(s.throttle_days, WholeNumber(j, "throttle_days", 30, 0, 365));
  RETAIN_ASSIGN_OR_RETURN(s.expires_days, WholeNumber(j, "expires_days", 14, 1, 90));
  if (j.contains("reminder_days")) {
    const json& r = j["reminder_days"];
    if (!r.is_array() || r.size() > 3) return InvalidArgument("must be a list of up to three days", "reminder_days");
    s.reminder_days.clear();
    for (size_t i = 0; i < r.size(); ++i) {
      std::string field = fmt::format("reminder_days[{}]", i);
      if (!r[i].is_number_integer() || r[i].get<int>() < 1 || r[i].get<int>() >= s.expires_days) {
        return InvalidArgument(fmt::format("must be a day from 1 to {} (before the invitation expires)", s.expires_days - 1), field);
      }
      if (!s.reminder_days.empty() && r[i].get<int>() <= s.reminder_days.back()) {
        return InvalidArgument("must come after the reminder before it", field);
      }
      s.reminder_days.push_back(r[i].get<int>());
    }
  }
  if (!j.contains("questions") || !j["questions"].is_array() || j["questions"].empty()) {
    return InvalidArgument("is required: a list of at least one question", "questions");
  }
  if (j["questions"].size() > 30) return InvalidArgument("has more than 30 questions", "questions");
  for (size_t i = 0; i < j["questions"].size(); ++i) {
    const json& q = j["questions"][i];
    std::string base = fmt::format("questions[{}]", i);
    if (!q.is_object()) return InvalidArgument("must be an object", base);
    Question question;
    if (!q.contains("id") || !q["id"].is_string() || !Identifier(q["id"].get<std::string>())) {
      return InvalidArgument("is required: 1 to 40 of a-z, 0-9, - and _", base + ".id");
    }
    question.id = q["id"].get<std::string>();
    for (const auto& other : s.questions) {
      if (other.id == question.id) return InvalidArgument(fmt::format("'{}' is the id of another question", question.id), base + ".id");
    }
    if (!q.contains("type") || !q["type"].is_string() || !In(q["type"].get<std::string>(), kQuestionTypes)) {
      return InvalidArgument("must be nps, csat, ces, rating, choice or text", base + ".type");
    }
    question.type = q["type"].get<std::string>();
    if (q.contains("area")) {
      if (!q["area"].is_string() || (!q["area"].get<std::string>().empty() && !Identifier(q["area"].get<std::string>()))) {
        return InvalidArgument("must be an area name such as billing, support, product, delivery or staff", base + ".area");
      }
      question.area = q["area"].get<std::string>();
    }
    RETAIN_ASSIGN_OR_RETURN(question.text, Local(q, "text", base, true));
    if (q.contains("optional")) {
      if (!q["optional"].is_boolean()) return InvalidArgument("must be true or false", base + ".optional");
      question.optional = q["optional"].get<bool>();
    }
    if (question.type == "choice") {
      if (!q.contains("options") || !q["options"].is_array() || q["options"].size() < 2 || q["options"].size() > 20) {
        return InvalidArgument("is required for a choice: 2 to 20 options", base + ".options");
      }
      for (size_t k = 0; k < q["options"].size(); ++k) {
        const json& o = q["options"][k];
        std::string ob = fmt::format("{}.options[{}]", base, k);
        if (!o.is_object() || !o.contains("id") || !o["id"].is_string() || !Identifier(o["id"].get<std::string>())) {
          return InvalidArgument("needs an id: 1 to 40 of a-z, 0-9, - and _", ob + ".id");
        }
        Choice c;
        c.id = o["id"].get<std::string>();
        for (const auto& other : question.options) {
          if (other.id == c.id) return InvalidArgument(fmt::format("'{}' is the id of another option", c.id), ob + ".id");
        }
        if (o.contains("area")) {
          if (!o["area"].is_string() || (!o["area"].get<std::string>().empty() && !Identifier(o["area"].get<std::string>()))) {
            return InvalidArgument("must be an area name", ob + ".area");
          }
          c.area = o["area"].get<std::string>();
        }
        RETAIN_ASSIGN_OR_RETURN(c.text, Local(o, "text", ob, true, 200));
        question.options.push_back(std::move(c));
      }
    } else if (q.contains("options")) {
      return InvalidArgument("is only for a choice question", base + ".options");
    }
    s.questions.push_back(std::move(question));
  }
  if (s.kind != "custom") {
    if (Headline(s) == nullptr) {
      return InvalidArgument(fmt::format("a {} survey needs a question of type {}", s.kind, s.kind), "questions");
    }
    int headlines = 0;
    for (const auto& q : s.questions) headlines += q.type == s.kind ? 1 : 0;
    if (headlines > 1) return InvalidArgument(fmt::format("has more than one {} question; keep one", s.kind), "questions");
    if (Headline(s)->optional) return InvalidArgument("the headline question cannot be optional", "questions");
  }
  return s;
}

const Question* Headline(const Survey& s) {
  // Both arms string_view: with a std::string arm the result would be a temporary string.
  std::string_view type = s.kind == "custom" ? std::string_view("rating") : std::string_view(s.kind);
  for (const auto& q : s.questions) {
    if (q.type == type) return &q;
  }
  return nullptr;
}

json SurveyDocument(const Survey& s) {
  json questions = json::array();
  for (const auto& q : s.questions) {
    json jq = {{"id", q.id}, {"type", q.type}, {"area", q.area}, {"text", LocalJson(q.text)}};
    if (q.optional) jq["optional"] = true;
    if (q.type == "choice") {
      jq["options"] = json::array();
      for (const auto& o : q.options) jq["options"].push_back({{"id", o.id}, {"area", o.area}, {"text", LocalJson(o.text)}});
    }
    questions.push_back(std::move(jq));
  }
  json out = {{"kind", s.kind}, {"trigger", s.trigger}, {"active", s.active}, {"title", LocalJson(s.title)},
              {"throttle_days", s.throttle_days}, {"reminder_days", s.reminder_days},
              {"expires_days", s.expires_days}, {"follow_up", s.follow_up}, {"questions", questions}};
  if (!s.intro.empty()) out["intro"] = LocalJson(s.intro);
  if (!s.thanks.empty()) out["thanks"] = LocalJson(s.thanks);
  return out;
}

std::vector<std::string> MissingTranslations(const Survey& s) {
  std::vector<std::string> out;
  for (auto locale : kLocales) {
    auto missing = [&](const LocalText& t) { return !t.empty() && !t.contains(locale); };
    bool any = missing(s.title) || missing(s.intro) || missing(s.thanks);
    for (const auto& q : s.questions) {
      any = any || missing(q.text);
      for (const auto& o : q.options) any = any || missing(o.text);
    }
    if (any) out.emplace_back(locale);
  }
  return out;
}

json SurveyForPage(const Survey& s, std::string_view locale) {
  json questions = json::array();
  for (const auto& q : s.questions) {
    auto [lo, hi] = ScaleOf(q.type);
    json jq = {{"id", q.id}, {"type", q.type}, {"text", Localized(q.text, locale)}, {"optional", q.optional}};
    if (hi > 0) {
      jq["min"] = lo;
      jq["max"] = hi;
    }
    if (q.type == "choice") {
      jq["options"] = json::array();
      for (const auto& o : q.options) jq["options"].push_back({{"id", o.id}, {"text", Localized(o.text, locale)}});
    }
    questions.push_back(std::move(jq));
  }
  return {{"kind", s.kind}, {"title", Localized(s.title, locale)}, {"intro", Localized(s.intro, locale)},
          {"thanks", Localized(s.thanks, locale)}, {"locale", std::string(locale)}, {"questions", questions}};
}

json ExampleSurveyDocument() {
  return json::parse(R"({
  "kind": "nps", "trigger": "manual", "throttle_days": 30, "reminder_days": [3], "expires_days": 14,
  "title": {"en": "How are we doing?", "pt": "Como estamos a fazer?", "da": "Hvordan klarer vi os?"},
  "thanks": {"en": "Thank you for your answer.", "pt": "Obrigado pela sua resposta.", "da": "Tak for dit svar."},
  "questions": [
    {"id": "recommend", "type": "nps", "area": "overall",
     "text": {"en": "How likely are you to recommend us to a friend or colleague?",
              "pt": "Qual a probabilidade de nos recomendar a um amigo ou colega?",
              "da": "Hvor sandsynligt er det, at du vil anbefale os til en ven eller kollega?"}},
    {"id": "billing", "type": "rating", "area": "billing", "optional": true,
     "text": {"en": "How satisfied are you with your bills?", "pt": "Quão satisfeito está com as suas faturas?",
              "da": "Hvor tilfreds er du med dine regninger?"}},
    {"id": "support", "type": "rating", "area": "support", "optional": true,
     "text": {"en": "How satisfied are you with our support?", "pt": "Quão satisfeito está com o nosso apoio?",
              "da": "Hvor tilfreds er du med vores kundeservice?"}},
    {"id": "product", "type": "rating", "area": "product", "optional": true,
     "text": {"en": "How satisfied are you with the product?", "pt": "Quão satisfeito está com o produto?",
              "da": "Hvor tilfreds er du med produktet?"}},
    {"id": "comment", "type": "text", "optional": true,
     "text": {"en": "What is the main reason for your score?", "pt": "Qual a principal razão da sua nota?",
              "da": "Hvad er den vigtigste grund til din vurdering?"}}
  ]
})");
}

Result<std::vector<Answer>> ParseAnswers(const Survey& s, const json& answers) {
  if (!answers.is_object()) return InvalidArgument("must be an object: {\"question id\": answer}", "answers");
  for (const auto& [k, v] : answers.items()) {
    bool known = std::any_of(s.questions.begin(), s.questions.end(), [&](const Question& q) { return q.id == k; });
    if (!known) return InvalidArgument("is not a question of this survey", "answers." + k);
  }
  std::vector<Answer> out;
  for (const auto& q : s.questions) {
    std::string field = "answers." + q.id;
    if (!answers.contains(q.id) || answers[q.id].is_null() || (answers[q.id].is_string() && answers[q.id].get<std::string>().empty())) {
      if (!q.optional) return InvalidArgument("is required", field);
      continue;
    }
    const json& v = answers[q.id];
    Answer a{q.id, q.type, q.area, std::nullopt, "", ""};
    if (auto [lo, hi] = ScaleOf(q.type); hi > 0) {
      if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi) {
        return InvalidArgument(fmt::format("must be a whole number from {} to {}", lo, hi), field);
      }
      a.score = v.get<int>();
    } else if (q.type == "choice") {
      auto it = std::find_if(q.options.begin(), q.options.end(),
                             [&](const Choice& c) { return v.is_string() && c.id == v.get<std::string>(); });
      if (it == q.options.end()) return InvalidArgument("must be one of the question's options", field);
      a.choice = it->id;
      if (!it->area.empty()) a.area = it->area;
    } else {
      if (!v.is_string()) return InvalidArgument("must be a text", field);
      if (v.get<std::string>().size() > 2000) return InvalidArgument("is longer than 2,000 characters", field);
      a.text = v.get<std::string>();
    }
    out.push_back(std::move(a));
  }
  return out;
}

json AnswersJson(const std::vector<Answer>& answers) {
  json out = json::array();
  for (const auto& a : answers) {
    json j = {{"question", a.question}, {"type", a.type}, {"area", a.area}};
    if (a.score) j["score"] = *a.score;
    if (!a.choice.empty()) j["choice"] = a.choice;
    if (!a.text.empty()) j["text"] = a.text;
    out.push_back(std::move(j));
  }
  return out;
}

std::vector<Answer> AnswersFromJson(const json& stored) {
  std::vector<Answer> out;
  if (!stored.is_array()) return out;
  for (const auto& j : stored) {
    if (!j.is_object()) continue;
    Answer a{j.value("question", ""), j.value("type", ""), j.value("area", ""), std::nullopt, j.value("choice", ""),
             j.value("text", "")};
    if (j.contains("score") && j["score"].is_number_integer()) a.score = j["score"].get<int>();
    out.push_back(std::move(a));
  }
  return out;
}

std::string BandOf(std::string_view type, int score) {
  if (type == "nps") return score >= 9 ? "promoter" : score >= 7 ? "passive" : "detractor";
  if (type == "ces") return score >= 5 ? "easy" : score == 4 ? "neutral" : "hard";
  return score >= 4 ? "satisfied" : score == 3 ? "neutral" : "dissatisfied";
}

bool Negative(std::string_view type, int score) {
  std::string band = BandOf(type, score);
  return band == "detractor" || band == "dissatisfied" || band == "hard";
}

}  // namespace retain::feedback
