#include "outreach/message.h"

#include <fmt/format.h>

#include "common/crypto.h"
#include "outreach/locale_format.h"

namespace retain::outreach {
namespace {

using nlohmann::json;

PostalAddress PostalOf(const core::Customer& c) {
  return {c.name, c.address_line1, c.address_line2, c.postal_code, c.city, c.region, c.country};
}

std::string FirstName(const std::string& name) {
  auto space = name.find(' ');
  return space == std::string::npos ? name : name.substr(0, space);
}

}  // namespace

Result<OutreachSettings> ParseOutreachSettings(const json& d) {
  OutreachSettings s;
  if (!d.is_object()) return MakeError(ErrorCode::kInvalidArgument, "must be a JSON object", "settings");
  if (auto it = d.find("sender"); it != d.end()) {
    if (!it->is_object()) return MakeError(ErrorCode::kInvalidArgument, "must be an object", "sender");
    Sender& out = s.sender;
    for (const char* field : {"business_name", "from_email", "reply_to", "country", "city", "currency", "paper"}) {
      if (it->contains(field) && !(*it)[field].is_string()) {
        return MakeError(ErrorCode::kInvalidArgument, "must be text", fmt::format("sender.{}", field));
      }
    }
    out.business_name = it->value("business_name", out.business_name);
    out.from_email = it->value("from_email", out.from_email);
    out.reply_to = it->value("reply_to", out.reply_to);
    out.country = it->value("country", out.country);
    out.city = it->value("city", out.city);
    out.currency = it->value("currency", out.currency);
    if (!IsValidAddress(out.from_email)) {
      return MakeError(ErrorCode::kInvalidArgument, "must be an e-mail address", "sender.from_email");
    }
    if (!out.reply_to.empty() && !IsValidAddress(out.reply_to)) {
      return MakeError(ErrorCode::kInvalidArgument, "must be an e-mail address", "sender.reply_to");
    }
    if (auto paper = ParsePaper(it->value("paper", std::string("a4"))); paper) {
      out.paper = *paper;
    } else {
      return MakeError(ErrorCode::kInvalidArgument, paper.error().message, "sender.paper");
    }
    if (it->contains("postal_address")) {
      const json& lines = (*it)["postal_address"];
      if (!lines.is_array()) return MakeError(ErrorCode::kInvalidArgument, "must be a list of lines", "sender.postal_address");
      for (const auto& l : lines) {
        if (!l.is_string()) return MakeError(ErrorCode::kInvalidArgument, "must be a list of lines", "sender.postal_address");
        out.postal_address.push_back(l.get<std::string>());
      }
    }
  }
  if (auto it = d.find("policy"); it != d.end()) {
    auto policy = ParseSendPolicy(*it);
    if (!policy) return MakeError(ErrorCode::kInvalidArgument, policy.error().message, "policy." + policy.error().field);
    s.policy = *policy;
  }
  return s;
}

json OutreachSettingsDocument(const OutreachSettings& s) {
  const Sender& x = s.sender;
  return {{"sender",
           {{"business_name", x.business_name},
            {"from_email", x.from_email},
            {"reply_to", x.reply_to},
            {"postal_address", x.postal_address},
            {"country", x.country},
            {"city", x.city},
            {"currency", x.currency},
            {"paper", x.paper == Paper::kA4 ? "a4" : "letter"}}},
          {"policy", SendPolicyDocument(s.policy)}};
}

json CustomerValues(const core::Customer& c, const Facts* facts, const Sender& sender, Timestamp now, const BusinessZone& zone,
                    const std::string& unsubscribe_url, const json& extra) {
  json v = {{"first_name", FirstName(c.name)},
            {"name", c.name},
            {"email", c.email},
            {"customer_id", c.external_id},
            {"city", c.city},
            {"business_name", sender.business_name},
            {"unsubscribe_url", unsubscribe_url},
            {"today", {{"date", date::format("%F", zone.LocalDate(now))}}},
            {"tier", ""},
            {"plan", ""},
            {"points", 0}};
  if (facts) {
    auto fact = [&](std::string_view name) -> const Value& { return facts->values[*FieldIndex(name)]; };
    if (const auto* tier = std::get_if<std::string>(&fact("tier"))) v["tier"] = *tier;
    if (const auto* plan = std::get_if<std::string>(&fact("plan"))) v["plan"] = *plan;
    if (const auto* points = std::get_if<double>(&fact("points"))) v["points"] = static_cast<int64_t>(*points);
    if (const auto* clv = std::get_if<double>(&fact("clv"))) {
      v["clv"] = {{"minor", static_cast<int64_t>(*clv * 100)}, {"currency", sender.currency}};
    }
  }
  if (extra.is_object()) {
    for (const auto& [k, value] : extra.items()) v[k] = value;
  }
  return v;
}

std::string AddressProblem(const core::Customer& c, std::string_view channel) {
  if (channel == "email") {
    if (c.email.empty()) return "no e-mail address";
    if (!IsValidAddress(c.email)) return fmt::format("'{}' is not an e-mail address", c.email);
    return "";
  }
  if (channel == "print") {
    auto ok = CheckPostalAddress(PostalOf(c));
    return ok ? "" : ok.error().message;
  }
  return "";
}

bool HasConsent(const core::Customer& c, std::string_view channel) {
  if (channel == "email") return c.consent.email;
  if (channel == "print") return c.consent.post;
  return c.consent.sms;  // webhooks carry text messages and social posts
}

std::string AddressOf(const core::Customer& c, std::string_view channel) {
  if (channel == "email") return c.email;
  if (channel == "print") {
    std::string out;
    for (const auto& line : AddressBlock(PostalOf(c), "")) out += (out.empty() ? "" : ", ") + line;
    return out;
  }
  return c.phone;
}

Email EmailFor(const core::Customer& c, const RenderedMessage& m, const Sender& sender, int64_t delivery_id,
               const std::string& unsubscribe_url, Timestamp now) {
  Email e;
  e.from = {sender.business_name, sender.from_email};
  e.to = {c.name, c.email};
  e.reply_to = sender.reply_to;
  e.subject = m.subject;
  e.text = m.text;
  e.html = m.html;
  auto at = sender.from_email.find('@');
  e.message_id = fmt::format("d{}@{}", delivery_id, at == std::string::npos ? "retain.invalid" : sender.from_email.substr(at + 1));
  e.unsubscribe_url = unsubscribe_url;
  e.date = now;
  e.headers = {{"X-Retain-Delivery", std::to_string(delivery_id)}};
  return e;
}

Letter LetterFor(const core::Customer& c, const RenderedMessage& m, const Sender& sender, Timestamp now, const BusinessZone& zone) {
  Letter l;
  l.sender.push_back(sender.business_name);
  for (const auto& line : sender.postal_address) l.sender.push_back(line);
  l.recipient = AddressBlock(PostalOf(c), sender.country);
  std::string day = FormatDate(zone.LocalDate(now), m.locale);
  l.place_and_date = sender.city.empty() ? day : fmt::format("{}, {}", sender.city, day);
  l.subject = m.subject;
  l.body = m.text;
  l.locale = m.locale;
  return l;
}

std::string UnsubscribeToken(const std::string& secret, int64_t delivery_id) {
  std::string id = std::to_string(delivery_id);
  return id + "_" + HmacSha256Hex(secret, "unsubscribe:" + id).substr(0, 32);
}

Result<int64_t> VerifyUnsubscribeToken(const std::string& secret, std::string_view token) {
  auto dot = token.find('_');
  auto bad = [] { return MakeError(ErrorCode::kNotFound, "this unsubscribe link is not valid", "token"); };
  if (secret.empty() || dot == std::string_view::npos || dot == 0 || dot > 18) return bad();
  std::string id(token.substr(0, dot));
  for (char ch : id) {
    if (ch < '0' || ch > '9') return bad();
  }
  if (!ConstantTimeEquals(UnsubscribeToken(secret, std::stoll(id)), token)) return bad();
  return std::stoll(id);
}

}  // namespace retain::outreach
