#include "outreach/email.h"

#include <fmt/format.h>

#include <date/date.h>

#include "common/crypto.h"

namespace retain::outreach {
namespace {

bool IsAscii(std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x80 || u < 0x20) return false;
  }
  return true;
}

// A header value as RFC 2047 encoded words when it is not plain ASCII, split so no word
// exceeds 75 characters and no UTF-8 sequence is cut.
std::string EncodeWords(std::string_view value) {
  if (IsAscii(value)) return std::string(value);
  std::string out;
  size_t start = 0;
  constexpr size_t kChunk = 45;  // bytes per word: base64 of 45 is 60, plus 12 for =?UTF-8?B?...?=
  while (start < value.size()) {
    size_t end = std::min(value.size(), start + kChunk);
    while (end < value.size() && (static_cast<unsigned char>(value[end]) & 0xC0) == 0x80) --end;
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + Base64(value.substr(start, end - start)) + "?=";
    start = end;
  }
  return out;
}

std::string MailboxHeader(const Mailbox& m) {
  if (m.name.empty()) return m.address;
  if (IsAscii(m.name)) {
    std::string quoted;
    for (char c : m.name) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    return fmt::format("\"{}\" <{}>", quoted, m.address);
  }
  return fmt::format("{} <{}>", EncodeWords(m.name), m.address);
}

// Base64 in lines of 76 characters.
std::string Base64Lines(std::string_view body) {
  std::string encoded = Base64(body);
  std::string out;
  for (size_t i = 0; i < encoded.size(); i += 76) out += encoded.substr(i, 76) + "\r\n";
  return out;
}

// No CR or LF inside a header value (a subject or name cannot add headers).
std::string OneLine(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return out;
}

}  // namespace

bool IsValidAddress(std::string_view address) {
  auto at = address.find('@');
  if (at == std::string_view::npos || at == 0 || address.find('@', at + 1) != std::string_view::npos) return false;
  if (address.size() > 254) return false;
  for (char c : address) {
    if (c == ' ' || c == '<' || c == '>' || c == '\r' || c == '\n' || c == ',' || c == ';' || c == '"') return false;
  }
  auto domain = address.substr(at + 1);
  auto dot = domain.find('.');
  return dot != std::string_view::npos && dot > 0 && dot + 1 < domain.size();
}

std::string ComposeEmail(const Email& email) {
  std::string out;
  auto header = [&out](std::string_view name, std::string_view value) { out += fmt::format("{}: {}\r\n", name, value); };
  header("From", OneLine(MailboxHeader(email.from)));
  header("To", OneLine(MailboxHeader(email.to)));
  if (!email.reply_to.empty()) header("Reply-To", OneLine(email.reply_to));
  header("Subject", EncodeWords(OneLine(email.subject)));
  header("Date", date::format("%a, %d %b %Y %H:%M:%S +0000", email.date));
  header("Message-ID", "<" + OneLine(email.message_id) + ">");
  header("MIME-Version", "1.0");
  std::vector<std::string> unsubscribe;
  if (!email.unsubscribe_url.empty()) unsubscribe.push_back("<" + OneLine(email.unsubscribe_url) + ">");
  if (!email.unsubscribe_mailto.empty()) unsubscribe.push_back("<mailto:" + OneLine(email.unsubscribe_mailto) + ">");
  if (!unsubscribe.empty()) header("List-Unsubscribe", fmt::format("{}", fmt::join(unsubscribe, ", ")));
  if (!email.unsubscribe_url.empty()) header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
  for (const auto& [name, value] : email.headers) header(OneLine(name), OneLine(value));
  if (email.html.empty()) {
    header("Content-Type", "text/plain; charset=UTF-8");
    header("Content-Transfer-Encoding", "base64");
    out += "\r\n" + Base64Lines(email.text);
    return out;
  }
  std::string boundary = "=_retain_" + Sha256Hex(email.message_id).substr(0, 24);
  header("Content-Type", fmt::format("multipart/alternative; boundary=\"{}\"", boundary));
  out += "\r\nThis is a message in MIME format.\r\n";
  auto part = [&](std::string_view type, std::string_view body) {
    out += fmt::format("\r\n--{}\r\nContent-Type: {}; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n", boundary,
                       type);
    out += Base64Lines(body);
  };
  part("text/plain", email.text);
  part("text/html", email.html);
  out += fmt::format("\r\n--{}--\r\n", boundary);
  return out;
}

}  // namespace retain::outreach
