// Message templates: what a campaign or journey says, in mustache (kainjow's implementation), with
// a variant per language. One template serves every channel: the subject is an e-mail's subject,
// a letter's heading and a webhook's title; the text is an e-mail's plain part, a letter's body
// and a webhook's message; the HTML, when given, is an e-mail's rich part.
//
// Values come from the customer and the moment (see kVariables) and are written for the
// reader's language: numbers with the locale's grouping, money objects ({"minor": 1250,
// "currency": "EUR"}) with the currency, days ({"date": "2026-12-24"}) in the long form. A section
// {{#icu}}...{{/icu}} is an ICU MessageFormat pattern over the numeric and date values, for
// plurals: {{#icu}}{points, plural, one {# point} other {# points}}{{/icu}}.
// Pure functions, no storage.
#ifndef RETAIN_OUTREACH_TEMPLATE_H_
#define RETAIN_OUTREACH_TEMPLATE_H_

#include <array>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace retain::outreach {

inline constexpr std::array<std::string_view, 3> kLocales = {"en", "pt", "da"};
// Marketing messages need the channel's consent and count against frequency caps and quiet
// hours; transactional ones (a receipt, a payment that failed, a case update) do not, but a
// suppressed address is never written to.
inline constexpr std::array<std::string_view, 2> kPurposes = {"marketing", "transactional"};

struct VariableInfo {
  std::string_view name;
  std::string_view help;
};
// The values a message may name. Journeys add their event's values (e.g. amount, expires_on).
inline constexpr std::array<VariableInfo, 16> kVariables = {{
    {"first_name", "the customer's first name"},
    {"name", "the customer's full name"},
    {"email", "e-mail address"},
    {"customer_id", "the customer's id"},
    {"city", "city of the postal address"},
    {"tier", "loyalty tier (empty when none)"},
    {"points", "loyalty points available (a number)"},
    {"plan", "the plan of an active subscription (empty when none)"},
    {"clv", "expected value of the next year (money)"},
    {"today", "the day the message is written (a date)"},
    {"business_name", "the business's name"},
    {"unsubscribe_url", "where the customer stops this kind of message"},
    {"coupon_code", "a coupon that comes with the message, when there is one"},
    {"amount", "the amount of the event, e.g. a failed payment (money)"},
    {"expires_on", "when points or a coupon expire (a date)"},
    {"expiring_points", "points about to expire (a number)"},
}};

// A text in each language; "en" is required and stands in for a missing one.
using LocalText = std::map<std::string, std::string, std::less<>>;

struct MessageTemplate {
  std::string key;
  std::string name;
  std::string purpose = "marketing";  // one of kPurposes
  LocalText subject;
  LocalText text;
  LocalText html;  // optional; an e-mail without it carries the text as simple HTML paragraphs
};

// Parses and checks a template document; `key` comes from its address. Every text is parsed as
// mustache: InvalidArgument whose field names the text ("text.pt") and whose message gives the
// line and column of the mistake ("unclosed section \"tier\" at line 3, column 5").
Result<MessageTemplate> ParseTemplate(std::string_view key, const nlohmann::json& document);
nlohmann::json TemplateDocument(const MessageTemplate& t);
// Languages in which the subject or text is missing (English stands in there).
std::vector<std::string> MissingTranslations(const MessageTemplate& t);
// Names a text uses that are neither in kVariables nor in `extra`, each once, e.g. a misspelt
// {{frist_name}} (which mustache would silently leave empty).
std::vector<std::string> UnknownVariables(const MessageTemplate& t, const std::vector<std::string>& extra = {});

struct RenderedMessage {
  std::string locale;  // the language written (the customer's when the template has it)
  std::string subject;
  std::string text;
  std::string html;
};

// Writes the template for one reader. `values` is a JSON object (see the header comment);
// `locale` the reader's language. InvalidArgument when an {{#icu}} pattern fails, naming the text.
Result<RenderedMessage> Render(const MessageTemplate& t, std::string_view locale, const nlohmann::json& values);

// A template to start from: a points reminder in three languages with a plural.
nlohmann::json ExampleTemplateDocument();

}  // namespace retain::outreach

#endif  // RETAIN_OUTREACH_TEMPLATE_H_
