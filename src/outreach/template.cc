#include "outreach/template.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <cstdio>

#include <date/date.h>

#include <fmt/format.h>
#include <kainjow/mustache.hpp>

#include "common/money.h"
#include "outreach/locale_format.h"

namespace retain::outreach {
namespace {

namespace mustache = kainjow::mustache;
using nlohmann::json;

constexpr size_t kMaxTemplateText = 100'000;

bool Contains(auto& list, std::string_view value) { return std::find(list.begin(), list.end(), value) != list.end(); }

std::string Localized(const LocalText& text, std::string_view locale) {
  auto it = text.find(locale);
  if (it != text.end() && !it->second.empty()) return it->second;
  it = text.find("en");
  return it == text.end() ? std::string() : it->second;
}

// "line L, column C" of a byte offset.
std::string Where(std::string_view text, size_t offset) {
  int line = 1;
  int column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++column;
    }
  }
  return fmt::format("line {}, column {}", line, column);
}

// kainjow's message ends in "at <offset>"; this says where in lines and columns instead.
std::string MustacheError(std::string_view text, const std::string& message) {
  auto at = message.rfind(" at ");
  if (at == std::string::npos) return message;
  try {
    size_t offset = std::stoul(message.substr(at + 4));
    std::string what = message.substr(0, at);
    if (!what.empty()) what[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(what[0])));
    return fmt::format("{} at {}", what, Where(text, offset));
  } catch (const std::exception&) {
    return message;
  }
}

Status CheckText(const LocalText& text, std::string_view field) {
  for (const auto& [locale, body] : text) {
    if (!Contains(kLocales, locale)) {
      return MakeError(ErrorCode::kInvalidArgument, "is not a language Retain writes in (en, pt or da)",
                       fmt::format("{}.{}", field, locale));
    }
    if (body.size() > kMaxTemplateText) {
      return MakeError(ErrorCode::kInvalidArgument, fmt::format("is longer than {} bytes", kMaxTemplateText),
                       fmt::format("{}.{}", field, locale));
    }
    mustache::mustache parsed(body);
    if (!parsed.is_valid()) {
      return MakeError(ErrorCode::kInvalidArgument, MustacheError(body, parsed.error_message()),
                       fmt::format("{}.{}", field, locale));
    }
  }
  return {};
}

Result<LocalText> ReadText(const json& document, std::string_view field, bool required) {
  LocalText out;
  auto it = document.find(field);
  if (it == document.end() || it->is_null()) {
    if (required) return MakeError(ErrorCode::kInvalidArgument, "is required: a text per language, at least \"en\"", std::string(field));
    return out;
  }
  if (!it->is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "must be an object of texts by language, e.g. {\"en\": \"...\"}", std::string(field));
  }
  for (const auto& [locale, body] : it->items()) {
    if (!body.is_string()) {
      return MakeError(ErrorCode::kInvalidArgument, "must be text", fmt::format("{}.{}", field, locale));
    }
    out[locale] = body.get<std::string>();
  }
  if (required && (out.find("en") == out.end() || out["en"].empty())) {
    return MakeError(ErrorCode::kInvalidArgument, "is required: English stands in where a language is missing",
                     fmt::format("{}.en", field));
  }
  RETAIN_RETURN_IF_ERROR(CheckText(out, field));
  return out;
}

// The date of a {"date": "YYYY-MM-DD"} value.
std::optional<date::year_month_day> DayOf(const json& v) {
  if (!v.is_object() || v.size() != 1 || !v.contains("date") || !v["date"].is_string()) return std::nullopt;
  const std::string text = v["date"].get<std::string>();
  int y = 0;
  unsigned m = 0;
  unsigned d = 0;
  char tail = 0;
  if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2u-%2u%c", &y, &m, &d, &tail) != 3) return std::nullopt;
  date::year_month_day day{date::year{y}, date::month{m}, date::day{d}};
  if (!day.ok()) return std::nullopt;
  return day;
}

bool IsMoney(const json& v) {
  return v.is_object() && v.size() == 2 && v.contains("minor") && v["minor"].is_number_integer() && v.contains("currency") &&
         v["currency"].is_string();
}

// The mustache data of a value, written for `locale`.
mustache::data ToData(const json& v, std::string_view locale) {
  if (v.is_string()) return mustache::data(v.get<std::string>());
  if (v.is_boolean()) return mustache::data(v.get<bool>());
  if (v.is_number()) return mustache::data(FormatNumber(v.get<double>(), locale));
  if (v.is_null()) return mustache::data(false);
  if (auto day = DayOf(v)) return mustache::data(FormatDate(*day, locale));
  if (IsMoney(v)) {
    auto money = FormatMoney(v["minor"].get<int64_t>(), v["currency"].get<std::string>(), locale);
    return mustache::data(money ? *money : std::string());
  }
  if (v.is_array()) {
    mustache::list list;
    for (const auto& item : v) list.push_back(ToData(item, locale));
    return mustache::data(list);
  }
  mustache::object object;
  for (const auto& [k, item] : v.items()) object.emplace(k, ToData(item, locale));
  return mustache::data(object);
}

// The numbers, money (in major units) and days of the values, for {{#icu}} patterns; nested
// objects' names joined with "_".
void PatternArgs(const json& v, const std::string& prefix, std::map<std::string, PatternArg, std::less<>>& out) {
  if (!v.is_object()) return;
  for (const auto& [k, item] : v.items()) {
    std::string name = prefix.empty() ? k : prefix + "_" + k;
    if (item.is_number()) {
      out[name] = item.get<double>();
    } else if (auto day = DayOf(item)) {
      out[name] = *day;
    } else if (IsMoney(item)) {
      auto exponent = CurrencyExponent(item["currency"].get<std::string>());
      double scale = 1;
      for (int i = 0; exponent && i < *exponent; ++i) scale *= 10;
      out[name] = static_cast<double>(item["minor"].get<int64_t>()) / scale;
    } else if (item.is_object()) {
      PatternArgs(item, name, out);
    }
  }
}

std::string EscapeHtml(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// A text parsed once per thread (campaigns write one template for many readers); a cache that
// grows past a few hundred texts starts again.
mustache::mustache& Compiled(const std::string& body) {
  thread_local std::map<std::string, std::unique_ptr<mustache::mustache>, std::less<>> cache;
  auto it = cache.find(body);
  if (it != cache.end()) return *it->second;
  if (cache.size() > 256) cache.clear();
  return *cache.emplace(body, std::make_unique<mustache::mustache>(body)).first->second;
}

Result<std::string> RenderOne(const std::string& body, std::string_view field, std::string_view locale, const json& values,
                              bool html) {
  if (body.empty()) return std::string();
  mustache::mustache& tmpl = Compiled(body);
  if (!tmpl.is_valid()) {
    return MakeError(ErrorCode::kInvalidArgument, MustacheError(body, tmpl.error_message()), std::string(field));
  }
  if (html) {
    tmpl.set_custom_escape(EscapeHtml);
  } else {
    tmpl.set_custom_escape([](const std::string& s) { return s; });
  }
  mustache::data data = ToData(values, locale);
  if (!data.is_object()) data = mustache::data(mustache::object{});
  std::map<std::string, PatternArg, std::less<>> args;
  PatternArgs(values, "", args);
  std::string icu_error;
  data.set("icu", mustache::lambda2{[&](const std::string& pattern, const mustache::renderer&) -> std::string {
             auto out = FormatPattern(pattern, args, locale);
             if (!out) {
               if (icu_error.empty()) icu_error = out.error().message;
               return std::string();
             }
             return html ? EscapeHtml(*out) : *out;
           }});
  std::string out = tmpl.render(data);
  if (!icu_error.empty()) return MakeError(ErrorCode::kInvalidArgument, icu_error, std::string(field));
  if (!tmpl.is_valid()) {
    // A failed render leaves its mark on the parsed text; the next reader starts from a fresh parse.
    Error e{ErrorCode::kInvalidArgument, MustacheError(body, tmpl.error_message()), std::string(field)};
    tmpl = mustache::mustache(body);
    return tl::unexpected(e);
  }
  return out;
}

// Paragraphs of plain text as simple HTML.
std::string TextAsHtml(const std::string& text) {
  std::string out = "<!doctype html><html><body>";
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find("\n\n", start);
    if (end == std::string::npos) end = text.size();
    std::string paragraph = text.substr(start, end - start);
    if (!paragraph.empty()) {
      std::string escaped = EscapeHtml(paragraph);
      std::string with_breaks;
      for (char c : escaped) with_breaks += c == '\n' ? std::string("<br>") : std::string(1, c);
      out += "<p>" + with_breaks + "</p>";
    }
    start = end + 2;
  }
  return out + "</body></html>";
}

// The names a text's tags use: {{name}}, {{{name}}}, {{#name}}, {{^name}}, {{&name}}.
void TagNames(const std::string& body, std::set<std::string>& out) {
  size_t pos = 0;
  while ((pos = body.find("{{", pos)) != std::string::npos) {
    size_t end = body.find("}}", pos + 2);
    if (end == std::string::npos) break;
    std::string tag = body.substr(pos + 2, end - pos - 2);
    pos = end + 2;
    while (!tag.empty() && (tag.front() == '{' || tag.front() == '#' || tag.front() == '^' || tag.front() == '&' ||
                            tag.front() == ' ')) {
      tag.erase(tag.begin());
    }
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '}')) tag.pop_back();
    if (tag.empty() || tag.front() == '/' || tag.front() == '!' || tag.front() == '=' || tag.front() == '>') continue;
    auto dot = tag.find('.');
    if (tag == ".") continue;
    out.insert(dot == std::string::npos ? tag : tag.substr(0, dot));
  }
}

}  // namespace

Result<MessageTemplate> ParseTemplate(std::string_view key, const json& document) {
  if (!document.is_object()) return MakeError(ErrorCode::kInvalidArgument, "must be a JSON object", "template");
  MessageTemplate t;
  t.key = std::string(key);
  if (auto it = document.find("name"); it != document.end()) {
    if (!it->is_string()) return MakeError(ErrorCode::kInvalidArgument, "must be text", "name");
    t.name = it->get<std::string>();
  }
  if (t.name.empty()) t.name = t.key;
  if (auto it = document.find("purpose"); it != document.end()) {
    if (!it->is_string() || !Contains(kPurposes, it->get<std::string>())) {
      return MakeError(ErrorCode::kInvalidArgument, "must be \"marketing\" or \"transactional\"", "purpose");
    }
    t.purpose = it->get<std::string>();
  }
  RETAIN_ASSIGN_OR_RETURN(t.subject, ReadText(document, "subject", true));
  RETAIN_ASSIGN_OR_RETURN(t.text, ReadText(document, "text", true));
  RETAIN_ASSIGN_OR_RETURN(t.html, ReadText(document, "html", false));
  return t;
}

json TemplateDocument(const MessageTemplate& t) {
  json out = {{"name", t.name}, {"purpose", t.purpose}, {"subject", t.subject}, {"text", t.text}};
  if (!t.html.empty()) out["html"] = t.html;
  return out;
}

std::vector<std::string> MissingTranslations(const MessageTemplate& t) {
  std::vector<std::string> out;
  for (auto locale : kLocales) {
    auto has = [&](const LocalText& text) {
      auto it = text.find(locale);
      return it != text.end() && !it->second.empty();
    };
    if (!has(t.subject) || !has(t.text) || (!t.html.empty() && !has(t.html))) out.emplace_back(locale);
  }
  return out;
}

std::vector<std::string> UnknownVariables(const MessageTemplate& t, const std::vector<std::string>& extra) {
  std::set<std::string> names;
  for (const auto* text : {&t.subject, &t.text, &t.html}) {
    for (const auto& [locale, body] : *text) TagNames(body, names);
  }
  std::vector<std::string> out;
  for (const auto& n : names) {
    bool known = n == "icu" || Contains(extra, n);
    for (const auto& v : kVariables) known = known || v.name == n;
    if (!known) out.push_back(n);
  }
  return out;
}

Result<RenderedMessage> Render(const MessageTemplate& t, std::string_view locale, const json& values) {
  RenderedMessage out;
  out.locale = Contains(kLocales, locale) ? std::string(locale) : "en";
  auto pick = [&](const LocalText& text, std::string_view field) -> std::pair<std::string, std::string> {
    auto it = text.find(out.locale);
    std::string chosen = it != text.end() && !it->second.empty() ? out.locale : "en";
    return {Localized(text, out.locale), fmt::format("{}.{}", field, chosen)};
  };
  auto [subject, subject_field] = pick(t.subject, "subject");
  auto [text, text_field] = pick(t.text, "text");
  RETAIN_ASSIGN_OR_RETURN(out.subject, RenderOne(subject, subject_field, out.locale, values, false));
  // A subject is one line.
  std::replace(out.subject.begin(), out.subject.end(), '\n', ' ');
  std::replace(out.subject.begin(), out.subject.end(), '\r', ' ');
  RETAIN_ASSIGN_OR_RETURN(out.text, RenderOne(text, text_field, out.locale, values, false));
  if (t.html.empty()) {
    out.html = TextAsHtml(out.text);
  } else {
    auto [html, html_field] = pick(t.html, "html");
    RETAIN_ASSIGN_OR_RETURN(out.html, RenderOne(html, html_field, out.locale, values, true));
  }
  return out;
}

json ExampleTemplateDocument() {
  return {
      {"name", "Points about to expire"},
      {"purpose", "marketing"},
      {"subject",
       {{"en", "{{first_name}}, your points are waiting"},
        {"pt", "{{first_name}}, os seus pontos estão à espera"},
        {"da", "{{first_name}}, dine point venter"}}},
      {"text",
       {{"en",
         "Dear {{first_name}},\n\n{{#icu}}You have {points, plural, one {# point} other {# points}} to spend."
         "{{/icu}}{{#tier}} As a {{tier}} member you also get free delivery.{{/tier}}\n\n"
         "See you soon,\n{{business_name}}\n\nTo stop these messages: {{unsubscribe_url}}"},
        {"pt",
         "Caro(a) {{first_name}},\n\n{{#icu}}Tem {points, plural, one {# ponto} other {# pontos}} para gastar."
         "{{/icu}}{{#tier}} Como membro {{tier}} tem também entrega grátis.{{/tier}}\n\n"
         "Até breve,\n{{business_name}}\n\nPara deixar de receber estas mensagens: {{unsubscribe_url}}"},
        {"da",
         "Kære {{first_name}},\n\n{{#icu}}Du har {points, plural, one {# point} other {# point}} at bruge."
         "{{/icu}}{{#tier}} Som {{tier}}-medlem får du også gratis levering.{{/tier}}\n\n"
         "Vi ses,\n{{business_name}}\n\nFor at stoppe disse beskeder: {{unsubscribe_url}}"}}},
  };
}

}  // namespace retain::outreach
