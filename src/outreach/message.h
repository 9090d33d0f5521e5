// From a customer and a written template to what a channel carries: the values a template sees,
// the e-mail, the letter, the webhook payload; and the business's sender details and sending
// rules as one settings document. Pure functions, no storage.
#ifndef RETAIN_OUTREACH_MESSAGE_H_
#define RETAIN_OUTREACH_MESSAGE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "common/time.h"
#include "core/records.h"
#include "outreach/campaign.h"
#include "outreach/email.h"
#include "outreach/letter.h"
#include "outreach/segment.h"
#include "outreach/template.h"

namespace retain::outreach {

// Who the messages are from.
struct Sender {
  std::string business_name = "Retain";
  std::string from_email = "news@retain.invalid";
  std::string reply_to;
  std::vector<std::string> postal_address;  // printed under the letterhead and as the return line
  std::string country = "PT";               // where letters are posted from
  std::string city;                         // the place before a letter's date
  std::string currency = "EUR";             // of money values such as clv
  Paper paper = Paper::kA4;
};

// Where the business's settings keep outreach's: the sender and rules (a JSON document), and the
// secret that signs unsubscribe links.
inline constexpr std::string_view kSettingsKey = "outreach";
inline constexpr std::string_view kSecretKey = "outreach_secret";

// The "outreach" settings: {"sender": {...}, "policy": {...}}. InvalidArgument naming the field.
struct OutreachSettings {
  Sender sender;
  SendPolicy policy;
};
Result<OutreachSettings> ParseOutreachSettings(const nlohmann::json& document);
nlohmann::json OutreachSettingsDocument(const OutreachSettings& s);

// The values of kVariables for a customer (facts from the segment fields, as of `now`), plus
// `extra` (an event's values), which win on a clash.
nlohmann::json CustomerValues(const core::Customer& customer, const Facts* facts, const Sender& sender, Timestamp now,
                              const BusinessZone& zone, const std::string& unsubscribe_url,
                              const nlohmann::json& extra = nlohmann::json::object());

// Whether a customer can be reached on `channel` at all: "" when they can, otherwise why not
// ("no e-mail address", "the postal address has no city").
std::string AddressProblem(const core::Customer& customer, std::string_view channel);
// The consent the customer gave for `channel`.
bool HasConsent(const core::Customer& customer, std::string_view channel);
// The address a delivery goes to, for the log.
std::string AddressOf(const core::Customer& customer, std::string_view channel);

// The e-mail for a written message; `delivery_id` makes the Message-ID.
Email EmailFor(const core::Customer& customer, const RenderedMessage& message, const Sender& sender, int64_t delivery_id,
               const std::string& unsubscribe_url, Timestamp now);
// The letter for a written message (the body is the message's text).
Letter LetterFor(const core::Customer& customer, const RenderedMessage& message, const Sender& sender, Timestamp now,
                 const BusinessZone& zone);

// The token of a delivery's unsubscribe link: "<delivery id>_<HMAC-SHA256 under secret, 32 hex>"
// (no dot, so the web app's page at /u/TOKEN is not taken for a file).
std::string UnsubscribeToken(const std::string& secret, int64_t delivery_id);
// The delivery a token names; NotFound for a token that was not signed with `secret`.
Result<int64_t> VerifyUnsubscribeToken(const std::string& secret, std::string_view token);

}  // namespace retain::outreach

#endif  // RETAIN_OUTREACH_MESSAGE_H_
