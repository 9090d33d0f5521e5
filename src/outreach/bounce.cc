#include "outreach/bounce.h"

#include <cctype>
#include <charconv>
#include <vector>

namespace retain::outreach {
namespace {

std::string Lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The message's lines as header fields: a line starting with blank continues the one before.
std::vector<std::pair<std::string, std::string>> Fields(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t at = 0;
  while (at <= text.size()) {
    size_t end = text.find('\n', at);
    std::string_view line = text.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty() && (line.front() == ' ' || line.front() == '\t') && !out.empty()) {
      out.back().second += " " + std::string(Trim(line));
    } else if (auto colon = line.find(':'); colon != std::string_view::npos && colon > 0 &&
               line.substr(0, colon).find(' ') == std::string_view::npos) {
      out.push_back({Lowered(line.substr(0, colon)), std::string(Trim(line.substr(colon + 1)))});
    } else {
      out.push_back({"", ""});  // a blank or body line ends a group of fields
    }
    if (end == std::string_view::npos) break;
    at = end + 1;
  }
  return out;
}

// "rfc822; Ana@Example.com" -> "ana@example.com".
std::string Address(std::string_view value) {
  if (auto semi = value.find(';'); semi != std::string_view::npos) value = value.substr(semi + 1);
  value = Trim(value);
  if (!value.empty() && value.front() == '<' && value.back() == '>') value = value.substr(1, value.size() - 2);
  return Lowered(value);
}

std::optional<int64_t> Number(std::string_view s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end == s.data()) return std::nullopt;
  return v;
}

}  // namespace

Result<Bounce> ParseDsn(std::string_view message) {
  if (message.size() > 1024 * 1024) return MakeError(ErrorCode::kInvalidArgument, "is larger than 1 MB", "message");
  auto fields = Fields(message);
  // Per-recipient groups: each starts at a Final-Recipient (or Original-Recipient) field.
  std::vector<Bounce> recipients;
  std::optional<int64_t> delivery;
  bool in_group = false;
  for (const auto& [name, value] : fields) {
    if (name.empty()) {
      in_group = false;
      continue;
    }
    if (name == "x-retain-delivery" && !delivery) delivery = Number(Trim(value));
    if (name == "message-id" && !delivery) {
      // Retain's own Message-ID: <d123@domain>.
      std::string_view id = Trim(value);
      if (id.size() > 3 && id[0] == '<' && id[1] == 'd') {
        auto at = id.find('@');
        if (at != std::string_view::npos) delivery = Number(id.substr(2, at - 2));
      }
    }
    if (name == "final-recipient" || name == "original-recipient") {
      if (!in_group || name == "final-recipient") {
        if (!in_group) recipients.emplace_back();
        in_group = true;
        if (name == "final-recipient" || recipients.back().recipient.empty()) recipients.back().recipient = Address(value);
      }
      continue;
    }
    if (!in_group) continue;
    if (name == "action") recipients.back().action = Lowered(Trim(value));
    if (name == "status") recipients.back().status = std::string(Trim(value).substr(0, Trim(value).find(' ')));
    if (name == "diagnostic-code") recipients.back().diagnostic = std::string(Trim(value));
  }
  const Bounce* chosen = nullptr;
  for (const auto& r : recipients) {
    if (r.recipient.empty() || r.action.empty()) continue;
    if (!chosen || (r.action == "failed" && chosen->action != "failed")) chosen = &r;
  }
  if (!chosen) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "not a delivery status notification: no Final-Recipient and Action (RFC 3464)", "message");
  }
  Bounce out = *chosen;
  out.delivery_id = delivery;
  if (auto semi = out.diagnostic.find(';'); semi != std::string::npos) out.diagnostic = std::string(Trim(out.diagnostic.substr(semi + 1)));
  return out;
}

}  // namespace retain::outreach
